//! The SQLite backend: pool setup, migrations, and the operations whose SQL differs from
//! PostgreSQL's (how a write transaction begins, how a parent's credentials or an owner's
//! signing keys are locked).

use crate::changes::{ChangeFeed, ChangeSource, WATCHED_TABLES};
use crate::errors::db_err;
use crate::uow::unit_of_work;
use crate::{StoreError, StoreResult};
use keyless_model::Uuid;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Connections per file database: SQLite has one writer at a time, but readers run alongside.
const MAX_CONNECTIONS: u32 = 8;

pub(crate) struct SqliteStore(pub(crate) SqlitePool, Arc<ChangeFeed>);

impl ChangeSource for SqliteStore {
    fn change_feed(&self) -> &ChangeFeed {
        &self.1
    }
}

/// Opens `sqlite://path`, `sqlite:path`, `sqlite::memory:` or a bare path.
pub(crate) async fn open(url: &str) -> StoreResult<SqliteStore> {
    let config = |e: sqlx::Error| StoreError::Backend(format!("invalid SQLite URL {url:?}: {e}"));
    let options = if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url).map_err(config)?
    } else {
        SqliteConnectOptions::new().filename(url)
    };
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let options = options
        .create_if_missing(true)
        .journal_mode(if memory {
            SqliteJournalMode::Memory
        } else {
            SqliteJournalMode::Wal
        })
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let parent = options.get_filename().parent();
    if let Some(dir) = parent.filter(|d| !memory && !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Backend(format!("cannot create directory {}: {e}", dir.display()))
        })?;
    }
    // Every connection announces its writes to the watched tables (see `changes`).
    let feed = Arc::new(ChangeFeed::new(true));
    let announce = feed.clone();
    // An in-memory database lives as long as one of its connections: keep exactly one.
    let pool = if memory {
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        SqlitePoolOptions::new().max_connections(MAX_CONNECTIONS)
    }
    .after_connect(move |conn, _| {
        let announce = announce.clone();
        Box::pin(async move {
            conn.lock_handle().await?.set_update_hook(move |row| {
                if WATCHED_TABLES.contains(&row.table) {
                    announce.table_changed(row.table);
                }
            });
            Ok(())
        })
    })
    .connect_with(options)
    .await
    .map_err(db_err)?;
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| StoreError::Backend(format!("SQLite migrations failed: {e}")))?;
    Ok(SqliteStore(pool, feed))
}

unit_of_work!(SqliteStore, SqliteTx, Sqlite);

impl SqliteStore {
    /// The backend's name, as `keyless status` shows it.
    pub(crate) const BACKEND: &'static str = "sqlite";

    /// `BEGIN IMMEDIATE` takes the write lock up front (waiting up to the busy timeout), so a
    /// transaction that reads before it writes can neither deadlock nor fail with
    /// `SQLITE_BUSY_SNAPSHOT` when another connection wrote in between.
    async fn transaction(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.0.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)
    }

    /// Nothing to do: [`Self::begin_write`] already serialises writers.
    pub(crate) async fn lock_fic_parent(
        _tx: &mut SqliteConnection,
        _parent_id: Uuid,
    ) -> StoreResult<()> {
        Ok(())
    }

    /// Nothing to do: [`Self::begin_write`] already serialises writers, also across
    /// processes sharing the file.
    pub(crate) async fn lock_signing_keys(
        _tx: &mut SqliteConnection,
        _owner: &str,
    ) -> StoreResult<()> {
        Ok(())
    }
}
