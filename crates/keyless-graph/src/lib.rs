//! Microsoft Graph v1.0 shapes for directory objects: applications, service principals,
//! their secrets and federated identity credentials. Paths are parsed here (Graph allows
//! `applications(appId='…')` key syntax that a router cannot express).
//!
//! Callers are users (a personal access token) or service principals (an access token of
//! this server's token service for Graph). A service principal acts in its tenant; a user in
//! their home tenant, or in the tenant named by the `X-Keyless-Tenant` header (id, name or
//! domain) where they are a guest. Every call asks `keyless_model::directory_roles::may`
//! once (through [`Ctx::permit`]) and is refused with `Authorization_RequestDenied`.

mod app_identifiers;
mod applications;
mod credentials;
mod data;
mod filter;
mod owners;
mod service_principals;
mod users;

pub use keyless_core::credentials::{fic_conflict, generate_secret, new_password, secret_matches};

use crate::data::*;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Query;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use keyless_core::access::Access;
use keyless_core::auth::{Principal, principal};
use keyless_core::envelope::ApiError;
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::{Application, Tenant};
use keyless_model::directory_roles::{Object, Operation};
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

/// The header a user sends to act in a tenant other than their home tenant.
pub const TENANT_HEADER: &str = "x-keyless-tenant";

pub struct Ctx {
    pub principal: Principal,
    pub tenant: Tenant,
    pub access: Access,
}

impl Ctx {
    pub fn denied() -> ApiError {
        ApiError::new("Authorization_RequestDenied", &[])
    }
    /// The caller's object id (what `created_by` records).
    pub fn principal_id(&self) -> Uuid {
        self.principal.id()
    }
    /// Runs `write` in a unit of work committed with the audit entry of the change
    /// (`operation` on `object`, by this caller in this tenant) in the same transaction.
    pub(crate) async fn change<T, E>(
        &self,
        s: &AppState,
        operation: &str,
        object: Uuid,
        write: impl AsyncFnOnce(&data::Tx) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<keyless_store::StoreError>,
    {
        let rec = keyless_core::audit::change(
            "graph",
            s.now(),
            Some(self.tenant.id),
            self.principal_id(),
            serde_json::json!({"operation": operation, "object": object}),
        );
        data::audited(s, rec, write).await
    }
    /// `op` on the tenant's directory as a whole (enumerations, creations).
    pub fn permit(&self, op: Operation) -> Result<(), ApiError> {
        if self.access.permits(op, Object::Tenant, &self.tenant) {
            Ok(())
        } else {
            Err(Self::denied())
        }
    }
    /// `op` on one application (its owners may manage it).
    pub fn permit_app(&self, op: Operation, app: &Application) -> Result<(), ApiError> {
        if self.access.permits_on_app(op, app, &self.tenant) {
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
                Ok(u) => s.db().get_application(u).await.ok(),
                Err(_) => None,
            },
        ),
        Key::AppId(id) => (
            id,
            match Uuid::parse_str(id) {
                Ok(u) => s.db().find_application_by_app_id(u).await.ok(),
                Err(_) => None,
            },
        ),
    };
    let app = found
        .filter(|a| a.tenant_id == ctx.tenant.id)
        .ok_or_else(|| not_found(raw))?;
    ctx.permit_app(Operation::ReadApps, &app)?;
    Ok(app)
}

