//! The subscription picker: `GET /keyless/v1/organizations/{org}/azure-subscriptions[?tenantId=]`
//! lists, for every tenant the caller belongs to (`keyless_model::membership::user_type_in`:
//! the home tenant and the tenants the caller is a guest of; keyless administrators belong
//! to every tenant), the subscriptions they hold a role on. No cap on the lists. With
//! `tenantId` (default: the organization's tenant) naming a tenant where nothing is visible
//! while others have subscriptions: `NoActiveSubscription` with the tenants to try.

use super::find_org;
use super::preflight::{no_subscription, tenants_and_subscriptions};
use axum::Json;
use axum::extract::{Path, Query};
use keyless_core::auth::caller;
use keyless_core::envelope::{ApiError, DevopsError};
use keyless_core::req::Req;
use keyless_model::Uuid;
use serde_json::{Value, json};
use std::collections::HashMap;

pub async fn list(
    Req { s, headers }: Req,
    Path(root): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DevopsError> {
    let caller = caller(&s, &headers).await?;
    let org = find_org(&s, &root).await?;
    let all = tenants_and_subscriptions(&s, &caller).await?;
    let current = match q.get("tenantId") {
        Some(t) => Some(
            Uuid::parse_str(t)
                .map_err(|_| ApiError::detail("BadRequest", "tenantId must be a GUID."))?,
        ),
        None => org.tenant_id,
    };
    if let Some(cur) = current {
        let here = all.iter().find(|(t, _)| t.id == cur);
        if here.is_none_or(|(_, subs)| subs.is_empty()) {
            return Err(no_subscription(here.map(|(t, _)| t), &all).into());
        }
    }
    let tenants: Vec<Value> = all
        .iter()
        .map(|(t, subs)| {
            json!({
                "tenantId": t.id.to_string(),
                "domain": t.domain,
                "subscriptions": subs.iter().map(|x| json!({
                    "subscriptionId": x.id.to_string(),
                    "displayName": x.display_name,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({"count": tenants.len(), "value": tenants})))
}
