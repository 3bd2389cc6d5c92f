//! The serving processes: one row per process, beaten while it serves.

use crate::rows::{ReplicaRow, id};
use crate::{Replica, ReplicaStore, StoreResult};
use async_trait::async_trait;
use keyless_model::UnixTime;

for_each_backend! {
    #[async_trait]
    impl ReplicaStore for Backend {
        fn backend(&self) -> &'static str {
            Dialect::BACKEND
        }

        async fn heartbeat(&self, r: &Replica, forget_before: UnixTime) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO replicas (id, version, started_at, seen_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, \
                 seen_at = excluded.seen_at",
                id(r.id),
                &r.version,
                r.started_at,
                r.seen_at,
            );
            execute!(self, "DELETE FROM replicas WHERE seen_at < $1", forget_before);
            Ok(())
        }

        async fn list_replicas_seen(&self, since: UnixTime) -> StoreResult<Vec<Replica>> {
            fetch_all!(
                self,
                ReplicaRow,
                "SELECT id, version, started_at, seen_at FROM replicas WHERE seen_at >= $1 \
                 ORDER BY started_at, id",
                since,
            )
        }
    }
}
