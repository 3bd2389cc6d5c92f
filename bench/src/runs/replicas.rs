//! `replicas`: two `keyless serve` processes on one throwaway PostgreSQL (same public URL,
//! key-encryption key and TLS files). First, how long a change made through one replica
//! takes to be enforced by the other (the client's service principal disabled through A's
//! Graph, then enabled again, while B is asked for tokens every 2 ms). Then token exchanges
//! sent to both at once, one replica killed with SIGKILL half-way; counts what each replica
//! answered before and after the kill. The claim under test: requests to the surviving
//! replica keep succeeding.
//!
//! Replica A is a `--demo` server; replica B gets copies of A's `kek`, `tls/` and `demo.env`
//! and `--public-url` A's origin, so tokens and assertions from either are good on both.

use crate::load::percentile;
use crate::note;
use crate::scenarios::Ctx;
use crate::server::Server;
use anyhow::Context;
use keyless_store::testing::pg::ThrowawayPostgres;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// What one replica answered on either side of the kill.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Side {
    /// Requests started before the kill: successes and failures.
    pub before_ok: u64,
    pub before_errors: u64,
    /// Requests started at or after the kill.
    pub after_ok: u64,
    pub after_errors: u64,
    /// Latency of the successful requests started after the kill.
    pub after_p50_ms: f64,
    pub after_p99_ms: f64,
    pub first_error: Option<String>,
}

