//! Store size: fills the demo tenant with apps, each with 20 federated credentials (Entra's
//! limit per app) and 20 role assignments (Reader on 20 resource groups of a second
//! subscription), through `POST /keyless/v1/apply` in chunks under the 1 MB body limit.
//! The demo app, its credential and its role assignment are untouched, so the benchmark's
//! requests are the same at every size; only the tables around them grow.

use crate::server::Server;
use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub const PER_APP: u64 = 20;
/// Apps per apply request: about 700 kB of JSON (the server accepts 1 MB).
const CHUNK_APPS: u64 = 200;
const SUBSCRIPTION: &str = "bench-subscription";

#[derive(Debug, Clone, Serialize)]
pub struct Populated {
    /// Federated credentials (and as many role assignments) in the store after this step.
    pub federated_credentials: u64,
    pub role_assignments: u64,
    pub apps: u64,
    /// Seconds this step took (cumulative fills: only the added part).
    pub seconds: f64,
    /// Objects (credentials + role assignments) written per second in this step.
    pub objects_per_second: f64,
    /// Server CPU seconds per object written in this step.
    pub server_cpu_per_object_s: f64,
    pub method: &'static str,
}

fn chunk(from: u64, to: u64) -> Value {
    let apps: Vec<Value> = (from..to)
        .map(|a| {
            let fics: Vec<Value> = (0..PER_APP)
                .map(|k| {
                    json!({
                        "name": format!("f{k:02}"),
                        "issuer": "https://token.actions.githubusercontent.com",
                        "subject": format!("repo:bench/app-{a:07}:environment:e{k:02}"),
                    })
                })
                .collect();
            json!({"name": format!("bench-{a:07}"), "federatedCredentials": fics})
        })
        .collect();
    let assignments: Vec<Value> = (from..to)
        .flat_map(|a| {
            (0..PER_APP).map(move |k| {
                json!({
                    "app": format!("bench-{a:07}"),
                    "role": "Reader",
                    "resourceGroup": format!("rg-{k:02}"),
                })
            })
        })
        .collect();
    let groups: Vec<Value> = (0..PER_APP)
        .map(|k| json!({"name": format!("rg-{k:02}"), "location": "westeurope"}))
        .collect();
    json!({
        "tenants": [{
            "name": "contoso",
            "apps": apps,
            "subscriptions": [{
                "name": SUBSCRIPTION,
                "resourceGroups": groups,
                "roleAssignments": assignments,
            }],
        }],
    })
}

async fn apply(http: &reqwest::Client, url: &str, token: &str, body: String) -> anyhow::Result<()> {
    let resp = http
        .post(url)
        .bearer_auth(token)
        .header("Content-Type", "application/yaml")
        .timeout(Duration::from_secs(600))
        .body(body)
        .send()
        .await
        .context("apply")?;
    let status = resp.status();
    if !status.is_success() {
        let text = resp.text().await.unwrap_or_default();
        bail!(
            "apply: HTTP {status}: {}",
            text.chars().take(500).collect::<String>()
        );
    }
    Ok(())
}

/// The progress of a fill: chunks done of `total`, the time so far and an estimate of the
/// time left.
fn fill_line(done: u64, total: u64, elapsed: std::time::Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let left = secs * (total - done) as f64 / done.max(1) as f64;
    format!(
        "filling the store: {done}/{total} chunks of {CHUNK_APPS} apps, {secs:.0}s, about {left:.0}s left"
    )
}

/// Grows the store from `have` to `want` federated credentials (multiples of 20), with
/// `parallel` apply requests in flight.
pub async fn populate(
    s: &Server,
    http: &reqwest::Client,
    have: u64,
    want: u64,
    parallel: usize,
) -> anyhow::Result<Populated> {
    let url = format!("{}/keyless/v1/apply", s.origin);
    let token = s.var("KEYLESS_TOKEN")?;
    let (from, to) = (have / PER_APP, want / PER_APP);
    let started = Instant::now();
    let cpu0 = s.cpu_seconds()?;
    let mut next = from;
    let mut inflight = tokio::task::JoinSet::new();
    // A plain line at each tenth of the fill (a million credentials take many minutes).
    let chunks = (to - from).div_ceil(CHUNK_APPS);
    let step = (chunks / 10).max(1);
    let mut done = 0;
    while next < to || !inflight.is_empty() {
        while next < to && inflight.len() < parallel.max(1) {
            let end = (next + CHUNK_APPS).min(to);
            let body = serde_json::to_string(&chunk(next, end))?;
            let (http, url, token) = (http.clone(), url.clone(), token.clone());
            inflight.spawn(async move { apply(&http, &url, &token, body).await });
            next = end;
        }
        if let Some(r) = inflight.join_next().await {
            r??;
            done += 1;
            if done % step == 0 || done == chunks {
                eprintln!("{}", fill_line(done, chunks, started.elapsed()));
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = s.cpu_seconds()? - cpu0;
    let added = (to - from) * PER_APP * 2;
    Ok(Populated {
        federated_credentials: to * PER_APP,
        role_assignments: to * PER_APP,
        apps: to,
        seconds,
        objects_per_second: if seconds > 0.0 {
            added as f64 / seconds
        } else {
            0.0
        },
        server_cpu_per_object_s: cpu / added.max(1) as f64,
        method: "POST /keyless/v1/apply (world file in 200-app chunks)",
    })
}
