//! [`Req`]: what a handler reads of every request besides its path, query and body.

use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::convert::Infallible;

/// The server and the request's headers (where the caller's credentials are). Handlers
/// take it as `Req { s, headers }: Req`.
pub struct Req {
    pub s: AppState,
    pub headers: HeaderMap,
}

impl FromRequestParts<AppState> for Req {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Infallible> {
        Ok(Req {
            s: s.clone(),
            headers: parts.headers.clone(),
        })
    }
}
