//! Role definitions: the built-in roles (real ids and permissions) and custom roles
//! (`PUT|GET|DELETE {scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}`) with
//! `assignableScopes`, listed with `$filter=roleName eq`.

use super::{ArmCaller, QueryMap, json, permit, query};
use crate::data::*;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::{ApiError, parse_json};
pub use keyless_core::rbac::{RoleRef, resolve};
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::arm::CustomRole;
use keyless_model::rbac::{BUILT_IN_ROLES, RoleDefinition, built_in, canonical_scope};
use keyless_store::{StoreError, conflict};
use serde::Deserialize;
use serde_json::{Value, json as j};

const WRITE: &str = "Microsoft.Authorization/roleDefinitions/write";
const DELETE: &str = "Microsoft.Authorization/roleDefinitions/delete";

fn id_at(scope: &str, id: Uuid) -> String {
    let prefix = if scope == "/" {
        ""
    } else {
        scope.trim_end_matches('/')
    };
    format!("{prefix}/providers/Microsoft.Authorization/roleDefinitions/{id}")
}

fn built_in_json(r: &RoleDefinition, scope: &str) -> Value {
    j!({
        "properties": {
            "roleName": r.name,
            "type": "BuiltInRole",
            "description": r.description,
            "assignableScopes": ["/"],
            "permissions": [{"actions": r.actions, "notActions": r.not_actions, "dataActions": [], "notDataActions": []}],
            "createdOn": "2015-02-02T21:55:09.8806423Z",
            "updatedOn": "2024-01-01T00:00:00.0000000Z",
            "createdBy": null,
            "updatedBy": null,
        },
        "id": id_at(scope, r.id),
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": r.id.to_string(),
    })
}

fn custom_json(r: &CustomRole, scope: &str) -> Value {
    let ts = keyless_model::time_fmt::iso(r.created_at);
    j!({
        "properties": {
            "roleName": r.role_name,
            "type": "CustomRole",
            "description": r.description,
            "assignableScopes": r.assignable_scopes.iter().map(|s| display(s)).collect::<Vec<_>>(),
            "permissions": [{"actions": r.actions, "notActions": r.not_actions, "dataActions": r.data_actions, "notDataActions": r.not_data_actions}],
            "createdOn": ts,
            "updatedOn": ts,
            "createdBy": null,
            "updatedBy": null,
        },
        "id": id_at(scope, r.id),
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": r.id.to_string(),
    })
}

/// Canonical scopes are lowercase; show the well-known segments in ARM's casing.
fn display(scope: &str) -> String {
    scope
        .replace("/resourcegroups/", "/resourceGroups/")
        .replace(
            "/providers/microsoft.management/managementgroups/",
            "/providers/Microsoft.Management/managementGroups/",
        )
}

fn name_filter(q: &QueryMap) -> Result<Option<String>, ApiError> {
    match query(q, "$filter").map(str::trim) {
        None | Some("") => Ok(None),
        Some(f) => f
            .strip_prefix("roleName eq ")
            .map(str::trim)
            .and_then(|n| n.strip_prefix('\''))
            .and_then(|n| n.strip_suffix('\''))
            // A quote inside the literal is doubled, as OData spells it.
            .filter(|n| !n.replace("''", "").contains('\''))
            .map(|n| Some(n.replace("''", "'")))
            .ok_or_else(|| super::list_query::invalid_filter(f)),
    }
}

/// Any authenticated caller may read role definitions (they are not secret in Azure either).
pub async fn list(
    s: &AppState,
    caller: &ArmCaller,
    scope: &str,
    q: &QueryMap,
) -> Result<Response, ApiError> {
    let name = name_filter(q)?;
    let keep = |n: &str| name.as_deref().is_none_or(|f| n.eq_ignore_ascii_case(f));
    let mut value: Vec<Value> = BUILT_IN_ROLES
        .iter()
        .filter(|r| keep(r.name))
        .map(|r| built_in_json(r, scope))
        .collect();
    for c in s.db().list_custom_roles(caller.tenant_id).await? {
        if keep(&c.role_name) {
            value.push(custom_json(&c, scope));
        }
    }
    Ok(json(StatusCode::OK, j!({"value": value})))
}

