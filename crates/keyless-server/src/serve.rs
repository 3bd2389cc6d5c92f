//! Starting the server: data directory, key-encryption key, store, first administrator,
//! demo world, TLS, and graceful shutdown. Split into `prepare` (everything up to a bound
//! listener) and `Prepared::run`, so tests can start a server on port 0 in-process.

use crate::admin::ops;
use crate::auth::issue_pat;
use crate::clock::Clock;
use crate::config::Config;
use crate::conn;
use crate::keyring::{KeyPolicy, KeyRing};
use crate::state::AppState;
use crate::wire_errors::WireErrors;
use anyhow::Context;
use axum::extract::State;
use axum::http::StatusCode;
use keyless_jose::{Kek, LocalPki};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub struct Prepared {
    pub state: AppState,
    pub addr: SocketAddr,
    pub origin: String,
    /// The CA bundle clients should trust (system roots + local CA), when keyless made the certificate.
    pub ca_bundle: Option<PathBuf>,
    /// The local CA alone (PEM path), when keyless made the certificate.
    pub ca_cert: Option<PathBuf>,
    /// Printed once on first start: the administrator's token.
    pub first_admin_token: Option<String>,
    /// The demo environment text, with `--demo`.
    pub demo_env: Option<String>,
    listener: std::net::TcpListener,
    tls: Option<rustls::ServerConfig>,
    key_rotation_days: i64,
    limits: Limits,
}

/// How often each replica runs the key maintenance (scheduled rotation, deletion of expired
/// keys). Every replica runs it; the store's lock makes concurrent runs harmless.
const KEY_MAINTENANCE_EVERY: Duration = Duration::from_secs(60);

/// How long `/readyz` waits for the database before answering 503.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Installs the process-wide crypto provider for rustls (aws-lc); idempotent.
pub fn install_crypto() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

fn load_tls(cert: &std::path::Path, key: &std::path::Path) -> anyhow::Result<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("cannot read TLS certificate {}", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("{} is not a PEM certificate chain", cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(key).with_context(|| {
        format!(
            "cannot read TLS key {} (PEM PKCS#8, PKCS#1 or SEC1)",
            key.display()
        )
    })?;
    let mut cfg = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the TLS certificate and key do not form a valid pair")?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}

pub async fn prepare(config: &Config) -> anyhow::Result<Prepared> {
    install_crypto();
    // Owner-only (0700) when keyless creates it: it holds the database and the KEK.
    let mut data_dir = std::fs::DirBuilder::new();
    data_dir.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut data_dir, 0o700);
    data_dir.create(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let data_dir = std::fs::canonicalize(&config.data_dir)?;
    if config.kek.is_none() && data_dir.join("kek.new").exists() {
        anyhow::bail!(
            "{} exists: a `keyless kek rotate` was interrupted; run it again to finish it",
            data_dir.join("kek.new").display()
        );
    }
    let kek = match &config.kek {
        Some(b64) => Kek::from_base64(b64).context("KEYLESS_KEK is not a base64 32-byte key")?,
        None => Kek::load_or_create(&data_dir.join("kek"))?,
    };
    let store = keyless_store::open(&config.database_url())
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", config.database_url()))?;
    let listener = std::net::TcpListener::bind(config.addr).with_context(|| {
        format!(
            "cannot listen on {} (in use? try --addr 127.0.0.1:0)",
            config.addr
        )
    })?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let origin = config.origin(addr);
    if config.key_publish_ahead_secs < 0 || config.key_rotation_days < 0 {
        anyhow::bail!("--key-publish-ahead and --key-rotation-days must be 0 or more");
    }
    let policy = KeyPolicy {
        publish_ahead: config.key_publish_ahead_secs,
        ..KeyPolicy::default()
    };
    let keys = Arc::new(KeyRing::with_policy(
        store.clone(),
        kek,
        Clock::default(),
        policy,
    ));
    if !(1..=crate::config::MAX_ID_TOKEN_LIFETIME).contains(&config.id_token_lifetime_secs) {
        anyhow::bail!(
            "--id-token-lifetime must be 1 to {} seconds",
            crate::config::MAX_ID_TOKEN_LIFETIME
        );
    }
    let resealed = keys
        .reseal_connection_secrets()
        .await
        .map_err(|e| anyhow::anyhow!("cannot re-seal connection secrets: {e}"))?;
    if resealed > 0 {
        tracing::info!(
            resealed,
            "connection secrets re-sealed under their own label"
        );
    }
    let mut state = AppState::new(store, keys, &origin, config.audit_retention_days);
    state.id_token_lifetime = config.id_token_lifetime_secs;

    let (tls, ca_bundle, ca_cert) = if config.insecure_http {
        (None, None, None)
    } else if let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) {
        (Some(load_tls(cert, key)?), None, None)
    } else if config.tls_cert.is_some() || config.tls_key.is_some() {
        anyhow::bail!(
            "give both --tls-cert and --tls-key, or neither (keyless then makes its own local CA)"
        );
    } else {
        let mut names = config.hostnames.clone();
        if let Some(host) = url_host(&origin) {
            names.push(host);
        }
        let pki = LocalPki::load_or_create(&data_dir, &names)?;
        let cfg = load_tls(&pki.server_cert_path, &pki.server_key_path)?;
        (
            Some(cfg),
            Some(pki.ca_bundle_path.clone()),
            Some(pki.ca_cert_path.clone()),
        )
    };

    let first_admin_token = if config.demo {
        None
    } else {
        first_admin(&state).await?
    };
    let demo_env = if config.demo {
        Some(crate::world::demo::prepare(&state, &data_dir, ca_bundle.as_deref()).await?)
    } else {
        None
    };
    Ok(Prepared {
        state,
        addr,
        origin,
        ca_bundle,
        ca_cert,
        first_admin_token,
        demo_env,
        listener,
        tls,
        key_rotation_days: config.key_rotation_days,
        limits: Limits {
            header_read: Duration::from_secs(config.header_read_timeout_secs.max(1)),
            idle: Duration::from_secs(config.idle_timeout_secs.max(1)),
            max_connections: config.max_connections.max(1),
        },
    })
}

fn url_host(origin: &str) -> Option<String> {
    let rest = origin.split("://").nth(1)?;
    let host = rest.split('/').next()?;
    let host = if let Some(h) = host.strip_prefix('[') {
        h.split(']').next()?
    } else {
        host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
    };
    Some(host.to_string())
}

/// On an empty database: a `default` tenant and its administrator, whose token is
/// returned to be printed once (only its hash is kept).
async fn first_admin(s: &AppState) -> anyhow::Result<Option<String>> {
    if !s.shared_store().list_tenants().await?.is_empty() {
        return Ok(None);
    }
    let err = |e: crate::envelope::ApiError| anyhow::anyhow!("{}", e.rendered.message);
    let created = ops::create_tenant(
        s,
        ops::NewTenant {
            name: "default".into(),
            id: None,
            display_name: Some("Default".into()),
            cloud: Default::default(),
            settings: Default::default(),
        },
    )
    .await;
    let tenant = match created {
        Ok(t) => t,
        // A replica starting at the same time created it: its administrator is its own.
        Err(e) if e.code() == "Conflict" => return Ok(None),
        Err(e) => return Err(err(e)),
    };
    let user = ops::create_user(s, &tenant, "admin", Some("Administrator".into()), true)
        .await
        .map_err(err)?;
    let (token, _) = issue_pat(s, None, &user, "first-start", 365, vec!["full".into()])
        .await
        .map_err(err)?;
    Ok(Some(token))
}

impl Prepared {
    /// Serves until `shutdown` completes, then lets connections finish for up to
    /// [`SHUTDOWN_GRACE`].
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = crate::router(self.state.clone());
        let maintenance = tokio::spawn(maintain_keys(self.state.clone(), self.key_rotation_days));
        let heartbeat = tokio::spawn(crate::admin::status::heartbeat(self.state.clone()));
        let served = self.serve(app, shutdown).await;
        maintenance.abort();
        heartbeat.abort();
        served
    }

    async fn serve(
        self,
        app: axum::Router,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let handle = axum_server::Handle::new();
        let h = handle.clone();
        tokio::spawn(async move {
            shutdown.await;
            h.graceful_shutdown(Some(SHUTDOWN_GRACE));
        });
        let limits = self.limits;
        // TCP_NODELAY on every accepted connection: small responses and the TLS handshake's
        // flights go out without waiting for a delayed ACK (~40 ms with Nagle's algorithm).
        let guard = conn::Guard::new(limits.max_connections, limits.idle);
        let state = self.state.clone();
        match self.tls {
            None => {
                let mut server = axum_server::from_tcp(self.listener)?
                    .acceptor(WireErrors::new(state, guard))
                    .handle(handle);
                configure(server.http_builder(), &limits);
                server.serve(app.into_make_service()).await?;
            }
            Some(cfg) => {
                let rustls = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(cfg));
                let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(rustls)
                    .handshake_timeout(limits.header_read)
                    .acceptor(guard);
                let mut server = axum_server::from_tcp(self.listener)?
                    .acceptor(WireErrors::new(state, acceptor))
                    .handle(handle);
                configure(server.http_builder(), &limits);
                server.serve(app.into_make_service()).await?;
            }
        }
        Ok(())
    }
}

