//! Role assignments at subscription and resource-group scope: put, get, list ($filter
//! `principalId eq`, `atScope()`, `assignedTo()`), delete.

use super::subscriptions::load as load_subscription;
use super::{ArmCaller, QueryMap, json, permit, query};
use crate::data::*;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::{ApiError, parse_json};
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::arm::RoleAssignment;
use keyless_model::directory_roles::PrincipalType;
use keyless_model::rbac::{canonical_scope, scope_covers};
use keyless_store::{StoreError, conflict};
use serde::Deserialize;
use serde_json::{Value, json as j};

const READ: &str = "Microsoft.Authorization/roleAssignments/read";
const WRITE: &str = "Microsoft.Authorization/roleAssignments/write";
const DELETE: &str = "Microsoft.Authorization/roleAssignments/delete";

/// A scope role assignments may name (management group, subscription, resource group or
/// resource), checked to exist. Returns the tenant it belongs to and its display form.
pub(super) async fn resolve_scope(s: &AppState, scope: &str) -> Result<(Uuid, String), ApiError> {
    let segs: Vec<&str> = scope.trim_matches('/').split('/').collect();
    let lower: Vec<String> = segs.iter().map(|x| x.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    match l.as_slice() {
        ["subscriptions", _] => {
            let sub = load_subscription(s, segs[1]).await?;
            Ok((sub.tenant_id, format!("/subscriptions/{}", sub.id)))
        }
        ["subscriptions", _, "resourcegroups", _] => {
            let sub = load_subscription(s, segs[1]).await?;
            let rg = s
                .db()
                .get_resource_group(sub.id, segs[3])
                .await
                .map_err(|e| {
                    super::missing_or(e, || {
                        ApiError::new("ResourceGroupNotFound", &[("name", segs[3])])
                    })
                })?;
            Ok((sub.tenant_id, rg.arm_id()))
        }
        [
            "subscriptions",
            _,
            "resourcegroups",
            _,
            "providers",
            _,
            _,
            _,
            ..,
        ] => {
            let sub = load_subscription(s, segs[1]).await?;
            let r = s.db().get_resource(scope).await.map_err(|e| {
                super::missing_or(e, || {
                    ApiError::detail(
                        "NotFound",
                        format!(
                            "The resource '{}' could not be found.",
                            keyless_model::catalogue::sanitize(scope)
                        ),
                    )
                })
            })?;
            Ok((sub.tenant_id, r.id))
        }
        ["providers", "microsoft.management", "managementgroups", _] => {
            let mg = s.db().get_management_group(segs[3]).await.map_err(|e| {
                super::missing_or(e, || {
                    ApiError::detail(
                        "NotFound",
                        format!(
                            "The management group '{}' could not be found.",
                            keyless_model::catalogue::sanitize(segs[3])
                        ),
                    )
                })
            })?;
            Ok((mg.tenant_id, mg.arm_id()))
        }
        _ => Err(ApiError::detail(
            "InvalidResourceId",
            format!(
                "The scope '{}' is not valid for role assignments; use a subscription, resource group or resource.",
                keyless_model::catalogue::sanitize(scope)
            ),
        )),
    }
}

/// A stored (canonical, lowercase) scope in ARM's display form:
/// `/subscriptions/{id}/resourceGroups/{name as created}`. Clients compare the scope they
/// sent with the one returned (Terraform's `scope` forces a replacement when it differs).
async fn display_scope(s: &AppState, canonical: &str) -> String {
    let segs: Vec<&str> = canonical.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["subscriptions", sub, "resourcegroups", rg] => {
            let found = match Uuid::parse_str(sub) {
                Ok(id) => s.db().get_resource_group(id, rg).await.ok(),
                Err(_) => None,
            };
            found
                .map(|g| g.arm_id())
                .unwrap_or_else(|| format!("/subscriptions/{sub}/resourceGroups/{rg}"))
        }
        ["subscriptions", _, "resourcegroups", _, "providers", ..] => s
            .db()
            .get_resource(canonical)
            .await
            .map(|r| r.id)
            .unwrap_or_else(|_| canonical.to_string()),
        _ => canonical.to_string(),
    }
}

/// `scope` is the assignment's scope in display form (see [`display_scope`]).
pub fn assignment_json(a: &RoleAssignment, scope: &str) -> Value {
    let ts = keyless_model::time_fmt::iso(a.created_at);
    // Role definition ids are shown under the assignment's subscription, or at the root.
    let prefix = match scope.split('/').collect::<Vec<_>>().as_slice() {
        ["", subs, id, ..] if subs.eq_ignore_ascii_case("subscriptions") => {
            format!("/subscriptions/{id}")
        }
        _ => String::new(),
    };
    j!({
        "properties": {
            "roleDefinitionId": format!("{prefix}/providers/Microsoft.Authorization/roleDefinitions/{}", a.role_definition_id),
            "principalId": a.principal_id.to_string(),
            "principalType": a.principal_type,
            "scope": scope,
            "condition": null,
            "conditionVersion": null,
            "createdOn": ts,
            "updatedOn": ts,
            "createdBy": a.created_by.map(|c| c.to_string()),
            "updatedBy": a.created_by.map(|c| c.to_string()),
            "delegatedManagedIdentityResourceId": null,
            "description": null,
        },
        "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{}", a.id),
        "type": "Microsoft.Authorization/roleAssignments",
        "name": a.id.to_string(),
    })
}

