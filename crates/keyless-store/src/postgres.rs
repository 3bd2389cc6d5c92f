//! The PostgreSQL backend: pool setup, migrations, and the operations whose SQL differs
//! from SQLite's (how a write transaction begins, how a parent's credentials or an owner's
//! signing keys are locked).

use crate::errors::db_err;
use crate::{StoreError, StoreResult};
use keyless_model::Uuid;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, Transaction};
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

pub(crate) struct PgStore(pub(crate) PgPool);

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
    Ok(PgStore(pool))
}

impl PgStore {
    pub(crate) async fn begin_write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.0.begin().await.map_err(db_err)
    }

    /// Serialises credential writes per parent until the transaction ends, so that "count,
    /// then insert" cannot let two concurrent inserts both pass the limit.
    pub(crate) async fn lock_fic_parent(
        tx: &mut Transaction<'static, Postgres>,
        parent_id: Uuid,
    ) -> StoreResult<()> {
        let (hi, lo) = parent_id.as_u64_pair();
        // Fold the 128 bits into the 32-bit second key; a collision only serialises two parents.
        let folded = hi ^ lo;
        let key = ((folded >> 32) ^ (folded & 0xffff_ffff)) as u32 as i32;
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(FIC_LOCK_CLASS)
            .bind(key)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Serialises the creation and rotation of one owner's signing keys across processes
    /// until the transaction ends, so "is there a current key? else insert" runs once.
    pub(crate) async fn lock_signing_keys(
        tx: &mut Transaction<'static, Postgres>,
        owner: &str,
    ) -> StoreResult<()> {
        // FNV-1a: stable across processes and builds (the std hasher is randomly seeded).
        let hash = owner.bytes().fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(KEY_LOCK_CLASS)
            .bind(hash as i32)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
