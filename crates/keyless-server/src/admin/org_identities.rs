//! Service principals and managed identities as users of an organization, with their
//! project groups (`keyless_model::devops::identities`). Azure DevOps adds them through its
//! user-entitlement pages; keyless through `…/organizations/{org}/identities/{principal}`.

use super::ops;
use crate::auth::caller;
use crate::devops::{find_org, find_project, may_manage};
use crate::envelope::{ApiError, parse_json};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use keyless_core::req::Req;
use keyless_model::Uuid;
use keyless_model::devops::Organization;
use keyless_model::devops::identities::{
    ACCESS_LEVELS, OrganizationIdentity, PROJECT_GROUPS, ProjectIdentity, access_level,
    project_group,
};
use keyless_model::directory::ServicePrincipal;
use keyless_store::StoreError;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

/// The principal by object id, or by client id in the organization's tenant.
async fn principal_of(
    s: &AppState,
    org: &Organization,
    key: &str,
) -> Result<ServicePrincipal, ApiError> {
    let Some(tenant) = org.tenant_id else {
        return Err(bad(format!(
            "The organization '{}' is not connected to a tenant, so it has no service principals to add. Create it with --tenant.",
            org.name
        )));
    };
    let not_found = || {
        ApiError::detail(
            "NotFound",
            format!(
                "No service principal or managed identity '{}' in the tenant of the organization '{}'. Give its object id or client id.",
                keyless_model::catalogue::sanitize(key),
                org.name
            ),
        )
    };
    let id = Uuid::parse_str(key).map_err(|_| not_found())?;
    let found = match s.shared_store().get_service_principal(id).await {
        Ok(sp) => Ok(sp),
        Err(StoreError::NotFound) => s.shared_store().find_service_principal(tenant, id).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(sp) if sp.tenant_id == tenant => Ok(sp),
        Ok(_) | Err(StoreError::NotFound) => Err(not_found()),
        Err(e) => Err(e.into()),
    }
}

/// The identity as this API shows it: who it is, its access level and project groups.
async fn render(
    s: &AppState,
    m: &OrganizationIdentity,
    sp: &ServicePrincipal,
) -> Result<Value, ApiError> {
    let mut projects = Map::new();
    for p in s.shared_store().list_projects_of_identity(sp.id).await? {
        let project = s.shared_store().get_project(p.project_id).await?;
        if project.organization_id == m.organization_id {
            projects.insert(project.name, json!(p.group));
        }
    }
    Ok(json!({
        "principalId": sp.id,
        "appId": sp.app_id,
        "displayName": sp.display_name,
        "servicePrincipalType": sp.service_principal_type,
        "accessLevel": m.access_level,
        "projects": projects,
    }))
}

pub async fn list(
    Req { s, headers }: Req,
    Path(org): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let c = caller(&s, &headers).await?;
    let org = find_org(&s, &org).await?;
    may_manage(&c, &org)?;
    let mut value = vec![];
    for m in s
        .shared_store()
        .list_organization_identities(org.id)
        .await?
    {
        let sp = s
            .shared_store()
            .get_service_principal(m.principal_id)
            .await?;
        value.push(render(&s, &m, &sp).await?);
    }
    Ok(Json(json!({"count": value.len(), "value": value})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentityBody {
    /// `Basic` (default) or `Stakeholder`.
    access_level: Option<String>,
    /// Project name → group; replaces the identity's groups in this organization.
    #[serde(default)]
    projects: BTreeMap<String, String>,
}

/// Adds the identity (or changes it). Everything is checked before anything is written.
pub async fn put(
    Req { s, headers }: Req,
    Path((org, principal)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // Adding users to an organization and placing them in project groups is for Project
    // Collection Administrators: keyless administrators.
    let c = caller(&s, &headers).await?;
    c.require_admin()?;
    let org = find_org(&s, &org).await?;
    let b: IdentityBody = parse_json(&body)?;
    let level = match b.access_level.as_deref() {
        None => "Basic",
        Some(l) => access_level(l).ok_or_else(|| {
            bad(format!(
                "accessLevel must be one of {}.",
                ACCESS_LEVELS.join(", ")
            ))
        })?,
    };
    let sp = principal_of(&s, &org, &principal).await?;
    let mut wanted = vec![];
    for (name, group) in &b.projects {
        let project = find_project(&s, &org, name).await?;
        let group = project_group(group).ok_or_else(|| {
            bad(format!(
                "The group of project '{}' must be one of {}.",
                project.name,
                PROJECT_GROUPS.join(", ")
            ))
        })?;
        wanted.push(ProjectIdentity {
            project_id: project.id,
            principal_id: sp.id,
            group: group.to_string(),
        });
    }
    let existed = s
        .shared_store()
        .get_organization_identity(org.id, sp.id)
        .await
        .is_ok();
    let m = OrganizationIdentity {
        organization_id: org.id,
        principal_id: sp.id,
        access_level: level.to_string(),
        created_at: s.now(),
    };
    // The identity and its project groups in one unit of work, with the entry.
    let uow = s.shared_store().begin().await?;
    uow.put_organization_identity(&m).await?;
    for p in uow.list_projects_of_identity(sp.id).await? {
        let in_org = uow.get_project(p.project_id).await?.organization_id == org.id;
        if in_org && !wanted.iter().any(|w| w.project_id == p.project_id) {
            uow.delete_project_identity(p.project_id, sp.id).await?;
        }
    }
    for w in &wanted {
        uow.put_project_identity(w).await?;
    }
    let rec = identity_change(&s, &c, "putOrganizationIdentity", &org, sp.id);
    ops::commit_audited(uow, rec).await?;
    let m = s
        .shared_store()
        .get_organization_identity(org.id, sp.id)
        .await?;
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(render(&s, &m, &sp).await?)))
}

pub async fn delete(
    Req { s, headers }: Req,
    Path((org, principal)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let c = caller(&s, &headers).await?;
    c.require_admin()?;
    let org = find_org(&s, &org).await?;
    let sp = principal_of(&s, &org, &principal).await?;
    let uow = s.shared_store().begin().await?;
    match uow.delete_organization_identity(org.id, sp.id).await {
        Ok(()) => {
            let rec = identity_change(&s, &c, "deleteOrganizationIdentity", &org, sp.id);
            ops::commit_audited(uow, rec).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        Err(StoreError::NotFound) => Err(ApiError::detail(
            "NotFound",
            format!(
                "'{}' is not a user of the organization '{}'.",
                sp.display_name, org.name
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The entry of a change to the organization's identity `principal`, by `c`.
fn identity_change(
    s: &AppState,
    c: &crate::auth::Caller,
    operation: &str,
    org: &Organization,
    principal: Uuid,
) -> keyless_model::audit::AuditEntry {
    let object = json!({"organization": org.id, "principal": principal});
    ops::change_by(s, org.tenant_id, Some(c.user.id), operation, object)
}
