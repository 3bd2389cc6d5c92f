//! Service connection security: the caller's role on a connection or in a project (from
//! project groups and per-connection roles, `keyless_model::devops::security`), the
//! `securityroles` REST shapes for per-connection roles, project group membership, and
//! sharing a connection with other projects.

use super::access::CallerAccess;
use super::find_project;
use super::lifecycle::change_connection;
use crate::data::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use keyless_core::auth::Caller;
use keyless_core::envelope::{ApiError, DevopsError, parse_json};
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::devops::organization::AccessLevel;
use keyless_model::devops::security::{EndpointAction, EndpointRole, ProjectGroup};
use keyless_model::devops::{Organization, Project, ServiceConnection};
use serde::Deserialize;
use serde_json::{Value, json};

/// The caller's groups in a project. A user has a place in a project only through them
/// (as in Azure DevOps: an organization user in no group of a project has no right there).
pub async fn groups_in(
    s: &AppState,
    caller: &Caller,
    _org: &Organization,
    project: Uuid,
) -> Result<Vec<ProjectGroup>, ApiError> {
    Ok(s.db()
        .list_project_groups(project, caller.user.id)
        .await?
        .iter()
        .filter_map(|g| ProjectGroup::parse(g))
        .collect())
}

/// The caller's role on service connections of a project (project-wide), or on one
/// connection: [`CallerAccess::role`] on what it needs, read for this one question.
pub async fn role_of(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
    project: Uuid,
    conn: Option<&ServiceConnection>,
) -> Result<Option<EndpointRole>, ApiError> {
    Ok(CallerAccess::for_one(s, caller, org, project, conn)
        .await?
        .role(project, conn))
}

/// Refuses unless the caller's role permits `action`. Creating needs Creator in the
/// project (`StakeholderCannotCreate` for a Stakeholder, else `MissingCreatorRole`); the
/// rest name the role they need.
pub async fn require(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
    project: &Project,
    conn: Option<&ServiceConnection>,
    action: EndpointAction,
) -> Result<(), ApiError> {
    let role = role_of(s, caller, org, project.id, conn).await?;
    if role.is_some_and(|r| r.allows(action)) {
        return Ok(());
    }
    if action == EndpointAction::Create
        && super::org_people::access_level(s, caller, org).await? == AccessLevel::Stakeholder
    {
        return Err(ApiError::new(
            "StakeholderCannotCreate",
            &[
                ("user", &caller.user.user_principal_name),
                ("org", &org.name),
                ("project", &project.name),
            ],
        ));
    }
    if action == EndpointAction::Create {
        return Err(ApiError::new(
            "MissingCreatorRole",
            &[("project", &project.name)],
        ));
    }
    let needed = match action {
        EndpointAction::View => "Reader",
        EndpointAction::Use => "User",
        EndpointAction::Create => "Creator",
        EndpointAction::Manage => "Administrator",
    };
    Err(ApiError::detail(
        "Forbidden",
        format!(
            "{} needs the {needed} role on the service connection '{}' (has {}). Ask an administrator of the connection or a member of Endpoint Administrators of the project {}.",
            caller.user.user_principal_name,
            conn.map(|c| c.name.as_str()).unwrap_or("(new)"),
            role.map(EndpointRole::as_str).unwrap_or("none"),
            project.name
        ),
    ))
}

/// Every project that sees the connection: its own, then those it is shared with.
pub async fn projects_of(s: &AppState, c: &ServiceConnection) -> Result<Vec<Project>, ApiError> {
    let mut out = vec![s.db().get_project(c.project_id).await?];
    for p in s.db().list_connection_shares(c.id).await? {
        out.push(s.db().get_project(p).await?);
    }
    Ok(out)
}

/// No connection named or numbered `key` in `project`, as error `code`.
pub fn connection_not_in_project(code: &str, key: &str, project: &Project) -> ApiError {
    let key = keyless_model::catalogue::sanitize(key);
    let project = &project.name;
    ApiError::detail(
        code,
        format!("Service connection '{key}' does not exist in the project {project}."),
    )
}

/// Azure DevOps' answer for a connection that does not exist or is hidden from the caller.
fn connection_missing(id: &str) -> ApiError {
    let id = keyless_model::catalogue::sanitize(id);
    ApiError::not_found(format!(
        "Service connection with id '{id}' does not exist or you do not have permission to access it."
    ))
}

/// The connection with this id; an id that is not a GUID or names nothing is "missing", a
/// database outage stays an outage.
async fn connection_with_id(s: &AppState, id: &str) -> Result<ServiceConnection, ApiError> {
    let uid = Uuid::parse_str(id).map_err(|_| connection_missing(id))?;
    match s.db().get_connection(uid).await {
        Ok(c) => Ok(c),
        Err(keyless_store::StoreError::NotFound) => Err(connection_missing(id)),
        Err(e) => Err(e.into()),
    }
}

/// A connection of the organization by id, as seen from `project` (its own or shared).
async fn connection_in(
    s: &AppState,
    org: &Organization,
    project: &Project,
    id: &str,
) -> Result<ServiceConnection, ApiError> {
    let c = connection_with_id(s, id).await?;
    let visible = c.organization_id == org.id
        && (c.project_id == project.id
            || s.db()
                .list_connection_shares(c.id)
                .await?
                .contains(&project.id));
    if visible {
        Ok(c)
    } else {
        Err(connection_missing(id))
    }
}

/// `_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/{project}_{endpoint}`.
fn split_resource(resource: &str) -> Option<(&str, &str)> {
    resource.split_once('_')
}

