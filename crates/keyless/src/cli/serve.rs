//! `keyless serve` and `keyless demo env`. Settings come from flags, then `KEYLESS_*`
//! environment variables (clap), then the config file (`--config`), then defaults.

use anyhow::Context;
use clap::{Args, Subcommand};
use keyless_server::Config;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Data directory (database, keys, TLS files).
    #[arg(long, env = "KEYLESS_DATA")]
    data: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8443].
    #[arg(long, env = "KEYLESS_ADDR")]
    addr: Option<SocketAddr>,
    /// The URL issuers and discovery documents advertise [default: https://{addr}].
    #[arg(long, env = "KEYLESS_PUBLIC_URL")]
    public_url: Option<String>,
    /// Database URL: sqlite://PATH or postgres://… [default: DATA/keyless.db].
    #[arg(long, env = "KEYLESS_DATABASE")]
    database: Option<String>,
    /// TLS certificate chain (PEM); with --tls-key. Default: a local CA and leaf in DATA/tls.
    #[arg(long, env = "KEYLESS_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "KEYLESS_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// Extra host names for the generated certificate (repeatable).
    #[arg(long = "hostname", env = "KEYLESS_HOSTNAMES", value_delimiter = ',')]
    hostnames: Vec<String>,
    /// Serve plain HTTP; only behind a TLS-terminating proxy (real clients refuse http).
    #[arg(long, env = "KEYLESS_INSECURE_HTTP")]
    insecure_http: bool,
    /// Create the demo world and write DATA/demo.env.
    #[arg(long, env = "KEYLESS_DEMO")]
    demo: bool,
    /// Log format: human or json.
    #[arg(long, env = "KEYLESS_LOG_FORMAT")]
    log_format: Option<String>,
    /// Days the audit log keeps entries (0: forever) [default: 30].
    #[arg(long, env = "KEYLESS_AUDIT_RETENTION_DAYS")]
    audit_retention_days: Option<i64>,
    /// How long a rotated-in signing key is published before it signs, so verifiers that
    /// cached the key set see it first: seconds, or with s, m, h [default: 5m].
    #[arg(long, env = "KEYLESS_KEY_PUBLISH_AHEAD", value_parser = parse_duration_secs)]
    key_publish_ahead: Option<i64>,
    /// Days a signing key signs before it is rotated automatically (0: never) [default: 30].
    #[arg(long, env = "KEYLESS_KEY_ROTATION_DAYS")]
    key_rotation_days: Option<i64>,
    /// How long a client has to send a request's headers (and to finish the TLS
    /// handshake): seconds, or with s, m, h [default: 10s].
    #[arg(long, env = "KEYLESS_HEADER_READ_TIMEOUT", value_parser = parse_duration_secs)]
    header_read_timeout: Option<i64>,
    /// How long a connection may stay open with nothing sent either way: seconds, or with
    /// s, m, h [default: 60s].
    #[arg(long, env = "KEYLESS_IDLE_TIMEOUT", value_parser = parse_duration_secs)]
    idle_timeout: Option<i64>,
    /// Connections open at once; more are closed as they arrive [default: 1024].
    #[arg(long, env = "KEYLESS_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// How long a pipeline job's ID token is valid: seconds, or with s, m [default and
    /// maximum: 10m, as in Azure DevOps]. Shorter only for tests of expired ID tokens.
    #[arg(long, env = "KEYLESS_ID_TOKEN_LIFETIME", value_parser = parse_duration_secs)]
    id_token_lifetime: Option<i64>,
    /// A YAML config file with the same keys (data, addr, public_url, database, tls_cert,
    /// tls_key, hostnames, insecure_http, demo, log_format, audit_retention_days,
    /// key_publish_ahead, key_rotation_days, header_read_timeout, idle_timeout,
    /// max_connections, id_token_lifetime).
    #[arg(long, env = "KEYLESS_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data: Option<PathBuf>,
    addr: Option<SocketAddr>,
    public_url: Option<String>,
    database: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    #[serde(default)]
    hostnames: Vec<String>,
    insecure_http: Option<bool>,
    demo: Option<bool>,
    log_format: Option<String>,
    audit_retention_days: Option<i64>,
    key_publish_ahead: Option<String>,
    key_rotation_days: Option<i64>,
    header_read_timeout: Option<String>,
    idle_timeout: Option<String>,
    max_connections: Option<usize>,
    id_token_lifetime: Option<String>,
}

/// `300`, `300s`, `5m`, `1h`: a number of seconds, minutes or hours, as seconds.
fn parse_duration_secs(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (e.g. 300, 300s, 5m, 1h)"))?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(format!("'{s}': the unit is s, m or h")),
    };
    Ok(n * factor)
}

fn init_logs(format: &str) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEYLESS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        "json" => builder.json().init(),
        "human" => builder.init(),
        other => anyhow::bail!("--log-format must be human or json, not '{other}'"),
    }
    Ok(())
}

