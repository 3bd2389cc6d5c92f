//! The composition root of keyless: every plane's routes on one origin, at the root paths
//! real clients use, plus what has no public counterpart.
//!
//! - The planes are crates of their own, re-exported here under their short names:
//!   `entra` (discovery, JWKS, the token endpoint), `devops` (service connections, the
//!   pipeline OIDC issuer, jobs), `arm` (subscriptions, resources, RBAC), `graph`
//!   (applications, service principals, credentials); what they share is `keyless-core`.
//! - `admin/`: keyless' own API for what has no public counterpart (tenants, users, PATs…).
//! - `world/`: declarative world files (`keyless apply`) and the demo world.
//! - the web console (`keyless-console`), under `/_console/`: pages over the API above.
//! - `serve.rs`: startup, TLS, shutdown; `config.rs`: flags, environment and file.
#![forbid(unsafe_code)]

pub mod admin;
pub mod config;
pub mod conn;
pub mod edge;
pub mod serve;
mod wire_errors;
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
        .merge(keyless_console::routes(keyless_console::Sessions::new(
            state.shared_store().clone(),
        )))
        .route("/error", get(entra::error_page))
        .fallback(envelope::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            devops::entra_gate::gate,
        ))
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
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |req: &axum::http::Request<axum::body::Body>| {
                    tracing::debug_span!(
                        "request",
                        method = %req.method(),
                        path = %log_path(req.uri().path()),
                    )
                },
            ),
        )
        .with_state(state)
}

/// A request's path as logs show it: the query left out (it may carry a credential), and
/// the agent secret of a managed identity endpoint (`/_agents/{secret}/…`) masked.
pub fn log_path(path: &str) -> String {
    match path.strip_prefix("/_agents/") {
        Some(rest) => {
            let (first, tail) = rest.split_once('/').unwrap_or((rest, ""));
            let first = if first == "identity" { first } else { "***" };
            let tail = if tail.is_empty() {
                String::new()
            } else {
                format!("/{tail}")
            };
            format!("/_agents/{first}{tail}")
        }
        None => path.to_string(),
    }
}
