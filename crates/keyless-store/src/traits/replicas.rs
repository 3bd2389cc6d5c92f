//! The serving processes on one database, and which backend it is.

use crate::StoreResult;
use async_trait::async_trait;
use keyless_model::{UnixTime, Uuid};

/// One serving process as its heartbeats record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replica {
    pub id: Uuid,
    pub version: String,
    pub started_at: UnixTime,
    pub seen_at: UnixTime,
}

#[async_trait]
pub trait ReplicaStore {
    /// `sqlite` or `postgres`: the backend's name, never its connection string.
    fn backend(&self) -> &'static str;
    /// Records that the replica is alive at `r.seen_at` (creating its row on the first
    /// beat) and deletes the rows of replicas not seen since `forget_before`.
    async fn heartbeat(&self, r: &Replica, forget_before: UnixTime) -> StoreResult<()>;
    /// The replicas whose last heartbeat is at `since` or later, oldest start first.
    async fn list_replicas_seen(&self, since: UnixTime) -> StoreResult<Vec<Replica>>;
}
