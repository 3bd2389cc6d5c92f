//! The error envelopes of each plane, all rendered from catalogue entries.
//!
//! - Entra: `{"error","error_description":"AADSTS{code}: … Trace ID: … Correlation ID: …
//!   Timestamp: …","error_codes":[…],"timestamp","trace_id","correlation_id","error_uri"}`,
//!   401 for `invalid_client`, 400 otherwise, never `Retry-After`.
//! - ARM and Graph: `{"error":{"code","message"}}` with request-id headers.
//! - DevOps: `{"$id":"1","innerException":null,"message",…,"errorCode":0,"eventId":3000}`.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyless_model::catalogue::{Plane, Rendered};
use keyless_model::{Uuid, time_fmt};
use serde_json::json;

/// A failure of any plane, rendered in the plane's envelope.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub rendered: Rendered,
    /// Extra header for ARM 401s.
    pub www_authenticate: Option<String>,
    /// Overrides the entry's OAuth `error` (discovery says `invalid_tenant` for 90002).
    pub oauth_error: Option<&'static str>,
}

impl ApiError {
    pub fn new(code: &str, values: &[(&str, &str)]) -> ApiError {
        ApiError {
            rendered: Rendered::new(code, values),
            www_authenticate: None,
            oauth_error: None,
        }
    }
    /// Shorthand for entries whose template is just `{detail}`.
    pub fn detail(code: &str, detail: impl AsRef<str>) -> ApiError {
        ApiError::new(code, &[("detail", detail.as_ref())])
    }
    /// `NotFound` with `message` (names in it already sanitized).
    pub fn not_found(message: impl AsRef<str>) -> ApiError {
        ApiError::detail("NotFound", message)
    }
    pub fn code(&self) -> &'static str {
        self.rendered.code()
    }
}

impl From<Rendered> for ApiError {
    fn from(rendered: Rendered) -> Self {
        ApiError {
            rendered,
            www_authenticate: None,
            oauth_error: None,
        }
    }
}

impl From<keyless_store::StoreError> for ApiError {
    fn from(e: keyless_store::StoreError) -> Self {
        match e {
            keyless_store::StoreError::NotFound => ApiError::detail("NotFound", "Not found."),
            keyless_store::StoreError::Conflict(rule) => {
                ApiError::detail("Conflict", format!("Conflict: {rule}."))
            }
            keyless_store::StoreError::Backend(msg) => {
                tracing::error!(error = %msg, "store failure");
                ApiError::new("InternalError", &[])
            }
            keyless_store::StoreError::Unavailable(msg) => unavailable(&msg),
        }
    }
}

/// The database is away: refuse with 503 (never a guess from stale state). Rendered in
/// ARM's shape; [`outage_in_plane_shape`] re-renders it for the Entra and DevOps routes.
fn unavailable(msg: &str) -> ApiError {
    tracing::warn!(error = %msg, "database unavailable: request refused with 503");
    ApiError::new("ServiceUnavailable", &[])
}

/// Marks a 503 that [`unavailable`] produced, for [`outage_in_plane_shape`].
#[derive(Debug, Clone, Copy)]
struct Outage;

/// Middleware: a 503 caused by a database outage is answered in the envelope of the plane
/// the route belongs to: Entra's OAuth error (`temporarily_unavailable`, AADSTS90033) under
/// `/{tenant}/oauth2/…` and the discovery routes, DevOps' exception shape under `…/_apis/…`,
/// ARM's `{"error":{…}}` elsewhere. Never with `Retry-After`.
pub async fn outage_in_plane_shape(
    axum::extract::State(s): axum::extract::State<crate::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let correlation = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Uuid::parse_str(v).ok());
    let resp = next.run(req).await;
    if resp.extensions().get::<Outage>().is_none() {
        return resp;
    }
    let mut segments = path.trim_start_matches('/').split('/').skip(1);
    let (second, third) = (segments.next(), segments.next());
    if matches!(
        second,
        Some("oauth2" | "v2.0" | ".well-known" | "discovery")
    ) {
        let ids = EntraIds {
            origin: &s.origin,
            trace: Uuid::new_v4(),
            correlation: correlation.unwrap_or_else(Uuid::new_v4),
            at: s.now(),
        };
        entra_error(&Rendered::new("90033", &[]), None, ids)
    } else if second == Some("_apis") || third == Some("_apis") {
        devops_error(&Rendered::new("ServiceUnavailable", &[]))
    } else {
        resp
    }
}

