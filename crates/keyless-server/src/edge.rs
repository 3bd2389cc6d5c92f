//! What every request and response goes through before and after the planes:
//!
//! - limits on the request line, headers and body, refused with 414, 431 and 413 in the
//!   envelope of the plane the path belongs to (a body over the limit is read and
//!   discarded, within bounds, before the answer, so an HTTP/1.1 client that is still
//!   sending sees the answer rather than a reset; what hyper refuses before this code runs
//!   is answered in the same envelopes by `wire_errors.rs`);
//! - the whole body read before any handler runs, so a handler that ignores its body
//!   never leaves unread bytes behind and the connection stays usable for the next
//!   request;
//! - 405 from the router rendered in the plane's envelope;
//! - `X-Content-Type-Options: nosniff` on everything, `Strict-Transport-Security` when the
//!   origin is https, and `Cache-Control: no-store` on every answer that does not choose
//!   its own caching (tokens, secrets and ids are in many of them).

use crate::envelope::{arm_error, devops_error};
use crate::state::AppState;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use keyless_model::catalogue::Rendered;
use keyless_model::{Uuid, time_fmt};
use std::time::Duration;

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 1024 * 1024;
/// Longest request target (path and query), in bytes.
pub const MAX_URI: usize = 16 * 1024;
/// Largest total of header names and values, in bytes.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Most header fields in one request.
pub const MAX_HEADERS: usize = 100;
/// A body over [`MAX_BODY`] is read and discarded up to this many bytes, and for at most
/// [`DRAIN_TIME`], before the 413 goes out; beyond either the connection is closed.
pub const DRAIN_MAX: usize = 64 * 1024 * 1024;
pub const DRAIN_TIME: Duration = Duration::from_secs(10);
/// `Strict-Transport-Security` on https origins: one year.
pub const HSTS: &str = "max-age=31536000";

/// The envelope a path's answers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Entra,
    DevOps,
    /// ARM, Graph and the admin API: `{"error":{"code","message"}}`.
    Arm,
}

/// The shape of the plane `path` belongs to (the same split as the outage middleware).
pub fn shape_of(path: &str) -> Shape {
    let mut segments = path.trim_start_matches('/').split('/').skip(1);
    let (second, third) = (segments.next(), segments.next());
    if matches!(
        second,
        Some("oauth2" | "v2.0" | ".well-known" | "discovery")
    ) {
        Shape::Entra
    } else if second == Some("_apis") || third == Some("_apis") {
        Shape::DevOps
    } else {
        Shape::Arm
    }
}

/// A catalogue entry rendered in `shape`. Entra's shape carries no AADSTS code for these
/// (Entra has none for transport limits): `error` is `invalid_request`.
pub fn render(shape: Shape, r: &Rendered, origin: &str, now: i64) -> Response {
    match shape {
        Shape::Arm => arm_error(r),
        Shape::DevOps => devops_error(r),
        Shape::Entra => {
            let (trace, correlation) = (Uuid::new_v4(), Uuid::new_v4());
            let ts = time_fmt::entra(now);
            let body = serde_json::json!({
                "error": "invalid_request",
                "error_description": format!(
                    "{} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {ts}",
                    r.message
                ),
                "error_codes": [],
                "timestamp": ts,
                "trace_id": trace.to_string(),
                "correlation_id": correlation.to_string(),
                "error_uri": format!("{origin}/error?code={}", r.code()),
            });
            let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST);
            (status, axum::Json(body)).into_response()
        }
    }
}

fn refuse(s: &AppState, path: &str, code: &str, values: &[(&str, &str)]) -> Response {
    render(
        shape_of(path),
        &Rendered::new(code, values),
        &s.origin,
        s.now(),
    )
}

/// Reads the rest of `body`, discarding it, within [`DRAIN_MAX`] and [`DRAIN_TIME`];
/// whether it ended.
async fn drain(mut body: Body, mut seen: usize) -> bool {
    let read = async {
        while seen <= DRAIN_MAX {
            match std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
                Some(Ok(frame)) => seen += frame.data_ref().map_or(0, Bytes::len),
                Some(Err(_)) => return false,
                None => return true,
            }
        }
        false
    };
    tokio::time::timeout(DRAIN_TIME, read)
        .await
        .unwrap_or(false)
}

