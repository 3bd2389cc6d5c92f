//! `exchange`: the federated token exchange with pre-fetched assertions, closed loop at each
//! concurrency and connection mode, then open loop at half the best throughput (the p99
//! target), then once more with the tenant's access tokens signed ES256.

use super::On;
use crate::load;
use crate::report::{Run, run_record};
use crate::scenarios::Ctx;
use crate::server::Server;
use anyhow::{Context, bail};
use base64::Engine as _;
use std::sync::Arc;
use std::time::Duration;

/// One exchange run: a fresh assertion pool, then the load.
pub async fn exchange_run(
    ctx: &mut Arc<Ctx>,
    s: &Server,
    plan: &load::Plan,
    pool: usize,
) -> anyhow::Result<load::Measured> {
    ctx.fetch_assertions(pool).await?;
    let c = ctx.clone();
    let m = load::run(s, plan, move |_, n| {
        let c = c.clone();
        async move {
            let body = c.exchange_bodies[n as usize % c.exchange_bodies.len()].clone();
            c.exchange(body).await.map(|_| ())
        }
    })
    .await?;
    Ok(m)
}

/// Closed loop in each of `modes` (new connection or not), then the open-loop run in the
/// `open_loop_new_connection` mode.
pub async fn run(
    on: &mut On<'_>,
    modes: &[bool],
    open_loop_new_connection: bool,
) -> anyhow::Result<Vec<Run>> {
    let (s, pool, floor) = (on.s, on.st.pool, on.floor);
    let mut runs = Vec::new();
    for &nc in modes {
        for &c in &on.st.concurrency.clone() {
            let plan = on.plan(c);
            let m = exchange_run(on.ctx(nc), s, &plan, pool).await?;
            runs.push(run_record("exchange", nc, &plan, None, 1, m, floor));
        }
    }
    // p99 at half of the maximum throughput (open loop, keep-alive unless asked otherwise).
    let nc = open_loop_new_connection;
    let max = runs
        .iter()
        .filter(|r| r.new_connection == nc)
        .map(|r| r.m.throughput)
        .fold(0.0, f64::max);
    if max > 0.0 {
        let plan = load::Plan {
            concurrency: on
                .st
                .concurrency
                .iter()
                .copied()
                .max()
                .unwrap_or(16)
                .max(16),
            rate: Some((max / 2.0).max(1.0)),
            ..on.st.plan.clone()
        };
        let m = exchange_run(on.ctx(nc), s, &plan, pool).await?;
        runs.push(run_record("exchange", nc, &plan, None, 1, m, floor));
    }
    Ok(runs)
}

/// The keep-alive exchange at the first concurrency with the demo tenant's
/// `accessTokenAlgorithm` set to ES256: what the cheaper signature saves. The tenant is set
/// back to RS256 afterwards, whatever happened.
pub async fn es256_run(on: &mut On<'_>) -> anyhow::Result<Run> {
    let (s, pool, floor) = (on.s, on.st.pool, on.floor);
    let plan = on.plan(on.st.concurrency.first().copied().unwrap_or(16));
    let http = on.keep.setup.clone();
    set_algorithm(&http, s, "ES256").await?;
    let measured = async {
        wait_for_alg(on.ctx(false), "ES256").await?;
        exchange_run(on.ctx(false), s, &plan, pool).await
    }
    .await;
    set_algorithm(&http, s, "RS256").await?;
    Ok(run_record(
        "exchange-es256",
        false,
        &plan,
        None,
        1,
        measured?,
        floor,
    ))
}

async fn set_algorithm(http: &reqwest::Client, s: &Server, alg: &str) -> anyhow::Result<()> {
    let url = format!(
        "{}/keyless/v1/tenants/{}/settings",
        s.origin,
        s.var("AZURE_TENANT_ID")?
    );
    let body = serde_json::json!({ "accessTokenAlgorithm": alg });
    let resp = s
        .patch_as_admin(http, &url, &body, "tenant settings")
        .await?;
    if !resp.status().is_success() {
        let status = resp.status();
        bail!(
            "setting accessTokenAlgorithm {alg}: HTTP {status}: {}",
            resp.text().await.unwrap_or_default()
        );
    }
    Ok(())
}

/// Until an access token comes back signed with `alg` (the server publishes a tenant's new
/// ES256 key for `KEYLESS_KEY_PUBLISH_AHEAD` first; the harness starts it with 0 s, and the
/// grant cache may hold the old settings for up to a second).
async fn wait_for_alg(ctx: &mut Arc<crate::scenarios::Ctx>, alg: &str) -> anyhow::Result<()> {
    for _ in 0..50 {
        ctx.fetch_access_token().await?;
        let header = ctx.access_token.split('.').next().unwrap_or_default();
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .context("access token header")?;
        let header: serde_json::Value = serde_json::from_slice(&header)?;
        if header["alg"] == alg {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bail!("the server still signs access tokens with another algorithm than {alg} after 10 s")
}
