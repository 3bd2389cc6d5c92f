//! Management groups (`/providers/Microsoft.Management/managementGroups/{name}`): a tenant
//! root group per tenant (name = tenant id, made on first use), nested groups, and the
//! placement of subscriptions under a group. Role assignments on a group apply to every
//! group and subscription below it (see `authz`).

use super::{ArmCaller, json, permit};
use crate::data::*;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::{ApiError, parse_json_or_default};
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::arm::ManagementGroup;
use keyless_store::{StoreError, conflict};
use serde::Deserialize;
use serde_json::{Value, json as j};

const READ: &str = "Microsoft.Management/managementGroups/read";
const WRITE: &str = "Microsoft.Management/managementGroups/write";
const DELETE: &str = "Microsoft.Management/managementGroups/delete";
const MOVE: &str = "Microsoft.Management/managementGroups/subscriptions/write";
const PREFIX: &str = "/providers/Microsoft.Management/managementGroups/";

fn not_found(name: &str) -> ApiError {
    let name = keyless_model::catalogue::sanitize(name);
    ApiError::not_found(format!("The management group '{name}' could not be found."))
}

/// The tenant root group, created when first needed.
pub async fn ensure_root(s: &AppState, tenant: Uuid) -> Result<ManagementGroup, ApiError> {
    match s.db().get_management_group(&tenant.to_string()).await {
        Ok(g) => Ok(g),
        Err(StoreError::NotFound) => {
            let root = ManagementGroup {
                name: tenant.to_string(),
                tenant_id: tenant,
                display_name: "Tenant Root Group".into(),
                parent: None,
                created_at: s.now(),
            };
            match s.db().create_management_group(&root).await {
                Ok(()) | Err(StoreError::Conflict(_)) => {
                    Ok(s.db().get_management_group(&root.name).await?)
                }
                Err(e) => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

async fn load(s: &AppState, caller: &ArmCaller, name: &str) -> Result<ManagementGroup, ApiError> {
    ensure_root(s, caller.tenant_id).await?;
    match s.db().get_management_group(name).await {
        Ok(g) if g.tenant_id == caller.tenant_id => Ok(g),
        _ => Err(not_found(name)),
    }
}

async fn group_json(s: &AppState, g: &ManagementGroup, expand: bool) -> Result<Value, ApiError> {
    let mut props =
        j!({"tenantId": g.tenant_id.to_string(), "displayName": g.display_name, "details": {}});
    if let Some(p) = &g.parent
        && let Ok(parent) = s.db().get_management_group(p).await
    {
        props["details"]["parent"] =
            j!({"id": parent.arm_id(), "name": parent.name, "displayName": parent.display_name});
    }
    if expand {
        let mut children = Vec::new();
        for c in s.db().list_management_groups(g.tenant_id).await? {
            if c.parent
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(&g.name))
            {
                children.push(j!({"id": c.arm_id(), "name": c.name, "displayName": c.display_name, "type": "Microsoft.Management/managementGroups"}));
            }
        }
        for sub in s.db().list_subscriptions_in_group(&g.name).await? {
            children.push(j!({"id": format!("/subscriptions/{}", sub.id), "name": sub.id.to_string(), "displayName": sub.display_name, "type": "Microsoft.Management/managementGroups/subscriptions"}));
        }
        props["children"] = j!(children);
    }
    Ok(
        j!({"id": g.arm_id(), "type": "Microsoft.Management/managementGroups", "name": g.name, "properties": props}),
    )
}

pub async fn list(s: &AppState, caller: &ArmCaller) -> Result<Response, ApiError> {
    ensure_root(s, caller.tenant_id).await?;
    let mut authz = super::Authz::load(s, caller).await?;
    let mut value = Vec::new();
    for g in s.db().list_management_groups(caller.tenant_id).await? {
        if authz.allows(s, READ, &g.arm_id()).await? {
            value.push(j!({"id": g.arm_id(), "type": "Microsoft.Management/managementGroups", "name": g.name,
                "properties": {"tenantId": g.tenant_id.to_string(), "displayName": g.display_name}}));
        }
    }
    Ok(json(StatusCode::OK, j!({"value": value})))
}

pub async fn get(
    s: &AppState,
    caller: &ArmCaller,
    name: &str,
    expand: bool,
) -> Result<Response, ApiError> {
    let g = load(s, caller, name).await?;
    permit(s, caller, READ, &g.arm_id()).await?;
    Ok(json(StatusCode::OK, group_json(s, &g, expand).await?))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Props {
    display_name: Option<String>,
    details: Option<Details>,
}

#[derive(Deserialize, Default)]
struct Details {
    parent: Option<ParentRef>,
}

#[derive(Deserialize, Default)]
struct ParentRef {
    id: Option<String>,
}

#[derive(Deserialize, Default)]
struct Body {
    #[serde(default)]
    properties: Props,
}

fn valid_name(n: &str) -> bool {
    (1..=90).contains(&n.chars().count())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_().".contains(c))
        && !n.ends_with('.')
}

/// Creates or updates a group; the caller needs write on the (new) parent.
pub async fn put(
    s: &AppState,
    caller: &ArmCaller,
    name: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    if !valid_name(name) {
        return Err(ApiError::detail(
            "BadRequest",
            "A management group name is 1 to 90 letters, digits, '-', '_', '(', ')' or '.', not ending in '.'.",
        ));
    }
    let root = ensure_root(s, caller.tenant_id).await?;
    let b: Body = parse_json_or_default(body)?;
    let parent_name = match b
        .properties
        .details
        .and_then(|d| d.parent)
        .and_then(|p| p.id)
    {
        Some(id) => {
            let n = id
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            load(s, caller, &n).await?.name
        }
        None => root.name.clone(),
    };
    let existing = s.db().get_management_group(name).await.ok();
    if existing
        .as_ref()
        .is_some_and(|e| e.tenant_id != caller.tenant_id)
    {
        return Err(ApiError::detail(
            "Conflict",
            "A management group with this name exists in another tenant.",
        ));
    }
    if existing.as_ref().is_some_and(|e| e.parent.is_none()) {
        return Err(ApiError::detail(
            "BadRequest",
            "The tenant root group cannot be changed.",
        ));
    }
    permit(s, caller, WRITE, &format!("{PREFIX}{parent_name}")).await?;
    let group = ManagementGroup {
        name: existing
            .as_ref()
            .map(|e| e.name.clone())
            .unwrap_or_else(|| name.to_string()),
        tenant_id: caller.tenant_id,
        display_name: b
            .properties
            .display_name
            .or(existing.as_ref().map(|e| e.display_name.clone()))
            .unwrap_or_else(|| name.to_string()),
        parent: Some(parent_name),
        created_at: existing
            .as_ref()
            .map(|e| e.created_at)
            .unwrap_or_else(|| s.now()),
    };
    let at = format!("{PREFIX}{name}");
    let result = crate::change(s, caller, WRITE, &at, async |tx| match existing {
        Some(_) => tx.data().update_management_group(&group).await,
        None => tx.data().create_management_group(&group).await,
    })
    .await;
    result.map_err(|e| match e {
        StoreError::Conflict(c) if c == conflict::MANAGEMENT_GROUP_CYCLE => ApiError::detail(
            "BadRequest",
            "The new parent is a descendant of the group: a group cannot be moved under itself.",
        ),
        e => e.into(),
    })?;
    Ok(json(StatusCode::OK, group_json(s, &group, false).await?))
}

pub async fn delete(s: &AppState, caller: &ArmCaller, name: &str) -> Result<Response, ApiError> {
    let g = load(s, caller, name).await?;
    if g.parent.is_none() {
        return Err(ApiError::detail(
            "BadRequest",
            "The tenant root group cannot be deleted.",
        ));
    }
    permit(s, caller, DELETE, &g.arm_id()).await?;
    let deleted = crate::change(s, caller, DELETE, &g.arm_id(), async |tx| {
        tx.data().delete_management_group(&g.name).await
    })
    .await;
    deleted.map_err(|e| match e {
        StoreError::Conflict(_) => ApiError::detail(
            "BadRequest",
            format!("The management group '{}' has child groups or subscriptions. Move or delete them first.", g.name),
        ),
        e => e.into(),
    })?;
    Ok(StatusCode::OK.into_response())
}

/// `PUT …/managementGroups/{name}/subscriptions/{sub}` moves the subscription under the
/// group; `DELETE` moves it back to the tenant root.
pub async fn place(
    s: &AppState,
    caller: &ArmCaller,
    name: &str,
    sub: &str,
    remove: bool,
) -> Result<Response, ApiError> {
    let g = load(s, caller, name).await?;
    let subscription = super::subscriptions::load(s, sub).await?;
    if subscription.tenant_id != caller.tenant_id {
        return Err(ApiError::new(
            "SubscriptionNotFound",
            &[("subscription", sub)],
        ));
    }
    permit(s, caller, MOVE, &g.arm_id()).await?;
    let target = if remove || g.parent.is_none() {
        None
    } else {
        Some(g.name.as_str())
    };
    crate::change(s, caller, MOVE, &g.arm_id(), async |tx| {
        tx.data()
            .set_subscription_management_group(subscription.id, target)
            .await
    })
    .await?;
    Ok(json(
        StatusCode::OK,
        j!({
            "id": format!("{}/subscriptions/{}", g.arm_id(), subscription.id),
            "type": "Microsoft.Management/managementGroups/subscriptions",
            "name": subscription.id.to_string(),
            "properties": {"displayName": subscription.display_name, "tenant": subscription.tenant_id.to_string(), "state": subscription.state, "parent": {"id": g.arm_id()}},
        }),
    ))
}