pub async fn serve(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let file: FileConfig = match &a.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read config file {}", p.display()))?;
            yaml_serde::from_str(&text).with_context(|| format!("config file {}", p.display()))?
        }
        None => FileConfig::default(),
    };
    init_logs(
        a.log_format
            .as_deref()
            .or(file.log_format.as_deref())
            .unwrap_or("human"),
    )?;
    let data = a
        .data
        .or(file.data)
        .unwrap_or_else(|| PathBuf::from(".keyless"));
    let addr = a
        .addr
        .or(file.addr)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8443)));
    let mut config = Config::new(data, addr);
    config.public_url = a.public_url.or(file.public_url);
    config.database = a.database.or(file.database);
    config.tls_cert = a.tls_cert.or(file.tls_cert);
    config.tls_key = a.tls_key.or(file.tls_key);
    config.hostnames = if a.hostnames.is_empty() {
        file.hostnames
    } else {
        a.hostnames
    };
    config.insecure_http = a.insecure_http || file.insecure_http.unwrap_or(false);
    config.demo = a.demo || file.demo.unwrap_or(false);
    config.audit_retention_days = a
        .audit_retention_days
        .or(file.audit_retention_days)
        .unwrap_or(30);
    if config.audit_retention_days < 0 {
        anyhow::bail!("--audit-retention-days must be 0 (forever) or more");
    }
    let file_publish_ahead = file
        .key_publish_ahead
        .as_deref()
        .map(parse_duration_secs)
        .transpose()
        .map_err(|e| anyhow::anyhow!("config file key_publish_ahead: {e}"))?;
    config.key_publish_ahead_secs = a.key_publish_ahead.or(file_publish_ahead).unwrap_or(300);
    config.key_rotation_days = a.key_rotation_days.or(file.key_rotation_days).unwrap_or(30);
    if config.key_rotation_days < 0 {
        anyhow::bail!("--key-rotation-days must be 0 (never) or more");
    }
    let file_duration = |v: &Option<String>, key: &str| {
        v.as_deref()
            .map(parse_duration_secs)
            .transpose()
            .map_err(|e| anyhow::anyhow!("config file {key}: {e}"))
    };
    let header_read = a.header_read_timeout.or(file_duration(
        &file.header_read_timeout,
        "header_read_timeout",
    )?);
    let idle = a
        .idle_timeout
        .or(file_duration(&file.idle_timeout, "idle_timeout")?);
    for (v, flag) in [
        (header_read, "--header-read-timeout"),
        (idle, "--idle-timeout"),
    ] {
        if v.is_some_and(|v| v < 1) {
            anyhow::bail!("{flag} must be at least 1 second");
        }
    }
    if let Some(v) = header_read {
        config.header_read_timeout_secs = v as u64;
    }
    if let Some(v) = idle {
        config.idle_timeout_secs = v as u64;
    }
    match a.max_connections.or(file.max_connections) {
        Some(0) => anyhow::bail!("--max-connections must be at least 1"),
        Some(n) => config.max_connections = n,
        None => {}
    }
    let file_id_token_lifetime = file_duration(&file.id_token_lifetime, "id_token_lifetime")?;
    if let Some(secs) = a.id_token_lifetime.or(file_id_token_lifetime) {
        config.id_token_lifetime_secs = secs;
    }
    config.kek = std::env::var("KEYLESS_KEK").ok().filter(|k| !k.is_empty());

    let prepared = keyless_server::serve::prepare(&config).await?;
    tracing::info!(origin = %prepared.origin, "keyless is listening");
    println!(
        "keyless serving {} (data: {})",
        prepared.origin,
        config.data_dir.display()
    );
    if let Some(ca) = &prepared.ca_cert {
        println!("local CA: {}", ca.display());
    }
    if let Some(bundle) = &prepared.ca_bundle {
        println!(
            "CA bundle for clients (system roots + local CA): {}",
            bundle.display()
        );
    }
    if let Some(token) = &prepared.first_admin_token {
        println!("\nFirst start: administrator admin@default.onmicrosoft.com created.");
        println!("Its personal access token is shown only now:\n\n    {token}\n");
    }
    if prepared.demo_env.is_some() {
        println!("demo world ready: . {}/demo.env", config.data_dir.display());
    }
    prepared
        .run(keyless_server::serve::shutdown_signal())
        .await?;
    println!("keyless stopped");
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum DemoCommand {
    /// Print the demo environment block (export lines) again.
    Env {
        /// The server's data directory, where demo.env is.
        #[arg(long, env = "KEYLESS_DATA", default_value = ".keyless")]
        data: PathBuf,
    },
}

pub fn demo(c: DemoCommand) -> anyhow::Result<ExitCode> {
    match c {
        DemoCommand::Env { data } => {
            let path = data.join("demo.env");
            let text = std::fs::read_to_string(&path).with_context(|| {
                format!("no demo environment at {}: start the server once with keyless serve --demo --data {}", path.display(), data.display())
            })?;
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
