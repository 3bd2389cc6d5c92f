//! Compile-time processing: from the pipeline file to one expanded YAML tree.
//!
//! Templates (`template:` in steps, jobs, stages and variables, and `extends:`) are read
//! through a [`Loader`]; a path is relative to the file that names it, a path starting with
//! `/` is relative to its repository's root, and `path@alias` names a file of the
//! repository resource `alias`. Parameters are bound, `${{ }}` expressions evaluated
//! (`if`/`elseif`/`else`, `each`, `insert`, the functions), and the result is a tree with no
//! compile-time construct left, each node still at the position it was written.
//!
//! What this follows:
//!
//! - `${{ if }}`, `${{ elseif }}`, `${{ else }}`, `${{ each x in … }}` and `${{ insert }}`
//!   are keys: in a mapping their value is a mapping merged into it; in a sequence they are
//!   the one key of an item, and their value's items (or the value itself) are inserted;
//!   `elseif` and `else` follow an `if` of the same mapping or sequence;
//! - `each` over a mapping gives `{key, value}` items;
//! - a scalar that is one `${{ }}` takes the value's type (a parameter's list or mapping is
//!   inserted as it was written, at its own positions); `${{ }}` within text is converted
//!   to text; run-time `$(…)` and `$[…]` stay as written;
//! - `variables` in expressions are those of the `variables:` read so far in the mappings
//!   around (pipeline, stage, job), later ones replacing earlier ones of the same name;
//!   names not defined in the YAML (`Build.SourceBranch`) are null, so empty text;
//! - template parameters (the list form `- name/type/default/values`, or the older mapping
//!   `name: default`, which accepts undeclared ones): a value missing with no default, not
//!   declared, of the wrong type or not among `values` is KL011; booleans are `true` or
//!   `false` in any case, numbers decimal; values are expanded where the reference is
//!   written, before the template sees them;
//! - a template in a list inserts its `steps:`, `jobs:`, `stages:` or `variables:` (the
//!   list's own kind when it has several); `extends:` merges the template's root keys into
//!   the pipeline (`variables` of both are joined; another key given by both is KL006);
//! - a missing file is KL007 at the reference, naming the resolved path; a file of a
//!   repository not available here is a KL012 note and the reference is dropped (an
//!   `extends:` is kept without its parameters); a template that includes itself, directly
//!   or not, or a chain deeper than [`MAX_TEMPLATE_DEPTH`], is KL008;
//! - limits ([`MAX_EXPANDED_NODES`], [`MAX_EXPANDED_TEXT`], [`MAX_EXPANDED_DEPTH`],
//!   [`MAX_WORK`]) stop expansion with KL003;
//! - a finding made again (a loop's body, a template used twice) is reported once.

use crate::diag::Diagnostic;
use crate::yaml::Node;
use std::collections::BTreeMap;

mod directive;
mod expand;
mod fs;
mod include;
mod params;
mod path;
mod scalar;

pub use fs::FsLoader;

/// The deepest chain of templates including templates.
pub const MAX_TEMPLATE_DEPTH: usize = 100;
/// The most nodes of the expanded tree.
pub const MAX_EXPANDED_NODES: usize = 100_000;
/// The most bytes of scalar text in the expanded tree.
pub const MAX_EXPANDED_TEXT: usize = 20_000_000;
/// The deepest nesting of the expanded tree.
pub const MAX_EXPANDED_DEPTH: usize = 100;
/// The deepest recursion of expansion: mappings and sequences, and the conditions, loops
/// and templates inside each other.
pub const MAX_NESTING: usize = 256;
/// The most steps of expansion (nodes visited, loop rounds, expressions evaluated).
pub const MAX_WORK: usize = 1_000_000;

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// No such file.
    NotFound,
    /// The file belongs to a repository that is not available here (offline linting of
    /// `file@alias` without a local copy of `alias`).
    Unavailable,
    /// It exists but cannot be read (I/O error, not UTF-8, over 1 MiB): the reason.
    Unreadable(String),
}

/// Reads pipeline files. `repository` is `None` for the pipeline's own repository, or a
/// repository resource's alias; `path` is normalized, relative to that repository's root,
/// with `/` separators and no `.` or `..` segments.
pub trait Loader {
    fn read(&self, repository: Option<&str>, path: &str) -> Result<String, LoadError>;
}

/// Files held in memory, by path in the pipeline's own repository (what the server keeps
/// of a pipeline: its file and the templates it includes). Other repositories are
/// unavailable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapLoader(pub BTreeMap<String, String>);

impl Loader for MapLoader {
    fn read(&self, repository: Option<&str>, path: &str) -> Result<String, LoadError> {
        match repository {
            Some(_) => Err(LoadError::Unavailable),
            None => self.0.get(path).cloned().ok_or(LoadError::NotFound),
        }
    }
}

/// What the run supplies at compile time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Values of the pipeline's top-level `parameters:` (as text, converted to each
    /// parameter's type), overriding their defaults.
    pub parameters: Vec<(String, String)>,
}

/// The expanded tree of the pipeline at `path`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expanded {
    pub root: Option<Node>,
    /// Every file read, the pipeline file first: `(repository, path)`.
    pub files: Vec<(Option<String>, String)>,
}

/// Expands the pipeline at `path` (in its own repository): templates inserted, parameters
/// bound, `${{ }}` evaluated. The tree is `None` when the file cannot be read or parsed,
/// or a limit stopped expansion.
pub fn expand(path: &str, loader: &dyn Loader, options: &Options) -> (Expanded, Vec<Diagnostic>) {
    let mut x = expand::Expander::new(loader);
    let root = x.pipeline(path, options);
    // A finding inside a loop or a template used twice is made once per round: keep one.
    let mut seen = std::collections::HashSet::new();
    let diags = x
        .diags
        .into_iter()
        .filter(|d| seen.insert((d.code, d.loc.clone(), d.message.clone())))
        .collect();
    (
        Expanded {
            root,
            files: x.files,
        },
        diags,
    )
}
