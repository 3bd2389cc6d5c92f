//! The server under test: a `keyless serve --demo` child process on a free loopback port with
//! its own data directory. Killed when dropped (errors, Ctrl-C) and stopped at the end.

use crate::procfs;
use anyhow::{Context, bail};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Server {
    child: tokio::process::Child,
    pub pid: String,
    pub origin: String,
    pub env: HashMap<String, String>,
    pub ca_pem: Vec<u8>,
    pub ready_in: Duration,
    pub log: PathBuf,
}

/// A free loopback port (bound, then released for the server to take).
fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("cannot bind a loopback port")?;
    Ok(l.local_addr()?.port())
}

/// A TLS configuration that trusts only the server's local CA; `resume` off forces a full
/// handshake on every new connection (as a new process would do).
pub fn tls_config(ca_pem: &[u8], resume: bool) -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(cert.context("bad CA PEM")?)?;
    }
    if roots.is_empty() {
        bail!("no certificate in the CA file");
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    if !resume {
        cfg.resumption = rustls::client::Resumption::disabled();
    }
    Ok(cfg)
}

/// An HTTPS client for the server: keep-alive (one connection per concurrent worker), or a
/// new connection and a full TLS handshake for every request.
pub fn client(ca_pem: &[u8], new_connection: bool) -> anyhow::Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config(ca_pem, !new_connection)?)
        .no_proxy()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30));
    if new_connection {
        b = b.pool_max_idle_per_host(0);
    }
    Ok(b.build()?)
}

impl Server {
    /// Spawns `serve --demo` and waits until `/healthz` answers 200 (at most `timeout`).
    pub async fn start(
        bin: &Path,
        data: &Path,
        extra_env: &[(String, String)],
        timeout: Duration,
    ) -> anyhow::Result<Server> {
        Server::start_with(bin, data, extra_env, &[], true, timeout).await
    }

    /// [`Server::start`] with extra `serve` arguments, with or without `--demo`. Without it,
    /// `data` must already hold `tls/` and `demo.env` (a replica of a demo server: copies).
    pub async fn start_with(
        bin: &Path,
        data: &Path,
        extra_env: &[(String, String)],
        extra_args: &[String],
        demo: bool,
        timeout: Duration,
    ) -> anyhow::Result<Server> {
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let log = data.with_extension("log");
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .with_context(|| format!("cannot open {}", log.display()))?;
        let mut cmd = tokio::process::Command::new(bin);
        cmd.arg("serve");
        if demo {
            cmd.arg("--demo");
        }
        cmd.args(extra_args)
            .arg("--data")
            .arg(data)
            .arg("--addr")
            .arg(&addr)
            .stdin(std::process::Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .kill_on_drop(true);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("KEYLESS_") {
                cmd.env_remove(&k);
            }
        }
        // A tenant switched to ES256 signs with its new key at once (the ES256 run), instead
        // of after the default 5 minutes of publication.
        cmd.env("KEYLESS_KEY_PUBLISH_AHEAD", "0s");
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let spawned = Instant::now();
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let pid = child.id().context("the server exited at once")?.to_string();
        let mut server = Server {
            child,
            pid,
            origin: format!("https://{addr}"),
            env: HashMap::new(),
            ca_pem: Vec::new(),
            ready_in: Duration::ZERO,
            log,
        };
        let ca_path = data.join("tls").join("ca.pem");
        let mut http: Option<reqwest::Client> = None;
        loop {
            if spawned.elapsed() > timeout {
                bail!(
                    "the server was not ready within {timeout:?}; its log: {}",
                    server.log.display()
                );
            }
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "the server exited ({status}) before it was ready:\n{}",
                    server.log_tail()
                );
            }
            if http.is_none()
                && let Ok(pem) = std::fs::read(&ca_path)
                && let Ok(c) = client(&pem, false)
            {
                server.ca_pem = pem;
                http = Some(c);
            }
            if let Some(c) = &http
                && let Ok(r) = c
                    .get(format!("{}/healthz", server.origin))
                    .timeout(Duration::from_millis(500))
                    .send()
                    .await
                && r.status().is_success()
            {
                server.ready_in = spawned.elapsed();
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let env_text = std::fs::read_to_string(data.join("demo.env"))
            .context("the demo did not write demo.env")?;
        server.env = env_text
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
            .collect();
        // The CA may have been re-read while being written: read it once more, whole.
        server.ca_pem = std::fs::read(&ca_path)?;
        Ok(server)
    }

    pub fn var(&self, k: &str) -> anyhow::Result<String> {
        self.env
            .get(k)
            .cloned()
            .with_context(|| format!("demo.env has no {k}"))
    }

    /// PATCHes `body` to `url` with the demo administrator's token; `what` names the request
    /// in errors.
    pub async fn patch_as_admin(
        &self,
        http: &reqwest::Client,
        url: &str,
        body: &serde_json::Value,
        what: &str,
    ) -> anyhow::Result<reqwest::Response> {
        http.patch(url)
            .bearer_auth(self.var("KEYLESS_TOKEN")?)
            .json(body)
            .send()
            .await
            .with_context(|| what.to_string())
    }

    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        procfs::cpu_seconds(&self.pid)
    }

    pub fn memory(&self) -> anyhow::Result<(u64, u64)> {
        procfs::memory(&self.pid)
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// SIGKILL at once, as a crash or an OOM kill would end it; waits until it is gone.
    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }

    /// SIGTERM, then SIGKILL after `grace`.
    pub async fn stop(mut self, grace: Duration) {
        let _ = tokio::process::Command::new("kill")
            .arg("-TERM")
            .arg(&self.pid)
            .status()
            .await;
        if tokio::time::timeout(grace, self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}
