//! The requests, exactly as the real clients send them (see
//! crates/keyless-server/tests/common/mod.rs): the job's ID-token request, the federated token
//! exchange and an ARM read that needs an RBAC decision.

use crate::server::{self, Server};
use anyhow::{Context, bail};
use serde_json::Value;
use std::sync::Arc;

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
pub const ARM_SCOPE: &str = "https://management.azure.com/.default";
pub const ARM_API: &str = "api-version=2021-04-01";

/// Everything a worker needs; shared read-only.
pub struct Ctx {
    /// The client under test (keep-alive or a new connection per request).
    pub http: reqwest::Client,
    /// A keep-alive client for preparation (assertion pools, access tokens, store fills).
    pub setup: reqwest::Client,
    pub token_url: String,
    pub oidc_url: String,
    pub job_token: String,
    pub arm_url: String,
    pub client_id: String,
    /// Form bodies of token requests, one per pre-fetched assertion.
    pub exchange_bodies: Vec<String>,
    pub access_token: String,
}

impl Ctx {
    pub fn new(s: &Server, new_connection: bool) -> anyhow::Result<Ctx> {
        let tenant = s.var("AZURE_TENANT_ID")?;
        let sub = s.var("AZURE_SUBSCRIPTION_ID")?;
        Ok(Ctx {
            http: server::client(&s.ca_pem, new_connection)?,
            setup: server::client(&s.ca_pem, false)?,
            token_url: format!("{}/{tenant}/oauth2/v2.0/token", s.origin),
            oidc_url: format!(
                "{}?api-version=7.1&serviceConnectionId={}",
                s.var("SYSTEM_OIDCREQUESTURI")?,
                s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")?
            ),
            job_token: s.var("SYSTEM_ACCESSTOKEN")?,
            arm_url: format!("{}/subscriptions/{sub}/resourcegroups?{ARM_API}", s.origin),
            client_id: s.var("AZURE_CLIENT_ID")?,
            exchange_bodies: Vec::new(),
            access_token: String::new(),
        })
    }

    pub fn exchange_body(&self, assertion: &str) -> String {
        serde_urlencoded::to_string([
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("scope", ARM_SCOPE),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
        ])
        .unwrap_or_default()
    }

    /// Fetches `n` pipeline ID tokens (8 at a time) and keeps their token-request bodies.
    /// Entra-generation ID tokens live 5 minutes: fetch right before each run.
    pub async fn fetch_assertions(self: &mut Arc<Self>, n: usize) -> anyhow::Result<()> {
        let mut tasks = tokio::task::JoinSet::new();
        let per = n.div_ceil(8);
        for k in 0..8 {
            let ctx = self.clone();
            let count = per.min(n.saturating_sub(k * per));
            tasks.spawn(async move {
                let mut out = Vec::with_capacity(count);
                for _ in 0..count {
                    out.push(
                        ctx.mint_with(&ctx.setup)
                            .await
                            .map_err(anyhow::Error::msg)?,
                    );
                }
                anyhow::Ok(out)
            });
        }
        let mut bodies = Vec::with_capacity(n);
        while let Some(r) = tasks.join_next().await {
            for a in r?? {
                bodies.push(self.exchange_body(&a));
            }
        }
        if bodies.is_empty() {
            bail!("no assertion fetched");
        }
        Arc::get_mut(self)
            .context("the context is shared while being refilled")?
            .exchange_bodies = bodies;
        Ok(())
    }

    pub async fn fetch_access_token(self: &mut Arc<Self>) -> anyhow::Result<()> {
        let a = self
            .mint_with(&self.setup)
            .await
            .map_err(anyhow::Error::msg)?;
        let t = self
            .exchange(self.exchange_body(&a))
            .await
            .map_err(anyhow::Error::msg)?;
        Arc::get_mut(self)
            .context("the context is shared while being refilled")?
            .access_token = t;
        Ok(())
    }

    /// The job's ID-token request; returns the `oidcToken`.
    pub async fn mint(&self) -> Result<String, String> {
        self.mint_with(&self.http).await
    }

    async fn mint_with(&self, http: &reqwest::Client) -> Result<String, String> {
        let resp = http
            .post(&self.oidc_url)
            .bearer_auth(&self.job_token)
            .header("Content-Type", "application/json")
            .header("X-TFS-FedAuthRedirect", "Suppress")
            .send()
            .await
            .map_err(|e| format!("mint: {e}"))?;
        string_field(resp, "mint", "oidcToken").await
    }

    /// The token exchange; returns the `access_token`.
    pub async fn exchange(&self, body: String) -> Result<String, String> {
        let resp = self
            .http
            .post(&self.token_url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("exchange: {e}"))?;
        string_field(resp, "exchange", "access_token").await
    }

    /// `GET /subscriptions/{id}/resourcegroups` as the workload identity.
    pub async fn arm(&self, token: &str) -> Result<(), String> {
        let resp = self
            .http
            .get(&self.arm_url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| format!("arm: {e}"))?;
        json_ok(resp, "arm").await.map(|_| ())
    }

    /// One pipeline-like iteration: mint → exchange → ARM GET.
    pub async fn flow(&self) -> Result<(), String> {
        let id = self.mint().await?;
        let access = self.exchange(self.exchange_body(&id)).await?;
        self.arm(&access).await
    }
}

/// The string `field` of the JSON object of a 2xx answer to the request `what`.
async fn string_field(resp: reqwest::Response, what: &str, field: &str) -> Result<String, String> {
    let v = json_ok(resp, what).await?;
    v[field]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{what}: no {field}"))
}

async fn json_ok(resp: reqwest::Response, what: &str) -> Result<Value, String> {
    let status = resp.status();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("{what}: reading the body: {e}"))?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&bytes);
        return Err(format!(
            "{what}: HTTP {status}: {}",
            text.chars().take(300).collect::<String>()
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("{what}: not JSON: {e}"))
}
