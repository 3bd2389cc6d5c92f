//! Who has a SQLite database file open: every keyless process that opens it (`serve`, and
//! the commands that open the store) holds a shared lock on `DATABASE.lock` for as long as
//! its store lives, and the operating system releases it when the process ends, however it
//! ends. `keyless restore` replaces the file only under the exclusive lock: it refuses
//! while a server runs on the database, and a server does not start while a restore runs.
//! A lock file beside the database rather than the database itself: SQLite's own locks on
//! the database stay untouched.

use crate::{StoreError, StoreResult};
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

/// A lock on a database file, held until dropped.
#[derive(Debug)]
pub(crate) struct InUse(#[allow(dead_code)] File);

/// `DATABASE.lock`.
fn lock_file(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn open(db: &Path) -> StoreResult<(File, PathBuf)> {
    let path = lock_file(db);
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let file = o
        .open(&path)
        .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
    Ok((file, path))
}

fn failed(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Backend(format!("cannot lock {}: {e}", path.display()))
}

/// The lock of a process that uses the database; refused while a restore replaces it.
pub(crate) fn shared(db: &Path) -> StoreResult<InUse> {
    let (file, path) = open(db)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(InUse(file)),
        Err(TryLockError::WouldBlock) => Err(StoreError::Backend(format!(
            "{} is being restored (`keyless restore` holds {}): start once it is done",
            db.display(),
            path.display()
        ))),
        Err(TryLockError::Error(e)) => Err(failed(&path, e)),
    }
}

/// The lock of a restore; refused while any process uses the database.
pub(crate) fn exclusive(db: &Path) -> StoreResult<InUse> {
    let (file, path) = open(db)?;
    match file.try_lock() {
        Ok(()) => Ok(InUse(file)),
        Err(TryLockError::WouldBlock) => Err(StoreError::Backend(format!(
            "a keyless server (or another keyless command) is using {} (it holds {}): \
             stop it, then restore; nothing was changed",
            db.display(),
            path.display()
        ))),
        Err(TryLockError::Error(e)) => Err(failed(&path, e)),
    }
}
