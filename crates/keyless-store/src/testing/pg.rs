//! A throwaway PostgreSQL server for tests, from the system's binaries (no Docker, no
//! download): a temporary data directory, `initdb --auth=trust`, a server on 127.0.0.1 and
//! a free port with durability switched off, one fresh database per test.
//!
//! ```no_run
//! # fn main() {
//! use keyless_store::testing::pg;
//! // Fails loudly when PostgreSQL is missing, unless KEYLESS_SKIP_POSTGRES=1.
//! let Some(url) = pg::test_database_url() else { return };
//! # let _ = url;
//! # }
//! ```
//!
//! `postgres` refuses to run as root: when the tests run as root, `initdb` and `pg_ctl` run
//! as the `postgres` system user (`runuser -u postgres --`) on a directory it owns.
//!
//! The server stops (`pg_ctl -m immediate stop`) and its directory is removed when the
//! [`ThrowawayPostgres`] is dropped, and also when the test process exits without dropping
//! it (the shared instance lives in a `static`): a small watchdog shell process started
//! with the server takes care of that.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Set to `1` to let tests skip (loudly) the PostgreSQL half when no binaries exist.
pub const SKIP_ENV: &str = "KEYLESS_SKIP_POSTGRES";

#[derive(Debug, Clone, thiserror::Error)]
pub enum HarnessError {
    #[error(
        "no PostgreSQL binaries found (tried `pg_config --bindir`, /usr/lib/postgresql/*/bin \
         and PATH for `initdb`): install them (`apt-get install postgresql`) or set \
         KEYLESS_SKIP_POSTGRES=1 to skip the PostgreSQL tests"
    )]
    NotInstalled,
    #[error("throwaway PostgreSQL: {0}")]
    Failed(String),
}

pub type Result<T> = std::result::Result<T, HarnessError>;

fn failed(what: impl Into<String>) -> HarnessError {
    HarnessError::Failed(what.into())
}

/// A running throwaway server. Dropping it stops the server and removes its directory.
pub struct ThrowawayPostgres {
    bindir: PathBuf,
    /// `Some` until dropped; holds `data/`, `sock/` and `server.log`.
    dir: Option<tempfile::TempDir>,
    port: u16,
    /// Running as root: server commands go through `runuser -u postgres --`.
    as_postgres_user: bool,
    next_db: AtomicU32,
}

impl ThrowawayPostgres {
    /// Initialises and starts a server; waits until it accepts connections.
    pub fn start() -> Result<ThrowawayPostgres> {
        let bindir = find_bindir().ok_or(HarnessError::NotInstalled)?;
        let as_postgres_user = running_as_root();
        if as_postgres_user && !user_exists("postgres") {
            return Err(failed(
                "running as root, and the PostgreSQL server refuses to run as root; it is run \
                 as the `postgres` system user, but there is no such user on this machine \
                 (create it, e.g. `useradd --system postgres`, or install the postgresql package)",
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("keyless-pg-")
            .tempdir()
            .map_err(|e| failed(format!("cannot create a temporary directory: {e}")))?;
        std::fs::create_dir(dir.path().join("sock"))
            .map_err(|e| failed(format!("cannot create the socket directory: {e}")))?;
        if as_postgres_user {
            run(
                Command::new("chown")
                    .arg("-R")
                    .arg("postgres:")
                    .arg(dir.path()),
                "chown",
            )?;
        }
        let mut pg = ThrowawayPostgres {
            bindir,
            dir: Some(dir),
            port: 0,
            as_postgres_user,
            next_db: AtomicU32::new(0),
        };
        run(
            pg.server_command("initdb")
                .arg("-D")
                .arg(pg.path().join("data"))
                .args(["--auth=trust", "--no-sync", "-U", "postgres", "-E", "UTF8"])
                .arg("--locale=C"),
            "initdb",
        )?;
        // The port is free when we look; another process could take it before the server
        // binds, so try a few times.
        let mut last = None;
        for _ in 0..3 {
            pg.port = free_port()?;
            match pg.pg_ctl_start() {
                Ok(()) => {
                    pg.spawn_watchdog();
                    return Ok(pg);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| failed("the server did not start")))
    }

    /// The process-wide shared server, started on first use. Tests then create one database
    /// each with [`ThrowawayPostgres::create_database`].
    pub fn shared() -> Result<&'static ThrowawayPostgres> {
        static SHARED: OnceLock<Result<ThrowawayPostgres>> = OnceLock::new();
        SHARED
            .get_or_init(ThrowawayPostgres::start)
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of an existing database on this server.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a fresh, empty database and returns its URL. Panics if it cannot: tests
    /// have no use for a server that cannot create databases.
    pub fn create_database(&self) -> String {
        let n = self.next_db.fetch_add(1, Ordering::Relaxed);
        let name = format!("keyless_test_{n}");
        let port = self.port.to_string();
        let createdb = self.bindir.join("createdb");
        let createdb = if createdb.is_file() {
            createdb
        } else {
            PathBuf::from("createdb")
        };
        let result = run(
            Command::new(createdb)
                .args(["-h", "127.0.0.1", "-p", &port, "-U", "postgres", &name])
                .env("PGCONNECT_TIMEOUT", "10"),
            "createdb",
        );
        if let Err(e) = result {
            panic!("cannot create test database {name}: {e}");
        }
        self.url(&name)
    }

    /// Stops the server (`pg_ctl -m fast stop`: open connections are closed), keeping its
    /// data, to test what clients do when the database goes away. [`Self::restart`] brings
    /// it back on the same port. Do not stop the [`Self::shared`] server.
    pub fn stop(&self) -> Result<()> {
        run(
            self.server_command("pg_ctl")
                .arg("-D")
                .arg(self.path().join("data"))
                .args(["-w", "-t", "60", "-m", "fast", "stop"]),
            "pg_ctl stop",
        )
    }

    /// Starts a server stopped by [`Self::stop`] again, on the same port, and waits until
    /// it accepts connections.
    pub fn restart(&self) -> Result<()> {
        self.pg_ctl_start()
    }

    /// The server's directory (`data/`, `sock/`, `server.log`); removed on drop.
    pub fn dir(&self) -> &Path {
        self.path()
    }

    fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), |d| d.path())
    }

    /// A server binary, run as `postgres` when we are root.
    fn server_command(&self, program: &str) -> Command {
        let program = self.bindir.join(program);
        if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    fn pg_ctl_start(&self) -> Result<()> {
        let options = format!(
            "-h 127.0.0.1 -p {} -k {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300",
            self.port,
            self.path().join("sock").display()
        );
        let log = self.path().join("server.log");
        let result = run(
            self.server_command("pg_ctl")
                .arg("-D")
                .arg(self.path().join("data"))
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "-o", &options, "start"]),
            "pg_ctl start",
        );
        result.map_err(|e| {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            failed(format!("{e}\nserver log:\n{log}"))
        })
    }

