//! Every write a world file makes is a change like any other: it and its audit entry
//! (kind `change`, plane `admin`, by no user: a world file is an administrator's) are one
//! unit of work, so an applied write always has its entry and a failed one has none.
//! Writes made through `admin::ops` or the admin directory functions are audited there.

use super::WorldError;
use crate::admin::ops;
use crate::state::AppState;
use keyless_model::Uuid;
use keyless_store::{StoreResult, UnitOfWork};

/// What a write changes, as its audit entry names it.
pub(super) struct Change<O> {
    /// The tenant the change belongs to, when it belongs to one.
    pub tenant: Option<Uuid>,
    pub operation: &'static str,
    /// Ids and names of what changed; never a secret.
    pub object: O,
}

impl<O> Change<O> {
    pub(super) fn of(tenant: Option<Uuid>, operation: &'static str, object: O) -> Change<O> {
        Change {
            tenant,
            operation,
            object,
        }
    }
}

/// The unit of work a write runs in.
pub(super) struct Tx(Box<dyn UnitOfWork>);

impl std::ops::Deref for Tx {
    type Target = dyn UnitOfWork;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// Runs `write` in a unit of work and commits it with the entry of `change`.
pub(super) async fn write<T, O: serde::Serialize>(
    s: &AppState,
    change: Change<O>,
    write: impl AsyncFnOnce(&Tx) -> StoreResult<T>,
) -> StoreResult<T> {
    let entry = ops::change_by(s, change.tenant, None, change.operation, change.object);
    let tx = Tx(s.shared_store().begin().await?);
    let out = write(&tx).await?;
    keyless_core::audit::commit(tx.0, &[entry]).await?;
    Ok(out)
}

/// [`write`], a failure located at `path` in the file.
pub(super) async fn write_at<T, O: serde::Serialize>(
    s: &AppState,
    change: Change<O>,
    path: &str,
    w: impl AsyncFnOnce(&Tx) -> StoreResult<T>,
) -> Result<T, WorldError> {
    write(s, change, w)
        .await
        .map_err(|e| super::apply::api(path, e.into()))
}
