//! OpenID discovery documents and JWKS of tenants (v1 and v2) and of organizations'
//! Azure DevOps-generation pipeline issuers. Tenants and organizations share the first
//! path segment (both are GUIDs, never equal), as their real hosts differ.

use super::tenant::resolve_tenant;
use crate::envelope::ApiError;
use crate::keyring::Issuer;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use keyless_model::Uuid;
use keyless_model::federation::{devops_issuer, entra_issuer, sts_issuer};
use serde_json::{Value, json};

pub async fn v2(
    State(s): State<AppState>,
    Path(root): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let t = resolve_tenant(&s, &root).await.map_err(as_invalid_tenant)?;
    let o = &s.origin;
    let tid = t.id;
    Ok(Json(json!({
        "token_endpoint": format!("{o}/{tid}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{o}/{tid}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": entra_issuer(o, tid),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{o}/oidc/userinfo"),
        "authorization_endpoint": format!("{o}/{tid}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{o}/{tid}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{o}/{tid}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{o}/{tid}/kerberos"),
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": host_of(o),
        "rbac_url": "https://pas.windows.net",
    })))
}

fn host_of(origin: &str) -> String {
    origin.split("://").nth(1).unwrap_or(origin).to_string()
}

/// At discovery, an unknown tenant is `invalid_tenant` (the token endpoint says `invalid_request`).
fn as_invalid_tenant(mut e: ApiError) -> ApiError {
    if e.code() == "90002" {
        e.oauth_error = Some("invalid_tenant");
    }
    e
}

/// `/{id}/.well-known/openid-configuration`: a tenant's v1 document, or, when the id is an
/// organization's, its Azure DevOps-generation issuer document.
pub async fn v1_or_organization(
    State(s): State<AppState>,
    Path(root): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if let Ok(id) = Uuid::parse_str(&root)
        && let Ok(org) = s.store.get_organization(id).await
    {
        let iss = devops_issuer(&s.origin, org.id);
        return Ok(Json(json!({
            "issuer": iss,
            "jwks_uri": format!("{iss}/.well-known/jwks"),
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "nbf"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
        })));
    }
    let t = resolve_tenant(&s, &root).await.map_err(as_invalid_tenant)?;
    let o = &s.origin;
    let tid = t.id;
    Ok(Json(json!({
        "token_endpoint": format!("{o}/{tid}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{o}/{tid}/discovery/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid"],
        "issuer": sts_issuer(o, tid),
        "authorization_endpoint": format!("{o}/{tid}/oauth2/authorize"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "msgraph_host": host_of(o),
    })))
}

/// A tenant's signing keys (the same set signs v1 and v2 tokens).
pub async fn jwks(
    State(s): State<AppState>,
    Path(root): Path<String>,
) -> Result<Response, ApiError> {
    let t = resolve_tenant(&s, &root).await.map_err(as_invalid_tenant)?;
    let set = s.keys.get(Issuer::Tenant(t.id)).await?;
    let issuer = entra_issuer(&s.origin, t.id);
    let keys: Vec<Value> = set.published.iter().map(|k| k.jwk(Some(&issuer))).collect();
    Ok(Json(keyless_jose::jwks(&keys)).into_response())
}

/// An organization's Azure DevOps-generation issuer keys.
pub async fn organization_jwks(
    State(s): State<AppState>,
    Path(root): Path<String>,
) -> Result<Response, ApiError> {
    let org = match Uuid::parse_str(&root) {
        Ok(id) => s.store.get_organization(id).await?,
        Err(_) => return Err(ApiError::detail("NotFound", "No such issuer.")),
    };
    let set = s.keys.get(Issuer::Organization(org.id)).await?;
    let keys: Vec<Value> = set.published.iter().map(|k| k.jwk(None)).collect();
    Ok(Json(keyless_jose::jwks(&keys)).into_response())
}
