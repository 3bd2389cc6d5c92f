//! The composition root of keyless: every plane's routes on one origin, at the root paths
//! real clients use, plus what has no public counterpart.
//!
//! - The planes are crates of their own, re-exported here under their short names:
//!   `entra` (discovery, JWKS, the token endpoint), `devops` (service connections, the
//!   pipeline OIDC issuer, jobs), `arm` (subscriptions, resources, RBAC), `graph`
//!   (applications, service principals, credentials); what they share is `keyless-core`.
//! - `admin/`: keyless' own API for what has no public counterpart (tenants, users, PATs…).
//! - `world/`: declarative world files (`keyless apply`) and the demo world.
//! - `serve.rs`: startup, TLS, shutdown; `config.rs`: flags, environment and file.
#![forbid(unsafe_code)]

pub mod admin;
pub mod config;
pub mod conn;
pub mod edge;
pub mod serve;
pub mod world;

pub use keyless_arm as arm;
pub use keyless_core::{access, audit, auth, bearer, cache, clock, envelope, keyring, state};
pub use keyless_devops as devops;
pub use keyless_entra as entra;
pub use keyless_graph as graph;

pub use config::Config;
pub use state::AppState;

use axum::Router;
use axum::routing::get;

/// All routes of all planes. Static first segments (`subscriptions`, `v1.0`, `keyless`…)
/// win over the `{root}` parameter that tenants and organizations share.
pub fn router(state: AppState) -> Router {
    // Verify runs the chain in process through these same routes.
    state.loopback.install(router);
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
        .layer(axum::extract::DefaultBodyLimit::max(edge::MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            edge::edge,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
