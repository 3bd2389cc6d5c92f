//! Compile-time processing: from the pipeline file to one expanded YAML tree.
//!
//! Templates (`template:` in steps, jobs, stages and variables, and `extends:`) are read
//! through a [`Loader`]; a path is relative to the file that names it, a path starting with
//! `/` is relative to its repository's root, and `path@alias` names a file of the
//! repository resource `alias`. Parameters are bound, `${{ }}` expressions evaluated
//! (`if`/`elseif`/`else`, `each`, `insert`, the functions), and the result is a tree with no
//! compile-time construct left, each node still at the position it was written.

use crate::yaml::Node;
use std::collections::BTreeMap;

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
pub struct Expanded {
    pub root: Option<Node>,
    /// Every file read, the pipeline file first: `(repository, path)`.
    pub files: Vec<(Option<String>, String)>,
}
