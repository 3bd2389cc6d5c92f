//! Role definitions: the built-in roles, listed at any scope, with `$filter=roleName eq`.

use super::role_assignments::role_guid;
use super::{ArmCaller, QueryMap, json, query};
use crate::envelope::ApiError;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::Response;
use keyless_model::rbac::{BUILT_IN_ROLES, RoleDefinition, built_in};
use serde_json::{Value, json as j};

fn definition_json(r: &RoleDefinition, scope: &str) -> Value {
    let prefix = if scope == "/" {
        ""
    } else {
        scope.trim_end_matches('/')
    };
    j!({
        "properties": {
            "roleName": r.name,
            "type": "BuiltInRole",
            "description": r.description,
            "assignableScopes": ["/"],
            "permissions": [{
                "actions": r.actions,
                "notActions": r.not_actions,
                "dataActions": [],
                "notDataActions": [],
            }],
            "createdOn": "2015-02-02T21:55:09.8806423Z",
            "updatedOn": "2024-01-01T00:00:00.0000000Z",
            "createdBy": null,
            "updatedBy": null,
        },
        "id": format!("{prefix}/providers/Microsoft.Authorization/roleDefinitions/{}", r.id),
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": r.id.to_string(),
    })
}

/// Any authenticated caller may read role definitions (they are not secret in Azure either).
pub async fn list(
    _s: &AppState,
    _caller: &ArmCaller,
    scope: &str,
    q: &QueryMap,
) -> Result<Response, ApiError> {
    let name = match query(q, "$filter").map(str::trim) {
        None | Some("") => None,
        Some(f) => {
            let Some(n) = f.strip_prefix("roleName eq ") else {
                return Err(ApiError::detail(
                    "BadRequest",
                    format!(
                        "The filter '{}' is not supported. Use roleName eq '<name>'.",
                        keyless_model::catalogue::sanitize(f)
                    ),
                ));
            };
            Some(n.trim().trim_matches('\'').to_string())
        }
    };
    let value: Vec<Value> = BUILT_IN_ROLES
        .iter()
        .filter(|r| {
            name.as_deref()
                .is_none_or(|n| r.name.eq_ignore_ascii_case(n))
        })
        .map(|r| definition_json(r, scope))
        .collect();
    Ok(json(StatusCode::OK, j!({"value": value})))
}

pub async fn get(
    _s: &AppState,
    _caller: &ArmCaller,
    scope: &str,
    id: &str,
) -> Result<Response, ApiError> {
    let role = role_guid(id)
        .and_then(built_in)
        .ok_or_else(|| ApiError::new("RoleDefinitionDoesNotExist", &[("id", id)]))?;
    Ok(json(StatusCode::OK, definition_json(role, scope)))
}
