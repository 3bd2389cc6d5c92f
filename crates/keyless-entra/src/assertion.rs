//! Verifying a client assertion, in the order that makes the most specific error win:
//! parse (50027) → own access token (700222) → issuer's key (700027) → signature, RS256
//! only (700027) → time window: exp, nbf and iat (700024). Only after this are its claims trusted.

use keyless_core::envelope::ApiError;
use keyless_core::keyring::Issuer;
use keyless_core::state::AppState;
use keyless_jose::{SignatureError, UnverifiedJwt, VerifiedJwt};
use keyless_model::Uuid;
use keyless_model::directory::Cloud;
use keyless_model::federation::{
    ENTRA_PIPELINE_AUDIENCE, LEGACY_ISSUER_KEYS, LEGACY_ISSUER_PATH, TOKEN_EXCHANGE_AUDIENCE,
};
use keyless_model::time_fmt;

/// Clock skew tolerated on `exp` and `nbf`, in seconds. Small on purpose: pipeline ID
/// tokens live five minutes, and a job that reuses one later must see AADSTS700024.
pub const ASSERTION_CLOCK_SKEW: i64 = 60;
/// Longest validity window (`exp - nbf`) accepted for an assertion, in seconds. Longer
/// lived assertions are treated as outside their valid time range.
pub const MAX_ASSERTION_LIFETIME: i64 = 24 * 3600;

/// Who signed an assertion that came from this server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalIssuer {
    /// A tenant's token service (`{origin}/{tid}/v2.0`): Entra-generation pipeline tokens.
    TenantV2(Uuid),
    /// A tenant's v1 issuer (`{origin}/{tid}/`): access tokens, never assertions.
    TenantV1(Uuid),
    /// An organization's Azure DevOps-generation issuer (`{origin}/{org id}`).
    Organization(Uuid),
    /// The legacy Azure DevOps issuer (`{origin}/app.vstoken`), one for all organizations.
    Legacy,
}

pub struct VerifiedAssertion {
    /// Every claim, trusted now that the signature verified (flexible credentials read them).
    pub claims: serde_json::Map<String, serde_json::Value>,
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
    pub local: Option<LocalIssuer>,
    /// The cloud of a local issuer; external issuers have no known cloud.
    pub issuer_cloud: Option<Cloud>,
}

/// Recognises this server's issuers by shape, then by existence in the store, and returns
/// the issuer with its cloud (a tenant's, or an organization's own). Read once here: the
/// token path needs both.
async fn local_issuer(state: &AppState, iss: &str) -> Option<(LocalIssuer, Cloud)> {
    let rest = iss.strip_prefix(&*state.origin)?.strip_prefix('/')?;
    if rest == LEGACY_ISSUER_PATH {
        return Some((LocalIssuer::Legacy, Cloud::Public));
    }
    // A tenant's issuer ends in `/v2.0` or `/`; an organization's ends in its id.
    type TenantIssuer = fn(Uuid) -> LocalIssuer;
    let (id, tenant_issuer): (&str, Option<TenantIssuer>) =
        if let Some(id) = rest.strip_suffix("/v2.0") {
            (id, Some(LocalIssuer::TenantV2))
        } else if let Some(id) = rest.strip_suffix('/') {
            (id, Some(LocalIssuer::TenantV1))
        } else {
            (rest, None)
        };
    let id = Uuid::parse_str(id).ok()?;
    match tenant_issuer {
        Some(issuer) => {
            let tenant = state.cache.tenant(id).await.ok()?;
            Some((issuer(id), tenant.cloud))
        }
        None => {
            let org = state.cache.organization(id).await.ok()?;
            Some((LocalIssuer::Organization(id), org.cloud))
        }
    }
}

