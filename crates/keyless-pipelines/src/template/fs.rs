//! [`FsLoader`]: pipeline files from folders on disk.

use super::path::normalize;
use super::{LoadError, Loader};
use crate::yaml::MAX_INPUT_BYTES;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Reads files under `root` (the pipeline's own repository) and under the folder of each
/// repository alias in `repositories`; an alias without a folder is unavailable.
///
/// A path never leaves its root: `..` above it, or a symbolic link to outside it, is
/// refused. A file must hold at most 1 MiB of UTF-8. `root` is resolved (symbolic links
/// followed) once, at the first read; a repository's folder at each read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FsLoader {
    root: PathBuf,
    repositories: BTreeMap<String, PathBuf>,
    resolved_root: OnceLock<Option<PathBuf>>,
}

impl FsLoader {
    pub fn new(root: PathBuf, repositories: BTreeMap<String, PathBuf>) -> FsLoader {
        FsLoader {
            root,
            repositories,
            resolved_root: OnceLock::new(),
        }
    }

    /// A loader whose `root` is already resolved (as [`std::fs::canonicalize`] gives it):
    /// reading resolves only the files.
    pub fn with_resolved_root(root: PathBuf, repositories: BTreeMap<String, PathBuf>) -> FsLoader {
        FsLoader {
            resolved_root: OnceLock::from(Some(root.clone())),
            root,
            repositories,
        }
    }

    /// The folder of `repository` (the pipeline's own for `None`), resolved.
    fn folder(&self, repository: Option<&str>) -> Result<PathBuf, LoadError> {
        let resolved = match repository {
            None => self
                .resolved_root
                .get_or_init(|| self.root.canonicalize().ok())
                .clone(),
            Some(alias) => {
                let folder = self.repositories.get(alias).ok_or(LoadError::Unavailable)?;
                folder.canonicalize().ok()
            }
        };
        resolved.ok_or(LoadError::NotFound)
    }
}

impl Loader for FsLoader {
    fn read(&self, repository: Option<&str>, path: &str) -> Result<String, LoadError> {
        let root = self.folder(repository)?;
        let relative = normalize(path).ok_or(LoadError::NotFound)?;
        if relative.is_empty() {
            return Err(LoadError::NotFound);
        }
        let file = open_below(&root, &root.join(&relative))?;
        let meta = file
            .metadata()
            .map_err(|e| LoadError::Unreadable(e.to_string()))?;
        if !meta.is_file() {
            return Err(LoadError::Unreadable("it is not a file".to_owned()));
        }
        if meta.len() > MAX_INPUT_BYTES as u64 {
            return Err(too_large(meta.len()));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
        file.take(MAX_INPUT_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| LoadError::Unreadable(e.to_string()))?;
        if bytes.len() > MAX_INPUT_BYTES {
            return Err(too_large(bytes.len() as u64));
        }
        String::from_utf8(bytes).map_err(|e| {
            LoadError::Unreadable(format!(
                "it is not UTF-8 (byte {})",
                e.utf8_error().valid_up_to()
            ))
        })
    }
}

fn not_found_or_unreadable(e: std::io::Error) -> LoadError {
    match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound,
        _ => LoadError::Unreadable(e.to_string()),
    }
}

fn escapes() -> LoadError {
    LoadError::Unreadable("the path leads outside the repository (a symbolic link)".to_owned())
}

/// Opens `full` (below the canonical `root`) when its real path, symbolic links followed,
/// is below `root`. On Linux the file is opened first (without blocking, so a FIFO or a
/// device does not wait) and its real path read back from `/proc/self/fd`: one call instead
/// of one per path component.
#[cfg(target_os = "linux")]
fn open_below(root: &Path, full: &Path) -> Result<File, LoadError> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(full)
        .map_err(not_found_or_unreadable)?;
    let real = match std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
        Ok(p) => p,
        // No /proc: the path resolved component by component.
        Err(_) => full.canonicalize().map_err(not_found_or_unreadable)?,
    };
    if !real.starts_with(root) {
        return Err(escapes());
    }
    Ok(file)
}

/// Opens `full` (below the canonical `root`) when its real path, symbolic links followed,
/// is below `root`; the path is resolved before anything is opened.
#[cfg(not(target_os = "linux"))]
fn open_below(root: &Path, full: &Path) -> Result<File, LoadError> {
    let real = full.canonicalize().map_err(not_found_or_unreadable)?;
    if !real.starts_with(root) {
        return Err(escapes());
    }
    let meta = std::fs::metadata(&real).map_err(|e| LoadError::Unreadable(e.to_string()))?;
    if !meta.is_file() {
        return Err(LoadError::Unreadable("it is not a file".to_owned()));
    }
    File::open(&real).map_err(|e| LoadError::Unreadable(e.to_string()))
}

fn too_large(len: u64) -> LoadError {
    LoadError::Unreadable(format!(
        "it has {len} bytes, more than the {MAX_INPUT_BYTES} read"
    ))
}