pub async fn get(
    s: &AppState,
    caller: &ArmCaller,
    scope: &str,
    id: &str,
) -> Result<Response, ApiError> {
    match resolve(s, caller.tenant_id, id).await {
        Some(RoleRef::BuiltIn(b)) => Ok(json(StatusCode::OK, built_in_json(b, scope))),
        Some(RoleRef::Custom(c)) => Ok(json(StatusCode::OK, custom_json(&c, scope))),
        None => Err(ApiError::new("RoleDefinitionDoesNotExist", &[("id", id)])),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Permission {
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    not_actions: Vec<String>,
    #[serde(default)]
    data_actions: Vec<String>,
    #[serde(default)]
    not_data_actions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Props {
    role_name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    permissions: Vec<Permission>,
    #[serde(default)]
    assignable_scopes: Vec<String>,
}

#[derive(Deserialize)]
struct Body {
    properties: Props,
}

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

/// Checks each assignable scope exists (subscription, resource group or management group)
/// and that the caller may write role definitions there.
async fn check_scopes(
    s: &AppState,
    caller: &ArmCaller,
    scopes: &[String],
) -> Result<Vec<String>, ApiError> {
    if scopes.is_empty() {
        return Err(bad("A custom role needs at least one assignable scope."));
    }
    let mut out = Vec::new();
    for scope in scopes {
        let display = super::role_assignments::resolve_scope(s, scope).await?.1;
        permit(s, caller, WRITE, &display).await?;
        out.push(canonical_scope(&display));
    }
    Ok(out)
}

pub async fn put(
    s: &AppState,
    caller: &ArmCaller,
    scope: &str,
    id: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let guid = Uuid::parse_str(id).map_err(|_| bad("The role definition id must be a GUID."))?;
    if built_in(guid).is_some() {
        return Err(ApiError::detail(
            "Forbidden",
            "Built-in role definitions cannot be changed.",
        ));
    }
    let b: Body = parse_json(body)?;
    let p = b.properties;
    let name = p
        .role_name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| bad("properties.roleName is required."))?;
    if name.chars().count() > 512
        || BUILT_IN_ROLES
            .iter()
            .any(|r| r.name.eq_ignore_ascii_case(&name))
    {
        return Err(bad(format!(
            "The role name '{}' is invalid or taken by a built-in role.",
            keyless_model::catalogue::sanitize(&name)
        )));
    }
    if p.permissions.len() > 1 {
        return Err(bad("A custom role has exactly one permissions block."));
    }
    let perm = p.permissions.into_iter().next().unwrap_or_default();
    let scopes = check_scopes(s, caller, &p.assignable_scopes).await?;
    let existing = s.db().get_custom_role(guid).await.ok();
    if existing
        .as_ref()
        .is_some_and(|e| e.tenant_id != caller.tenant_id)
    {
        return Err(ApiError::detail(
            "Conflict",
            "A role definition with this id exists in another tenant.",
        ));
    }
    let role = CustomRole {
        id: guid,
        tenant_id: caller.tenant_id,
        role_name: name,
        description: p.description.unwrap_or_default(),
        actions: perm.actions,
        not_actions: perm.not_actions,
        data_actions: perm.data_actions,
        not_data_actions: perm.not_data_actions,
        assignable_scopes: scopes,
        created_at: existing
            .as_ref()
            .map(|e| e.created_at)
            .unwrap_or_else(|| s.now()),
    };
    let result = match existing {
        Some(_) => s
            .db()
            .update_custom_role(&role)
            .await
            // ARM answers 201 to an update as to a create (the SDK accepts only 201).
            .map(|_| StatusCode::CREATED),
        None => s
            .db()
            .create_custom_role(&role)
            .await
            .map(|_| StatusCode::CREATED),
    };
    let status = result.map_err(|e| match e {
        StoreError::Conflict(c) if c == conflict::ROLE_NAME => ApiError::detail(
            "Conflict",
            "A custom role with the same name already exists in this tenant. Use another roleName.",
        ),
        e => e.into(),
    })?;
    Ok(json(status, custom_json(&role, scope)))
}

pub async fn delete(
    s: &AppState,
    caller: &ArmCaller,
    scope: &str,
    id: &str,
) -> Result<Response, ApiError> {
    let role = match resolve(s, caller.tenant_id, id).await {
        Some(RoleRef::Custom(c)) => c,
        Some(RoleRef::BuiltIn(_)) => {
            return Err(ApiError::detail(
                "Forbidden",
                "Built-in role definitions cannot be deleted.",
            ));
        }
        None => return Ok(StatusCode::NO_CONTENT.into_response()),
    };
    for a in &role.assignable_scopes {
        permit(s, caller, DELETE, &display(a)).await?;
    }
    let object = role.id.to_string();
    crate::change(s, caller, DELETE, &object, async |tx| {
        tx.data()
            .delete_custom_role(role.id)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ApiError::new("RoleDefinitionHasAssignments", &[]),
                e => e.into(),
            })
    })
    .await?;
    Ok(json(StatusCode::OK, custom_json(&role, scope)))
}
