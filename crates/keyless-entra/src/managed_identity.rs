//! Managed identity token endpoints for jobs on self-hosted agents that run on Azure VMs,
//! in the two shapes unmodified clients speak:
//!
//! - IMDS: `GET {AZURE_POD_IDENTITY_AUTHORITY_HOST}/metadata/identity/oauth2/token?
//!   api-version=2018-02-01&resource=…` with `Metadata: true`, the identity chosen by
//!   `client_id`, `object_id` or `msi_res_id`. The authority host is
//!   `{origin}/_agents/{secret}`.
//! - App Service: `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=…` with
//!   `X-IDENTITY-HEADER: {IDENTITY_HEADER}`, chosen by `client_id`, `principal_id`
//!   (`object_id`) or `mi_res_id` (`msi_res_id`). The endpoint is `{origin}/_agents/identity`.
//!
//! The caller proves which agent it runs on with the agent's secret (the path segment, or
//! the header), which keyless hands to the jobs of that agent; the identities are those the
//! agent's VM carries (`identity` of the `Microsoft.Compute` resource), never what the
//! caller claims. Tokens live 24 hours (`expires_on` as each shape writes it, with a
//! refresh hint at half-life). Every request is audited (kind `managed_identity`).

use super::Resource;
use super::mint::{self, ClientAuth, Grant};
use crate::data::*;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::ApiError;
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::catalogue::Rendered;
use keyless_model::directory::ServicePrincipal;
use serde_json::{Value, json};
use std::collections::HashMap;

/// How long a managed identity's access token lives.
pub const MANAGED_IDENTITY_TOKEN_LIFETIME: i64 = 24 * 3600;

/// The path prefix that stands for the IMDS host (`AZURE_POD_IDENTITY_AUTHORITY_HOST`).
pub fn imds_authority(origin: &str, agent_secret: &str) -> String {
    format!("{origin}/_agents/{agent_secret}")
}

/// The App Service shape's `IDENTITY_ENDPOINT`.
pub fn identity_endpoint(origin: &str) -> String {
    format!("{origin}/_agents/identity")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Imds,
    AppService,
}

/// A refusal in the endpoints' shape: `{"error", "error_description"}`; the App Service
/// shape adds its own `statusCode` and `message`, which MSAL reads from a refusal.
struct Refusal(ApiError);

impl Refusal {
    fn into_response(self, shape: Shape) -> Response {
        let rendered: Rendered = self.0.rendered;
        let numbered = rendered.entry.code.bytes().all(|b| b.is_ascii_digit());
        let description = if numbered {
            format!("AADSTS{}: {}", rendered.entry.code, rendered.message)
        } else {
            rendered.message.clone()
        };
        let status = StatusCode::from_u16(rendered.entry.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut body = json!({"error": rendered.entry.error, "error_description": description});
        if shape == Shape::AppService {
            body["statusCode"] = json!(status.as_u16());
            body["message"] = json!(description);
        }
        (status, Json(body)).into_response()
    }
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Refusal(e)
    }
}

pub async fn imds_token(
    Req { s, headers }: Req,
    Path(secret): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let metadata = headers
        .get("metadata")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let secret = metadata.then_some(secret);
    answer(&s, Shape::Imds, secret, &q).await
}

pub async fn app_service_token(
    Req { s, headers }: Req,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let secret = headers
        .get("x-identity-header")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    answer(&s, Shape::AppService, secret, &q).await
}

async fn answer(
    s: &AppState,
    shape: Shape,
    secret: Option<String>,
    q: &HashMap<String, String>,
) -> Response {
    let mut rec = keyless_core::audit::entry("managed_identity", s.now());
    rec.detail = json!({
        "shape": if shape == Shape::Imds { "imds" } else { "appService" },
        "resource": q.get("resource"),
    });
    let outcome = issue(s, shape, secret, q, &mut rec).await;
    let denied = outcome.as_ref().err().map(|e| e.0.code().to_string());
    s.audit.record_outcome(rec, denied.as_deref());
    match outcome {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => e.into_response(shape),
    }
}

fn identity_not_found() -> Refusal {
    Refusal(ApiError::new("ManagedIdentityNotFound", &[]))
}

/// The identity block of the VM the agent with this secret runs on.
async fn agent_identities(s: &AppState, secret: &str) -> Result<(i64, Value), Refusal> {
    let hash = keyless_jose::sha256_hex(secret.as_bytes());
    let agent = s
        .db()
        .find_agent_by_secret_hash(&hash)
        .await
        .map_err(|_| identity_not_found())?;
    let Some(vm) = &agent.vm_resource_id else {
        return Err(identity_not_found());
    };
    let identity = s
        .db()
        .get_resource(vm)
        .await
        .ok()
        .and_then(|r| r.extra.get("identity").cloned())
        .ok_or_else(identity_not_found)?;
    Ok((agent.id, identity))
}

