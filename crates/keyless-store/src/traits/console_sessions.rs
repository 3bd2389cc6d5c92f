//! The web console's sign-in sessions, shared by every replica on the database.

use crate::StoreResult;
use async_trait::async_trait;
use keyless_model::UnixTime;

/// One session as the database keeps it: never the session id itself, only its hash, and
/// the user's tokens only sealed under a key derived from the id. No `Debug`: a row is
/// never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// SHA-256 (hex) of the session id.
    pub id_hash: String,
    /// The signed-in user as pages name them.
    pub user_name: String,
    /// The user's token and the session's CSRF token, sealed (opened by the console only).
    pub sealed: Vec<u8>,
    /// Sign-in time (Unix seconds).
    pub created_at: UnixTime,
    /// Time of the last request that moved it (Unix seconds).
    pub seen_at: UnixTime,
}

#[async_trait]
pub trait ConsoleSessionStore {
    /// Adds a session (`Conflict` if its id hash is already there).
    async fn create_console_session(&self, s: &ConsoleSession) -> StoreResult<()>;
    /// The session whose id hashes to `id_hash`, if there is one.
    async fn find_console_session(&self, id_hash: &str) -> StoreResult<Option<ConsoleSession>>;
    /// Moves the session's `seen_at` to `seen_at` (never back); nothing if it is gone.
    async fn touch_console_session(&self, id_hash: &str, seen_at: UnixTime) -> StoreResult<()>;
    /// Deletes the session; whether it was there.
    async fn delete_console_session(&self, id_hash: &str) -> StoreResult<bool>;
    /// Deletes the sessions last seen before `seen_before` or created before
    /// `created_before`; how many went.
    async fn delete_expired_console_sessions(
        &self,
        seen_before: UnixTime,
        created_before: UnixTime,
    ) -> StoreResult<u64>;
    /// Deletes the session with the oldest sign-in (ties: the smallest id hash); whether
    /// there was one.
    async fn delete_oldest_console_session(&self) -> StoreResult<bool>;
    /// How many sessions are kept (expired ones included until they are deleted).
    async fn count_console_sessions(&self) -> StoreResult<u64>;
}
