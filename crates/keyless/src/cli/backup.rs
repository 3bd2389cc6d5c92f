//! `keyless backup` and `keyless restore`: the SQLite database copied while the server
//! runs, and put back while it is stopped (a restore is refused, changing nothing, while a
//! keyless process has the database open). The key-encryption key (`DATA/kek` or
//! `KEYLESS_KEK`) is not in the copy: keep it apart, since the signing keys and connection
//! secrets in the copy open only with it.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DatabaseArgs {
    /// Data directory of the server [default: .keyless].
    #[arg(long, env = "KEYLESS_DATA")]
    data: Option<PathBuf>,
    /// Database URL: sqlite://PATH [default: DATA/keyless.db]. PostgreSQL databases are
    /// backed up with pg_dump.
    #[arg(long, env = "KEYLESS_DATABASE")]
    database: Option<String>,
}

impl DatabaseArgs {
    pub fn data_dir(&self) -> PathBuf {
        self.data
            .clone()
            .unwrap_or_else(|| PathBuf::from(".keyless"))
    }
    pub fn url(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir().join("keyless.db").display()))
    }
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The backup file to create (it must not exist).
    file: PathBuf,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A file made by `keyless backup`.
    file: PathBuf,
    #[command(flatten)]
    db: DatabaseArgs,
}

pub async fn backup(a: BackupArgs) -> anyhow::Result<ExitCode> {
    keyless_store::backup(&a.db.url(), &a.file).await?;
    println!("backed up to {}", a.file.display());
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(a: RestoreArgs) -> anyhow::Result<ExitCode> {
    keyless_store::restore(&a.file, &a.db.url()).await?;
    println!(
        "restored {}; start the server with the same key-encryption key",
        a.file.display()
    );
    Ok(ExitCode::SUCCESS)
}
