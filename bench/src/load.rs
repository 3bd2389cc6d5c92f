//! The load engine: N workers, each one request at a time (closed loop), or a fixed request
//! rate (open loop, latency counted from the scheduled start so queueing is not hidden).
//! A warm-up precedes the measured window; only requests completed inside the window count,
//! and the server's CPU clock is read at the window's edges.

use crate::procfs;
use crate::server::Server;
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct Plan {
    pub concurrency: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// Requests per second for the open-loop mode; closed loop when `None`.
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub requests: u64,
    pub ok: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub window_s: f64,
    pub throughput: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub server_cpu_s: f64,
    /// Context switches of the server's threads in the window.
    pub server_context_switches: u64,
    pub client_cpu_s: f64,
    pub server_rss_bytes: u64,
    pub server_peak_rss_bytes: u64,
}

struct WorkerResult {
    latencies_us: Vec<u32>,
    ok: u64,
    errors: u64,
    first_error: Option<String>,
}

/// The `p`th percentile (nearest rank) of sorted microsecond latencies, in milliseconds; 0
/// when there are none.
pub fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

/// Runs `op(worker, sequence)` under the plan. `op` returns `Err(description)` for a
/// non-2xx answer or a transport error.
pub async fn run<F, Fut>(server: &Server, plan: &Plan, op: F) -> anyhow::Result<Measured>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let window_start = start + plan.warmup;
    let end = window_start + plan.duration;
    let seq = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::with_capacity(plan.concurrency);
    for w in 0..plan.concurrency {
        let op = op.clone();
        let seq = seq.clone();
        let rate = plan.rate;
        workers.push(tokio::spawn(async move {
            let mut r = WorkerResult {
                latencies_us: Vec::with_capacity(4096),
                ok: 0,
                errors: 0,
                first_error: None,
            };
            loop {
                let n = seq.fetch_add(1, Ordering::Relaxed);
                let began = match rate {
                    Some(rate) => {
                        let at = start + Duration::from_secs_f64(n as f64 / rate);
                        if at >= end {
                            break;
                        }
                        tokio::time::sleep_until(at).await;
                        at
                    }
                    None => {
                        let now = Instant::now();
                        if now >= end {
                            break;
                        }
                        now
                    }
                };
                let outcome = op(w, n).await;
                let done = Instant::now();
                if done < window_start || done > end {
                    continue;
                }
                match outcome {
                    Ok(()) => {
                        r.ok += 1;
                        let us = done.duration_since(began).as_micros();
                        r.latencies_us.push(u32::try_from(us).unwrap_or(u32::MAX));
                    }
                    Err(e) => {
                        r.errors += 1;
                        if r.first_error.is_none() {
                            r.first_error = Some(e);
                        }
                    }
                }
            }
            r
        }));
    }

    tokio::time::sleep_until(window_start).await;
    procfs::reset_peak(&server.pid);
    let s0 = server.cpu_seconds()?;
    let x0 = procfs::context_switches(&server.pid);
    let c0 = procfs::cpu_seconds("self")?;
    let t0 = Instant::now();
    tokio::time::sleep_until(end).await;
    let s1 = server.cpu_seconds()?;
    let x1 = procfs::context_switches(&server.pid);
    let c1 = procfs::cpu_seconds("self")?;
    let window = t0.elapsed().as_secs_f64();
    let (rss, peak) = server.memory()?;

    let mut lat = Vec::new();
    let (mut ok, mut errors, mut first_error) = (0, 0, None);
    for w in workers {
        let r = w.await?;
        ok += r.ok;
        errors += r.errors;
        if first_error.is_none() {
            first_error = r.first_error;
        }
        lat.extend(r.latencies_us);
    }
    lat.sort_unstable();
    Ok(Measured {
        requests: ok + errors,
        ok,
        errors,
        first_error,
        window_s: window,
        throughput: ok as f64 / window,
        p50_ms: percentile(&lat, 50.0),
        p95_ms: percentile(&lat, 95.0),
        p99_ms: percentile(&lat, 99.0),
        max_ms: lat.last().map(|&v| v as f64 / 1000.0).unwrap_or(0.0),
        server_cpu_s: s1 - s0,
        server_context_switches: x1.saturating_sub(x0),
        client_cpu_s: c1 - c0,
        server_rss_bytes: rss,
        server_peak_rss_bytes: peak,
    })
}
