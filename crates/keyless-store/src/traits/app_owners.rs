//! The owners of app registrations (users or service principals, by object id). Reads of
//! applications through [`crate::DirectoryStore`] carry them in `Application::owners`.

use crate::StoreResult;
use async_trait::async_trait;
use keyless_model::{UnixTime, Uuid};

#[async_trait]
pub trait ApplicationOwnerStore {
    /// `Conflict` when the principal already owns the app; `NotFound` for an unknown app.
    async fn add_application_owner(
        &self,
        app: Uuid,
        owner: Uuid,
        added_at: UnixTime,
    ) -> StoreResult<()>;
    /// `NotFound` when the principal does not own the app.
    async fn remove_application_owner(&self, app: Uuid, owner: Uuid) -> StoreResult<()>;
}