fn parse_name(name: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(name).map_err(|_| {
        ApiError::detail(
            "BadRequest",
            format!(
                "The role assignment ID '{}' is not valid. The role assignment ID must be a GUID.",
                keyless_model::catalogue::sanitize(name)
            ),
        )
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Props {
    role_definition_id: String,
    principal_id: String,
    principal_type: Option<String>,
}

#[derive(Deserialize)]
struct PutBody {
    properties: Props,
}

/// Which kind of principal an object id names in a tenant, if any.
pub async fn principal_type(s: &AppState, tenant: Uuid, id: Uuid) -> Option<&'static str> {
    if let Ok(sp) = s.db().get_service_principal(id).await
        && sp.tenant_id == tenant
    {
        return Some(PrincipalType::ServicePrincipal.as_str());
    }
    if let Ok(u) = s.db().get_user(id).await
        && u.tenant_id == tenant
    {
        return Some(PrincipalType::User.as_str());
    }
    None
}

pub async fn put(
    s: &AppState,
    caller: &ArmCaller,
    scope: &str,
    name: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let id = parse_name(name)?;
    let (tenant, display) = resolve_scope(s, scope).await?;
    permit(s, caller, WRITE, &display).await?;
    let body: PutBody = parse_json(body)?;
    let role = super::role_definitions::resolve(s, tenant, &body.properties.role_definition_id)
        .await
        .ok_or_else(|| {
            ApiError::new(
                "RoleDefinitionDoesNotExist",
                &[("id", &body.properties.role_definition_id)],
            )
        })?;
    if !role.assignable_at(&display) {
        return Err(ApiError::new(
            "RoleNotAssignableAtScope",
            &[("role", &role.id().to_string()), ("scope", &display)],
        ));
    }
    let principal = Uuid::parse_str(&body.properties.principal_id).ok();
    let kind = match principal {
        Some(p) => principal_type(s, tenant, p).await,
        None => None,
    };
    let (Some(principal), Some(kind)) = (principal, kind) else {
        return Err(ApiError::new(
            "PrincipalNotFound",
            &[
                ("principal", &body.properties.principal_id),
                ("tenant", &tenant.to_string()),
            ],
        ));
    };
    let assignment = RoleAssignment {
        id,
        scope: canonical_scope(&display),
        role_definition_id: role.id(),
        principal_id: principal,
        principal_type: body
            .properties
            .principal_type
            .unwrap_or_else(|| kind.to_string()),
        created_by: Some(caller.oid),
        created_at: s.now(),
    };
    let created = crate::change(s, caller, WRITE, &display, async |tx| {
        tx.data().create_role_assignment(&assignment).await
    })
    .await;
    match created {
        Ok(()) => Ok(json(
            StatusCode::CREATED,
            assignment_json(&assignment, &display),
        )),
        // Which unique index a duplicate trips first is the database's choice (SQLite
        // reports the (scope, role, principal) index even when the name is the same), so
        // look at the name: the same name is an idempotent re-PUT or a forbidden update;
        // another name holding the same triple is `RoleAssignmentExists`.
        Err(StoreError::Conflict(c)) => match s.db().get_role_assignment(id).await {
            Ok(existing) => {
                if existing.scope == assignment.scope
                    && existing.role_definition_id == assignment.role_definition_id
                    && existing.principal_id == assignment.principal_id
                {
                    Ok(json(
                        StatusCode::CREATED,
                        assignment_json(&existing, &display),
                    ))
                } else {
                    Err(ApiError::detail(
                        "Conflict",
                        "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
                    ))
                }
            }
            Err(StoreError::NotFound) if c == conflict::ROLE_ASSIGNMENT_EXISTS => {
                Err(ApiError::new("RoleAssignmentExists", &[]))
            }
            Err(StoreError::NotFound) => Err(StoreError::Conflict(c).into()),
            Err(e) => Err(e.into()),
        },
        Err(e) => Err(e.into()),
    }
}

/// The assignment `name` at `scope`, once `caller` may do `action` there; with the scope as
/// displayed.
async fn load_at(
    s: &AppState,
    caller: &ArmCaller,
    action: &str,
    scope: &str,
    name: &str,
) -> Result<(RoleAssignment, String), ApiError> {
    let (_, display) = resolve_scope(s, scope).await?;
    permit(s, caller, action, &display).await?;
    let id = parse_name(name)?;
    let missing = || ApiError::new("RoleAssignmentNotFound", &[("name", name)]);
    let a = s.db().get_role_assignment(id).await.map_err(|e| match e {
        StoreError::NotFound => missing(),
        e => e.into(),
    })?;
    if a.scope != canonical_scope(&display) {
        return Err(missing());
    }
    Ok((a, display))
}

pub async fn get(
    s: &AppState,
    caller: &ArmCaller,
    scope: &str,
    name: &str,
) -> Result<Response, ApiError> {
    let (a, display) = load_at(s, caller, READ, scope, name).await?;
    Ok(json(StatusCode::OK, assignment_json(&a, &display)))
}

pub async fn delete(
    s: &AppState,
    caller: &ArmCaller,
    scope: &str,
    name: &str,
) -> Result<Response, ApiError> {
    let (a, display) = match load_at(s, caller, DELETE, scope, name).await {
        Ok(found) => found,
        // ARM: 204 without a body, "already deleted or does not exist".
        Err(e) if e.code() == "RoleAssignmentNotFound" => {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        Err(e) => return Err(e),
    };
    crate::change(s, caller, DELETE, &display, async |tx| {
        tx.data().delete_role_assignment(a.id).await
    })
    .await?;
    Ok(json(StatusCode::OK, assignment_json(&a, &display)))
}

enum Filter {
    All,
    AtScope,
    Principal(Uuid),
}

fn parse_filter(q: &QueryMap) -> Result<Filter, ApiError> {
    let Some(f) = query(q, "$filter").map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(Filter::All);
    };
    let quoted = |s: &str| -> Option<Uuid> {
        let inner = s.trim().trim_start_matches('\'').trim_end_matches('\'');
        Uuid::parse_str(inner).ok()
    };
    if f.eq_ignore_ascii_case("atScope()") {
        return Ok(Filter::AtScope);
    }
    if let Some(rest) = f.strip_prefix("principalId eq ").and_then(quoted) {
        return Ok(Filter::Principal(rest));
    }
    if let Some(rest) = f
        .strip_prefix("assignedTo(")
        .and_then(|r| r.strip_suffix(')'))
        .and_then(quoted)
    {
        return Ok(Filter::Principal(rest));
    }
    Err(super::list_query::invalid_filter(f))
}
/// Without a filter: assignments at, above and below the scope; `atScope()`: at and above.
pub async fn list(
    s: &AppState,
    caller: &ArmCaller,
    scope: &str,
    q: &QueryMap,
) -> Result<Response, ApiError> {
    let (_, display) = resolve_scope(s, scope).await?;
    permit(s, caller, READ, &display).await?;
    let filter = parse_filter(q)?;
    let target = canonical_scope(&display);
    let all = candidates(s, &target).await?;
    let mut value: Vec<Value> = Vec::new();
    for a in all.iter().filter(|a| {
        // Management-group candidates are ancestors of the target by construction.
        let above = scope_covers(&a.scope, &target)
            || (a.scope.starts_with("/providers/microsoft.management/")
                && !scope_covers(&target, &a.scope));
        let below = scope_covers(&target, &a.scope);
        match filter {
            Filter::All => above || below,
            Filter::AtScope => above,
            Filter::Principal(p) => (above || below) && a.principal_id == p,
        }
    }) {
        let shown = if a.scope == target {
            display.clone()
        } else {
            display_scope(s, &a.scope).await
        };
        value.push(assignment_json(a, &shown));
    }
    Ok(json(StatusCode::OK, j!({"value": value})))
}

/// Assignments that can relate to `target`: everything under its subscription (or group),
/// plus those on the management groups above it.
async fn candidates(s: &AppState, target: &str) -> Result<Vec<RoleAssignment>, ApiError> {
    let segs: Vec<&str> = target.trim_start_matches('/').split('/').collect();
    let (root, group) = match segs.as_slice() {
        ["subscriptions", sub, ..] => {
            let id = Uuid::parse_str(sub).unwrap_or_default();
            let tenant = s.db().get_subscription(id).await?.tenant_id;
            let group = s
                .db()
                .get_subscription_management_group(id)
                .await?
                .unwrap_or_else(|| tenant.to_string());
            (format!("/subscriptions/{sub}"), Some(group))
        }
        [
            "providers",
            "microsoft.management",
            "managementgroups",
            name,
        ] => (target.to_string(), Some(name.to_string())),
        _ => (target.to_string(), None),
    };
    let mut all = s.db().list_role_assignments_under(&root).await?;
    if let Some(g) = group {
        let chain = s
            .db()
            .management_group_ancestors(&g)
            .await
            .unwrap_or_else(|_| vec![g]);
        for name in chain {
            let scope = keyless_model::rbac::management_group_scope(&name);
            if scope == root {
                continue;
            }
            for a in s.db().list_role_assignments_under(&scope).await? {
                if a.scope == scope {
                    all.push(a);
                }
            }
        }
    }
    Ok(all)
}
