//! Template references to files: `path`, `/path`, `path@alias`.

use std::sync::Arc;

/// A file in a repository: `repo` is `None` for the pipeline's own repository.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct FileKey {
    pub(crate) repo: Option<String>,
    /// Normalized, relative to the repository's root, `/`-separated.
    pub(crate) path: String,
}

impl FileKey {
    /// The name findings use: the path, with `@alias` for another repository's file.
    pub(crate) fn display(&self) -> Arc<str> {
        match &self.repo {
            None => Arc::from(self.path.as_str()),
            Some(alias) => Arc::from(format!("{}@{alias}", self.path)),
        }
    }

    /// The folder of the file, with a trailing `/` (empty at the root).
    fn folder(&self) -> &str {
        match self.path.rfind('/') {
            Some(i) => &self.path[..=i],
            None => "",
        }
    }
}

/// Normalizes a path: `\` as `/`, no `.`, `..` taken back; `None` when `..` goes above the
/// root. A leading `/` is dropped.
pub(crate) fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let path = path.replace('\\', "/");
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Why a reference does not name a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefError {
    /// `@alias` is not a repository resource of the pipeline.
    UnknownAlias(String),
    /// `..` leaves the repository.
    Escapes,
    /// Nothing is named.
    Empty,
}

/// Resolves `reference` written in `from`: relative to `from`'s folder; from the
/// repository's root when it starts with `/`; `path@alias` in the repository resource
/// `alias` (`self`: the pipeline's own), from that repository's root.
pub(crate) fn resolve(
    from: &FileKey,
    reference: &str,
    aliases: &[String],
) -> Result<FileKey, RefError> {
    let reference = reference.trim();
    let (path, repo) = match reference.rsplit_once('@') {
        Some((path, alias)) => {
            let alias = alias.trim();
            let repo = if alias == "self" {
                None
            } else if aliases.iter().any(|a| a == alias) {
                Some(alias.to_owned())
            } else {
                return Err(RefError::UnknownAlias(alias.to_owned()));
            };
            (path.trim(), Some(repo))
        }
        None => (reference, None),
    };
    if path.is_empty() {
        return Err(RefError::Empty);
    }
    let (repo, joined) = match repo {
        // `path@alias`: from the root of that repository.
        Some(repo) => (repo, path.to_owned()),
        None if path.starts_with('/') || path.starts_with('\\') => {
            (from.repo.clone(), path.to_owned())
        }
        None => (from.repo.clone(), format!("{}{path}", from.folder())),
    };
    let path = normalize(&joined).ok_or(RefError::Escapes)?;
    if path.is_empty() {
        return Err(RefError::Empty);
    }
    Ok(FileKey { repo, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(repo: Option<&str>, path: &str) -> FileKey {
        FileKey {
            repo: repo.map(str::to_owned),
            path: path.to_owned(),
        }
    }

    #[test]
    fn relative_absolute_and_aliased() {
        let aliases = vec!["tools".to_owned()];
        let from = key(None, "ci/pipelines/main.yml");
        assert_eq!(
            resolve(&from, "steps/build.yml", &aliases),
            Ok(key(None, "ci/pipelines/steps/build.yml"))
        );
        assert_eq!(
            resolve(&from, "../shared/./a.yml", &aliases),
            Ok(key(None, "ci/shared/a.yml"))
        );
        assert_eq!(
            resolve(&from, "/t/a.yml", &aliases),
            Ok(key(None, "t/a.yml"))
        );
        assert_eq!(
            resolve(&from, "t/a.yml@tools", &aliases),
            Ok(key(Some("tools"), "t/a.yml"))
        );
        assert_eq!(
            resolve(&from, "t\\a.yml@self", &aliases),
            Ok(key(None, "t/a.yml"))
        );
        assert_eq!(
            resolve(&from, "a.yml@nope", &aliases),
            Err(RefError::UnknownAlias("nope".into()))
        );
        assert_eq!(
            resolve(&from, "../../../x.yml", &aliases),
            Err(RefError::Escapes)
        );
        assert_eq!(resolve(&from, "", &aliases), Err(RefError::Empty));
        assert_eq!(resolve(&from, "@tools", &aliases), Err(RefError::Empty));
        // Inside another repository, a plain path stays in it.
        let remote = key(Some("tools"), "t/a.yml");
        assert_eq!(
            resolve(&remote, "b.yml", &aliases),
            Ok(key(Some("tools"), "t/b.yml"))
        );
        assert_eq!(remote.display().as_ref(), "t/a.yml@tools");
    }
}
