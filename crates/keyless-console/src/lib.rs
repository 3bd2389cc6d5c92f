//! The web console: server-rendered pages under [`PREFIX`], for people who click.
//!
//! The console holds no rule of its own: every read and every action is a request to
//! keyless' REST API, sent in process through the full router (`AppState::loopback`) with
//! the signed-in user's personal access token (`api.rs`), so the API's permission checks
//! decide and a refusal shows the catalogue's text from the API's error body.
//!
//! - `session.rs`: sign-in sessions (kept in the shared store), their cookie and CSRF tokens;
//! - `seal.rs`: the sealing of a session's tokens under a key derived from its id;
//! - `headers.rs`: the security headers of every console answer;
//! - `pages/`: one module per page; `templates/`: their askama templates (escaped);
//! - `assets.rs`: the style sheet and the one small script (copy buttons).
#![forbid(unsafe_code)]

mod api;
mod assets;
mod headers;
mod pages;
mod paths;
mod seal;
mod session;
mod view;

pub use session::{ABSOLUTE_LIFETIME, COOKIE, IDLE_LIFETIME, LOGIN_COOKIE, Sessions};

use axum::Router;
use axum::routing::{get, post};
use keyless_core::state::AppState;

/// Where the console lives. Organization and tenant names start with a letter or a digit,
/// so a first segment starting with `_` never collides with them.
pub const PREFIX: &str = "/_console";

/// The console's routes, `sessions` the handle over the shared store's sessions.
pub fn routes(sessions: Sessions) -> Router<AppState> {
    use pages::*;
    // One connection's pages.
    let one = |tail: &str| format!("/_console/orgs/{{org}}/{{project}}/connections/{{id}}{tail}");
    // One app registration's pages.
    let app = |tail: &str| format!("/_console/tenants/{{tenant}}/apps/{{id}}{tail}");
    // One user-assigned managed identity's pages.
    let identity = |tail: &str| {
        format!("/_console/subscriptions/{{sub}}/resourcegroups/{{rg}}/identities/{{name}}{tail}")
    };
    let not_found = get(view::not_found).post(view::not_found);
    Router::new()
        .route("/_console", get(signin::home))
        .route("/_console/", get(signin::home))
        .route("/_console/signin", get(signin::form).post(signin::submit))
        .route("/_console/signout", post(signin::signout))
        .route("/_console/orgs", get(browse::organizations))
        .route("/_console/orgs/{org}", get(browse::projects))
        .route("/_console/orgs/{org}/{project}", get(browse::connections))
        .route(&one(""), get(connection::details))
        .route(&one("/verify"), post(connection::verify))
        .route(&one("/doctor"), get(connection::doctor))
        .route(&one("/access"), get(connection_extras::page))
        .route(&one("/pipelines"), post(connection_actions::set_pipelines))
        .route(&one("/roles"), post(connection_actions::set_role))
        .route(&one("/shares"), post(connection_actions::set_share))
        .route(
            "/_console/orgs/{org}/{project}/new",
            get(new_connection::choose),
        )
        .route(
            "/_console/orgs/{org}/{project}/new/{kind}",
            get(new_connection::form).post(new_connection::submit),
        )
        .route("/_console/audit", get(audit::page))
        .route("/_console/explain", get(audit::explain))
        .route("/_console/keys", get(keys::page))
        .route("/_console/subscriptions", get(subscriptions::page))
        .route("/_console/subscriptions/{id}", get(subscription::page))
        .route(
            "/_console/subscriptions/{id}/assignments",
            post(subscription_forms::add_assignment),
        )
        .route(
            "/_console/subscriptions/{id}/assignments/remove",
            post(subscription_forms::remove_assignment),
        )
        .route(
            "/_console/subscriptions/{id}/groups",
            post(subscription_forms::add_group),
        )
        .route(
            "/_console/subscriptions/{id}/groups/delete",
            post(subscription_forms::delete_group),
        )
        .route(&identity(""), get(identity::page))
        .route(&identity("/credentials"), post(identity::add_credential))
        .route(
            &identity("/credentials/remove"),
            post(identity::remove_credential),
        )
        .route("/_console/tenants", get(tenants::list_page))
        .route("/_console/tenants/{tenant}", get(tenants::page))
        .route(
            "/_console/tenants/{tenant}/settings",
            post(tenant_settings::submit),
        )
        .route(
            "/_console/tenants/{tenant}/roles",
            post(tenant_directory::assign_role),
        )
        .route(
            "/_console/tenants/{tenant}/roles/remove",
            post(tenant_directory::remove_role),
        )
        .route(
            "/_console/tenants/{tenant}/guests",
            post(tenant_directory::invite_guest),
        )
        .route(
            "/_console/tenants/{tenant}/guests/remove",
            post(tenant_directory::remove_guest),
        )
        .route(&app(""), get(tenant_app::page))
        .route(&app("/credentials"), post(tenant_app::add_credential))
        .route(
            &app("/credentials/remove"),
            post(tenant_app::remove_credential),
        )
        .route(&app("/secrets"), post(tenant_app::add_secret))
        .route(&app("/secrets/remove"), post(tenant_app::remove_secret))
        .route("/_console/keys/rotate", post(keys::rotate))
        .route("/_console/static/console.css", get(assets::css))
        .route("/_console/static/copy.js", get(assets::script))
        .route("/_console/{*rest}", not_found)
        .layer(axum::Extension(sessions))
        .layer(axum::middleware::map_response(headers::secure))
}