fn audiences(jwt: &UnverifiedJwt) -> Vec<String> {
    match jwt.claims().get("aud") {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

fn is_exchange_audience(a: &str) -> bool {
    a == TOKEN_EXCHANGE_AUDIENCE || a == ENTRA_PIPELINE_AUDIENCE
}

/// Verifies the assertion. `configured_issuers` are the issuers of the identity's
/// federated credentials: an issuer that is neither local nor configured is refused with
/// 700211 without fetching anything.
pub async fn verify(
    state: &AppState,
    raw: &str,
    configured_issuers: &[String],
) -> Result<VerifiedAssertion, ApiError> {
    let jwt = UnverifiedJwt::parse(raw).map_err(|_| ApiError::new("50027", &[]))?;
    let Some(iss) = jwt.peek_str("iss").map(String::from) else {
        return Err(ApiError::new("50027", &[]));
    };
    let auds = audiences(&jwt);
    let found = local_issuer(state, &iss).await;
    let (local, issuer_cloud) = (found.map(|f| f.0), found.map(|f| f.1));
    if matches!(
        local,
        Some(LocalIssuer::TenantV1(_) | LocalIssuer::TenantV2(_))
    ) && !auds.iter().any(|a| is_exchange_audience(a))
    {
        return Err(ApiError::new("700222", &[]));
    }
    let set = match local {
        Some(LocalIssuer::TenantV1(id) | LocalIssuer::TenantV2(id)) => {
            state.keys.get(Issuer::Tenant(id)).await?
        }
        Some(LocalIssuer::Organization(id)) => state.keys.get(Issuer::Organization(id)).await?,
        Some(LocalIssuer::Legacy) => {
            state
                .keys
                .get(Issuer::Organization(LEGACY_ISSUER_KEYS))
                .await?
        }
        None if !configured_issuers.iter().any(|c| c == &iss) => {
            return Err(ApiError::new("700211", &[("iss", &iss)]));
        }
        None => {
            return Err(ApiError::new(
                "700027",
                &[(
                    "detail",
                    "The keys of the assertion's issuer could not be retrieved: keyless verifies only issuers it serves.",
                )],
            ));
        }
    };
    let kid = jwt
        .header()
        .kid
        .clone()
        .or_else(|| jwt.header().x5t.clone());
    // A kid this process does not know may be another replica's new key: re-read once.
    let set = match kid.as_deref() {
        Some(k) if set.by_kid(k).is_none() => state.keys.refresh_for_kid(set.issuer, k).await?,
        _ => set,
    };
    let Some(key) = kid.as_deref().and_then(|k| set.by_kid(k)) else {
        return Err(ApiError::new(
            "700027",
            &[(
                "detail",
                "The signing key identified by the assertion's kid was not found in the issuer's keys.",
            )],
        ));
    };
    let verified = jwt.verify(key.public_key()).map_err(|e| match e {
        SignatureError::UnsupportedAlgorithm(alg) => ApiError::new(
            "700027",
            &[(
                "detail",
                &format!(
                    "The algorithm '{alg}' is not supported; assertions must be signed with RS256."
                ),
            )],
        ),
        _ => ApiError::new("700027", &[("detail", "")]),
    })?;
    check_time_window(&verified, state.now())?;
    let Some(subject) = verified.sub().map(String::from) else {
        return Err(ApiError::new("50027", &[]));
    };
    Ok(VerifiedAssertion {
        claims: verified.into_claims(),
        issuer: iss,
        subject,
        audiences: auds,
        local,
        issuer_cloud,
    })
}

fn check_time_window(jwt: &VerifiedJwt, now: i64) -> Result<(), ApiError> {
    let exp = jwt.exp();
    let nbf = jwt.nbf().or(jwt.iat());
    // Claims are any i64 (a signed token may say `exp: 9223372036854775807`): the sums and
    // the difference saturate.
    let latest = now.saturating_add(ASSERTION_CLOCK_SKEW);
    // An assertion issued in the future (beyond the skew) is not valid yet, whatever its nbf.
    let issued_later = jwt.iat().is_some_and(|iat| iat > latest);
    let outside = issued_later
        || match (nbf, exp) {
            (_, None) => true,
            (Some(nbf), Some(exp)) => {
                now > exp.saturating_add(ASSERTION_CLOCK_SKEW)
                    || nbf > latest
                    || exp.saturating_sub(nbf) > MAX_ASSERTION_LIFETIME
            }
            (None, Some(exp)) => now > exp.saturating_add(ASSERTION_CLOCK_SKEW),
        };
    if outside {
        // The message names the later of nbf and iat as the start of validity.
        let from = nbf.max(jwt.iat());
        return Err(ApiError::new(
            "700024",
            &[
                ("now", &time_fmt::entra_precise(now)),
                ("nbf", &time_fmt::entra_precise(from.unwrap_or(0))),
                ("exp", &time_fmt::entra_precise(exp.unwrap_or(0))),
            ],
        ));
    }
    Ok(())
}