impl From<keyless_jose::JoseError> for ApiError {
    fn from(e: keyless_jose::JoseError) -> Self {
        tracing::error!(error = %e, "key material failure");
        ApiError::new("InternalError", &[])
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        if let Some(keyless_store::StoreError::Unavailable(msg)) = e.downcast_ref() {
            return unavailable(msg);
        }
        tracing::error!(error = %e, "internal failure");
        ApiError::new("InternalError", &[])
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let entry = self.rendered.entry;
        match entry.plane {
            Plane::Entra => entra_error(
                &self.rendered,
                self.oauth_error,
                EntraIds {
                    origin: "",
                    trace: Uuid::new_v4(),
                    correlation: Uuid::new_v4(),
                    at: now(),
                },
            ),
            Plane::DevOps | Plane::Pipeline => devops_error(&self.rendered),
            Plane::Arm => {
                let mut resp = arm_error(&self.rendered);
                if let Some(w) = self.www_authenticate
                    && let Ok(v) = HeaderValue::from_str(&w)
                {
                    resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                if entry.code == "ServiceUnavailable" {
                    resp.extensions_mut().insert(Outage);
                }
                resp
            }
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Entra's OAuth error body. Status: 401 for `invalid_client`, else the entry's (400).
/// What an Entra error names besides its entry: where the catalogue lives, the ids the
/// caller can quote, and when.
pub struct EntraIds<'a> {
    pub origin: &'a str,
    pub trace: Uuid,
    pub correlation: Uuid,
    pub at: i64,
}

pub fn entra_error(r: &Rendered, oauth_error: Option<&'static str>, ids: EntraIds<'_>) -> Response {
    let EntraIds {
        origin,
        trace,
        correlation,
        at,
    } = ids;
    let ts = time_fmt::entra(at);
    let description = format!(
        "AADSTS{}: {} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {ts}",
        r.code(),
        r.message
    );
    let code: i64 = r.code().parse().unwrap_or(0);
    let body = json!({
        "error": oauth_error.unwrap_or(r.entry.error),
        "error_description": description,
        "error_codes": [code],
        "timestamp": ts,
        "trace_id": trace.to_string(),
        "correlation_id": correlation.to_string(),
        "error_uri": format!("{origin}/error?code={}", r.code()),
    });
    let mut resp = (status(r.status()), Json(body)).into_response();
    entra_headers(resp.headers_mut());
    resp
}

/// Headers every token endpoint answer carries.
pub fn entra_headers(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
}

pub fn arm_error(r: &Rendered) -> Response {
    let body = json!({"error": {"code": r.entry.error, "message": r.message}});
    let mut resp = (status(r.status()), Json(body)).into_response();
    let id = Uuid::new_v4().to_string();
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-ms-request-id", v.clone());
        resp.headers_mut().insert("x-ms-correlation-request-id", v);
    }
    resp
}

pub fn devops_error(r: &Rendered) -> Response {
    let type_name = match r.entry.error {
        "Unauthenticated" | "Unauthorized" => {
            "Microsoft.VisualStudio.Services.Common.VssUnauthorizedException"
        }
        "Forbidden" => "Microsoft.VisualStudio.Services.Security.AccessCheckException",
        "PipelineValidationException" => {
            "Microsoft.TeamFoundation.DistributedTask.WebApi.PipelineValidationException"
        }
        "ProjectDoesNotExist" => {
            "Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistException"
        }
        _ => "Microsoft.VisualStudio.Services.ServiceEndpoints.WebApi.ServiceEndpointException",
    };
    let type_key = type_name.rsplit('.').next().unwrap_or(type_name);
    // Azure DevOps puts its numbered codes (TF…, VS…) in front of the text.
    let numbered = |prefix: &str| {
        r.entry
            .code
            .strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let message = if numbered("TF") || numbered("VS") {
        format!("{}: {}", r.entry.code, r.message)
    } else {
        r.message.clone()
    };
    let body = json!({
        "$id": "1",
        "innerException": null,
        "message": message,
        "typeName": format!("{type_name}, Microsoft.VisualStudio.Services.WebApi"),
        "typeKey": type_key,
        "errorCode": 0,
        "eventId": 3000,
    });
    (status(r.status()), Json(body)).into_response()
}

/// Unknown paths: ARM's shape, since ARM clients are the ones that probe unknown routes.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    ApiError::detail(
        "NotFound",
        format!(
            "No route matches '{}'.",
            keyless_model::catalogue::sanitize(uri.path())
        ),
    )
    .into_response()
}

/// The `Content-Type` of a PUT, PATCH or POST whose body is not declared
/// `application/json` (parameters such as `charset` aside): empty when none was sent.
/// `None` for a JSON body, an empty body, or another method.
pub fn non_json_write<'a>(
    method: &axum::http::Method,
    headers: &'a HeaderMap,
    body: &[u8],
) -> Option<&'a str> {
    use axum::http::Method;
    if body.is_empty() || !matches!(*method, Method::PUT | Method::PATCH | Method::POST) {
        return None;
    }
    let sent = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media = sent.split(';').next().unwrap_or_default().trim();
    (!media.eq_ignore_ascii_case("application/json")).then_some(sent)
}

/// JSON body extraction that answers malformed input with the plane's 400, never a 500.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new("InvalidRequestContent", &[("detail", &e.to_string())]))
}

/// Like [`parse_json`], but an empty body is the type's default.
pub fn parse_json_or_default<T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
) -> Result<T, ApiError> {
    if body.is_empty() {
        Ok(T::default())
    } else {
        parse_json(body)
    }
}

/// An error of a DevOps REST handler: whatever its catalogue entry, it is rendered in
/// the DevOps exception shape, since that is what DevOps clients parse.
#[derive(Debug)]
pub struct DevopsError(pub ApiError);

impl<E: Into<ApiError>> From<E> for DevopsError {
    fn from(e: E) -> Self {
        DevopsError(e.into())
    }
}

impl IntoResponse for DevopsError {
    fn into_response(self) -> Response {
        devops_error(&self.0.rendered)
    }
}
