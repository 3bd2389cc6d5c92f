//! Resource groups: list, get, head, put (201 created / 200 updated), patch, delete.

use super::path::valid_rg_name;
use super::subscriptions::load as load_subscription;
use super::{ArmCaller, json, permit};
use crate::data::*;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::{ApiError, parse_json};
use keyless_core::state::AppState;
use keyless_model::arm::{ResourceGroup, Subscription};
use serde::Deserialize;
use serde_json::{Map, Value, json as j};

const READ: &str = "Microsoft.Resources/subscriptions/resourceGroups/read";
const WRITE: &str = "Microsoft.Resources/subscriptions/resourceGroups/write";
const DELETE: &str = "Microsoft.Resources/subscriptions/resourceGroups/delete";

fn rg_json(rg: &ResourceGroup) -> Value {
    let mut v = j!({
        "id": rg.arm_id(),
        "name": rg.name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": rg.location,
        "properties": {"provisioningState": "Succeeded"},
    });
    if !rg.tags.is_empty() {
        v["tags"] = Value::Object(rg.tags.clone());
    }
    v
}

fn not_found(name: &str) -> ApiError {
    ApiError::new("ResourceGroupNotFound", &[("name", name)])
}

fn scope(sub: &uuid::Uuid, rg: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg}")
}

/// With read on the subscription: every group. Otherwise, as ARM does, only the groups the
/// caller may read (a role on one group shows that group, not its siblings); a caller with
/// read on none of them gets `AuthorizationFailed` at the subscription. The decision that
/// [`permit`] records is the subscription-level one, so a filtered list records none.
pub async fn list(s: &AppState, caller: &ArmCaller, sub: &str) -> Result<Response, ApiError> {
    let sub = load_subscription(s, sub).await?;
    let sub_scope = format!("/subscriptions/{}", sub.id);
    let groups = s.db().list_resource_groups(sub.id).await?;
    let mut authz = super::Authz::load(s, caller).await?;
    if !authz.allows(s, READ, &sub_scope).await? {
        let mut readable = Vec::new();
        for g in &groups {
            if authz.allows(s, READ, &g.arm_id()).await? {
                readable.push(rg_json(g));
            }
        }
        if !readable.is_empty() {
            return Ok(json(StatusCode::OK, j!({"value": readable})));
        }
    }
    permit(s, caller, READ, &sub_scope).await?;
    let value: Vec<Value> = groups.iter().map(rg_json).collect();
    Ok(json(StatusCode::OK, j!({"value": value})))
}

/// The subscription `sub`, once the caller is found allowed `action` on the group `rg` of it.
async fn permitted(
    s: &AppState,
    caller: &ArmCaller,
    sub: &str,
    rg: &str,
    action: &str,
) -> Result<Subscription, ApiError> {
    let sub = load_subscription(s, sub).await?;
    permit(s, caller, action, &scope(&sub.id, rg)).await?;
    Ok(sub)
}

pub async fn get(
    s: &AppState,
    caller: &ArmCaller,
    sub: &str,
    rg: &str,
) -> Result<Response, ApiError> {
    let sub = permitted(s, caller, sub, rg, READ).await?;
    let found = s
        .db()
        .get_resource_group(sub.id, rg)
        .await
        .map_err(|e| super::missing_or(e, || not_found(rg)))?;
    Ok(json(StatusCode::OK, rg_json(&found)))
}

pub async fn head(
    s: &AppState,
    caller: &ArmCaller,
    sub: &str,
    rg: &str,
) -> Result<Response, ApiError> {
    let sub = permitted(s, caller, sub, rg, READ).await?;
    let status = match s.db().get_resource_group(sub.id, rg).await {
        Ok(_) => StatusCode::NO_CONTENT,
        Err(keyless_store::StoreError::NotFound) => StatusCode::NOT_FOUND,
        Err(e) => return Err(e.into()),
    };
    Ok(status.into_response())
}

#[derive(Deserialize)]
struct PutBody {
    location: Option<String>,
    #[serde(default)]
    tags: Option<Map<String, Value>>,
}

pub async fn put(
    s: &AppState,
    caller: &ArmCaller,
    sub: &str,
    rg: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let sub = load_subscription(s, sub).await?;
    if !valid_rg_name(rg) {
        return Err(ApiError::detail(
            "BadRequest",
            format!(
                "Resource group name '{}' is invalid. It can include alphanumeric, underscore, parentheses, hyphen, period (except at end), and Unicode characters that match the allowed characters.",
                keyless_model::catalogue::sanitize(rg)
            ),
        ));
    }
    permit(s, caller, WRITE, &scope(&sub.id, rg)).await?;
    let body: PutBody = parse_json(body)?;
    let Some(given) = body.location.filter(|l| !l.trim().is_empty()) else {
        return Err(ApiError::detail(
            "BadRequest",
            "The 'location' property is required for a resource group.",
        ));
    };
    let Some(location) = crate::validate::location(&given, false) else {
        return Err(ApiError::new(
            "LocationNotAvailableForResourceGroup",
            &[
                ("location", &given),
                ("regions", &crate::validate::regions()),
            ],
        ));
    };
    let location = location.to_string();
    let tags = body.tags.unwrap_or_default();
    crate::validate::tags(&tags)?;
    let existing = s.db().get_resource_group(sub.id, rg).await.ok();
    let group = ResourceGroup {
        subscription_id: sub.id,
        name: existing
            .as_ref()
            .map(|e| e.name.clone())
            .unwrap_or_else(|| rg.to_string()),
        location,
        tags,
        created_at: existing.map(|e| e.created_at).unwrap_or_else(|| s.now()),
    };
    let created = crate::change(s, caller, WRITE, &scope(&sub.id, rg), async |tx| {
        tx.data().put_resource_group(&group).await
    })
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, rg_json(&group)))
}

pub async fn patch(
    s: &AppState,
    caller: &ArmCaller,
    sub: &str,
    rg: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let sub = permitted(s, caller, sub, rg, WRITE).await?;
    let mut group = s
        .db()
        .get_resource_group(sub.id, rg)
        .await
        .map_err(|e| super::missing_or(e, || not_found(rg)))?;
    let body: PutBody = parse_json(body)?;
    if let Some(tags) = body.tags {
        crate::validate::tags(&tags)?;
        group.tags = tags;
    }
    crate::change(s, caller, WRITE, &scope(&sub.id, rg), async |tx| {
        tx.data().put_resource_group(&group).await
    })
    .await?;
    Ok(json(StatusCode::OK, rg_json(&group)))
}

/// Deletes synchronously and answers 200 (clients' pollers accept a final status at once).
pub async fn delete(
    s: &AppState,
    caller: &ArmCaller,
    sub: &str,
    rg: &str,
) -> Result<Response, ApiError> {
    let sub = permitted(s, caller, sub, rg, DELETE).await?;
    s.db()
        .get_resource_group(sub.id, rg)
        .await
        .map_err(|e| super::missing_or(e, || not_found(rg)))?;
    crate::change(s, caller, DELETE, &scope(&sub.id, rg), async |tx| {
        // Identities in the group take their service principals with them.
        for r in tx.data().list_resources(sub.id, Some(rg)).await? {
            if r.resource_type
                .eq_ignore_ascii_case("Microsoft.ManagedIdentity/userAssignedIdentities")
            {
                super::identities::delete_principal(tx, &r).await?;
            }
        }
        tx.data().delete_resource_group(sub.id, rg).await
    })
    .await?;
    Ok(StatusCode::OK.into_response())
}