/// The principal the request selects among the VM's identities.
async fn select(
    s: &AppState,
    identity: &Value,
    q: &HashMap<String, String>,
    shape: Shape,
) -> Result<ServicePrincipal, Refusal> {
    let param = |names: &[&str]| names.iter().find_map(|n| q.get(*n)).map(String::as_str);
    let client = param(&["client_id"]);
    let object = param(if shape == Shape::Imds {
        &["object_id"]
    } else {
        &["principal_id", "object_id"]
    });
    let res_id = param(if shape == Shape::Imds {
        &["msi_res_id"]
    } else {
        &["mi_res_id", "msi_res_id"]
    });
    let system = identity["principalId"].as_str();
    let users: Vec<(&String, &Value)> = identity["userAssignedIdentities"]
        .as_object()
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    let principal_id = match (client, object, res_id) {
        (None, None, None) => system
            .or_else(|| match users.as_slice() {
                [(_, only)] => only["principalId"].as_str(),
                _ => None,
            })
            .map(str::to_string),
        (Some(c), None, None) => {
            let mut found = users
                .iter()
                .find(|(_, u)| {
                    u["clientId"]
                        .as_str()
                        .is_some_and(|x| x.eq_ignore_ascii_case(c))
                })
                .and_then(|(_, u)| u["principalId"].as_str())
                .map(str::to_string);
            if found.is_none()
                && let Some(p) = system
            {
                let sp = principal(s, p).await?;
                if sp.app_id.to_string().eq_ignore_ascii_case(c) {
                    found = Some(p.to_string());
                }
            }
            found
        }
        (None, Some(o), None) => system
            .filter(|p| p.eq_ignore_ascii_case(o))
            .or_else(|| {
                users
                    .iter()
                    .filter_map(|(_, u)| u["principalId"].as_str())
                    .find(|p| p.eq_ignore_ascii_case(o))
            })
            .map(str::to_string),
        (None, None, Some(id)) => users
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(id))
            .and_then(|(_, u)| u["principalId"].as_str())
            .map(str::to_string),
        _ => {
            return Err(Refusal(ApiError::new("ManagedIdentityAmbiguous", &[])));
        }
    };
    let p = principal_id.ok_or_else(identity_not_found)?;
    principal(s, &p).await
}

async fn principal(s: &AppState, id: &str) -> Result<ServicePrincipal, Refusal> {
    let id: Uuid = id.parse().map_err(|_| identity_not_found())?;
    s.db()
        .get_service_principal(id)
        .await
        .map_err(|_| identity_not_found())
}

async fn issue(
    s: &AppState,
    shape: Shape,
    secret: Option<String>,
    q: &HashMap<String, String>,
    rec: &mut keyless_model::audit::AuditEntry,
) -> Result<Value, Refusal> {
    let Some(secret) = secret.filter(|x| !x.is_empty()) else {
        return Err(Refusal(ApiError::new("ManagedIdentityMetadataHeader", &[])));
    };
    if q.get("api-version").is_none_or(|v| v.is_empty()) {
        return Err(Refusal(ApiError::new("ManagedIdentityApiVersion", &[])));
    }
    let (agent, identity) = agent_identities(s, &secret).await?;
    rec.detail["agentId"] = json!(agent);
    let principal = select(s, &identity, q, shape).await?;
    rec.client_id = Some(principal.app_id.to_string());
    rec.tenant_id = Some(principal.tenant_id);
    let tenant = s
        .db()
        .get_tenant(principal.tenant_id)
        .await
        .map_err(ApiError::from)?;
    let name = q.get("resource").map(String::as_str).unwrap_or_default();
    let resource = Resource::parse(name, &s.origin).ok_or_else(|| {
        ApiError::new(
            "500011",
            &[("resource", name), ("tenant", &tenant.id.to_string())],
        )
    })?;
    rec.audience = Some(resource.audience().to_string());
    let minted = mint::access_token(
        s,
        Grant {
            tenant: &tenant,
            principal: &principal,
            resource: &resource,
            auth: ClientAuth::Assertion,
            lifetime: MANAGED_IDENTITY_TOKEN_LIFETIME,
        },
    )
    .await
    .map_err(|e| ApiError::detail("InternalError", e.to_string()))?;
    let now = s.now();
    let expires_on = (now + minted.expires_in).to_string();
    let mut v = json!({
        "access_token": minted.access_token,
        "client_id": principal.app_id.to_string(),
        "expires_on": expires_on,
        "resource": resource.audience(),
        "token_type": "Bearer",
        "refresh_in": MANAGED_IDENTITY_TOKEN_LIFETIME / 2,
    });
    if shape == Shape::Imds {
        v["expires_in"] = json!(minted.expires_in.to_string());
        v["ext_expires_in"] = json!(minted.expires_in.to_string());
        v["not_before"] = json!(now.to_string());
    }
    Ok(v)
}
