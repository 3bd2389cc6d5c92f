//! `DELETE /keyless/v1/organizations/{org}` (Project Collection Administrators) and
//! `DELETE /keyless/v1/organizations/{org}/projects/{project}` (its Project Administrators
//! too), as Azure DevOps deletes an organization or a project: everything inside goes in one
//! transaction of the store (`keyless-store/src/impls/cascade.rs` lists it), with the
//! change's audit entry; while a run is in progress the delete is refused with 409 and
//! nothing changes. The directory (users, applications keyless made for automatic
//! connections, their role assignments) is not the organization's and stays.

use super::find_project;
use super::security::groups_in;
use crate::data::*;
use axum::extract::Path;
use axum::http::StatusCode;
use keyless_core::auth::Caller;
use keyless_core::auth::caller;
use keyless_core::envelope::ApiError;
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::devops::security::ProjectGroup;
use keyless_model::devops::{Organization, Project};
use serde_json::json;

/// Passes Project Collection Administrators of `org` (its owner, its group's members,
/// keyless administrators); 403 naming `what` for everyone else.
pub(super) async fn require_collection_administrator(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
    what: &str,
) -> Result<(), ApiError> {
    if super::org_people::is_collection_administrator(s, caller, org).await? {
        return Ok(());
    }
    Err(ApiError::detail(
        "Forbidden",
        format!(
            "Only Project Collection Administrators {what} the organization {}.",
            org.name
        ),
    ))
}

/// Passes Project Collection Administrators of `org` and Project Administrators of
/// `project`; 403 naming `what` for everyone else.
pub(super) async fn require_project_administrator(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
    project: &Project,
    what: &str,
) -> Result<(), ApiError> {
    if super::org_people::is_collection_administrator(s, caller, org).await?
        || groups_in(s, caller, org, project.id)
            .await?
            .contains(&ProjectGroup::ProjectAdministrators)
    {
        return Ok(());
    }
    Err(ApiError::detail(
        "Forbidden",
        format!("Only Project Administrators of {} {what} it.", project.name),
    ))
}

pub async fn delete_organization(
    Req { s, headers }: Req,
    Path(root): Path<String>,
) -> Result<StatusCode, ApiError> {
    let caller = caller(&s, &headers).await?;
    let org = super::find_org(&s, &root).await?;
    require_collection_administrator(&s, &caller, &org, "delete").await?;
    deleted(&s, &caller, Doomed::Organization(&org)).await
}

/// What a delete removes, with everything under it.
enum Doomed<'a> {
    Organization(&'a Organization),
    Project(&'a Project),
}

/// Deletes `doomed` in one unit of work with its audit entry (the operation, the object's
/// id and name).
async fn deleted(
    s: &AppState,
    caller: &Caller,
    doomed: Doomed<'_>,
) -> Result<StatusCode, ApiError> {
    let (operation, kind, id, name) = match doomed {
        Doomed::Organization(o) => ("deleteOrganization", "organization", o.id, &o.name),
        Doomed::Project(p) => ("deleteProject", "project", p.id, &p.name),
    };
    let tx = s.begin().await?;
    match doomed {
        Doomed::Organization(o) => tx.data().delete_organization(o.id).await?,
        Doomed::Project(p) => tx.data().delete_project(p.id).await?,
    }
    let object = json!({kind: id, "name": name});
    let rec = super::lifecycle::object_entry(s, Some(caller), operation, object);
    tx.commit_audited(&[rec]).await?;
    tracing::info!(%id, name, "{kind} deleted");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_project(
    Req { s, headers }: Req,
    Path((root, project)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (caller, org) = super::managed_org(&s, &headers, &root).await?;
    let project = find_project(&s, &org, &project).await?;
    require_project_administrator(&s, &caller, &org, &project, "delete").await?;
    deleted(&s, &caller, Doomed::Project(&project)).await
}
