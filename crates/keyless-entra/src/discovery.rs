//! OpenID discovery documents and JWKS of tenants (v1 and v2) and of organizations'
//! Azure DevOps-generation pipeline issuers. Tenants and organizations share the first
//! path segment (both are GUIDs, never equal), as their real hosts differ. The aliases
//! `common`, `organizations` and `consumers` have documents of their own.

use super::tenant::resolve_tenant;
use crate::data::*;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::ApiError;
use keyless_core::keyring::Issuer;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::{AccessTokenAlgorithm, Tenant};
use keyless_model::federation::{
    LEGACY_ISSUER_KEYS, LEGACY_ISSUER_PATH, devops_issuer, entra_issuer, legacy_issuer, sts_issuer,
};
use serde_json::{Value, json};

pub async fn v2(
    State(s): State<AppState>,
    Path(root): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let o = &s.origin;
    // The multi-tenant aliases: endpoints under the alias, the issuer a template that
    // names the tenant of each token (`{tenantid}`), as Entra publishes them.
    let (tid, issuer, algorithms) =
        authority(&s, &root, MultiTenant::v2_issuer, entra_issuer).await?;
    Ok(Json(json!({
        "token_endpoint": format!("{o}/{tid}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{o}/{tid}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": algorithms,
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
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

/// Entra's tenant-independent authority segments. Their documents exist (MSAL reads them,
/// `az logout` among others); their token endpoints refuse app tokens (AADSTS50059).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultiTenant {
    Common,
    Organizations,
    Consumers,
}

/// The tenant of personal Microsoft accounts, the fixed issuer of `consumers`.
const CONSUMERS_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

impl MultiTenant {
    pub fn parse(segment: &str) -> Option<MultiTenant> {
        match segment.to_ascii_lowercase().as_str() {
            "common" => Some(MultiTenant::Common),
            "organizations" => Some(MultiTenant::Organizations),
            "consumers" => Some(MultiTenant::Consumers),
            _ => None,
        }
    }

    fn segment(self) -> &'static str {
        match self {
            MultiTenant::Common => "common",
            MultiTenant::Organizations => "organizations",
            MultiTenant::Consumers => "consumers",
        }
    }

    fn tenant_template(self) -> &'static str {
        match self {
            MultiTenant::Consumers => CONSUMERS_TENANT,
            _ => "{tenantid}",
        }
    }

    fn v2_issuer(self, origin: &str) -> String {
        format!("{origin}/{}/v2.0", self.tenant_template())
    }

    fn v1_issuer(self, origin: &str) -> String {
        format!("{origin}/{}/", self.tenant_template())
    }
}

/// The tenant segment of a discovery document's endpoints, its issuer and its signing
/// algorithms: for a multi-tenant alias the alias and its issuer template (`multi`), else
/// the tenant's id and issuer (`tenant`).
async fn authority(
    s: &AppState,
    root: &str,
    multi: fn(MultiTenant, &str) -> String,
    tenant: fn(&str, Uuid) -> String,
) -> Result<(String, String, Vec<&'static str>), ApiError> {
    let o = &s.origin;
    Ok(match MultiTenant::parse(root) {
        Some(m) => (m.segment().to_string(), multi(m, o), vec!["RS256"]),
        None => {
            let t = resolve_tenant(s, root).await.map_err(as_invalid_tenant)?;
            let algorithms = signing_algorithms(&t);
            (t.id.to_string(), tenant(o, t.id), algorithms)
        }
    })
}

/// What a tenant's tokens may be signed with: RS256 always (ID tokens, and access tokens
/// unless the tenant says otherwise), plus ES256 when its access tokens use it.
fn signing_algorithms(t: &Tenant) -> Vec<&'static str> {
    match t.settings.access_token_algorithm {
        AccessTokenAlgorithm::Rs256 => vec!["RS256"],
        AccessTokenAlgorithm::Es256 => vec!["RS256", "ES256"],
    }
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
/// organization's, its Azure DevOps-generation issuer document (`app.vstoken`: the legacy
/// issuer's, one for every organization).
pub async fn v1_or_organization(
    State(s): State<AppState>,
    Path(root): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let pipeline_issuer = if root == LEGACY_ISSUER_PATH {
        Some(legacy_issuer(&s.origin))
    } else if let Ok(id) = Uuid::parse_str(&root)
        && let Ok(org) = s.db().get_organization(id).await
    {
        Some(devops_issuer(&s.origin, org.id))
    } else {
        None
    };
    if let Some(iss) = pipeline_issuer {
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
    let o = &s.origin;
    let (tid, issuer, algorithms) =
        authority(&s, &root, MultiTenant::v1_issuer, sts_issuer).await?;
    Ok(Json(json!({
        "token_endpoint": format!("{o}/{tid}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{o}/{tid}/discovery/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": algorithms,
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid"],
        "issuer": issuer,
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
    let alias = MultiTenant::parse(&root);
    let tenants = match alias {
        // Entra's common keys sign for every tenant; here each tenant has its own, so the
        // aliases publish the keys of every tenant (no personal accounts: none for consumers).
        Some(MultiTenant::Consumers) => Vec::new(),
        Some(_) => s.db().list_tenants().await?,
        None => vec![resolve_tenant(&s, &root).await.map_err(as_invalid_tenant)?],
    };
    let mut keys: Vec<Value> = Vec::new();
    for t in tenants {
        let set = s.keys.get(Issuer::Tenant(t.id)).await?;
        let issuer = match alias {
            Some(m) => m.v2_issuer(&s.origin),
            None => entra_issuer(&s.origin, t.id),
        };
        keys.extend(set.published.iter().map(|k| k.jwk(Some(&issuer))));
    }
    Ok(Json(keyless_jose::jwks(&keys)).into_response())
}

/// An organization's Azure DevOps-generation issuer keys (`app.vstoken`: the legacy
/// issuer's).
pub async fn organization_jwks(
    State(s): State<AppState>,
    Path(root): Path<String>,
) -> Result<Response, ApiError> {
    let owner = if root == LEGACY_ISSUER_PATH {
        LEGACY_ISSUER_KEYS
    } else {
        match Uuid::parse_str(&root) {
            Ok(id) => s.db().get_organization(id).await?.id,
            Err(_) => return Err(ApiError::detail("NotFound", "No such issuer.")),
        }
    };
    let set = s.keys.get(Issuer::Organization(owner)).await?;
    let keys: Vec<Value> = set.published.iter().map(|k| k.jwk(None)).collect();
    Ok(Json(keyless_jose::jwks(&keys)).into_response())
}
