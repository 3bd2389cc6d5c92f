//! The HTTP side of keyless: every plane on one origin, at the root paths real clients use.
//!
//! - `entra/`: tenant discovery, JWKS and the token endpoint (the federation chain).
//! - `devops/`: service connections REST, the pipeline OIDC issuer and job token endpoint.
//! - `arm/`: subscriptions, resource groups, role assignments; token validation and RBAC.
//! - `graph/`: applications, service principals, secrets and federated credentials.
//! - `admin/`: keyless' own API for what has no public counterpart (tenants, users, PATs…).
//! - `world/`: declarative world files (`keyless apply`) and the demo world.
#![forbid(unsafe_code)]

pub mod access;
pub mod admin;
pub mod arm;
pub mod audit;
pub mod auth;
pub mod bearer;
pub mod cache;
pub mod clock;
pub mod config;
pub mod devops;
pub mod entra;
pub mod envelope;
pub mod graph;
pub mod keyring;
pub mod serve;
pub mod state;
pub mod world;

pub use config::Config;
pub use state::AppState;

use axum::Router;
use axum::routing::get;

/// All routes of all planes. Static first segments (`subscriptions`, `v1.0`, `keyless`…)
/// win over the `{root}` parameter that tenants and organizations share.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(serve::readyz))
        .merge(entra::routes())
        .merge(devops::routes())
        .merge(arm::routes())
        .merge(graph::routes())
        .merge(admin::routes())
        .route("/error", get(entra::error_page))
        .fallback(envelope::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::enforce_pat_scopes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            envelope::outage_in_plane_shape,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(1024 * 1024))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
