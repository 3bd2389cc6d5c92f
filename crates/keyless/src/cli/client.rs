//! The HTTP client of the CLI: server URL and token from flags or `KEYLESS_URL` /
//! `KEYLESS_TOKEN`, else from `keyless login`'s saved configuration; the local CA from
//! `--ca`, `KEYLESS_CA_FILE`, the saved login or `DATA/tls/ca.pem`.

use super::output::error::{ApiError, Unreachable};
use anyhow::Context;
use clap::Args;
use reqwest::Method;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct Conn {
    /// Server URL [default: the saved login's, else https://127.0.0.1:8443].
    #[arg(long, env = "KEYLESS_URL", global = true)]
    pub url: Option<String>,
    /// Personal access token.
    #[arg(long, env = "KEYLESS_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// CA certificate to trust (PEM) [default: .keyless/tls/ca.pem when present].
    #[arg(long, env = "KEYLESS_CA_FILE", global = true)]
    pub ca: Option<PathBuf>,
}

// The arguments of the commands on one tenant, organization, project or service connection.
// Plain comments: clap would show an argument struct's doc comment as the command's about.

#[derive(Args)]
pub struct TenantArgs {
    /// The tenant (name, domain or id).
    pub tenant: String,
    #[command(flatten)]
    pub conn: Conn,
}

#[derive(Args)]
pub struct OrgArgs {
    /// The organization (name or id).
    pub org: String,
    #[command(flatten)]
    pub conn: Conn,
}

#[derive(Args)]
pub struct ProjectArgs {
    /// The organization (name or id).
    pub org: String,
    /// The project (name or id).
    pub project: String,
    #[command(flatten)]
    pub conn: Conn,
}

#[derive(Args)]
pub struct ConnectionArgs {
    /// The organization (name or id).
    pub org: String,
    /// The service connection (id or name).
    pub id: String,
    #[command(flatten)]
    pub conn: Conn,
}

/// Where a server runs when nothing says otherwise.
pub const DEFAULT_URL: &str = "https://127.0.0.1:8443";

impl Conn {
    /// Flags and environment first, then what `keyless login` saved (only when the saved
    /// login is for the same server, or no server was named).
    pub fn resolved(&self) -> Conn {
        let saved = super::login::saved();
        let same_server = match (&self.url, &saved.url) {
            (None, _) => true,
            (Some(a), Some(b)) => a.trim_end_matches('/') == b.trim_end_matches('/'),
            (Some(_), None) => false,
        };
        let mut c = self.clone();
        if same_server {
            c.url = c.url.or(saved.url);
            c.token = c.token.or(saved.token);
            c.ca = c.ca.or(saved.ca);
        }
        c
    }

    pub fn url(&self) -> &str {
        self.url.as_deref().unwrap_or(DEFAULT_URL)
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    conn: Conn,
}

impl Client {
    pub fn new(conn: &Conn) -> anyhow::Result<Client> {
        keyless_server::serve::install_crypto();
        let conn = &conn.resolved();
        let mut b = reqwest::Client::builder();
        let ca = conn
            .ca
            .clone()
            .or_else(|| Some(PathBuf::from(".keyless/tls/ca.pem")).filter(|p| p.exists()));
        if let Some(ca) = ca {
            let pem = std::fs::read(&ca)
                .with_context(|| format!("cannot read CA file {}", ca.display()))?;
            b = b.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
        }
        Ok(Client {
            http: b.build()?,
            conn: conn.clone(),
        })
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
    ) -> anyhow::Result<Value> {
        let token = self.conn.token.as_deref().context(
            "no token: pass --token, set KEYLESS_TOKEN or run keyless login (the first start of keyless serve prints one; with --demo it is in demo.env)",
        )?;
        let url = format!("{}{}", self.conn.url().trim_end_matches('/'), path);
        self.send_to(method, &url, token, body).await
    }

    /// A request to an absolute URL of the server (the job's URLs), with `token`.
    pub async fn send_to(
        &self,
        method: Method,
        url: &str,
        token: &str,
        body: Option<Body>,
    ) -> anyhow::Result<Value> {
        let mut req = self.http.request(method, url).bearer_auth(token);
        req = match body {
            Some(Body::Json(v)) => req.json(&v),
            Some(Body::Yaml(t)) => req.header("content-type", "application/yaml").body(t),
            None => req,
        };
        let resp = req.send().await.map_err(|e| {
            // The innermost cause says why (connection refused, certificate unknown…).
            let cause =
                std::iter::successors(Some(&e as &(dyn std::error::Error + 'static)), |c| {
                    c.source()
                })
                .last()
                .map(ToString::to_string)
                .unwrap_or_default();
            Unreachable {
                url: url.to_string(),
                cause,
            }
        })?;
        let status = resp.status();
        let text = resp.text().await?;
        let value: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if !status.is_success() {
            return Err(ApiError::from_body(status.as_u16(), &value).into());
        }
        Ok(value)
    }

    /// The same server and CA, authenticated by another token (a job's).
    pub fn with_token(&self, token: &str) -> Client {
        let mut conn = self.conn.clone();
        conn.token = Some(token.to_string());
        Client {
            http: self.http.clone(),
            conn,
        }
    }

    /// The server's URL, without a trailing slash.
    pub fn origin(&self) -> &str {
        self.conn.url().trim_end_matches('/')
    }

    /// The CA certificate the client trusts besides the system roots, when one is known.
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.conn
            .ca
            .clone()
            .or_else(|| Some(PathBuf::from(".keyless/tls/ca.pem")).filter(|p| p.exists()))
    }
}

pub enum Body {
    Json(Value),
    Yaml(String),
}

/// `path` with the query `user=…&group=…`, both encoded: how a group membership is named
/// for removal.
pub fn membership_url(path: &str, user: String, group: String) -> anyhow::Result<String> {
    with_query(path, &[("user", &user), ("group", &group)])
}

/// `path` with the query `pairs`, each name and value encoded.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> anyhow::Result<String> {
    let q = reqwest::Url::parse_with_params("http://x/", pairs)?;
    Ok(format!("{path}?{}", q.query().unwrap_or_default()))
}
