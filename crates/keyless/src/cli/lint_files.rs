//! `keyless lint`'s inputs: the files named and found below the folders named, and each
//! file compiled into a pipeline: templates read from the file's repository (the nearest
//! folder above it with a `.git`, else its own folder), or from a local copy of another
//! repository given with `--repo ALIAS=PATH`.

use keyless_pipelines::template::{FsLoader, Options};
use keyless_pipelines::{Compiled, Diagnostic};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One file to lint: where it is, its repository, and how reports name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// How reports name the file: as given, or below a folder as found there.
    pub display: String,
    /// The root of the file's repository, resolved (symbolic links followed) when its
    /// folder exists.
    pub root: PathBuf,
    /// The file's path from `root`, with `/` separators.
    pub relative: String,
}

/// Resolves each folder, and finds its repository root, once.
#[derive(Default)]
struct Roots(HashMap<PathBuf, (PathBuf, PathBuf)>);

impl Roots {
    fn target(&mut self, path: &Path, display: String) -> Target {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let (abs, root) = self.0.entry(dir.to_path_buf()).or_insert_with(|| {
            let abs = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
            let root = abs
                .ancestors()
                .find(|a| a.join(".git").exists())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| abs.clone());
            (abs, root)
        });
        let file = abs.join(path.file_name().unwrap_or_default());
        let relative = file
            .strip_prefix(&*root)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        Target {
            display,
            root: root.clone(),
            relative,
        }
    }
}

/// The files to lint, in the order the paths were given; below a folder every `*.yml` and
/// `*.yaml` file (case-insensitive), hidden folders and files skipped, sorted by path. A path
/// that does not exist is kept, so that linting it reports KL001.
pub fn discover(paths: &[PathBuf]) -> Vec<Target> {
    let mut roots = Roots::default();
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found);
            found.sort();
            for f in found {
                let t = roots.target(&f, display(&f));
                out.push(t);
            }
        } else {
            let t = roots.target(p, p.to_string_lossy().into_owned());
            out.push(t);
        }
    }
    out
}

/// How reports name a file found below a folder: without a leading `./`.
fn display(p: &Path) -> String {
    p.strip_prefix(".")
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

fn hidden(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if hidden(&path) {
            continue;
        }
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            walk(&path, out);
        } else if kind.is_file() || kind.is_symlink() && path.is_file() {
            let ext = path
                .extension()
                .and_then(|x| x.to_str())
                .map(str::to_ascii_lowercase);
            if matches!(ext.as_deref(), Some("yml" | "yaml")) {
                out.push(path);
            }
        }
    }
}

/// What `--repo` and `--param` give compile-time processing.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `ALIAS=PATH`: local copies of repository resources.
    pub repos: BTreeMap<String, PathBuf>,
    /// `NAME=VALUE`: values of the pipeline's top-level parameters.
    pub params: Vec<(String, String)>,
}

/// Compiles one file (templates, parameters, expressions, then the model).
pub fn compile(t: &Target, inputs: &Inputs) -> Compiled {
    let loader = FsLoader::with_resolved_root(t.root.clone(), inputs.repos.clone());
    let options = Options {
        parameters: inputs.params.clone(),
    };
    keyless_pipelines::compile(&t.relative, &loader, &options)
}

/// Names the file in findings as the user named it (compilation names it by its path in
/// its repository); findings in templates keep their repository paths.
pub fn rename(t: &Target, d: &mut [Diagnostic]) {
    let shown: Arc<str> = Arc::from(t.display.as_str());
    for x in d {
        if *x.loc.file == *t.relative {
            x.loc.file = shown.clone();
        }
    }
}
