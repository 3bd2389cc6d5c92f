//! The ARM plane: every request validates its bearer token, maps to one action string,
//! is authorized once by `keyless_model::rbac::is_allowed`, then acts.
//! ARM paths are case-insensitive, so routing parses them here rather than in the router.

mod api_version;
mod compute_identity;
mod data;
mod identities;
mod list_query;
mod management_groups;
mod path;
mod providers;
mod resource_groups;
mod resources;
mod role_assignments;
pub(crate) mod role_definitions;
mod subscriptions;
mod token;
pub mod validate;

pub use keyless_core::rbac::Authz;
pub use path::valid_rg_name;
pub use token::ArmCaller;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Query;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use keyless_core::envelope::ApiError;
use keyless_core::req::Req;
use keyless_core::state::AppState;
use path::ArmPath;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/subscriptions", any(dispatch))
        .route("/subscriptions/", any(dispatch))
        .route("/subscriptions/{*rest}", any(dispatch))
        .route("/providers", any(dispatch))
        .route("/providers/{*rest}", any(dispatch))
        .route("/tenants", get(subscriptions::tenants))
        .route(
            "/metadata/endpoints",
            get(subscriptions::metadata_endpoints),
        )
        // `az cloud register --endpoint-resource-manager https://host/` appends
        // `/metadata/endpoints` to the endpoint as typed, so a trailing slash arrives doubled.
        .route(
            "//metadata/endpoints",
            get(subscriptions::metadata_endpoints),
        )
}

pub type QueryMap = HashMap<String, String>;

/// A query value by case-insensitive name (`$filter`, `api-version`…).
pub fn query<'a>(q: &'a QueryMap, name: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

