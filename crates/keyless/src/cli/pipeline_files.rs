//! A pipeline file and the templates of its repository it includes, read from disk to be
//! sent to the server (which compiles them again and keeps them).

use anyhow::Context;
use keyless_pipelines::template::{FsLoader, Options};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The repository a file belongs to: the nearest folder above it holding `.git`, else the
/// file's own folder.
pub fn repository_root(file: &Path) -> PathBuf {
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(dir)
}

/// `file`'s path relative to `root`, with `/` separators.
fn relative(root: &Path, file: &Path) -> anyhow::Result<String> {
    let file =
        std::fs::canonicalize(file).with_context(|| format!("cannot read {}", file.display()))?;
    let rel = file
        .strip_prefix(root)
        .with_context(|| format!("{} is not inside {}", file.display(), root.display()))?;
    Ok(rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/"))
}

/// The pipeline file's path in its repository and every file of that repository it reads
/// (itself and its templates), by path. Templates of other repositories stay out: the
/// server reports them as not checked.
pub fn bundle(root: &Path, file: &Path) -> anyhow::Result<(String, BTreeMap<String, String>)> {
    let path = relative(root, file)?;
    let loader = FsLoader::new(root.to_path_buf(), BTreeMap::new());
    let compiled = keyless_pipelines::compile(&path, &loader, &Options::default());
    let mut files = BTreeMap::new();
    for (repository, p) in compiled.files {
        if repository.is_none() {
            let text = std::fs::read_to_string(root.join(&p))
                .with_context(|| format!("cannot read {}", root.join(&p).display()))?;
            files.insert(p, text);
        }
    }
    if !files.contains_key(&path) {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        files.insert(path.clone(), text);
    }
    Ok((path, files))
}
