//! Who is calling the management APIs (admin, Graph, DevOps REST): a user identified by a
//! personal access token, sent as `Bearer <pat>` or as the password of HTTP Basic (the
//! Azure DevOps clients' habit). Tokens are looked up by their SHA-256; the token itself is
//! never stored.

use crate::envelope::ApiError;
use crate::state::AppState;
use axum::http::{HeaderMap, header};
use base64::Engine;
use keyless_model::Uuid;
use keyless_model::directory::{PersonalAccessToken, ServicePrincipal, User, UserType};
use keyless_model::membership::user_type_in;
use keyless_store::StoreError;

/// Prefix of every personal access token, so leaked tokens are recognisable by scanners.
pub const PAT_PREFIX: &str = "kls_pat_";
/// Prefix of job tokens (`System.AccessToken`).
pub const JOB_TOKEN_PREFIX: &str = "kls_job_";

#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub pat: PersonalAccessToken,
    /// The tenants the user is a guest of (its guest memberships).
    pub guest_of: Vec<Uuid>,
}

impl Caller {
    /// The caller of `pat`, with the user's guest memberships.
    pub async fn load(
        state: &AppState,
        user: User,
        pat: PersonalAccessToken,
    ) -> Result<Caller, StoreError> {
        let guest_of = guest_tenants(state, user.id).await?;
        Ok(Caller {
            user,
            pat,
            guest_of,
        })
    }
    /// What the caller is to `tenant` (`keyless_model::membership::user_type_in`).
    pub fn user_type_in(&self, tenant: Uuid) -> Option<UserType> {
        user_type_in(tenant, self.user.tenant_id, &self.guest_of, self.is_admin())
    }
    pub fn is_admin(&self) -> bool {
        self.user.is_admin
    }
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::detail(
                "Forbidden",
                "This operation needs a keyless administrator.",
            ))
        }
    }
}

/// The bearer or Basic-password credential of a request, if any.
pub fn presented_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        Some(rest.to_string())
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        text.split_once(':').map(|(_, p)| p.to_string())
    } else {
        None
    }
}

/// The caller, once found to be a keyless administrator (else `Forbidden`).
pub async fn administrator(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let c = caller(state, headers).await?;
    c.require_admin()?;
    Ok(c)
}

