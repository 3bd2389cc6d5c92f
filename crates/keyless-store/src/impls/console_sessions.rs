//! The console's sign-in sessions: one row per signed-in browser, written at sign-in,
//! read on each request, deleted at sign-out or when expired.

use crate::rows::ConsoleSessionRow;
use crate::{ConsoleSession, ConsoleSessionStore, StoreResult};
use async_trait::async_trait;
use keyless_model::UnixTime;

select!($ select_session =
    "SELECT id_hash, user_name, sealed, created_at, seen_at FROM console_sessions ");

for_each_backend! {
    #[async_trait]
    impl ConsoleSessionStore for Backend {
        async fn create_console_session(&self, s: &ConsoleSession) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO console_sessions (id_hash, user_name, sealed, created_at, seen_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                &s.id_hash,
                &s.user_name,
                &s.sealed,
                s.created_at,
                s.seen_at,
            );
            Ok(())
        }

        async fn find_console_session(
            &self,
            id_hash: &str,
        ) -> StoreResult<Option<ConsoleSession>> {
            let rows: Vec<ConsoleSession> = fetch_all!(
                self,
                ConsoleSessionRow,
                select_session!("WHERE id_hash = $1"),
                id_hash,
            )?;
            Ok(rows.into_iter().next())
        }

        async fn touch_console_session(&self, id_hash: &str, seen_at: UnixTime) -> StoreResult<()> {
            execute!(
                self,
                "UPDATE console_sessions SET seen_at = $2 WHERE id_hash = $1 AND seen_at < $2",
                id_hash,
                seen_at,
            );
            Ok(())
        }

        async fn delete_console_session(&self, id_hash: &str) -> StoreResult<bool> {
            let n = execute!(self, "DELETE FROM console_sessions WHERE id_hash = $1", id_hash);
            Ok(n > 0)
        }

        async fn delete_expired_console_sessions(
            &self,
            seen_before: UnixTime,
            created_before: UnixTime,
        ) -> StoreResult<u64> {
            Ok(execute!(
                self,
                "DELETE FROM console_sessions WHERE seen_at < $1 OR created_at < $2",
                seen_before,
                created_before,
            ))
        }

        async fn delete_oldest_console_session(&self) -> StoreResult<bool> {
            let n = execute!(
                self,
                "DELETE FROM console_sessions WHERE id_hash IN (SELECT id_hash \
                 FROM console_sessions ORDER BY created_at, id_hash LIMIT 1)",
            );
            Ok(n > 0)
        }

        async fn count_console_sessions(&self) -> StoreResult<u64> {
            let n: i64 = fetch!(
                self,
                query_scalar,
                fetch_one,
                "SELECT count(*) FROM console_sessions",
            )?;
            Ok(u64::try_from(n).unwrap_or(0))
        }
    }
}