/// Milliseconds from the answer to a write on A to B's first answer that reflects it.
#[derive(Debug, Clone, Serialize)]
pub struct Visibility {
    /// The client's service principal disabled: B refuses its tokens (AADSTS7000112).
    pub disable_ms: f64,
    /// Enabled again: B grants again.
    pub enable_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplicaKill {
    pub visibility: Visibility,
    pub workers_per_replica: usize,
    pub duration_s: f64,
    pub killed_after_s: f64,
    /// The replica that was killed (A) and the one that kept serving (B).
    pub killed: Side,
    pub survivor: Side,
}

#[derive(Default)]
struct Tally {
    side: Side,
    after_latencies_us: Vec<u32>,
}

/// `workers` closed-loop workers sending token exchanges through `ctx` until `end`.
fn hammer(
    ctx: Arc<Ctx>,
    workers: usize,
    kill_at: Instant,
    end: Instant,
) -> tokio::task::JoinHandle<Tally> {
    tokio::spawn(async move {
        let tally = Arc::new(Mutex::new(Tally::default()));
        let mut tasks = tokio::task::JoinSet::new();
        for w in 0..workers {
            let (ctx, tally) = (ctx.clone(), tally.clone());
            tasks.spawn(async move {
                let mut n = w;
                while Instant::now() < end {
                    let body = ctx.exchange_bodies[n % ctx.exchange_bodies.len()].clone();
                    n += workers;
                    let started = Instant::now();
                    let result = ctx.exchange(body).await;
                    let us = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
                    let after = started >= kill_at;
                    let failed = result.is_err();
                    {
                        let Ok(mut t) = tally.lock() else { return };
                        match (result, after) {
                            (Ok(_), false) => t.side.before_ok += 1,
                            (Ok(_), true) => {
                                t.side.after_ok += 1;
                                t.after_latencies_us.push(us);
                            }
                            (Err(e), after) => {
                                if after {
                                    t.side.after_errors += 1;
                                } else {
                                    t.side.before_errors += 1;
                                }
                                t.side.first_error.get_or_insert(e);
                            }
                        }
                    }
                    if failed {
                        // A refused connection fails at once: do not spin.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        let mut t = std::mem::take(&mut *tally.lock().unwrap_or_else(|e| e.into_inner()));
        t.after_latencies_us.sort_unstable();
        t.side.after_p50_ms = percentile(&t.after_latencies_us, 50.0);
        t.side.after_p99_ms = percentile(&t.after_latencies_us, 99.0);
        t
    })
}

/// Sets the demo client's `accountEnabled` through A's Microsoft Graph, then asks B for a
/// token every 2 ms until B's answer reflects it; returns the milliseconds from A's answer.
async fn change_and_watch(a: &Server, b: &Ctx, sp_url: &str, enabled: bool) -> anyhow::Result<f64> {
    let body = serde_json::json!({ "accountEnabled": enabled });
    let resp = a
        .patch_as_admin(&b.setup, sp_url, &body, "PATCH servicePrincipals")
        .await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "PATCH servicePrincipals: HTTP {}",
        resp.status()
    );
    let written = Instant::now();
    let body = b.exchange_bodies[0].clone();
    while written.elapsed() < Duration::from_secs(5) {
        if b.exchange(body.clone()).await.is_ok() == enabled {
            return Ok(written.elapsed().as_secs_f64() * 1e3);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    anyhow::bail!("replica B did not see accountEnabled={enabled} within 5 s")
}

/// How long B takes to enforce a change written through A (B has the client cached).
async fn visibility(a: &Server, b: &Ctx) -> anyhow::Result<Visibility> {
    let query = serde_urlencoded::to_string([("$filter", format!("appId eq '{}'", b.client_id))])?;
    let list: serde_json::Value = b
        .setup
        .get(format!("{}/v1.0/servicePrincipals?{query}", a.origin))
        .bearer_auth(a.var("KEYLESS_TOKEN")?)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = list["value"][0]["id"]
        .as_str()
        .context("the demo client has no service principal")?;
    let sp_url = format!("{}/v1.0/servicePrincipals/{id}", a.origin);
    // Warm B's grant cache with the client, so what is measured is the invalidation.
    b.exchange(b.exchange_bodies[0].clone())
        .await
        .map_err(anyhow::Error::msg)?;
    let disable_ms = change_and_watch(a, b, &sp_url, false).await?;
    let enable_ms = change_and_watch(a, b, &sp_url, true).await?;
    note(format!(
        "replicas: a change through A was enforced by B after {disable_ms:.1} ms (disabled) and {enable_ms:.1} ms (enabled again)"
    ));
    Ok(Visibility {
        disable_ms,
        enable_ms,
    })
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        std::fs::copy(entry.path(), to.join(entry.file_name()))?;
    }
    Ok(())
}

/// Runs the scenario: `workers` per replica for `duration`, replica A killed half-way.
pub async fn run(
    bin: &Path,
    extra_env: &[(String, String)],
    workers: usize,
    duration: Duration,
    pool: usize,
) -> anyhow::Result<ReplicaKill> {
    note("replicas: starting a throwaway PostgreSQL");
    let pg = tokio::task::spawn_blocking(ThrowawayPostgres::start)
        .await?
        .map_err(|e| anyhow::anyhow!("cannot start PostgreSQL for the replica scenario: {e}"))?;
    let url = pg.create_database();
    let tmp = tempfile::Builder::new()
        .prefix("keyless-bench-replicas-")
        .tempdir()?;
    let (data_a, data_b): (PathBuf, PathBuf) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::create_dir_all(&data_a)?;
    let ready = Duration::from_secs(120);
    let db = vec!["--database".to_string(), url];
    let a = Server::start_with(bin, &data_a, extra_env, &db, true, ready).await?;
    // B: the same key-encryption key, TLS files and demo environment, A's public URL.
    copy_dir(&data_a.join("tls"), &data_b.join("tls"))?;
    std::fs::copy(data_a.join("kek"), data_b.join("kek")).context("copying A's kek")?;
    std::fs::copy(data_a.join("demo.env"), data_b.join("demo.env"))?;
    let mut b_args = db.clone();
    b_args.extend(["--public-url".to_string(), a.origin.clone()]);
    let b = Server::start_with(bin, &data_b, extra_env, &b_args, false, ready).await?;
    note(format!(
        "replicas: A {} (pid {}), B {} (pid {}) on one PostgreSQL",
        a.origin, a.pid, b.origin, b.pid
    ));

    let mut ctx_a = Arc::new(Ctx::new(&a, false)?);
    ctx_a.fetch_assertions(pool).await?;
    let mut ctx_b = Ctx::new(&b, false)?;
    ctx_b.exchange_bodies = ctx_a.exchange_bodies.clone();
    let visibility = visibility(&a, &ctx_b).await?;
    let ctx_b = Arc::new(ctx_b);

    let start = Instant::now();
    let kill_at = start + duration / 2;
    let end = start + duration;
    let on_a = hammer(ctx_a, workers, kill_at, end);
    let on_b = hammer(ctx_b, workers, kill_at, end);
    tokio::time::sleep_until(kill_at).await;
    note("replicas: SIGKILL to replica A");
    a.kill().await;
    let killed = on_a.await?.side;
    let survivor = on_b.await?.side;
    b.stop(Duration::from_secs(10)).await;
    let _ = tokio::task::spawn_blocking(move || pg.stop()).await;
    note(format!(
        "replicas: survivor B {} ok / {} errors after the kill ({} / {} before); killed A {} ok / {} errors after",
        survivor.after_ok,
        survivor.after_errors,
        survivor.before_ok,
        survivor.before_errors,
        killed.after_ok,
        killed.after_errors
    ));
    Ok(ReplicaKill {
        visibility,
        workers_per_replica: workers,
        duration_s: duration.as_secs_f64(),
        killed_after_s: (duration / 2).as_secs_f64(),
        killed,
        survivor,
    })
}
