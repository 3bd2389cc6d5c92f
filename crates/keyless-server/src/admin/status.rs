//! `GET /keyless/v1/status`: what `keyless status` shows of the server: its version, the
//! database backend (its name only, never the connection string), the replicas serving on
//! that database and this replica's uptime. Each replica records itself with a heartbeat
//! (table `replicas`); one seen within [`SEEN_WITHIN`] seconds counts.

use crate::auth::caller;
use crate::envelope::ApiError;
use crate::state::AppState;
use axum::Json;
use keyless_core::req::Req;
use keyless_store::{Replica, StoreResult};
use serde_json::{Value, json};
use std::time::Duration;

/// How often a serving process records that it is alive.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);
/// A replica whose last heartbeat is older than this (seconds) is not counted.
pub const SEEN_WITHIN: i64 = 30;
/// Rows of replicas not seen for this long (seconds) are deleted.
const FORGET_AFTER: i64 = 86_400;

/// Records this process's heartbeat.
pub async fn beat(s: &AppState) -> StoreResult<()> {
    let now = s.now();
    let me = Replica {
        id: s.replica,
        version: env!("CARGO_PKG_VERSION").to_string(),
        started_at: s.started_at,
        seen_at: now,
    };
    s.shared_store().heartbeat(&me, now - FORGET_AFTER).await
}

/// Beats every [`HEARTBEAT_EVERY`] while the process serves; a failed beat (the database
/// is down) is tried again at the next tick.
pub async fn heartbeat(s: AppState) {
    let mut every = tokio::time::interval(HEARTBEAT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = beat(&s).await {
            tracing::warn!(error = %e, "replica heartbeat failed; trying again later");
        }
    }
}

/// Any signed-in user: nothing here is about anyone's objects.
pub async fn status(Req { s, headers }: Req) -> Result<Json<Value>, ApiError> {
    caller(&s, &headers).await?;
    // The answering replica counts itself even before its first scheduled beat.
    beat(&s).await?;
    let now = s.now();
    let seen = s
        .shared_store()
        .list_replicas_seen(now - SEEN_WITHIN)
        .await?;
    let replicas: Vec<Value> = seen
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "version": r.version,
                "startedAt": r.started_at,
                "seenAt": r.seen_at,
                "self": r.id == s.replica,
            })
        })
        .collect();
    Ok(Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "database": s.shared_store().backend(),
        "replicas": replicas.len(),
        "replicaList": replicas,
        "startedAt": s.started_at,
        "uptimeSeconds": (now - s.started_at).max(0),
    })))
}
