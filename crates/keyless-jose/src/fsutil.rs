//! File writing shared by the KEK and the PKI: atomic replacement, and owner-only permissions for
//! secrets from the moment the file exists (never chmod after the secret is already on disk).

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::Path;

use crate::JoseError;

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> JoseError {
    let context = context.into();
    move |source| JoseError::Io { context, source }
}

fn open_options(private: bool) -> OpenOptions {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    opts
}

/// Creates `path` only if it does not exist yet. Returns `Ok(false)` when another process won the
/// race, so that the caller reads the winner's file instead of overwriting it.
pub(crate) fn create_new(path: &Path, contents: &[u8], private: bool) -> Result<bool, JoseError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .map_err(io_err(format!("cannot create {}", parent.display())))?;
    }
    match open_options(private).open(path) {
        Ok(mut f) => {
            f.write_all(contents)
                .and_then(|()| f.sync_all())
                .map_err(io_err(format!("cannot write {}", path.display())))?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io_err(format!("cannot create {}", path.display()))(e)),
    }
}

/// Replaces `path` atomically (write a sibling temporary file, then rename), so a crash never
/// leaves a half-written certificate or key that a later start would trust.
pub(crate) fn write_atomic(path: &Path, contents: &[u8], private: bool) -> Result<(), JoseError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(
        ".{name}.{}.tmp",
        crate::b64url(crate::random_bytes(6))
    ));
    if !create_new(&tmp, contents, private)? {
        return Err(JoseError::Io {
            context: format!("temporary file {} already exists", tmp.display()),
            source: std::io::ErrorKind::AlreadyExists.into(),
        });
    }
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_err(format!("cannot replace {}", path.display()))(e)
    })
}

pub(crate) fn read_to_string(path: &Path) -> Result<String, JoseError> {
    fs::read_to_string(path).map_err(io_err(format!("cannot read {}", path.display())))
}
