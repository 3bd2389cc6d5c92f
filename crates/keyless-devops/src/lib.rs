//! The DevOps plane: service connections (`serviceendpoint` REST shapes), the pipeline
//! job's OIDC token endpoint, the organization's projects (`_apis/projects`, also for service
//! principals with an Entra token: `caller.rs`), and lookups of organizations and projects.

mod access;
pub mod agents;
pub mod caller;
mod convert;
mod create_automatic;
mod data;
mod doctor;
mod doctor_all;
mod draft;
mod endpoint_lists;
mod endpoints;
pub mod entra_gate;
mod job_endpoints;
mod job_events;
mod legacy;
mod lifecycle;
mod locations;
mod manual;
mod members;
mod oidc;
mod org_people;
mod org_rename;
mod org_settings;
mod pipeline_permissions;
mod pipeline_runs;
pub mod pipeline_security;
pub mod preflight;
mod project_rename;
mod projects;
mod removals;
pub mod render;
mod run_shapes;
pub mod runs;
mod schemes;
pub mod secrets;
pub mod security;
mod subscriptions;
mod verify;

use crate::data::*;
use axum::Router;
use axum::routing::{delete, get, post};
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::devops::{Organization, Project};
use keyless_store::{StoreError, StoreResult};

pub use endpoints::{managed_org, may_manage};
pub use keyless_core::faults::Faults;
pub use oidc::{IdToken, mint_id_token};
pub use pipeline_runs::run_of;
pub use render::endpoint_json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{root}/_apis/serviceendpoint/endpoints",
            post(endpoints::create).get(endpoint_lists::list_org),
        )
        .route(
            "/{root}/_apis/serviceendpoint/endpoints/{id}",
            get(endpoints::get_org)
                .put(endpoints::update)
                .patch(security::share)
                .delete(endpoints::delete),
        )
        .route(
            "/{root}/{project}/_apis/serviceendpoint/endpoints",
            get(endpoint_lists::list_project).post(endpoints::create_in_project),
        )
        .route(
            "/{root}/{project}/_apis/serviceendpoint/endpoints/{id}",
            get(endpoints::get_project),
        )
        .route("/{root}/_apis/serviceendpoint/types", get(endpoints::types))
        .route(
            "/{root}/_apis",
            axum::routing::options(locations::options),
        )
        .route("/{root}/_apis/ResourceAreas", get(locations::resource_areas))
        .route(
            "/{root}/_apis/ResourceAreas/{area}",
            get(locations::resource_area),
        )
        .route("/{root}/_apis/projects", get(projects::list))
        .route("/{root}/_apis/distributedtask/pools", get(agents::list_pools))
        .route(
            "/{root}/_apis/distributedtask/pools/{pool}",
            get(agents::get_pool),
        )
        .route(
            "/{root}/_apis/distributedtask/pools/{pool}/agents",
            get(agents::list_agents),
        )
        .route(
            "/{root}/_apis/distributedtask/pools/{pool}/agents/{agent}",
            get(agents::get_agent),
        )
        .route(
            "/keyless/v1/organizations/{org}/pools",
            get(agents::list_pools).post(agents::create_pool),
        )
        .route(
            "/keyless/v1/organizations/{org}/pools/{pool}",
            delete(agents::delete_pool),
        )
        .route(
            "/keyless/v1/organizations/{org}/pools/{pool}/agents",
            get(agents::list_agents).post(agents::register_agent),
        )
        .route(
            "/keyless/v1/organizations/{org}/pools/{pool}/agents/{agent}",
            delete(agents::delete_agent),
        )
        .route("/{root}/_apis/projects/{project}", get(projects::get))
        .route(
            "/{root}/_apis/serviceendpoint/endpointproxy",
            post(verify::endpoint_proxy),
        )
        .route(
            "/{root}/{project}/_apis/pipelines/pipelinePermissions/endpoint/{id}",
            get(pipeline_permissions::get).patch(pipeline_permissions::patch),
        )
        .route(
            "/{root}/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/{resource}",
            get(security::list_roles)
                .put(security::set_roles)
                .patch(security::remove_roles),
        )
        .route(
            "/keyless/v1/organizations/{org}/azure-subscriptions",
            get(subscriptions::list),
        )
        .route(
            "/keyless/v1/organizations/{org}",
            axum::routing::patch(org_rename::rename).delete(removals::delete_organization),
        )
        .route(
            "/keyless/v1/organizations/{org}/projects/{project}",
            axum::routing::patch(project_rename::rename).delete(removals::delete_project),
        )
        .route(
            "/keyless/v1/organizations/{org}/settings",
            get(org_settings::get_settings).patch(org_settings::patch_settings),
        )
        .route(
            "/keyless/v1/organizations/{org}/members",
            get(org_settings::list_members)
                .post(org_settings::add_member)
                .delete(org_settings::remove_member),
        )
        .route(
            "/keyless/v1/organizations/{org}/users",
            get(org_settings::list_users),
        )
        .route(
            "/keyless/v1/organizations/{org}/users/{user}",
            axum::routing::put(org_settings::put_user),
        )
        .route(
            "/keyless/v1/organizations/{org}/projects/{project}/members",
            get(members::list_members)
                .post(members::add_member)
                .delete(members::remove_member),
        )
        .route(
            "/keyless/v1/organizations/{org}/projects/{project}/connections/{connection}/doctor",
            get(doctor::doctor),
        )
        .route(
            "/keyless/v1/organizations/{org}/doctor",
            get(doctor_all::doctor_all),
        )
        .route(
            "/{root}/{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/jobs/{job}/oidctoken",
            post(oidc::oidc_token),
        )
        .route(
            "/{root}/{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/jobs/{job}/endpoints",
            get(job_endpoints::endpoints),
        )
        .route(
            "/{root}/{project}/_apis/pipelines/{pipeline}/runs",
            post(pipeline_runs::queue).get(pipeline_runs::list),
        )
        .route(
            "/{root}/{project}/_apis/pipelines/{pipeline}/runs/{run}",
            get(pipeline_runs::get),
        )
        .route(
            "/{root}/{project}/_apis/build/builds",
            get(pipeline_runs::list_builds),
        )
        .route(
            "/{root}/{project}/_apis/build/builds/{id}",
            get(pipeline_runs::get_build).patch(pipeline_runs::update_build),
        )
        .route(
            "/{root}/{project}/_apis/build/builds/{id}/timeline",
            get(pipeline_runs::timeline),
        )
        .route(
            "/{root}/{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/events",
            post(job_events::plan_event),
        )
        .route(
            "/keyless/v1/organizations/{org}/projects/{project}/pipelines/{pipeline}/security",
            get(pipeline_security::list)
                .put(pipeline_security::put)
                .delete(pipeline_security::delete),
        )
}