    /// Stops the server and removes the directory when this process has gone, should the
    /// value never be dropped (a `static`) or the process be killed.
    fn spawn_watchdog(&self) {
        const SCRIPT: &str = r#"
trap '' INT TERM HUP
while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done
if [ -d "$2" ]; then
  if [ "$4" = yes ]; then runuser -u postgres -- "$3" -D "$2/data" -m immediate stop
  else "$3" -D "$2/data" -m immediate stop; fi
  rm -rf "$2"
fi
"#;
        let spawned = Command::new("sh")
            .args(["-c", SCRIPT, "keyless-pg-watchdog"])
            .arg(std::process::id().to_string())
            .arg(self.path())
            .arg(self.bindir.join("pg_ctl"))
            .arg(if self.as_postgres_user { "yes" } else { "no" })
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Err(e) = spawned {
            eprintln!("warning: no watchdog for the throwaway PostgreSQL: {e}");
        }
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        let _ = self
            .server_command("pg_ctl")
            .arg("-D")
            .arg(self.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // Removing the directory also tells the watchdog to exit.
        drop(self.dir.take());
    }
}

/// A fresh database URL on the shared server, for a test. When no PostgreSQL binaries
/// exist this panics, unless `KEYLESS_SKIP_POSTGRES=1`: then it prints a loud notice and
/// returns `None` (the test should return early). Any other failure panics.
pub fn test_database_url() -> Option<String> {
    match ThrowawayPostgres::shared() {
        Ok(pg) => Some(pg.create_database()),
        Err(HarnessError::NotInstalled) if std::env::var(SKIP_ENV).is_ok_and(|v| v == "1") => {
            eprintln!(
                "\n!!!!!!!! SKIPPING a PostgreSQL test: no PostgreSQL binaries and \
                 {SKIP_ENV}=1 !!!!!!!!\n"
            );
            None
        }
        Err(e) => panic!("{e}"),
    }
}

/// The directory holding `initdb` and `pg_ctl`: `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/*/bin`, else the first directory on `PATH` with `initdb`.
pub fn find_bindir() -> Option<PathBuf> {
    let has_initdb = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_initdb(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let version = name
                .split('.')
                .map(str::parse)
                .collect::<std::result::Result<_, _>>();
            let dir = entry.path().join("bin");
            (has_initdb(&dir)).then_some((version.ok()?, dir))
        })
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }
    // On PATH `initdb` may be a symlink into the real directory, which has the other tools.
    std::env::split_paths(&std::env::var_os("PATH")?)
        .filter_map(|d| std::fs::canonicalize(d.join("initdb")).ok())
        .filter_map(|initdb| initdb.parent().map(Path::to_path_buf))
        .find(|d| has_initdb(d))
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
        || Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn user_exists(name: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(name)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| failed(format!("cannot find a free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| failed(format!("cannot find a free port: {e}")))
}

/// Runs a command to completion; a failure carries its output.
fn run(command: &mut Command, what: &str) -> Result<()> {
    let out = command.stdin(Stdio::null()).output().map_err(|e| {
        failed(format!(
            "cannot run {what} ({:?}): {e}",
            command.get_program()
        ))
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(failed(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}
