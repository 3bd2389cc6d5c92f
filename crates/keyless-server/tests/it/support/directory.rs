//! Directory helpers: roles through the admin API, Graph access tokens of a principal, and
//! Graph requests in a named tenant.
#![allow(dead_code, clippy::unwrap_used)]

use super::Principal;
use crate::common::Expect;
use crate::common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// Gives an app's service principal (or a user) a directory role, as the administrator.
pub async fn add_role(s: &TestServer, tenant: &str, who: Value, role: &str) {
    let mut body = who;
    body["role"] = json!(role);
    s.admin_created(&format!("/keyless/v1/tenants/{tenant}/roles"), body)
        .await;
}

/// An access token of the principal for `scope`, by its secret, from `tenant`.
pub async fn token_for(s: &TestServer, tenant: &str, p: &Principal, scope: &str) -> String {
    let body = super::secret_token_for(s, tenant, &p.app_id, &p.secret, scope)
        .await
        .expect_status(StatusCode::OK);
    body["access_token"].as_str().unwrap().to_string()
}

/// A Graph access token of the principal in the demo tenant.
pub async fn graph_token(s: &TestServer, p: &Principal) -> String {
    token_for(s, &s.var("AZURE_TENANT_ID"), p, GRAPH_SCOPE).await
}

/// A Graph request as a user acting in `tenant` (the `X-Keyless-Tenant` header).
pub async fn in_tenant(
    s: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    tenant: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = s
        .http
        .request(method, format!("{}{}", s.origin, path))
        .bearer_auth(token)
        .header("X-Keyless-Tenant", tenant);
    if let Some(b) = body {
        req = req.json(&b);
    }
    crate::common::answer(req).await
}
