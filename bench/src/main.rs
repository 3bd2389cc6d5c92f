//! `keyless-bench`: the benchmark harness of keyless. Starts its own
//! `keyless serve --demo` on a free loopback port with a temporary data directory, measures
//! the scenarios, prints a report and always stops the server (also on error or Ctrl-C).
//!
//! The key figure: server CPU seconds per token divided by the CPU seconds of one RS256
//! signature measured in this process in the same run (the physical floor of the work).
#![forbid(unsafe_code)]

mod load;
mod procfs;
mod report;
mod runs;
mod scenarios;
mod server;
mod sig;
mod size;

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use report::{Report, Run, Startup};
use serde::Serialize;
use server::Server;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(
    name = "keyless-bench",
    about = "Benchmarks a keyless server it starts itself (loopback only)."
)]
struct Cli {
    /// What to run.
    #[arg(value_enum, default_value = "all")]
    scenario: Scenario,
    /// Concurrent clients (closed loop), comma-separated [default: 16,64; smoke: 4].
    #[arg(long, value_delimiter = ',')]
    concurrency: Vec<usize>,
    /// Measured seconds per run [default: 10; smoke: 2].
    #[arg(long)]
    duration: Option<f64>,
    /// Unmeasured warm-up seconds before each run [default: 1; smoke: 0.5].
    #[arg(long)]
    warmup: Option<f64>,
    /// A new TCP connection and full TLS handshake for every request instead of keep-alive.
    /// (`all` runs the token exchange both ways and the rest with keep-alive.)
    #[arg(long)]
    new_connection: bool,
    /// CI mode: 2 s runs at concurrency 4, size 1000, no targets judged.
    #[arg(long)]
    smoke: bool,
    /// Store sizes for the size scenario: federated credentials (and as many role
    /// assignments), comma-separated, multiples of 20 [default: 10000,100000; smoke: 1000].
    /// 1000000 works but filling takes about 26 minutes here (see docs/BENCHMARKS.md).
    #[arg(long, value_delimiter = ',')]
    size: Vec<u64>,
    /// Parallel apply requests while filling the store.
    #[arg(long, default_value_t = 1)]
    fill_parallel: usize,
    /// Pre-fetched pipeline ID tokens per exchange run (reused round-robin) [default: 1000; smoke: 100].
    #[arg(long)]
    pool: Option<usize>,
    /// The keyless binary [default: target/release/keyless next to this binary's target dir].
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Extra environment for the server, K=V, repeatable (e.g. KEYLESS_LOG=warn to see what
    /// request logging costs). The harness removes every inherited KEYLESS_* variable.
    #[arg(long = "server-env", value_name = "K=V")]
    server_env: Vec<String>,
    /// Worker threads of the load generator (it shares the machine with the server).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Signatures for the in-process RS256 floor measurement.
    #[arg(long, default_value_t = 500)]
    signatures: usize,
    /// Print the whole report as JSON on stdout (progress still goes to stderr).
    #[arg(long)]
    json: bool,
    /// Also write the JSON report to this file.
    #[arg(long)]
    json_file: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Scenario {
    /// Token exchange with pre-fetched assertions.
    Exchange,
    /// Job ID-token minting.
    Mint,
    /// ARM GET /subscriptions/{id}/resourcegroups with RBAC, one pre-fetched access token.
    Arm,
    /// mint → exchange → ARM GET per iteration.
    Flow,
    /// The token exchange at growing store sizes.
    Size,
    /// Two replicas on one throwaway PostgreSQL under exchange load, one killed half-way
    /// (needs PostgreSQL's initdb and pg_ctl; in `all` unless --smoke).
    Replicas,
    /// Everything above, plus the exchange at half its maximum rate.
    All,
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.client_threads.max(1))
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        // Dropping the suite's future drops the server handle, which kills the server.
        tokio::select! {
            r = suite(&cli) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
            _ = term.recv() => Err(anyhow::anyhow!("terminated")),
        }
    });
    match result {
        Ok(report) => {
            if let Some(path) = &cli.json_file {
                let written = serde_json::to_string_pretty(&report)
                    .map_err(anyhow::Error::from)
                    .and_then(|s| std::fs::write(path, s + "\n").map_err(anyhow::Error::from));
                if let Err(e) = written {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    return std::process::ExitCode::FAILURE;
                }
            }
            if cli.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return std::process::ExitCode::FAILURE;
                    }
                }
            } else {
                report::print_report(&report);
            }
            // Targets are never asserted; a run that served nothing, or (in smoke mode, for
            // CI) any failed request, means the harness or the server is broken.
            let dead: Vec<String> = report
                .runs
                .iter()
                .filter(|r| r.m.ok == 0 || (report.smoke && r.m.errors > 0))
                .map(|r| {
                    format!(
                        "{} c={}: {} ok, {} errors{}",
                        r.scenario,
                        r.concurrency,
                        r.m.ok,
                        r.m.errors,
                        r.m.first_error
                            .as_deref()
                            .map(|e| format!(" (first: {e})"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            if !dead.is_empty() {
                for d in &dead {
                    eprintln!("error: {d}");
                }
                return std::process::ExitCode::FAILURE;
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn server_bin(cli: &Cli) -> anyhow::Result<PathBuf> {
    if let Some(p) = &cli.server_bin {
        if !p.is_file() {
            bail!("no server binary at {}", p.display());
        }
        return Ok(p.clone());
    }
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("no directory for this binary")?;
    let release = dir
        .parent()
        .map(|t| t.join("release").join("keyless"))
        .filter(|p| p.is_file());
    match release {
        Some(p) => Ok(p),
        None => bail!(
            "no release server binary next to {}: run `cargo build --release -p keyless`, or pass --server-bin",
            dir.display()
        ),
    }
}

fn note(msg: impl AsRef<str>) {
    eprintln!("[bench] {}", msg.as_ref());
}

impl Cli {
    /// The default of a smoke run, or of a full one.
    fn smoke_or<T>(&self, smoke: T, full: T) -> T {
        if self.smoke { smoke } else { full }
    }
}

/// The values given on the command line, else `default`.
fn list_or<T: Clone>(given: &[T], default: Vec<T>) -> Vec<T> {
    if given.is_empty() {
        default
    } else {
        given.to_vec()
    }
}

struct Settings {
    concurrency: Vec<usize>,
    plan: load::Plan,
    pool: usize,
    sizes: Vec<u64>,
}

async fn suite(cli: &Cli) -> anyhow::Result<Report> {
    let total = Instant::now();
    let loadavg_start = loadavg();
    let bin = server_bin(cli)?;
    let settings = Settings {
        concurrency: list_or(&cli.concurrency, cli.smoke_or(vec![4], vec![16, 64])),
        plan: load::Plan {
            concurrency: 1,
            warmup: Duration::from_secs_f64(cli.warmup.unwrap_or(cli.smoke_or(0.5, 1.0))),
            duration: Duration::from_secs_f64(cli.duration.unwrap_or(cli.smoke_or(2.0, 10.0))),
            rate: None,
        },
        pool: cli.pool.unwrap_or(cli.smoke_or(100, 1000)),
        sizes: list_or(&cli.size, cli.smoke_or(vec![1000], vec![10_000, 100_000])),
    };
    if settings.concurrency.contains(&0) {
        bail!("--concurrency must be at least 1");
    }
    if bin.to_string_lossy().contains("/debug/") {
        note(format!(
            "server {} is a debug build: figures are for CI only",
            bin.display()
        ));
    }

    note(format!(
        "RS256 floor: {} signatures with aws-lc-rs in this process",
        cli.signatures
    ));
    let signature_before = sig::measure(cli.signatures.max(10))?;
    note(format!(
        "one RS256 signature: {:.1} µs CPU ({:.1} µs wall), one verification {:.1} µs CPU",
        signature_before.sign_cpu_s * 1e6,
        signature_before.sign_wall_s * 1e6,
        signature_before.verify_cpu_s * 1e6
    ));

    let tmp = tempfile::Builder::new()
        .prefix("keyless-bench-")
        .tempdir()?;
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data)?;
    let ready_limit = Duration::from_secs(120);

    note(format!(
        "starting {} (first start, empty data directory)",
        bin.display()
    ));
    let mut server_env = Vec::new();
    for kv in &cli.server_env {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--server-env {kv}: write K=V"))?;
        server_env.push((k.to_string(), v.to_string()));
    }
    let first = Server::start(&bin, &data, &server_env, ready_limit).await?;
    let first_ready = first.ready_in;
    note(format!(
        "ready in {:.0} ms",
        first_ready.as_secs_f64() * 1e3
    ));
    first.stop(Duration::from_secs(10)).await;

    let s = Server::start(&bin, &data, &server_env, ready_limit).await?;
    note(format!(
        "restarted on the same data: ready in {:.0} ms (pid {}, {})",
        s.ready_in.as_secs_f64() * 1e3,
        s.pid,
        s.origin
    ));
    let restart_ready = s.ready_in;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (idle_rss, _) = s.memory()?;
    note(format!("idle RSS {:.1} MB", idle_rss as f64 / 1e6));

    let result = runs::scenarios_on(cli, &settings, &s, signature_before.sign_cpu_s).await;
    let idle_after = s.memory().map(|m| m.0).unwrap_or(0);
    if result.is_err() {
        note(format!("server log tail:\n{}", s.log_tail()));
    }
    s.stop(Duration::from_secs(10)).await;
    let (runs, fills) = result?;
    let replica_kill = replica_kill(cli, &bin, &server_env, &settings).await?;

    let signature_after = sig::measure(cli.signatures.max(10))?;
    let signature_cpu_s = (signature_before.sign_cpu_s + signature_after.sign_cpu_s) / 2.0;
    // Ratios against the mean of the two floor measurements.
    let runs: Vec<Run> = runs
        .into_iter()
        .map(|mut r| {
            r.cpu_per_op_in_signatures = r.server_cpu_per_op_s / signature_cpu_s;
            r
        })
        .collect();
    let startup = Startup {
        first_start_ready_s: first_ready.as_secs_f64(),
        restart_ready_s: restart_ready.as_secs_f64(),
        idle_rss_bytes: idle_rss,
        idle_rss_after_load_bytes: idle_after,
    };
    let mut report = Report {
        smoke: cli.smoke,
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        clk_tck: procfs::clk_tck(),
        server_bin: bin.display().to_string(),
        server_env: cli.server_env.clone(),
        duration_s: settings.plan.duration.as_secs_f64(),
        warmup_s: settings.plan.warmup.as_secs_f64(),
        client_threads: cli.client_threads,
        assertion_pool: settings.pool,
        signature_before,
        signature_after,
        signature_cpu_s,
        startup,
        runs,
        fills,
        replica_kill,
        targets: Vec::new(),
        loadavg_start,
        loadavg_end: loadavg(),
        total_s: 0.0,
    };
    report.targets = report::targets(&report);
    report.total_s = total.elapsed().as_secs_f64();
    drop(tmp);
    Ok(report)
}

/// The replica-kill scenario when asked for, or in a full (non-smoke) `all` run, where a
/// machine without PostgreSQL only skips it.
async fn replica_kill(
    cli: &Cli,
    bin: &std::path::Path,
    server_env: &[(String, String)],
    st: &Settings,
) -> anyhow::Result<Option<runs::replicas::ReplicaKill>> {
    let asked = cli.scenario == Scenario::Replicas;
    if !asked && (cli.scenario != Scenario::All || cli.smoke) {
        return Ok(None);
    }
    let workers = st.concurrency.first().copied().unwrap_or(16);
    match runs::replicas::run(bin, server_env, workers, st.plan.duration, st.pool).await {
        Ok(r) => Ok(Some(r)),
        Err(e) if !asked => {
            note(format!("replicas: skipped ({e:#})"));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