/// The connection named by `resource` (`{projectId}_{serviceEndpointId}`) of the
/// organization `root`, once the caller is found allowed `action` on it.
async fn role_context(
    s: &AppState,
    headers: &HeaderMap,
    root: &str,
    resource: &str,
    action: EndpointAction,
) -> Result<(Caller, ServiceConnection), ApiError> {
    let (caller, org) = super::managed_org(s, headers, root).await?;
    let (project, endpoint) = split_resource(resource).ok_or_else(|| {
        ApiError::detail(
            "BadRequest",
            "The resource must be '{projectId}_{serviceEndpointId}'.",
        )
    })?;
    let project = find_project(s, &org, project).await?;
    let conn = connection_in(s, &org, &project, endpoint).await?;
    require(s, &caller, &org, &project, Some(&conn), action).await?;
    Ok((caller, conn))
}

async fn roles_json(s: &AppState, c: &ServiceConnection) -> Result<Value, ApiError> {
    let mut value = Vec::new();
    for (user, role) in s.db().list_connection_roles(c.id).await? {
        let u = s.db().get_user(user).await?;
        value.push(json!({
            "identity": {"id": u.id.to_string(), "displayName": u.display_name, "uniqueName": u.user_principal_name},
            "role": {"name": role, "displayName": role, "scope": "distributedtask.serviceendpointrole"},
            "access": "assigned",
            "accessDisplayName": "Assigned",
        }));
    }
    Ok(json!({"count": value.len(), "value": value}))
}

pub async fn list_roles(
    Req { s, headers }: Req,
    Path((root, resource)): Path<(String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let (_, conn) = role_context(&s, &headers, &root, &resource, EndpointAction::View).await?;
    Ok(Json(roles_json(&s, &conn).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleBody {
    role_name: String,
    user_id: String,
}

/// Adds or replaces roles: `[{"roleName":"User","userId":"<id or UPN>"}]`.
pub async fn set_roles(
    Req { s, headers }: Req,
    Path((root, resource)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, DevopsError> {
    let (caller, conn) =
        role_context(&s, &headers, &root, &resource, EndpointAction::Manage).await?;
    let body: Vec<RoleBody> = parse_json(&body)?;
    let mut resolved = Vec::new();
    for b in &body {
        let role = EndpointRole::parse(&b.role_name).ok_or_else(|| {
            ApiError::detail(
                "BadRequest",
                format!(
                    "The role '{}' does not exist; use Reader, User, Creator or Administrator.",
                    keyless_model::catalogue::sanitize(&b.role_name)
                ),
            )
        })?;
        resolved.push((user_by(&s, &b.user_id).await?, role));
    }
    change_connection(&s, Some(&caller), "rolesSet", &conn, async |tx| {
        for (u, role) in resolved {
            tx.data()
                .set_connection_role(conn.id, u, role.as_str())
                .await?;
        }
        Ok(())
    })
    .await?;
    Ok(Json(roles_json(&s, &conn).await?))
}

/// Removes roles: a JSON list of user ids.
pub async fn remove_roles(
    Req { s, headers }: Req,
    Path((root, resource)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, DevopsError> {
    let (caller, conn) =
        role_context(&s, &headers, &root, &resource, EndpointAction::Manage).await?;
    let users: Vec<String> = parse_json(&body)?;
    let mut resolved = Vec::new();
    for u in users {
        resolved.push((user_by(&s, &u).await?, u));
    }
    change_connection(&s, Some(&caller), "rolesRemoved", &conn, async |tx| {
        for (id, u) in resolved {
            tx.data()
                .remove_connection_role(conn.id, id)
                .await
                .map_err(|_| {
                    ApiError::detail(
                        "NotFound",
                        format!(
                            "The user '{}' has no role on this connection.",
                            keyless_model::catalogue::sanitize(&u)
                        ),
                    )
                })?;
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn user_by(s: &AppState, key: &str) -> Result<Uuid, ApiError> {
    let found = match Uuid::parse_str(key) {
        Ok(id) => s.db().get_user(id).await,
        Err(_) => s.db().find_user_by_upn(key).await,
    };
    found.map(|u| u.id).map_err(|_| {
        ApiError::detail(
            "BadRequest",
            format!(
                "The user '{}' does not exist.",
                keyless_model::catalogue::sanitize(key)
            ),
        )
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShareRef {
    project_reference: ShareProject,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShareProject {
    id: Option<String>,
    name: Option<String>,
}

/// `PATCH /{org}/_apis/serviceendpoint/endpoints/{id}` with a list of
/// `serviceEndpointProjectReferences`: shares the connection with those projects.
pub async fn share(
    Req { s, headers }: Req,
    Path((root, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, DevopsError> {
    let (caller, org) = super::managed_org(&s, &headers, &root).await?;
    let own = connection_by_id(&s, &org, &id).await?;
    let home = s.db().get_project(own.project_id).await?;
    require(&s, &caller, &org, &home, Some(&own), EndpointAction::Manage).await?;
    let refs: Vec<ShareRef> = parse_json(&body)?;
    let mut targets = Vec::new();
    for r in refs {
        let key = r
            .project_reference
            .id
            .or(r.project_reference.name)
            .ok_or_else(|| {
                ApiError::detail("BadRequest", "projectReference needs an id or a name.")
            })?;
        targets.push(find_project(&s, &org, &key).await?);
    }
    change_connection(&s, Some(&caller), "shared", &own, async |tx| {
        for p in targets {
            if p.id != own.project_id {
                tx.data().share_connection(own.id, p.id).await?;
            }
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A connection of the organization by id (any project).
pub async fn connection_by_id(
    s: &AppState,
    org: &Organization,
    id: &str,
) -> Result<ServiceConnection, ApiError> {
    let c = connection_with_id(s, id).await?;
    if c.organization_id != org.id {
        return Err(connection_missing(id));
    }
    Ok(c)
}