async fn dispatch(
    Req { s, headers }: Req,
    method: Method,
    uri: Uri,
    Query(q): Query<QueryMap>,
    body: Bytes,
) -> Response {
    match route(&s, &method, &uri, &q, &headers, &body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn route(
    s: &AppState,
    method: &Method,
    uri: &Uri,
    q: &QueryMap,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let caller = match token::authenticate(s, headers).await {
        Ok(c) => c,
        Err(e) => {
            let mut rec = keyless_core::audit::entry("arm", s.now());
            rec.decision = "denied".into();
            rec.code = Some(e.code().to_string());
            rec.detail = serde_json::json!({"method": method.as_str(), "path": uri.path()});
            s.audit.record(rec);
            return Err(e);
        }
    };
    if query(q, "api-version").is_none_or(str::is_empty) {
        return Err(ApiError::new("MissingApiVersionParameter", &[]));
    }
    let path = ArmPath::parse(uri.path())?;
    let today = keyless_model::time_fmt::iso(s.now());
    api_version::check(uri.query(), &path, today.get(..10).unwrap_or_default())?;
    validate::content_type(method, headers, body)?;
    use ArmPath as P;
    let m = method.clone();
    match (m, path) {
        (Method::GET, P::Subscriptions) => subscriptions::list(s, &caller).await,
        (Method::GET, P::Subscription(id)) => subscriptions::get(s, &caller, &id).await,
        (Method::GET, P::ResourceGroups(sub)) => resource_groups::list(s, &caller, &sub).await,
        (Method::GET, P::ResourceGroup(sub, rg)) => {
            resource_groups::get(s, &caller, &sub, &rg).await
        }
        (Method::HEAD, P::ResourceGroup(sub, rg)) => {
            resource_groups::head(s, &caller, &sub, &rg).await
        }
        (Method::PUT, P::ResourceGroup(sub, rg)) => {
            resource_groups::put(s, &caller, &sub, &rg, body).await
        }
        (Method::PATCH, P::ResourceGroup(sub, rg)) => {
            resource_groups::patch(s, &caller, &sub, &rg, body).await
        }
        (Method::DELETE, P::ResourceGroup(sub, rg)) => {
            resource_groups::delete(s, &caller, &sub, &rg).await
        }
        (Method::GET, P::RoleAssignments(scope)) => {
            role_assignments::list(s, &caller, &scope, q).await
        }
        (Method::GET, P::RoleAssignment(scope, name)) => {
            role_assignments::get(s, &caller, &scope, &name).await
        }
        (Method::PUT, P::RoleAssignment(scope, name)) => {
            role_assignments::put(s, &caller, &scope, &name, body).await
        }
        (Method::DELETE, P::RoleAssignment(scope, name)) => {
            role_assignments::delete(s, &caller, &scope, &name).await
        }
        (Method::GET, P::RoleDefinitions(scope)) => {
            role_definitions::list(s, &caller, &scope, q).await
        }
        (Method::GET, P::RoleDefinition(scope, id)) => {
            role_definitions::get(s, &caller, &scope, &id).await
        }
        (Method::GET, P::Resource(r)) => resources::get(s, &caller, &r).await,
        (Method::HEAD, P::Resource(r)) => head(resources::get(s, &caller, &r).await),
        (Method::HEAD, P::Subscription(id)) => head(subscriptions::get(s, &caller, &id).await),
        (Method::PUT, P::Resource(r)) => resources::put(s, &caller, &r, body).await,
        (Method::PATCH, P::Resource(r)) => resources::patch(s, &caller, &r, body).await,
        (Method::DELETE, P::Resource(r)) => resources::delete(s, &caller, &r).await,
        (Method::GET, P::ChildResources(r, child)) => {
            let parent = path::ResourceRef {
                child: Some((child.clone(), String::new())),
                ..r.clone()
            };
            if identities::is_identity_credential(&parent) {
                identities::list_credentials(s, &r, q, uri.path()).await
            } else {
                let t = format!("{}/{}/{child}", r.namespace, r.rtype);
                resources::list(s, &caller, &r.sub, Some(&r.rg), Some(t), q, uri.path()).await
            }
        }
        (
            Method::GET,
            P::ResourcesOfType {
                sub,
                rg,
                namespace,
                rtype,
            },
        ) => {
            let t = format!("{namespace}/{rtype}");
            resources::list(s, &caller, &sub, rg.as_deref(), Some(t), q, uri.path()).await
        }
        (Method::GET, P::Resources { sub, rg }) => {
            resources::list(s, &caller, &sub, rg.as_deref(), None, q, uri.path()).await
        }
        (Method::PUT, P::RoleDefinition(scope, id)) => {
            role_definitions::put(s, &caller, &scope, &id, body).await
        }
        (Method::DELETE, P::RoleDefinition(scope, id)) => {
            role_definitions::delete(s, &caller, &scope, &id).await
        }
        (Method::GET, P::ManagementGroups) => management_groups::list(s, &caller).await,
        (Method::GET, P::ManagementGroup(name)) => {
            let expand = query(q, "$expand").is_some_and(|e| e.contains("children"));
            management_groups::get(s, &caller, &name, expand).await
        }
        (Method::PUT, P::ManagementGroup(name)) => {
            management_groups::put(s, &caller, &name, body).await
        }
        (Method::DELETE, P::ManagementGroup(name)) => {
            management_groups::delete(s, &caller, &name).await
        }
        (Method::PUT, P::ManagementGroupSubscription(name, sub)) => {
            management_groups::place(s, &caller, &name, &sub, false).await
        }
        (Method::DELETE, P::ManagementGroupSubscription(name, sub)) => {
            management_groups::place(s, &caller, &name, &sub, true).await
        }
        (Method::GET, P::Providers(sub)) => providers::list(s, sub.as_deref()).await,
        (Method::GET, P::Locations(sub)) => providers::locations(s, &caller, &sub).await,
        (m, _) => Err(ApiError::detail(
            "BadRequest",
            format!(
                "The method '{m}' is not supported on '{}'.",
                keyless_model::catalogue::sanitize(uri.path())
            ),
        )),
    }
}

/// A store lookup's error as the plane answers it: `NotFound` becomes `missing()` (the
/// plane's 404), anything else stays what it is (503 while the database is away).
pub fn missing_or(e: keyless_store::StoreError, missing: impl FnOnce() -> ApiError) -> ApiError {
    match e {
        keyless_store::StoreError::NotFound => missing(),
        e => e.into(),
    }
}

/// HEAD as ARM answers it (`check_existence`): 204 when the GET would find the object, the
/// GET's error status otherwise (404 when it does not exist); never a body.
fn head(got: Result<Response, ApiError>) -> Result<Response, ApiError> {
    let mut resp = got?;
    if resp.status() == axum::http::StatusCode::OK {
        let headers = std::mem::take(resp.headers_mut());
        resp = axum::http::StatusCode::NO_CONTENT.into_response();
        for name in ["x-ms-request-id", "x-ms-correlation-request-id"] {
            if let Some(v) = headers.get(name) {
                resp.headers_mut().insert(name, v.clone());
            }
        }
    }
    Ok(resp)
}

/// Runs `write` in a unit of work and commits it with an audit entry of kind `change`
/// (the caller, `action`, `scope`) appended in the same transaction, so an acknowledged
/// change always has its entry, even after a crash.
pub(crate) async fn change<T, E>(
    s: &AppState,
    caller: &ArmCaller,
    action: &str,
    scope: &str,
    write: impl AsyncFnOnce(&data::Tx) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<keyless_store::StoreError>,
{
    let mut rec = keyless_core::audit::change(
        "arm",
        s.now(),
        Some(caller.tenant_id),
        caller.oid,
        serde_json::json!({"action": action, "scope": scope}),
    );
    rec.client_id = Some(caller.client.clone());
    data::audited(s, rec, write).await
}

/// Authorizes `action` at `scope` for the caller, or renders `AuthorizationFailed` naming
/// the client, object id, action and scope exactly.
pub async fn permit(
    s: &AppState,
    caller: &ArmCaller,
    action: &str,
    scope: &str,
) -> Result<(), ApiError> {
    let allowed = Authz::load(s, caller)
        .await?
        .allows(s, action, scope)
        .await?;
    let mut rec = keyless_core::audit::entry("arm", s.now());
    rec.tenant_id = Some(caller.tenant_id);
    rec.client_id = Some(caller.client.clone());
    rec.detail = serde_json::json!({"principal": caller.oid, "action": action, "scope": scope});
    if allowed {
        s.audit.record(rec);
        return Ok(());
    }
    rec.decision = "denied".into();
    rec.code = Some("AuthorizationFailed".into());
    s.audit.record(rec);
    Err(ApiError::new(
        "AuthorizationFailed",
        &[
            ("client", &caller.client),
            ("oid", &caller.oid.to_string()),
            ("action", action),
            ("scope", scope),
        ],
    ))
}

/// `{"value":[…]}` plus the ARM request-id headers.
pub fn json(status: axum::http::StatusCode, body: serde_json::Value) -> Response {
    let mut resp = (status, axum::Json(body)).into_response();
    let id = uuid::Uuid::new_v4().to_string();
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-ms-request-id", v.clone());
        resp.headers_mut().insert("x-ms-correlation-request-id", v);
    }
    resp
}