async fn dispatch(
    Req { s, headers }: Req,
    method: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    // The PAT checks' entries belong to the DevOps plane, whose envelope puts `message` at
    // the top; Graph clients (msgraph-sdk, the CLI) read `error.message`, so the same entry
    // is rendered in Graph's `{"error":{"code","message"}}` here.
    let origin = s.origin.clone();
    let caller = match principal(&s, &headers, |a| {
        keyless_core::resources::is_graph_audience(a, &origin)
    })
    .await
    {
        Ok(c) => c,
        Err(e) => return keyless_core::envelope::arm_error(&e.rendered),
    };
    let ctx = match context(&s, caller, &headers).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = well_formed(&method, &uri, &headers, &body) {
        return e.into_response();
    }
    let call = Call {
        s: &s,
        ctx: &ctx,
        method: &method,
        q: &q,
        body: &body,
    };
    match route(&call, &uri).await {
        Ok(r) => r,
        // A body that is not JSON of the resource's shape: Graph's one text for it.
        Err(e) if e.code() == "InvalidRequestContent" => {
            ApiError::new("GraphUnreadableBody", &[]).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// What Graph refuses before any handler: a write whose body is not declared JSON, and a
/// system query option (`$filter`, `$top`…) given twice.
fn well_formed(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    match keyless_core::envelope::non_json_write(method, headers, body) {
        None => {}
        Some("") => return Err(ApiError::new("GraphContentTypeMissing", &[])),
        Some(_) => return Err(ApiError::new("GraphContentTypeNotJson", &[])),
    }
    let query = uri.query().unwrap_or_default().as_bytes();
    let mut seen = Vec::new();
    for (name, _) in form_urlencoded::parse(query) {
        if !name.starts_with('$') {
            continue;
        }
        if seen.contains(&name) {
            return Err(bad(format!(
                "Query option '{}' was specified more than once, but it must be specified at most once.",
                keyless_model::catalogue::sanitize(&name)
            )));
        }
        seen.push(name);
    }
    Ok(())
}

/// The tenant acted on and what the caller is there.
async fn context(s: &AppState, principal: Principal, headers: &HeaderMap) -> Result<Ctx, ApiError> {
    let named = headers
        .get(TENANT_HEADER)
        .map(|v| v.to_str().map(str::trim).unwrap_or(""));
    let tenant = match (&principal, named) {
        (Principal::ServicePrincipal(sp), _) => s.db().get_tenant(sp.tenant_id).await?,
        (Principal::User(_), Some(key)) => {
            let found = match Uuid::parse_str(key) {
                Ok(id) => s.db().get_tenant(id).await,
                Err(_) => s.db().find_tenant(key).await,
            };
            match found {
                Ok(t) => t,
                Err(keyless_store::StoreError::NotFound) => return Err(Ctx::denied()),
                Err(e) => return Err(e.into()),
            }
        }
        (Principal::User(c), None) => s.db().get_tenant(c.user.tenant_id).await?,
    };
    let access = Access::of(s, &principal, &tenant)
        .await?
        .ok_or_else(Ctx::denied)?;
    Ok(Ctx {
        principal,
        tenant,
        access,
    })
}

async fn route(c: &Call<'_>, uri: &Uri) -> Result<Response, ApiError> {
    let (s, ctx, method) = (c.s, c.ctx, c.method);
    let path = uri.path().trim_start_matches("/v1.0/").trim_matches('/');
    let segs: Vec<&str> = path.split('/').collect();
    let Some((collection, key, used)) = split_key(&segs) else {
        return Err(bad("The request path is not valid."));
    };
    let rest: Vec<&str> = segs[used..].to_vec();
    match (collection, key, rest.as_slice()) {
        ("applications", None, []) => applications::collection(c).await,
        ("applications", Some(k), []) => applications::item(c, &k).await,
        ("applications", Some(k), ["owners"]) if method == Method::GET => {
            owners::list(s, ctx, &k).await
        }
        ("applications", Some(k), ["owners", r]) if is_ref(r) && method == Method::POST => {
            owners::add(c, &k).await
        }
        ("applications", Some(k), ["owners", id, r]) if is_ref(r) && method == Method::DELETE => {
            owners::remove(s, ctx, &k, id).await
        }
        ("applications", Some(k), ["addPassword"]) if method == Method::POST => {
            credentials::add_password(c, &k).await
        }
        ("applications", Some(k), ["removePassword"]) if method == Method::POST => {
            credentials::remove_password(c, &k).await
        }
        ("applications", Some(k), ["federatedIdentityCredentials"]) => {
            credentials::fic_collection(c, &k).await
        }
        ("applications", Some(k), ["federatedIdentityCredentials", id]) => {
            credentials::fic_item(c, &k, id).await
        }
        ("users", None, []) => users::collection(c).await,
        ("users", Some(k), []) => users::item(c, &k).await,
        ("servicePrincipals", None, []) => service_principals::collection(c).await,
        ("servicePrincipals", Some(k), []) => service_principals::item(c, &k).await,
        _ => Err(ApiError::new("Request_ResourceNotFound", &[("id", path)])),
    }
}

/// One Graph request as its handler sees it: the server, the caller and what was sent.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    pub s: &'a AppState,
    pub ctx: &'a Ctx,
    pub method: &'a Method,
    pub q: &'a HashMap<String, String>,
    pub body: &'a [u8],
}

/// The `$ref` navigation segment (some clients percent-encode the `$`).
fn is_ref(seg: &str) -> bool {
    seg == "$ref" || seg.eq_ignore_ascii_case("%24ref")
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

/// One page of a list: `$top` items from the `$skiptoken` offset (an opaque token to
/// clients), with `@odata.nextLink` when more follow. The link repeats the other query
/// parameters (`$filter`…), so following it continues the same listing.
pub fn paged_list(
    s: &AppState,
    entity: &str,
    q: &HashMap<String, String>,
    items: Vec<serde_json::Value>,
) -> Result<Response, ApiError> {
    let skip = match q.get("$skiptoken") {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| bad("The $skiptoken is not valid: follow @odata.nextLink as given."))?,
    };
    let size = top(q)?.unwrap_or(100);
    let total = items.len();
    let value: Vec<_> = items.into_iter().skip(skip).take(size).collect();
    let mut body = serde_json::json!({
        "@odata.context": format!("{}/v1.0/$metadata#{entity}", s.origin),
        "value": value,
    });
    if skip.saturating_add(size) < total {
        let mut params: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| k.as_str() != "$skiptoken" && k.as_str() != "$top")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        params.sort();
        params.push(("$top".into(), size.to_string()));
        params.push(("$skiptoken".into(), (skip + size).to_string()));
        let query: String = params
            .iter()
            .map(|(k, v)| format!("{}={}", k, percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        body["@odata.nextLink"] = serde_json::json!(format!("{}/v1.0/{entity}?{query}", s.origin));
    }
    Ok(axum::Json(body).into_response())
}

/// Percent-encodes a query value (everything but unreserved characters).
fn percent_encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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
