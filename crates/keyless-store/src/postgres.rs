//! The PostgreSQL backend: pool setup, migrations, and the two operations whose SQL differs
//! from SQLite's (how a write transaction begins, how a parent's credentials are locked).

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

pub(crate) struct PgStore(pub(crate) PgPool);

pub(crate) async fn open(url: &str) -> StoreResult<PgStore> {
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(10))
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
}