/// Resolves the caller from a personal access token, or explains why not.
pub async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let Some(token) = presented_token(headers) else {
        return Err(ApiError::detail(
            "Unauthenticated",
            "No personal access token was sent. Send it as 'Authorization: Bearer <token>'; create one with keyless pat create.",
        ));
    };
    let hash = keyless_jose::sha256_hex(token.as_bytes());
    let pat = match state.store.find_pat_by_hash(&hash).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => {
            return Err(ApiError::detail(
                "Unauthenticated",
                "The personal access token is not valid. Check that it was copied whole, or create a new one with keyless pat create.",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if pat.revoked_at.is_some() {
        return Err(ApiError::detail(
            "TokenExpired",
            format!(
                "The personal access token '{}' was revoked. Sign in again: create a new token with keyless pat create (or ask an administrator).",
                pat.name
            ),
        ));
    }
    if pat.expires_at <= state.now() {
        return Err(ApiError::detail(
            "TokenExpired",
            format!(
                "The personal access token '{}' expired at {}. Failed to obtain an access token: sign in again by creating a new token with keyless pat create.",
                pat.name,
                keyless_model::time_fmt::iso(pat.expires_at)
            ),
        ));
    }
    let user = state.store.get_user(pat.user_id).await?;
    Ok(Caller::load(state, user, pat).await?)
}

/// The tenants a user is a guest of.
pub async fn guest_tenants(state: &AppState, user: Uuid) -> Result<Vec<Uuid>, StoreError> {
    Ok(state
        .store
        .list_guest_memberships(user)
        .await?
        .into_iter()
        .map(|g| g.tenant_id)
        .collect())
}

/// The lifetimes a personal access token may have, in days.
pub const PAT_DAYS: std::ops::RangeInclusive<i64> = 1..=3650;

/// Creates a personal access token for a user and returns the clear token (shown once).
/// `lifetime_days` outside [`PAT_DAYS`] is refused, never adjusted. Audited (kind `change`,
/// by `by`) in the token's own transaction.
pub async fn issue_pat(
    state: &AppState,
    by: Option<Uuid>,
    user: &User,
    name: &str,
    lifetime_days: i64,
    scopes: Vec<String>,
) -> Result<(String, PersonalAccessToken), ApiError> {
    if !PAT_DAYS.contains(&lifetime_days) {
        return Err(ApiError::detail(
            "BadRequest",
            format!(
                "A token lives {} to {} days; {lifetime_days} is out of range.",
                PAT_DAYS.start(),
                PAT_DAYS.end()
            ),
        ));
    }
    let token = keyless_jose::random_token(PAT_PREFIX, 32);
    let now = state.now();
    let pat = PersonalAccessToken {
        id: uuid::Uuid::new_v4(),
        user_id: user.id,
        name: name.to_string(),
        token_hash: keyless_jose::sha256_hex(token.as_bytes()),
        scopes,
        created_at: now,
        expires_at: now + lifetime_days * 86_400,
        revoked_at: None,
    };
    // The entry names the token by id, never its value or hash.
    let rec = crate::audit::admin_change(now, Some(user.tenant_id), by, "createPat", pat.id);
    let uow = keyless_store::Transactional::begin(&**state.shared_store()).await?;
    uow.create_pat(&pat).await?;
    crate::audit::commit(uow, &[rec]).await?;
    Ok((token, pat))
}

/// Who calls Graph: a user by personal access token, or a service principal by an access
/// token that this server's token service issued for Graph. A service principal acts in the
/// tenant that issued its token, with the directory roles it holds there.
#[derive(Debug, Clone)]
pub enum Principal {
    User(Caller),
    ServicePrincipal(ServicePrincipal),
}

impl Principal {
    /// The object id directory roles and ownership name.
    pub fn id(&self) -> Uuid {
        match self {
            Principal::User(c) => c.user.id,
            Principal::ServicePrincipal(sp) => sp.id,
        }
    }
    pub fn is_admin(&self) -> bool {
        matches!(self, Principal::User(c) if c.is_admin())
    }
    /// What the principal is to `tenant`: a service principal is a member of its own tenant
    /// only.
    pub fn user_type_in(&self, tenant: Uuid) -> Option<UserType> {
        match self {
            Principal::User(c) => c.user_type_in(tenant),
            Principal::ServicePrincipal(sp) => user_type_in(tenant, sp.tenant_id, &[], false),
        }
    }
}

/// Whether a presented token is a JWT (three dot-separated parts) rather than a PAT.
pub fn looks_like_jwt(token: &str) -> bool {
    !token.starts_with(PAT_PREFIX) && token.split('.').count() == 3
}

/// Resolves the caller of a plane that takes both PATs and access tokens; `accepts` tells
/// the plane's audiences. The service principal must exist in the issuing tenant and be
/// enabled, else the token is refused as invalid.
pub async fn principal(
    state: &AppState,
    headers: &HeaderMap,
    accepts: impl Fn(&str) -> bool,
) -> Result<Principal, ApiError> {
    match presented_token(headers) {
        Some(t) if looks_like_jwt(&t) => {}
        _ => return caller(state, headers).await.map(Principal::User),
    }
    let bearer = crate::bearer::authenticate(state, headers, accepts).await?;
    let invalid = || {
        crate::bearer::unauthorized(
            ApiError::new("InvalidAuthenticationToken", &[]),
            &state.origin,
        )
    };
    let sp = match state.store.get_service_principal(bearer.oid).await {
        Ok(sp) => sp,
        Err(StoreError::NotFound) => return Err(invalid()),
        Err(e) => return Err(e.into()),
    };
    if sp.tenant_id != bearer.tenant_id || !sp.account_enabled {
        return Err(invalid());
    }
    Ok(Principal::ServicePrincipal(sp))
}

/// The management area a PAT-authenticated request falls in, by path (see
/// `keyless_model::pat_scopes`): Graph and the admin API's tenants are the directory,
/// subscriptions and a user's ARM access token (`me/token`) are resources, organizations
/// and the Azure DevOps REST API are connections; the rest of `/keyless/v1` (personal
/// access tokens, audit, keys, apply) is in no area.
pub fn pat_area(path: &str) -> Option<keyless_model::pat_scopes::PatScope> {
    use keyless_model::pat_scopes::PatScope as S;
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segs.as_slice() {
        ["v1.0", ..] => Some(S::Directory),
        ["keyless", "v1", "tenants", ..] => Some(S::Directory),
        ["keyless", "v1", "subscriptions", ..] => Some(S::Resources),
        // A user's ARM access token: for managing resources.
        ["keyless", "v1", "me", "token"] => Some(S::Resources),
        ["keyless", "v1", "organizations", ..] => Some(S::Connections),
        ["keyless", ..] => None,
        [_, "_apis", ..] | [_, _, "_apis", ..] => Some(S::Connections),
        _ => None,
    }
}

/// Middleware: a request made with a valid personal access token whose scopes do not cover
/// the request's area (and method) is refused with 403 in the plane's envelope, naming the
/// scope it needs. Other credentials, and tokens that are not valid (which the handler
/// refuses with its own message), pass through.
pub async fn enforce_pat_scopes(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(token) = presented_token(req.headers()).filter(|t| t.starts_with(PAT_PREFIX)) else {
        return next.run(req).await;
    };
    let path = req.uri().path().to_owned();
    let write = !matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    let area = pat_area(&path);
    let hash = keyless_jose::sha256_hex(token.as_bytes());
    let pat = match s.store.find_pat_by_hash(&hash).await {
        Ok(p) if p.revoked_at.is_none() && p.expires_at > s.now() => p,
        _ => return next.run(req).await,
    };
    if keyless_model::pat_scopes::pat_permits(&pat.scopes, area, write) {
        return next.run(req).await;
    }
    let need = area.map(|a| a.as_str()).unwrap_or("full");
    let e = ApiError::new(
        "PatScopeMissing",
        &[
            ("name", &pat.name),
            ("scopes", &pat.scopes.join(", ")),
            ("need", if write { need } else { "read" }),
        ],
    );
    // Graph answers in its own envelope; keyless' admin API and Azure DevOps in DevOps'.
    if path.starts_with("/v1.0/") {
        e.into_response()
    } else {
        crate::envelope::devops_error(&e.rendered)
    }
}
