//! The audit log writer: every token request, job-token request and ARM decision becomes
//! one [`AuditEntry`]. Handlers hand entries to a channel and return at once; a background
//! task writes them in batches (every 200 ms or 256 entries), so the token path never waits
//! on the database: a process killed outright loses at most the entries of the last 200 ms
//! (or 256 entries), never a change. The same task prunes entries older than the retention.
//!
//! Changes are not batched: an entry of kind `change` ([`change`]) is appended in the
//! transaction of the change it records (each plane's `audited`, from `store_view!`, or
//! [`commit`] for the composition root and this crate).

use keyless_model::UnixTime;
use keyless_model::audit::AuditEntry;
use keyless_store::SharedStore;
use std::time::Duration;
use tokio::sync::mpsc;

const BATCH: usize = 256;
const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// Queue bound: past it entries are dropped with a warning rather than slowing requests.
const QUEUE: usize = 65_536;

#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<Msg>,
}

enum Msg {
    Entry(Box<AuditEntry>),
    Flush(tokio::sync::oneshot::Sender<()>),
}

impl AuditLog {
    /// Starts the writer. `retention_days` of 0 keeps everything.
    pub fn start(store: SharedStore, retention_days: i64) -> AuditLog {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(writer(store, rx, retention_days));
        AuditLog { tx }
    }

    pub fn record(&self, entry: AuditEntry) {
        if self.tx.try_send(Msg::Entry(Box::new(entry))).is_err() {
            tracing::warn!("audit queue full or closed: an entry was dropped");
        }
    }

    /// Records `entry`, marked denied with `denied` as its code when there is one.
    pub fn record_outcome(&self, mut entry: AuditEntry, denied: Option<&str>) {
        if let Some(code) = denied {
            entry.decision = "denied".into();
            entry.code = Some(code.into());
        }
        self.record(entry);
    }

    /// Waits until everything recorded so far is written (tests and `keyless audit`).
    pub async fn flush(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.tx.send(Msg::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

async fn write(store: &SharedStore, batch: &mut Vec<AuditEntry>) {
    if batch.is_empty() {
        return;
    }
    if let Err(e) = store.append_audit(batch).await {
        tracing::error!(error = %e, lost = batch.len(), "cannot write the audit log");
    }
    batch.clear();
}

async fn writer(store: SharedStore, mut rx: mpsc::Receiver<Msg>, retention_days: i64) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    let mut last_prune = 0;
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Entry(e)) => {
                    batch.push(*e);
                    if batch.len() >= BATCH {
                        write(&store, &mut batch).await;
                    }
                }
                Some(Msg::Flush(done)) => {
                    write(&store, &mut batch).await;
                    let _ = done.send(());
                }
                None => {
                    write(&store, &mut batch).await;
                    return;
                }
            },
            _ = tick.tick() => {
                write(&store, &mut batch).await;
                let t = now();
                if retention_days > 0 && t - last_prune > 3600 {
                    last_prune = t;
                    if let Err(e) = store.prune_audit(t - retention_days * 86_400).await {
                        tracing::warn!(error = %e, "cannot prune the audit log");
                    }
                }
            }
        }
    }
}

/// The entry of a change (kind `change`): the plane that made it, who made it and in which
/// tenant, and `detail` (what was changed), written in the change's own transaction.
pub fn change(
    plane: &str,
    at: UnixTime,
    tenant_id: Option<uuid::Uuid>,
    principal: impl serde::Serialize,
    mut detail: serde_json::Value,
) -> AuditEntry {
    let mut rec = entry("change", at);
    rec.tenant_id = tenant_id;
    if let serde_json::Value::Object(d) = &mut detail {
        d.insert("plane".into(), plane.into());
        d.insert(
            "principal".into(),
            serde_json::to_value(principal).unwrap_or_default(),
        );
    }
    rec.detail = detail;
    rec
}

/// Appends `entries` (the entries of the changes `uow` made) inside `uow`, then commits:
/// the change and its entries are durable together or not at all, and a unit of work
/// dropped before this (a write that failed) leaves neither.
pub async fn commit(
    uow: Box<dyn keyless_store::UnitOfWork>,
    entries: &[AuditEntry],
) -> keyless_store::StoreResult<()> {
    uow.append_audit(entries).await?;
    uow.commit().await
}

/// The entry of an administrative change (`operation` on `object`) by the user `by`
/// (`None`: a world file, the demo or the server itself). `object` names what changed,
/// never a secret.
pub fn admin_change(
    at: UnixTime,
    tenant_id: Option<uuid::Uuid>,
    by: Option<uuid::Uuid>,
    operation: &str,
    object: impl serde::Serialize,
) -> AuditEntry {
    change(
        "admin",
        at,
        tenant_id,
        by,
        serde_json::json!({"operation": operation, "object": object}),
    )
}

/// A blank entry of a kind, filled in by the caller. Its id is a UUIDv7 (time-ordered), so
/// the unique index on ids grows at its right edge like the one on `at`: a random v4 id
/// dirtied a random index page per entry, most of the audit writer's cost under load.
pub fn entry(kind: &str, at: UnixTime) -> AuditEntry {
    AuditEntry::new(uuid::Uuid::now_v7(), at, kind, "granted")
}

/// Runs `f` with a new entry of `kind` whose detail is `detail`, then records the entry:
/// granted, or denied with the error's code.
pub async fn recorded<T>(
    s: &crate::state::AppState,
    kind: &str,
    detail: serde_json::Value,
    f: impl AsyncFnOnce(&mut AuditEntry) -> Result<T, crate::envelope::ApiError>,
) -> Result<T, crate::envelope::ApiError> {
    let mut rec = entry(kind, s.now());
    rec.detail = detail;
    let outcome = f(&mut rec).await;
    s.audit
        .record_outcome(rec, outcome.as_ref().err().map(|e| e.code()));
    outcome
}
