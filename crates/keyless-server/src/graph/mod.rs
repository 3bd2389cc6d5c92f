//! Microsoft Graph v1.0 shapes for directory objects: applications, service principals,
//! their secrets and federated identity credentials. Paths are parsed here (Graph allows
//! `applications(appId='…')` key syntax that a router cannot express).
//!
//! Who may do what (this rules; directory roles widen them later): callers act in
//! their home tenant; members may read; they may register apps when the tenant allows it;
//! an app's creator (its owner) and keyless administrators may change it.

mod applications;
mod credentials;
mod service_principals;

pub use credentials::{fic_conflict, generate_secret, new_password, secret_matches};

use crate::auth::{Caller, caller};
use crate::envelope::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use keyless_model::Uuid;
use keyless_model::directory::{Application, Tenant};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1.0/{*rest}", any(dispatch))
}

/// How a path names an object: by object id or by its `appId` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Id(String),
    AppId(String),
}

/// Splits `applications(appId='x')` / `applications/{id}` into collection and key.
fn split_key<'a>(segs: &[&'a str]) -> Option<(&'a str, Option<Key>, usize)> {
    let first = *segs.first()?;
    if let Some((coll, rest)) = first.split_once('(') {
        let inner = rest.strip_suffix(')')?;
        let value = inner
            .strip_prefix("appId=")
            .map(|v| v.trim_matches('\'').to_string())?;
        return Some((coll, Some(Key::AppId(value)), 1));
    }
    match segs.get(1) {
        Some(id) => Some((first, Some(Key::Id(id.to_string())), 2)),
        None => Some((first, None, 1)),
    }
}

pub struct Ctx {
    pub caller: Caller,
    pub tenant: Tenant,
}

impl Ctx {
    pub fn denied() -> ApiError {
        ApiError::new("Authorization_RequestDenied", &[])
    }
    /// Owners (creators) and administrators may change an application.
    pub fn may_change(&self, app: &Application) -> Result<(), ApiError> {
        if self.caller.is_admin() || app.created_by == Some(self.caller.user.id) {
            Ok(())
        } else {
            Err(Self::denied())
        }
    }
}

pub fn not_found(id: &str) -> ApiError {
    ApiError::new("Request_ResourceNotFound", &[("id", id)])
}

pub fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("Request_BadRequest", detail)
}

/// An application of the caller's tenant by key.
pub async fn find_app(s: &AppState, ctx: &Ctx, key: &Key) -> Result<Application, ApiError> {
    let (raw, found) = match key {
        Key::Id(id) => (
            id,
            match Uuid::parse_str(id) {
                Ok(u) => s.store.get_application(u).await.ok(),
                Err(_) => None,
            },
        ),
        Key::AppId(id) => (
            id,
            match Uuid::parse_str(id) {
                Ok(u) => s.store.find_application_by_app_id(u).await.ok(),
                Err(_) => None,
            },
        ),
    };
    found
        .filter(|a| a.tenant_id == ctx.tenant.id)
        .ok_or_else(|| not_found(raw))
}

async fn dispatch(
    State(s): State<AppState>,
    method: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // The PAT checks' entries belong to the DevOps plane, whose envelope puts `message` at
    // the top; Graph clients (msgraph-sdk, the CLI) read `error.message`, so the same entry
    // is rendered in Graph's `{"error":{"code","message"}}` here.
    let caller = match caller(&s, &headers).await {
        Ok(c) => c,
        Err(e) => return crate::envelope::arm_error(&e.rendered),
    };
    match route(&s, caller, &method, &uri, &q, &body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn route(
    s: &AppState,
    caller: Caller,
    method: &Method,
    uri: &Uri,
    q: &HashMap<String, String>,
    body: &[u8],
) -> Result<Response, ApiError> {
    let tenant = s.store.get_tenant(caller.user.tenant_id).await?;
    let ctx = Ctx { caller, tenant };
    let path = uri.path().trim_start_matches("/v1.0/").trim_matches('/');
    let segs: Vec<&str> = path.split('/').collect();
    let Some((collection, key, used)) = split_key(&segs) else {
        return Err(bad("The request path is not valid."));
    };
    let rest: Vec<&str> = segs[used..].to_vec();
    match (collection, key, rest.as_slice()) {
        ("applications", None, []) => applications::collection(s, &ctx, method, q, body).await,
        ("applications", Some(k), []) => applications::item(s, &ctx, method, &k, body).await,
        ("applications", Some(k), ["addPassword"]) if method == Method::POST => {
            credentials::add_password(s, &ctx, &k, body).await
        }
        ("applications", Some(k), ["removePassword"]) if method == Method::POST => {
            credentials::remove_password(s, &ctx, &k, body).await
        }
        ("applications", Some(k), ["federatedIdentityCredentials"]) => {
            credentials::fic_collection(s, &ctx, method, &k, body).await
        }
        ("applications", Some(k), ["federatedIdentityCredentials", id]) => {
            credentials::fic_item(s, &ctx, method, &k, id, body).await
        }
        ("servicePrincipals", None, []) => {
            service_principals::collection(s, &ctx, method, q, body).await
        }
        ("servicePrincipals", Some(k), []) => {
            service_principals::item(s, &ctx, method, &k, body).await
        }
        _ => Err(ApiError::new("Request_ResourceNotFound", &[("id", path)])),
    }
}

/// Graph list envelope.
pub fn list_json(s: &AppState, entity: &str, value: Vec<serde_json::Value>) -> Response {
    axum::Json(serde_json::json!({
        "@odata.context": format!("{}/v1.0/$metadata#{entity}", s.origin),
        "value": value,
    }))
    .into_response()
}

pub fn created(v: serde_json::Value) -> Response {
    (StatusCode::CREATED, axum::Json(v)).into_response()
}

/// `$top` (1..=999) as Graph accepts it.
pub fn top(q: &HashMap<String, String>) -> Result<Option<usize>, ApiError> {
    match q.get("$top") {
        None => Ok(None),
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=999).contains(n))
            .map(Some)
            .ok_or_else(|| bad("Invalid page size specified: $top must be 1 to 999.")),
    }
}
