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

/// The pool, the change feed, and the shared lock that tells `keyless restore` this
/// process uses the file (none for an in-memory database).
pub(crate) struct SqliteStore(
    pub(crate) SqlitePool,
    Arc<ChangeFeed>,
    #[allow(dead_code)] Option<crate::sqlite_lock::InUse>,
);

impl ChangeSource for SqliteStore {
    fn change_feed(&self) -> &ChangeFeed {
        &self.1
    }
}

/// Creates the folder of `path` (and its parents) owner-only (0700) when it is missing.
fn create_private_dir(path: &std::path::Path) -> StoreResult<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir)
            .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
    }
    Ok(())
}

/// Creates the database file `path` readable and writable by its owner only (0600), and the
/// folder it is in (0700) when missing, before SQLite opens it: SQLite gives the `-wal` and
/// `-shm` files it creates the mode of the database file, so they are 0600 too. An existing
/// file keeps its mode.
fn create_private(path: &std::path::Path) -> StoreResult<()> {
    let fail = |what: &std::path::Path, e: std::io::Error| {
        StoreError::Backend(format!("cannot create {}: {e}", what.display()))
    };
    create_private_dir(path)?;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(fail(path, e)),
    }
}

/// Takes keyless's own `max_page_count=N` parameter out of a URL's query: the most pages
/// the database may grow to (SQLite's `max_page_count` pragma, set on every connection), a
/// cap on its size. Past it writes fail as on a full disk (`SQLITE_FULL`).
fn take_max_pages(url: &str) -> StoreResult<(String, Option<u64>)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), None));
    };
    let mut pages = None;
    let mut rest = Vec::new();
    for pair in query.split('&') {
        match pair.strip_prefix("max_page_count=") {
            Some(n) => {
                pages = Some(n.parse().map_err(|_| {
                    StoreError::Backend(format!("invalid SQLite URL {url:?}: max_page_count={n}"))
                })?)
            }
            None => rest.push(pair),
        }
    }
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, pages))
}

/// Opens `sqlite://path`, `sqlite:path`, `sqlite::memory:` or a bare path, with an
/// optional `?max_page_count=N` (see [`take_max_pages`]).
pub(crate) async fn open(url: &str) -> StoreResult<SqliteStore> {
    let (url, max_pages) = take_max_pages(url)?;
    let url = url.as_str();
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
    let options = match max_pages {
        Some(n) => options.pragma("max_page_count", n.to_string()),
        None => options,
    };
    let in_use = if memory {
        None
    } else {
        create_private(options.get_filename())?;
        Some(crate::sqlite_lock::shared(options.get_filename())?)
    };
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
    Ok(SqliteStore(pool, feed, in_use))
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
    pub(crate) async fn lock_run(_tx: &mut SqliteConnection, _run: i64) -> StoreResult<()> {
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

/// The file path of a file database URL (`sqlite://path`, `sqlite:path` or a bare path).
fn file_of(url: &str) -> StoreResult<std::path::PathBuf> {
    let options = if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Backend(format!("invalid SQLite URL {url:?}: {e}")))?
    } else {
        SqliteConnectOptions::new().filename(url)
    };
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(StoreError::Backend(
            "an in-memory database has nothing to back up or restore".into(),
        ));
    }
    Ok(options.get_filename().to_path_buf())
}

/// A read-only connection to an existing database file.
async fn read_only(path: &std::path::Path) -> StoreResult<SqliteConnection> {
    use sqlx::ConnectOptions;
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .busy_timeout(Duration::from_secs(5))
        .connect()
        .await
        .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))
}

/// Copies the database at `url` to the new file `dest` (0600) with `VACUUM INTO`: one read
/// transaction, so the copy is consistent while the server keeps serving and writing.
pub(crate) async fn backup(url: &str, dest: &std::path::Path) -> StoreResult<()> {
    let src = file_of(url)?;
    if !src.exists() {
        return Err(StoreError::Backend(format!(
            "{} does not exist",
            src.display()
        )));
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(dest)
        .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dest.display())))?;
    let mut conn = read_only(&src).await?;
    let done = sqlx::query("VACUUM INTO ?")
        .bind(dest.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await;
    if let Err(e) = done {
        let _ = std::fs::remove_file(dest);
        return Err(StoreError::Backend(format!(
            "cannot back up {} to {}: {e}",
            src.display(),
            dest.display()
        )));
    }
    Ok(())
}

/// Replaces the database at `url` with the backup `src`, which must pass SQLite's
/// integrity check and hold keyless's migrations. The server must be stopped (see
/// `sqlite_lock`: refused, changing nothing, while a keyless process has it open). The copy is
/// written beside the database (0600), synced, and renamed over it; the old database's
/// `-wal` and `-shm` files are removed first, since they belong to the replaced file.
pub(crate) async fn restore(src: &std::path::Path, url: &str) -> StoreResult<()> {
    let bad = |why: String| {
        StoreError::Backend(format!("{} is not a keyless backup: {why}", src.display()))
    };
    let dest = file_of(url)?;
    create_private_dir(&dest)?;
    // Held until the new file is in place: no server starts on the database meanwhile.
    let _alone = crate::sqlite_lock::exclusive(&dest)?;
    let mut conn = read_only(src).await?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| bad(e.to_string()))?;
    if check != "ok" {
        return Err(bad(check));
    }
    let migrations: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| bad(e.to_string()))?;
    if migrations == 0 {
        return Err(bad("no migrations were applied to it".into()));
    }
    drop(conn);
    let tmp = dest.with_extension("restoring");
    let _ = std::fs::remove_file(&tmp);
    create_private(&tmp)?;
    let io = |what: &std::path::Path, e: std::io::Error| {
        StoreError::Backend(format!("cannot restore to {}: {e}", what.display()))
    };
    {
        let mut from = std::fs::File::open(src).map_err(|e| io(src, e))?;
        let mut to = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| io(&tmp, e))?;
        std::io::copy(&mut from, &mut to)
            .and_then(|_| to.sync_all())
            .map_err(|e| io(&tmp, e))?;
    }
    for suffix in ["-wal", "-shm"] {
        let mut side = dest.clone().into_os_string();
        side.push(suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(std::path::Path::new(&side), e)),
        }
    }
    std::fs::rename(&tmp, &dest).map_err(|e| io(&dest, e))
}