/// How long connections may finish their requests after a shutdown signal; then they are
/// closed and `run` returns.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The connection limits of a server (see [`Config`]).
#[derive(Debug, Clone, Copy)]
struct Limits {
    header_read: Duration,
    idle: Duration,
    max_connections: usize,
}

/// hyper's side of the limits: the header read timeout (with a timer, without which hyper
/// enforces none), room for requests up to the edge's limits so that `edge.rs` answers
/// them in the plane's envelope, and a bound on concurrent HTTP/2 streams. No HTTP/2
/// pings: their bytes would keep an idle connection from reaching the idle timeout.
fn configure(
    b: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    limits: &Limits,
) {
    let timer = hyper_util::rt::TokioTimer::new();
    b.http1()
        .timer(timer.clone())
        .header_read_timeout(limits.header_read)
        .max_headers(crate::edge::MAX_HEADERS * 2)
        .max_buf_size(crate::edge::MAX_HEADER_BYTES * 4 + crate::edge::MAX_URI * 2);
    b.http2()
        .timer(timer)
        .max_header_list_size(((crate::edge::MAX_HEADER_BYTES + crate::edge::MAX_URI) * 4) as u32)
        .max_concurrent_streams(Some(256));
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Scheduled key work of this replica, every [`KEY_MAINTENANCE_EVERY`] from the start:
/// rotation of keys older than `rotation_days` (0: never) and deletion of expired keys.
async fn maintain_keys(state: AppState, rotation_days: i64) {
    let mut every = tokio::time::interval(KEY_MAINTENANCE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = state.keys.maintain(rotation_days).await {
            tracing::warn!(error = %e, "key maintenance failed; trying again later");
        }
    }
}

/// `GET /readyz`: the database answers within [`READY_TIMEOUT`]. A replica that loses the
/// database answers 503 here (and 503 to what needs the database) and 200 again by itself
/// once the database is back: the pool reconnects, nothing is restarted.
pub async fn readyz(State(s): State<AppState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(READY_TIMEOUT, s.shared_store().ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "database unreachable (timed out)",
        ),
    }
}
