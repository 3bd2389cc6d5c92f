//! One typed configuration: defaults, then the config file, then `KEYLESS_*` environment
//! variables, then flags (the CLI layers them; this is the result).

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub addr: SocketAddr,
    /// What issuers and discovery documents advertise; defaults to `https://{addr}`.
    pub public_url: Option<String>,
    /// `sqlite://…` or `postgres://…`; defaults to `DATA/keyless.db`.
    pub database: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Extra names for the generated leaf certificate.
    pub hostnames: Vec<String>,
    /// Serve plain HTTP (only behind a TLS-terminating proxy).
    pub insecure_http: bool,
    /// Create the demo world on first start.
    pub demo: bool,
    /// Base64 key-encryption key; otherwise `DATA/kek` (created on first start).
    pub kek: Option<String>,
    /// Days the audit log keeps entries (0: forever).
    pub audit_retention_days: i64,
    /// Seconds a rotated-in signing key is published before it signs (`--key-publish-ahead`).
    pub key_publish_ahead_secs: i64,
    /// Days a signing key signs before it is rotated automatically (0: never).
    pub key_rotation_days: i64,
    /// Seconds a client has to send a request's headers, from the first byte it could send
    /// them (`--header-read-timeout`).
    pub header_read_timeout_secs: u64,
    /// Seconds a connection may sit with no byte moving either way (`--idle-timeout`).
    pub idle_timeout_secs: u64,
    /// Connections open at once; more are closed at once (`--max-connections`).
    pub max_connections: usize,
    /// Seconds a pipeline job's ID token is valid (`--id-token-lifetime`, 1 to 600; 600 as in
    /// Azure DevOps). Shorter only to test what happens when one expires.
    pub id_token_lifetime_secs: i64,
}

/// Defaults of the connection limits.
pub const HEADER_READ_TIMEOUT_SECS: u64 = 10;
pub const IDLE_TIMEOUT_SECS: u64 = 60;
pub const MAX_CONNECTIONS: usize = 1024;

/// The longest ID-token lifetime the setting accepts: Azure DevOps' own.
pub const MAX_ID_TOKEN_LIFETIME: i64 = crate::state::DEFAULT_ID_TOKEN_LIFETIME;

impl Config {
    pub fn new(data_dir: PathBuf, addr: SocketAddr) -> Config {
        Config {
            data_dir,
            addr,
            public_url: None,
            database: None,
            tls_cert: None,
            tls_key: None,
            hostnames: Vec::new(),
            insecure_http: false,
            demo: false,
            kek: None,
            audit_retention_days: 30,
            key_publish_ahead_secs: 300,
            key_rotation_days: 30,
            header_read_timeout_secs: HEADER_READ_TIMEOUT_SECS,
            idle_timeout_secs: IDLE_TIMEOUT_SECS,
            max_connections: MAX_CONNECTIONS,
            id_token_lifetime_secs: MAX_ID_TOKEN_LIFETIME,
        }
    }

    pub fn database_url(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("keyless.db").display()))
    }

    /// The origin everything advertises, without a trailing slash.
    pub fn origin(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => {
                let scheme = if self.insecure_http { "http" } else { "https" };
                let host = if bound.ip().is_loopback() && bound.is_ipv4() {
                    "127.0.0.1".to_string()
                } else if bound.is_ipv6() {
                    format!("[{}]", bound.ip())
                } else {
                    bound.ip().to_string()
                };
                format!("{scheme}://{host}:{}", bound.port())
            }
        }
    }
}
