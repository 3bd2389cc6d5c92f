//! `keyless login --url … --token …`: stores the server URL, the token (and a CA file) in
//! `config.json` under the user's configuration directory (`$KEYLESS_CONFIG_DIR`, else
//! `$XDG_CONFIG_HOME/keyless`, else `~/.config/keyless`), owner-only (0600) from the moment
//! it exists. Other client commands use it when neither a flag nor `KEYLESS_URL` /
//! `KEYLESS_TOKEN` says otherwise. The token is checked against the server first.

use super::client::{Client, Conn};
use anyhow::Context;
use clap::Args;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct LoginArgs {
    #[command(flatten)]
    conn: Conn,
}

/// What `keyless login` stores.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Saved {
    pub url: Option<String>,
    pub token: Option<String>,
    pub ca: Option<PathBuf>,
}

pub fn config_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("KEYLESS_CONFIG_DIR")
        .or_else(|| env("XDG_CONFIG_HOME").map(|d| d.join("keyless")))
        .or_else(|| env("HOME").map(|h| h.join(".config").join("keyless")))
}

pub fn config_file() -> Option<PathBuf> {
    config_dir().map(|d| d.join("config.json"))
}

/// The saved login, if any (a missing or unreadable file is no login).
pub fn saved() -> Saved {
    config_file()
        .and_then(|p| std::fs::read(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let dir = path.parent().context("the config path has no directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(".config.json.{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub async fn login(a: LoginArgs) -> anyhow::Result<ExitCode> {
    let conn = a.conn.resolved();
    conn.token
        .as_deref()
        .context("no token: pass --token (create one with keyless pat create)")?;
    // Check the pair before saving it: a typo is reported now, not at the next command.
    let me = Client::new(&conn)?
        .send(Method::GET, "/keyless/v1/me", None)
        .await?;
    let path =
        config_file().context("no configuration directory: set KEYLESS_CONFIG_DIR or HOME")?;
    let saved = Saved {
        url: Some(conn.url().to_string()),
        token: conn.token.clone(),
        ca: conn
            .ca
            .clone()
            .map(|p| std::fs::canonicalize(&p).unwrap_or(p)),
    };
    write_private(&path, &serde_json::to_vec_pretty(&saved)?)?;
    let upn = me
        .pointer("/user/userPrincipalName")
        .and_then(|v| v.as_str())
        .unwrap_or("?");
    println!(
        "logged in to {} as {upn}; saved in {}",
        conn.url(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
