//! keyless' own API (`/keyless/v1/…`) for what has no public counterpart: tenants, users,
//! personal access tokens (and a user's ARM access token), organizations, projects,
//! subscriptions, pipelines, jobs, and applying world files. Every call is authenticated by
//! a PAT and acts as its user.

mod audit;
mod connection_jobs;
pub mod directory;
mod handlers;
mod jobs;
mod keys;
mod me_token;
pub mod ops;
mod org_identities;
mod removals;
mod run_jobs;
pub mod status;

use crate::state::AppState;
use axum::Router;
use axum::routing::{delete, get, patch, post, put};

pub fn routes() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route("/keyless/v1/me", get(h::me))
        .route("/keyless/v1/me/token", post(me_token::issue))
        .route("/keyless/v1/status", get(status::status))
        .route(
            "/keyless/v1/tenants",
            get(h::list_tenants).post(h::create_tenant),
        )
        .route(
            "/keyless/v1/tenants/{tenant}",
            get(h::get_tenant)
                .patch(removals::update_tenant)
                .delete(removals::delete_tenant),
        )
        .route(
            "/keyless/v1/tenants/{tenant}/settings",
            patch(h::update_settings),
        )
        .route(
            "/keyless/v1/tenants/{tenant}/users",
            get(h::list_users).post(h::create_user),
        )
        .route(
            "/keyless/v1/tenants/{tenant}/users/{user}",
            patch(removals::update_user).delete(removals::delete_user),
        )
        .route(
            "/keyless/v1/tenants/{tenant}/roles",
            get(directory::list_roles)
                .post(directory::add_role)
                .delete(directory::remove_role),
        )
        .route(
            "/keyless/v1/tenants/{tenant}/guests",
            get(directory::list_guests).post(directory::add_guest),
        )
        .route(
            "/keyless/v1/tenants/{tenant}/guests/{user}",
            delete(directory::remove_guest),
        )
        .route("/keyless/v1/pats", get(h::list_pats).post(h::create_pat))
        .route("/keyless/v1/pats/{id}", delete(h::revoke_pat))
        .route(
            "/keyless/v1/organizations",
            get(h::list_orgs).post(h::create_org),
        )
        .route(
            "/keyless/v1/organizations/{org}/projects",
            get(h::list_projects).post(h::create_project),
        )
        .route(
            "/keyless/v1/organizations/{org}/identities",
            get(org_identities::list),
        )
        .route(
            "/keyless/v1/organizations/{org}/identities/{principal}",
            put(org_identities::put).delete(org_identities::delete),
        )
        .route(
            "/keyless/v1/subscriptions",
            get(h::list_subscriptions).post(h::create_subscription),
        )
        .route(
            "/keyless/v1/subscriptions/{id}",
            delete(h::delete_subscription).patch(removals::rename_subscription),
        )
        .route(
            "/keyless/v1/organizations/{org}/projects/{project}/pipelines",
            get(jobs::list_pipelines).post(jobs::create_pipeline),
        )
        .route(
            "/keyless/v1/organizations/{org}/projects/{project}/pipelines/{pipeline}",
            put(jobs::update_pipeline).delete(jobs::delete_pipeline),
        )
        .route(
            "/keyless/v1/organizations/{org}/projects/{project}/pipelines/{pipeline}/jobs",
            post(jobs::start_job),
        )
        .route(
            "/keyless/v1/organizations/{org}/projects/{project}/connections/{connection}/jobs",
            post(connection_jobs::start),
        )
        .route(
            "/keyless/v1/organizations/{org}/projects/{project}/runs/{run}/jobs",
            post(run_jobs::start),
        )
        .route("/keyless/v1/apply", post(crate::world::apply_handler))
        .route("/keyless/v1/audit", get(audit::query))
        .route("/keyless/v1/keys", get(keys::list))
        .route("/keyless/v1/keys/rotate", post(keys::rotate))
}
