//! The PostgreSQL backend: pool setup, migrations, and the operations whose SQL differs
//! from SQLite's (how a write transaction begins, how a parent's credentials or an owner's
//! signing keys are locked).

use crate::changes::{CHANNEL, ChangeFeed, ChangeSource};
use crate::errors::db_err;
use crate::uow::unit_of_work;
use crate::{StoreError, StoreResult};
use keyless_model::Uuid;
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use std::sync::Arc;
use std::time::Duration;

/// sqlx's migrator holds a session advisory lock (keyed by the database name) while it
/// runs, so replicas starting together apply each migration once.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The first key of the two-key advisory locks taken by [`PgStore::lock_fic_parent`]
/// ("FICs" in ASCII). Two-key locks never collide with the migrator's one-key lock.
const FIC_LOCK_CLASS: i32 = 0x4649_4373;

/// The first key of the two-key advisory locks taken by [`PgStore::lock_signing_keys`]
/// ("KEYS" in ASCII).
const KEY_LOCK_CLASS: i32 = 0x4b45_5953;

pub(crate) struct PgStore(
    pub(crate) PgPool,
    Arc<ChangeFeed>,
    #[allow(dead_code)] // held for its Drop: the listener stops with the store
    AbortOnDrop,
);

impl ChangeSource for PgStore {
    fn change_feed(&self) -> &ChangeFeed {
        &self.1
    }
}

/// The listener task lives as long as its store.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long the listener waits before connecting again after losing its connection.
const LISTEN_RETRY: Duration = Duration::from_millis(500);

/// Turns the watched tables' notifications into bumps of their generations, reconnecting
/// for ever.
/// The feed is live only while the listening connection is up.
async fn listen(pool: PgPool, feed: Arc<ChangeFeed>) {
    loop {
        if let Ok(mut listener) = PgListener::connect_with(&pool).await
            && listener.listen(CHANNEL).await.is_ok()
        {
            feed.set_live(true);
            // `try_recv` gives `Ok(None)` when the connection is lost; reconnect ourselves.
            // The payload is the changed table's name.
            while let Ok(Some(notification)) = listener.try_recv().await {
                feed.table_changed(notification.payload());
            }
            feed.set_live(false);
            tracing::warn!(
                "lost the PostgreSQL change notifications; reading the database until they are back"
            );
        }
        tokio::time::sleep(LISTEN_RETRY).await;
    }
}

/// How long a request waits for a connection. While the server is away, sqlx keeps trying to
/// connect until then, so this is also how long a replica takes to refuse a request with
/// [`StoreError::Unavailable`] (503) during an outage.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

pub(crate) async fn open(url: &str) -> StoreResult<PgStore> {
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect(url)
        .await
        .map_err(|e| StoreError::Backend(format!("cannot connect to PostgreSQL: {e}")))?;
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| StoreError::Backend(format!("PostgreSQL migrations failed: {e}")))?;
    let feed = Arc::new(ChangeFeed::new(false));
    let listener = tokio::spawn(listen(pool.clone(), feed.clone()));
    Ok(PgStore(pool, feed, AbortOnDrop(listener)))
}

unit_of_work!(PgStore, PgTx, Postgres);

impl PgStore {
    /// The backend's name, as `keyless status` shows it.
    pub(crate) const BACKEND: &'static str = "postgres";

    /// A read committed transaction.
    async fn transaction(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.0.begin().await.map_err(db_err)
    }

    /// Serialises credential writes per parent until the transaction ends, so that "count,
    /// then insert" cannot let two concurrent inserts both pass the limit.
    pub(crate) async fn lock_fic_parent(tx: &mut PgConnection, parent_id: Uuid) -> StoreResult<()> {
        let (hi, lo) = parent_id.as_u64_pair();
        // Fold the 128 bits into the 32-bit second key; a collision only serialises two parents.
        let folded = hi ^ lo;
        let key = ((folded >> 32) ^ (folded & 0xffff_ffff)) as u32 as i32;
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(FIC_LOCK_CLASS)
            .bind(key)
            .execute(tx)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Locks the run's row until the transaction ends, so that "read, change, write" of one
    /// run by concurrent writers happens one after the other.
    pub(crate) async fn lock_run(tx: &mut PgConnection, run: i64) -> StoreResult<()> {
        sqlx::query("SELECT id FROM runs WHERE id = $1 FOR UPDATE")
            .bind(run)
            .execute(tx)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Serialises the creation and rotation of one owner's signing keys across processes
    /// until the transaction ends, so "is there a current key? else insert" runs once.
    pub(crate) async fn lock_signing_keys(tx: &mut PgConnection, owner: &str) -> StoreResult<()> {
        // FNV-1a: stable across processes and builds (the std hasher is randomly seeded).
        let hash = owner.bytes().fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(KEY_LOCK_CLASS)
            .bind(hash as i32)
            .execute(tx)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
