//! The Entra plane as clients see it: discovery documents, JWKS and the token endpoint.

mod assertion;
mod data;
mod discovery;
pub mod managed_identity;
pub mod mint;
mod tenant;
mod token;

pub use keyless_core::resources::{ARM_AUDIENCES, Resource, is_graph_audience};
pub use tenant::resolve_tenant;

use axum::Router;
use axum::extract::Query;
use axum::routing::{get, post};
use keyless_core::state::AppState;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{root}/v2.0/.well-known/openid-configuration",
            get(discovery::v2),
        )
        .route(
            "/{root}/.well-known/openid-configuration",
            get(discovery::v1_or_organization),
        )
        .route(
            "/{root}/.well-known/jwks",
            get(discovery::organization_jwks),
        )
        .route("/{root}/discovery/v2.0/keys", get(discovery::jwks))
        .route("/{root}/discovery/keys", get(discovery::jwks))
        .route("/{root}/oauth2/v2.0/token", post(token::token_v2))
        .route("/{root}/oauth2/token", post(token::token_v1))
        .route(
            "/_agents/{secret}/metadata/identity/oauth2/token",
            get(managed_identity::imds_token),
        )
        .route(
            "/_agents/identity",
            get(managed_identity::app_service_token),
        )
}

/// `error_uri` target: the catalogue entry in plain text, like `keyless explain`.
pub async fn error_page(Query(q): Query<HashMap<String, String>>) -> String {
    let code = q.get("code").map(String::as_str).unwrap_or("");
    match keyless_model::catalogue::find(code) {
        Some(e) => format!(
            "{}\n\n{}\n\nCause: {}\nChecks: {}\nFix: {}\n",
            e.code, e.template, e.cause, e.checks, e.fix
        ),
        None => format!(
            "'{}' is not in the keyless error catalogue.\n",
            keyless_model::catalogue::sanitize(code)
        ),
    }
}
