//! Validating access tokens issued by this server's token service, for the planes that take
//! them (ARM, Graph): no critical header, signature by a tenant of this server (RS256 or
//! ES256), expiry and not-before (with [`ACCESS_TOKEN_CLOCK_SKEW`]), an audience the plane
//! accepts, and an `oid`. Each failure has ARM's own code, which Graph shares
//! (`{"error":{"code","message"}}`).

use crate::envelope::ApiError;
use crate::keyring::Issuer;
use crate::state::AppState;
use axum::http::{HeaderMap, header};
use keyless_jose::UnverifiedJwt;
use keyless_model::Uuid;
use keyless_model::time_fmt;

/// Tolerance on the access token's `exp` and `nbf`, in seconds (ARM allows a few minutes).
pub const ACCESS_TOKEN_CLOCK_SKEW: i64 = 300;

/// The principal a verified access token names.
#[derive(Debug, Clone)]
pub struct BearerCaller {
    /// The principal's object id: what role assignments name.
    pub oid: Uuid,
    pub tenant_id: Uuid,
    /// Who `AuthorizationFailed` names: the UPN of a user, the app id of an application.
    pub client: String,
}

pub fn unauthorized(mut e: ApiError, origin: &str) -> ApiError {
    let desc = e.rendered.message.clone();
    e.www_authenticate = Some(format!(
        "Bearer authorization_uri=\"{origin}\", error=\"invalid_token\", error_description=\"{desc}\""
    ));
    e
}

fn invalid(origin: &str) -> ApiError {
    unauthorized(ApiError::new("InvalidAuthenticationToken", &[]), origin)
}

/// The tenant whose token service issued `iss` (`{origin}/{tid}/` or `{origin}/{tid}/v2.0`).
fn issuing_tenant(origin: &str, iss: &str) -> Option<Uuid> {
    let rest = iss.strip_prefix(origin)?.strip_prefix('/')?;
    let id = rest
        .strip_suffix("/v2.0")
        .or_else(|| rest.strip_suffix('/'))?;
    Uuid::parse_str(id).ok()
}

/// Verifies the bearer token of `headers`; `accepts` decides whether an `aud` value is one of
/// the plane's audiences.
pub async fn authenticate(
    s: &AppState,
    headers: &HeaderMap,
    accepts: impl Fn(&str) -> bool,
) -> Result<BearerCaller, ApiError> {
    let origin = &*s.origin;
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(unauthorized(
            ApiError::new("AuthenticationFailed", &[]),
            origin,
        ));
    };
    let Some(raw) = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
    else {
        return Err(invalid(origin));
    };
    let jwt = UnverifiedJwt::parse(raw.trim()).map_err(|_| invalid(origin))?;
    let tid = jwt
        .peek_str("iss")
        .and_then(|iss| issuing_tenant(origin, iss))
        .ok_or_else(|| invalid(origin))?;
    match s.cache.tenant(tid).await {
        Ok(_) => {}
        Err(keyless_store::StoreError::NotFound) => return Err(invalid(origin)),
        // The database is away: 503, not a verdict on the token.
        Err(e) => return Err(e.into()),
    }
    // RS256 or ES256 (the tenant's choice); an unknown kid re-reads the tenant's keys once
    // (another replica may have rotated).
    let kid = jwt.header().kid.clone().unwrap_or_default();
    let key = s
        .keys
        .verification_key(Issuer::Tenant(tid), &kid)
        .await?
        .ok_or_else(|| invalid(origin))?;
    let verified = jwt.verify(key.public_key()).map_err(|_| invalid(origin))?;
    let now = s.now();
    let exp = verified.exp().ok_or_else(|| invalid(origin))?;
    // Claims are any i64 (a signed token may say `exp: 9223372036854775807`): saturate.
    if now > exp.saturating_add(ACCESS_TOKEN_CLOCK_SKEW) {
        return Err(unauthorized(
            ApiError::new(
                "ExpiredAuthenticationToken",
                &[("exp", &time_fmt::iso(exp)), ("now", &time_fmt::iso(now))],
            ),
            origin,
        ));
    }
    if let Some(nbf) = verified.nbf()
        && nbf > now.saturating_add(ACCESS_TOKEN_CLOCK_SKEW)
    {
        return Err(unauthorized(
            ApiError::new(
                "NotYetValidAuthenticationToken",
                &[("nbf", &time_fmt::iso(nbf)), ("now", &time_fmt::iso(now))],
            ),
            origin,
        ));
    }
    let auds = verified.aud();
    if !auds.iter().any(|a| accepts(a)) {
        let aud = auds.join(",");
        return Err(unauthorized(
            ApiError::new("InvalidAuthenticationTokenAudience", &[("aud", &aud)]),
            origin,
        ));
    }
    let claims = verified.claims();
    let oid = claims
        .get("oid")
        .and_then(|v| v.as_str())
        .and_then(|v| Uuid::parse_str(v).ok())
        .ok_or_else(|| invalid(origin))?;
    // A user is named by its UPN (as ARM's `AuthorizationFailed` does), an application by
    // its app id.
    let client = claims
        .get("upn")
        .or_else(|| claims.get("appid"))
        .or_else(|| claims.get("azp"))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    Ok(BearerCaller {
        oid,
        tenant_id: tid,
        client,
    })
}
