//! The security headers of every console answer: no inline script, no framing, no
//! referrer, no sniffing, no caching (pages hold what only the signed-in user may see).

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

/// The content security policy: scripts, styles and forms only from this origin.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

const HEADERS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CSP),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::CACHE_CONTROL, "no-store"),
];

pub async fn secure(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    for (name, value) in HEADERS {
        h.insert(name, HeaderValue::from_static(value));
    }
    resp
}
