//! Project group membership (`/keyless/v1/organizations/{org}/projects/{project}/members`):
//! who is in Project Administrators, Contributors, Readers, Endpoint Creators and Endpoint
//! Administrators. Project Administrators (and Project Collection Administrators) change it.

use super::find_project;
use super::security::{groups_in, user_by};
use crate::data::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use keyless_core::envelope::{ApiError, parse_json};
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::devops::Project;
use keyless_model::devops::security::ProjectGroup;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MemberBody {
    user: String,
    group: String,
}

fn group_of(name: &str) -> Result<ProjectGroup, ApiError> {
    ProjectGroup::parse(name).ok_or_else(|| {
        let name = keyless_model::catalogue::sanitize(name);
        ApiError::detail("BadRequest", format!("The group '{name}' does not exist; use Project Administrators, Contributors, Readers, Build Administrators, Endpoint Creators or Endpoint Administrators."))
    })
}

async fn members_json(s: &AppState, project: &Project) -> Result<Value, ApiError> {
    let rows = s.db().list_project_members(project.id).await?;
    super::org_settings::people_json(s, rows, "group").await
}

/// Project administrators (and Project Collection Administrators) manage project groups.
async fn project_admin(
    s: &AppState,
    headers: &HeaderMap,
    root: &str,
    project: &str,
) -> Result<Project, ApiError> {
    let (caller, org) = super::managed_org(s, headers, root).await?;
    let project = find_project(s, &org, project).await?;
    if !super::org_people::is_collection_administrator(s, &caller, &org).await?
        && !groups_in(s, &caller, &org, project.id)
            .await?
            .contains(&ProjectGroup::ProjectAdministrators)
    {
        return Err(ApiError::detail(
            "Forbidden",
            format!(
                "Only Project Administrators of {} change its groups.",
                project.name
            ),
        ));
    }
    Ok(project)
}

/// `GET /keyless/v1/organizations/{org}/projects/{project}/members`.
pub async fn list_members(
    Req { s, headers }: Req,
    Path((root, project)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (caller, org) = super::managed_org(&s, &headers, &root).await?;
    let project = find_project(&s, &org, &project).await?;
    super::pipeline_security::require_project_member(&s, &caller, &org, &project).await?;
    Ok(Json(members_json(&s, &project).await?))
}

/// `POST …/members` `{"user","group"}`.
pub async fn add_member(
    Req { s, headers }: Req,
    Path((root, project)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let project = project_admin(&s, &headers, &root, &project).await?;
    let b: MemberBody = parse_json(&body)?;
    let group = group_of(&b.group)?;
    let user = user_by(&s, &b.user).await?;
    let rec = member_change(&s, "addProjectMember", &project, user);
    audited(&s, rec, async |tx| {
        tx.data()
            .add_project_member(project.id, user, group.as_str())
            .await
    })
    .await?;
    Ok((StatusCode::CREATED, Json(members_json(&s, &project).await?)))
}

/// `DELETE …/members?user=&group=`.
pub async fn remove_member(
    Req { s, headers }: Req,
    Path((root, project)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<StatusCode, ApiError> {
    let project = project_admin(&s, &headers, &root, &project).await?;
    let (Some(user), Some(group)) = (q.get("user"), q.get("group")) else {
        return Err(ApiError::detail(
            "BadRequest",
            "Pass the membership to remove as ?user=…&group=….",
        ));
    };
    let group = group_of(group)?;
    let user = user_by(&s, user).await?;
    let rec = member_change(&s, "removeProjectMember", &project, user);
    audited(&s, rec, async |tx| {
        tx.data()
            .remove_project_member(project.id, user, group.as_str())
            .await
            .map_err(|_| ApiError::detail("NotFound", "The user is not in that group."))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The entry of a change to `user`'s groups in `project`.
fn member_change(
    s: &AppState,
    operation: &str,
    project: &keyless_model::devops::Project,
    user: keyless_model::Uuid,
) -> keyless_model::audit::AuditEntry {
    let object = serde_json::json!({"project": project.id, "user": user});
    super::lifecycle::object_entry(s, None, operation, object)
}