/// An organization by name (case-insensitive) or id.
pub async fn find_org(state: &AppState, name_or_id: &str) -> Result<Organization, ApiError> {
    let found = match Uuid::parse_str(name_or_id) {
        Ok(id) => state.db().get_organization(id).await,
        Err(_) => state.db().find_organization(name_or_id).await,
    };
    org_found(name_or_id, found)
}

/// [`find_org`] through the grant cache: for the job's ID-token request only, where a
/// change may take up to a second to show (see `cache.rs`), never for reads after writes.
pub async fn find_org_cached(state: &AppState, name_or_id: &str) -> Result<Organization, ApiError> {
    org_found(name_or_id, state.cache.organization_named(name_or_id).await)
}

fn org_found(name_or_id: &str, found: StoreResult<Organization>) -> Result<Organization, ApiError> {
    found.map_err(|e| match e {
        StoreError::NotFound => ApiError::detail(
            "NotFound",
            format!(
                "The organization '{}' does not exist.",
                keyless_model::catalogue::sanitize(name_or_id)
            ),
        ),
        e => e.into(),
    })
}

/// A project of `org` by name (case-insensitive) or id.
pub async fn find_project(
    state: &AppState,
    org: &Organization,
    name_or_id: &str,
) -> Result<Project, ApiError> {
    let found = match Uuid::parse_str(name_or_id) {
        Ok(id) => state.db().get_project(id).await.and_then(|p| {
            if p.organization_id == org.id {
                Ok(p)
            } else {
                Err(StoreError::NotFound)
            }
        }),
        Err(_) => state.db().find_project(org.id, name_or_id).await,
    };
    project_found(name_or_id, found)
}

/// [`find_project`] through the grant cache (the ID-token request only, as [`find_org_cached`]).
pub async fn find_project_cached(
    state: &AppState,
    org: &Organization,
    name_or_id: &str,
) -> Result<Project, ApiError> {
    project_found(name_or_id, state.cache.project(org.id, name_or_id).await)
}

fn project_found(name_or_id: &str, found: StoreResult<Project>) -> Result<Project, ApiError> {
    found.map_err(|e| match e {
        StoreError::NotFound => ApiError::detail(
            "NotFound",
            format!(
                "The project with id 'vstfs:///Classification/TeamProject/{}' does not exist, or you do not have permission to access it.",
                keyless_model::catalogue::sanitize(name_or_id)
            ),
        ),
        e => e.into(),
    })
}
