//! `keyless lint`'s inputs: the files named and found below the folders named, and each
//! file compiled into a pipeline (templates read from the file's repository, or from a local
//! copy of another repository given with `--repo ALIAS=PATH`).

use keyless_pipelines::template::LoadError;
use keyless_pipelines::{Code, Compiled, Diagnostic, Loc, model, yaml};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files larger than this are not read (KL001).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// One file to lint: where it is and how reports name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: PathBuf,
    pub display: String,
}

/// The files to lint, in the order the paths were given; below a folder every `*.yml` and
/// `*.yaml` file (case-insensitive), hidden folders and files skipped, sorted by path. A path
/// that does not exist is kept, so that linting it reports KL001.
pub fn discover(paths: &[PathBuf]) -> Vec<Target> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found);
            found.sort();
            out.extend(found.into_iter().map(|path| Target {
                display: display(&path),
                path,
            }));
        } else {
            out.push(Target {
                path: p.clone(),
                display: p.to_string_lossy().into_owned(),
            });
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

/// A file's text: at most [`MAX_FILE_BYTES`], UTF-8.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound,
        _ => LoadError::Unreadable(e.to_string()),
    })?;
    if meta.is_dir() {
        return Err(LoadError::Unreadable("it is a folder".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError::Unreadable(format!(
            "it has {} bytes, more than 1 MiB",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| LoadError::Unreadable(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| LoadError::Unreadable("it is not UTF-8 text".into()))
}

/// What `--repo` and `--param` give compile-time processing.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `ALIAS=PATH`: local copies of repository resources.
    pub repos: BTreeMap<String, PathBuf>,
    /// `NAME=VALUE`: values of the pipeline's top-level parameters.
    pub params: Vec<(String, String)>,
}

fn unreadable(display: &str, reason: &str) -> Compiled {
    let file: Arc<str> = Arc::from(display);
    Compiled {
        pipeline: None,
        diagnostics: vec![Diagnostic::new(
            Code::UnreadableFile,
            Loc::start(&file),
            format!("The file cannot be read: {reason}."),
        )],
        files: Vec::new(),
    }
}

/// Compiles one file: parse, then read the pipeline model.
pub fn compile(t: &Target, _inputs: &Inputs) -> Compiled {
    let text = match read_text(&t.path) {
        Ok(text) => text,
        Err(LoadError::NotFound) => return unreadable(&t.display, "no such file"),
        Err(LoadError::Unavailable) => return unreadable(&t.display, "not available"),
        Err(LoadError::Unreadable(why)) => return unreadable(&t.display, &why),
    };
    let file: Arc<str> = Arc::from(t.display.as_str());
    let files = vec![(None, t.display.clone())];
    match yaml::parse(&file, &text) {
        Err(d) => Compiled {
            pipeline: None,
            diagnostics: vec![d],
            files,
        },
        Ok(root) => {
            let (pipeline, diagnostics) = model::read(&root);
            Compiled {
                pipeline,
                diagnostics,
                files,
            }
        }
    }
}
