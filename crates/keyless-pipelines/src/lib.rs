//! Azure Pipelines YAML, as keyless reads it.
//!
//! - [`yaml`]: YAML text to a tree of [`yaml::Node`]s that know their file, line and column,
//!   within limits on size, depth and alias expansion;
//! - [`template`]: compile-time processing: templates (step, job, stage, variable, `extends`;
//!   local paths and `file@alias`), parameters, `${{ }}` expressions ([`expr`]), giving one
//!   expanded tree;
//! - [`compile`]: the two together, findings sorted;
//! - [`model`]: the expanded tree read into a typed [`model::Pipeline`];
//! - [`catalogue`]: the built-in tasks: which inputs carry a connection, of which type, and
//!   whether each task and input supports workload identity federation;
//! - [`refs`]: the connections a pipeline uses, read from its tasks and resources;
//! - [`lint`]: the rules, each finding a [`diag::Diagnostic`] with a stable [`diag::Code`];
//! - [`report`]: findings as text for people, JSON, and SARIF 2.1.0.
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod diag;
pub mod expr;
pub mod lint;
pub mod loc;
pub mod model;
pub mod refs;
pub mod report;
pub mod template;
#[cfg(test)]
mod testing;
pub mod yaml;

pub use diag::{Code, Diagnostic, Severity};
pub use loc::Loc;

/// A pipeline file compiled: the typed pipeline when it could be read, every finding of
/// compile-time processing, and the files read (the pipeline file first).
pub struct Compiled {
    pub pipeline: Option<model::Pipeline>,
    pub diagnostics: Vec<Diagnostic>,
    pub files: Vec<(Option<String>, String)>,
}

/// Compiles the pipeline at `path`: compile-time processing ([`template::expand`]), then
/// the typed model ([`model::read`]). Findings are sorted by file, line and column.
pub fn compile(path: &str, loader: &dyn template::Loader, options: &template::Options) -> Compiled {
    let (expanded, mut diagnostics) = template::expand(path, loader, options);
    let pipeline = match &expanded.root {
        Some(root) => {
            let (pipeline, found) = model::read(root);
            diagnostics.extend(found);
            pipeline
        }
        None => None,
    };
    diagnostics.sort_by(|a, b| a.loc.cmp(&b.loc));
    Compiled {
        pipeline,
        diagnostics,
        files: expanded.files,
    }
}
