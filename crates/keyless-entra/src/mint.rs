//! Minting access tokens: v1 tokens with the claims ARM and the SDKs read.

use super::Resource;
use keyless_core::state::AppState;
use keyless_model::directory::{ServicePrincipal, Tenant};
use keyless_model::federation::sts_issuer;
use serde::Serialize;

pub use keyless_model::federation::ACCESS_TOKEN_LIFETIME;

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
    /// Seconds the token lives: [`ACCESS_TOKEN_LIFETIME`] for applications, a day for
    /// managed identities.
    pub lifetime: i64,
}

pub struct Minted {
    pub access_token: String,
    pub expires_in: i64,
    pub uti: String,
}

/// The claims of an access token, in the order Entra writes them.
#[derive(Serialize)]
struct AccessClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
    aio: &'a str,
    appid: &'a str,
    appidacr: &'static str,
    idp: &'a str,
    idtyp: &'static str,
    oid: &'a str,
    rh: &'static str,
    sub: &'a str,
    tid: &'a str,
    uti: &'a str,
    ver: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    xms_mirid: Option<&'a str>,
}

pub async fn access_token(state: &AppState, g: Grant<'_>) -> anyhow::Result<Minted> {
    // RS256, or ES256 by the tenant's `accessTokenAlgorithm` (see keyring/).
    let signer = state.keys.access_token_signer(g.tenant).await?;
    let now = state.now();
    let iss = sts_issuer(&state.origin, g.tenant.id);
    let uti = keyless_jose::b64url(keyless_jose::random_bytes(16));
    let aio = keyless_jose::b64url(keyless_jose::random_bytes(24));
    let (app_id, oid, tid) = (
        g.principal.app_id.to_string(),
        g.principal.id.to_string(),
        g.tenant.id.to_string(),
    );
    let is_mi =
        g.principal.service_principal_type == keyless_model::directory::SP_TYPE_MANAGED_IDENTITY;
    let claims = AccessClaims {
        aud: g.resource.audience(),
        iss: &iss,
        iat: now,
        nbf: now,
        exp: now + g.lifetime,
        aio: &aio,
        appid: &app_id,
        appidacr: match g.auth {
            ClientAuth::Secret => "1",
            ClientAuth::Assertion => "2",
        },
        idp: &iss,
        idtyp: "app",
        oid: &oid,
        rh: "0.keyless.",
        sub: &oid,
        tid: &tid,
        uti: &uti,
        ver: "1.0",
        xms_mirid: is_mi
            .then(|| {
                g.principal
                    .alternative_names
                    .iter()
                    .find(|n| n.starts_with('/'))
                    .map(String::as_str)
            })
            .flatten(),
    };
    // One RSA signature (~0.23 ms) is cheaper than a hop to the blocking pool and back.
    let access_token = signer.sign_jwt(&claims)?;
    Ok(Minted {
        access_token,
        expires_in: g.lifetime - 1,
        uti,
    })
}

pub use keyless_model::federation::devops_principal_oid;
