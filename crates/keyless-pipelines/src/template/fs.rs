//! [`FsLoader`]: pipeline files from folders on disk.

use super::path::normalize;
use super::{LoadError, Loader};
use crate::yaml::MAX_INPUT_BYTES;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

/// Reads files under `root` (the pipeline's own repository) and under the folder of each
/// repository alias in `repositories`; an alias without a folder is unavailable.
///
/// A path never leaves its root: `..` above it, or a symbolic link to outside it, is
/// refused. A file must hold at most 1 MiB of UTF-8.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FsLoader {
    pub root: PathBuf,
    pub repositories: BTreeMap<String, PathBuf>,
}

impl Loader for FsLoader {
    fn read(&self, repository: Option<&str>, path: &str) -> Result<String, LoadError> {
        let root = match repository {
            None => &self.root,
            Some(alias) => self.repositories.get(alias).ok_or(LoadError::Unavailable)?,
        };
        let relative = normalize(path).ok_or(LoadError::NotFound)?;
        if relative.is_empty() {
            return Err(LoadError::NotFound);
        }
        let root = root.canonicalize().map_err(|_| LoadError::NotFound)?;
        let full = root
            .join(&relative)
            .canonicalize()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => LoadError::NotFound,
                _ => LoadError::Unreadable(e.to_string()),
            })?;
        if !full.starts_with(&root) {
            return Err(LoadError::Unreadable(
                "the path leads outside the repository (a symbolic link)".to_owned(),
            ));
        }
        let meta = std::fs::metadata(&full).map_err(|e| LoadError::Unreadable(e.to_string()))?;
        if !meta.is_file() {
            return Err(LoadError::Unreadable("it is not a file".to_owned()));
        }
        if meta.len() > MAX_INPUT_BYTES as u64 {
            return Err(too_large(meta.len()));
        }
        let file = std::fs::File::open(&full).map_err(|e| LoadError::Unreadable(e.to_string()))?;
        let mut bytes = Vec::new();
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

fn too_large(len: u64) -> LoadError {
    LoadError::Unreadable(format!(
        "it has {len} bytes, more than the {MAX_INPUT_BYTES} read"
    ))
}