/// Reads the body whole (at most [`MAX_BODY`]); `Err(seen)` with the bytes read so far
/// when it is larger, `Err(0)` when reading fails.
async fn read_body(body: &mut Body) -> Result<Bytes, usize> {
    let mut buf = Vec::new();
    loop {
        match std::future::poll_fn(|cx| std::pin::Pin::new(&mut *body).poll_frame(cx)).await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    buf.extend_from_slice(data);
                    if buf.len() > MAX_BODY {
                        return Err(buf.len());
                    }
                }
            }
            Some(Err(_)) => return Err(0),
            None => return Ok(Bytes::from(buf)),
        }
    }
}

fn too_large(s: &AppState, path: &str, size: &str) -> Response {
    let mut resp = refuse(
        s,
        path,
        "RequestBodyTooLarge",
        &[("size", size), ("limit", &MAX_BODY.to_string())],
    );
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// 414 for a request target of `length` bytes (also "more than N").
pub(crate) fn uri_too_long(s: &AppState, path: &str, length: &str) -> Response {
    let limit = MAX_URI.to_string();
    let values = [("length", length), ("limit", &limit)];
    refuse(s, path, "RequestUriTooLong", &values)
}

/// 431 for request headers of `size` bytes in `count` fields.
pub(crate) fn headers_too_large(s: &AppState, path: &str, size: &str, count: &str) -> Response {
    let (limit, most) = (MAX_HEADER_BYTES.to_string(), MAX_HEADERS.to_string());
    let values = [
        ("size", size),
        ("count", count),
        ("limit", &limit),
        ("most", &most),
    ];
    refuse(s, path, "RequestHeadersTooLarge", &values)
}

/// The middleware: limits, the body read whole, 405 in the plane's envelope, headers.
pub async fn edge(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let resp = guarded(&s, req, next).await;
    finish(&s, resp)
}

async fn guarded(s: &AppState, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let target = req
        .uri()
        .path_and_query()
        .map_or(path.len(), |pq| pq.as_str().len());
    if target > MAX_URI {
        return uri_too_long(s, &path, &target.to_string());
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if header_bytes > MAX_HEADER_BYTES || req.headers().len() > MAX_HEADERS {
        let count = req.headers().len().to_string();
        return headers_too_large(s, &path, &header_bytes.to_string(), &count);
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (parts, mut body) = req.into_parts();
    if let Some(n) = declared.filter(|n| *n > MAX_BODY as u64) {
        // Read what the client is sending so it can read the answer; a body too large to
        // drain ends with the connection.
        if n <= DRAIN_MAX as u64 {
            drain(body, 0).await;
        }
        return too_large(s, &path, &n.to_string());
    }
    let bytes = match read_body(&mut body).await {
        Ok(b) => b,
        Err(0) => {
            return refuse(
                s,
                &path,
                "BadRequest",
                &[("detail", "The request body could not be read.")],
            );
        }
        Err(seen) => {
            drain(body, seen).await;
            return too_large(s, &path, &format!("more than {seen}"));
        }
    };
    let method = parts.method.clone();
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED && !has_body(&resp) {
        let allow = resp.headers().get(header::ALLOW).cloned();
        let mut out = refuse(
            s,
            &path,
            "MethodNotAllowed",
            &[("method", method.as_str()), ("path", &path)],
        );
        if let Some(a) = allow {
            out.headers_mut().insert(header::ALLOW, a);
        }
        return out;
    }
    resp
}

fn has_body(resp: &Response) -> bool {
    resp.headers().contains_key(header::CONTENT_TYPE)
        || resp.body().size_hint().exact().is_some_and(|n| n > 0)
}

/// The headers every answer carries.
pub(crate) fn finish(s: &AppState, mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if s.origin.starts_with("https://") {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
