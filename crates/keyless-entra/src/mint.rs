//! Minting access tokens: v1 tokens with the claims ARM and the SDKs read.

use super::Resource;
use keyless_core::state::AppState;
use keyless_model::directory::{ServicePrincipal, Tenant, User};
use keyless_model::federation::sts_issuer;
use serde::Serialize;

pub use keyless_model::federation::ACCESS_TOKEN_LIFETIME;

/// The Azure CLI's client id: the `appid` of a user's tokens, as `az account
/// get-access-token` gets them.
pub const AZURE_CLI_APP_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

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
    /// The `exp` claim (Unix seconds).
    pub expires_on: i64,
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

/// What every access token carries besides its principal: issuer, times and the random
/// `uti` and `aio`.
struct Stamp {
    iss: String,
    now: i64,
    uti: String,
    aio: String,
}

impl Stamp {
    fn new(state: &AppState, tenant: &Tenant) -> Stamp {
        Stamp {
            iss: sts_issuer(&state.origin, tenant.id),
            now: state.now(),
            uti: keyless_jose::b64url(keyless_jose::random_bytes(16)),
            aio: keyless_jose::b64url(keyless_jose::random_bytes(24)),
        }
    }
}

/// Signs `claims` with the tenant's access token key: RS256, or ES256 by the tenant's
/// `accessTokenAlgorithm` (see keyring/).
async fn sign(
    state: &AppState,
    tenant: &Tenant,
    claims: &impl Serialize,
    stamp: &Stamp,
    lifetime: i64,
) -> anyhow::Result<Minted> {
    let signer = state.keys.access_token_signer(tenant).await?;
    // One RSA signature (~0.23 ms) is cheaper than a hop to the blocking pool and back.
    let access_token = signer.sign_jwt(claims)?;
    Ok(Minted {
        access_token,
        expires_in: lifetime - 1,
        expires_on: stamp.now + lifetime,
        uti: stamp.uti.clone(),
    })
}

pub async fn access_token(state: &AppState, g: Grant<'_>) -> anyhow::Result<Minted> {
    let st = Stamp::new(state, g.tenant);
    let (app_id, oid, tid) = (
        g.principal.app_id.to_string(),
        g.principal.id.to_string(),
        g.tenant.id.to_string(),
    );
    let is_mi =
        g.principal.service_principal_type == keyless_model::directory::SP_TYPE_MANAGED_IDENTITY;
    let claims = AccessClaims {
        aud: g.resource.audience(),
        iss: &st.iss,
        iat: st.now,
        nbf: st.now,
        exp: st.now + g.lifetime,
        aio: &st.aio,
        appid: &app_id,
        appidacr: match g.auth {
            ClientAuth::Secret => "1",
            ClientAuth::Assertion => "2",
        },
        idp: &st.iss,
        idtyp: "app",
        oid: &oid,
        rh: "0.keyless.",
        sub: &oid,
        tid: &tid,
        uti: &st.uti,
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
    sign(state, g.tenant, &claims, &st, g.lifetime).await
}

/// A user's access token in `tenant` (its home tenant or one it is a guest of), as the
/// Azure CLI gets it after an interactive sign-in.
pub struct UserGrant<'a> {
    pub tenant: &'a Tenant,
    pub user: &'a User,
    /// The `aud` claim, exactly as asked for.
    pub audience: &'a str,
    /// Seconds the token lives.
    pub lifetime: i64,
}

/// The claims of a user's v1 access token, in the order Entra writes them.
#[derive(Serialize)]
struct UserAccessClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
    acr: &'static str,
    aio: &'a str,
    amr: [&'static str; 1],
    appid: &'static str,
    appidacr: &'static str,
    /// A guest's home tenant's issuer; members have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    idp: Option<&'a str>,
    idtyp: &'static str,
    name: &'a str,
    oid: &'a str,
    rh: &'static str,
    scp: &'static str,
    sub: &'a str,
    tid: &'a str,
    unique_name: &'a str,
    upn: &'a str,
    uti: &'a str,
    ver: &'static str,
}

pub async fn user_access_token(state: &AppState, g: UserGrant<'_>) -> anyhow::Result<Minted> {
    let st = Stamp::new(state, g.tenant);
    let (oid, tid) = (g.user.id.to_string(), g.tenant.id.to_string());
    let home =
        (g.user.tenant_id != g.tenant.id).then(|| sts_issuer(&state.origin, g.user.tenant_id));
    let upn = &g.user.user_principal_name;
    let claims = UserAccessClaims {
        aud: g.audience,
        iss: &st.iss,
        iat: st.now,
        nbf: st.now,
        exp: st.now + g.lifetime,
        acr: "1",
        aio: &st.aio,
        amr: ["pwd"],
        appid: AZURE_CLI_APP_ID,
        appidacr: "0",
        idp: home.as_deref(),
        idtyp: "user",
        name: &g.user.display_name,
        oid: &oid,
        rh: "0.keyless.",
        scp: "user_impersonation",
        sub: &oid,
        tid: &tid,
        unique_name: upn,
        upn,
        uti: &st.uti,
        ver: "1.0",
    };
    sign(state, g.tenant, &claims, &st, g.lifetime).await
}

pub use keyless_model::federation::devops_principal_oid;
