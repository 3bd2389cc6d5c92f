//! Minting access tokens: v1 tokens with the claims ARM and the SDKs read (wire-compat §3).

use super::Resource;
use crate::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::{ServicePrincipal, Tenant};
use keyless_model::federation::sts_issuer;
use serde_json::json;

/// Access tokens live an hour; `expires_in` is reported one second short, as Entra does.
pub const ACCESS_TOKEN_LIFETIME: i64 = 3600;

/// How the client proved itself: `appidacr` 1 for a secret, 2 for an assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    Secret,
    Assertion,
}

pub struct Grant<'a> {
    pub tenant: &'a Tenant,
    pub principal: &'a ServicePrincipal,
    pub resource: &'a Resource,
    pub auth: ClientAuth,
}

pub struct Minted {
    pub access_token: String,
    pub expires_in: i64,
    pub uti: String,
}

pub async fn access_token(state: &AppState, g: Grant<'_>) -> anyhow::Result<Minted> {
    // RS256, or ES256 by the tenant's `accessTokenAlgorithm` (see keyring/).
    let signer = state.keys.access_token_signer(g.tenant).await?;
    let now = state.now();
    let iss = sts_issuer(&state.origin, g.tenant.id);
    let uti = keyless_jose::b64url(keyless_jose::random_bytes(16));
    let mut claims = json!({
        "aud": g.resource.audience(),
        "iss": iss,
        "iat": now,
        "nbf": now,
        "exp": now + ACCESS_TOKEN_LIFETIME,
        "aio": keyless_jose::b64url(keyless_jose::random_bytes(24)),
        "appid": g.principal.app_id.to_string(),
        "appidacr": match g.auth { ClientAuth::Secret => "1", ClientAuth::Assertion => "2" },
        "idp": iss,
        "idtyp": "app",
        "oid": g.principal.id.to_string(),
        "rh": "0.keyless.",
        "sub": g.principal.id.to_string(),
        "tid": g.tenant.id.to_string(),
        "uti": uti,
        "ver": "1.0",
    });
    if g.principal.service_principal_type == keyless_model::directory::SP_TYPE_MANAGED_IDENTITY
        && let Some(mirid) = g
            .principal
            .alternative_names
            .iter()
            .find(|n| n.starts_with('/'))
    {
        claims["xms_mirid"] = json!(mirid);
    }
    // One RSA signature (~0.7 ms) is cheaper than a hop to the blocking pool and back.
    let access_token = signer.sign_jwt(&claims)?;
    Ok(Minted {
        access_token,
        expires_in: ACCESS_TOKEN_LIFETIME - 1,
        uti,
    })
}

/// The object id of the Azure DevOps service principal, which Entra-issued pipeline ID
/// tokens name as their `oid` in every tenant (keyless derives it from the tenant id).
pub fn devops_principal_oid(tenant: Uuid) -> Uuid {
    let mut bytes = *tenant.as_bytes();
    for (b, k) in bytes
        .iter_mut()
        .zip(keyless_model::federation::AZURE_DEVOPS_APP_ID.bytes())
    {
        *b ^= k;
    }
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}
