//! `keyless kek rotate`: every sealed blob of the database (signing keys, connection
//! secrets, agent secrets) re-sealed under a new key-encryption key, in one transaction with its audit
//! entry (`rotateKek`: the host user, the time, how many blobs; never a key). Stop every
//! server on the database first.
//!
//! With `DATA/kek`: the new key is written to `DATA/kek.new` (0600) before the database
//! changes, and renamed over `DATA/kek` after the commit. A rotation interrupted between the
//! two is finished by running the command again (the server refuses to start meanwhile).
//! With `KEYLESS_KEK`: the new key comes from `KEYLESS_NEW_KEK`; set `KEYLESS_KEK` to it
//! for every server afterwards.

use super::backup::DatabaseArgs;
use anyhow::Context;
use clap::Subcommand;
use keyless_jose::Kek;
use std::path::Path;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum KekCommand {
    /// Re-seal everything under a new key-encryption key (servers stopped).
    Rotate(DatabaseArgs),
}

pub async fn kek(c: KekCommand) -> anyhow::Result<ExitCode> {
    let KekCommand::Rotate(db) = c;
    let store = keyless_store::open(&db.url())
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", db.url()))?;
    let by = keyless_server::keyring::Rotation {
        at: keyless_server::clock::Clock::default().now(),
        host_user: host_user(),
    };
    let done = match std::env::var("KEYLESS_KEK") {
        Ok(old) => {
            let new = std::env::var("KEYLESS_NEW_KEK").context(
                "KEYLESS_KEK holds the current key: set KEYLESS_NEW_KEK to the new one \
                 (openssl rand -base64 32)",
            )?;
            let (old, new) = (Kek::from_base64(&old)?, Kek::from_base64(&new)?);
            let done = keyless_server::keyring::rotate_kek(&store, &old, &new, &by).await?;
            println!("set KEYLESS_KEK to the value of KEYLESS_NEW_KEK for every server");
            done
        }
        Err(_) => {
            let data = db.data_dir();
            let (current, pending) = (data.join("kek"), data.join("kek.new"));
            let old = read_kek(&current)?;
            if pending.exists() {
                let new = read_kek(&pending)?;
                if opens_with(&store, &new).await? {
                    std::fs::rename(&pending, &current)?;
                    println!(
                        "finished the interrupted rotation: {} is the new key",
                        current.display()
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                std::fs::remove_file(&pending)?;
            }
            write_private(&pending, &Kek::generate_base64())?;
            let new = read_kek(&pending)?;
            let done = keyless_server::keyring::rotate_kek(&store, &old, &new, &by).await?;
            std::fs::rename(&pending, &current).with_context(|| {
                format!(
                    "the database is sealed under {}: rename it to {}",
                    pending.display(),
                    current.display()
                )
            })?;
            done
        }
    };
    println!(
        "re-sealed {} signing keys, {} connection secrets and {} agent secrets under the new \
         key-encryption key",
        done.signing_keys, done.connection_secrets, done.agent_secrets
    );
    Ok(ExitCode::SUCCESS)
}

/// The account running the command, for the audit entry (`USER`, else `LOGNAME`).
fn host_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

fn read_kek(path: &Path) -> anyhow::Result<Kek> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key-encryption key {}", path.display()))?;
    Ok(Kek::from_base64(&text)?)
}

/// Whether the database's signing keys open with `kek` (true when it has none).
async fn opens_with(store: &keyless_store::SharedStore, kek: &Kek) -> anyhow::Result<bool> {
    let keys = store.list_all_signing_keys().await?;
    Ok(keys
        .first()
        .is_none_or(|k| kek.open(&k.sealed_private_key).is_ok()))
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(format!("{text}\n").as_bytes())?;
    f.sync_all()?;
    Ok(())
}
