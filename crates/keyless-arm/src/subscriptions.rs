//! `GET /subscriptions`, `GET /subscriptions/{id}`, `GET /tenants`, `GET /metadata/endpoints`.

use super::{ArmCaller, json};
use crate::data::*;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::arm::Subscription;
use serde_json::{Value, json as j};

pub fn subscription_json(s: &Subscription) -> Value {
    j!({
        "id": format!("/subscriptions/{}", s.id),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": s.id.to_string(),
        "tenantId": s.tenant_id.to_string(),
        "displayName": s.display_name,
        "state": s.state,
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    })
}

/// A subscription id from the path: 400 when malformed, 404 when unknown.
pub async fn load(s: &AppState, id: &str) -> Result<Subscription, ApiError> {
    let Ok(uuid) = Uuid::parse_str(id) else {
        return Err(ApiError::new(
            "InvalidSubscriptionId",
            &[("subscription", id)],
        ));
    };
    s.db().get_subscription(uuid).await.map_err(|e| {
        super::missing_or(e, || {
            ApiError::new("SubscriptionNotFound", &[("subscription", id)])
        })
    })
}

/// Whether the caller holds any role in the subscription (at it, below it, or above it in
/// a management group): the one visibility rule of the list and the single GET.
async fn visible(
    s: &AppState,
    authz: &mut super::Authz,
    sub: &Subscription,
) -> Result<bool, ApiError> {
    authz
        .touches(s, &format!("/subscriptions/{}", sub.id))
        .await
}

/// Every subscription in which the caller holds any role. No cap on the count: the real
/// portal's 50-item limit is not a service rule.
pub async fn list(s: &AppState, caller: &ArmCaller) -> Result<Response, ApiError> {
    let mut authz = super::Authz::load(s, caller).await?;
    let mut value = Vec::new();
    if authz.has_any_assignment() {
        for sub in s.db().list_subscriptions().await? {
            if visible(s, &mut authz, &sub).await? {
                value.push(subscription_json(&sub));
            }
        }
    }
    let n = value.len();
    Ok(json(
        StatusCode::OK,
        j!({"value": value, "count": {"type": "Total", "value": n}}),
    ))
}

/// A subscription the caller cannot see is not found, as in the list.
pub async fn get(s: &AppState, caller: &ArmCaller, id: &str) -> Result<Response, ApiError> {
    let sub = load(s, id).await?;
    let mut authz = super::Authz::load(s, caller).await?;
    if !visible(s, &mut authz, &sub).await? {
        return Err(ApiError::new(
            "SubscriptionNotFound",
            &[("subscription", id)],
        ));
    }
    Ok(json(StatusCode::OK, subscription_json(&sub)))
}

/// The tenants the caller can reach: its own.
pub async fn tenants(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = super::token::authenticate(&s, &headers).await?;
    let t = s.db().get_tenant(caller.tenant_id).await?;
    Ok(json(
        StatusCode::OK,
        j!({"value": [{
            "id": format!("/tenants/{}", t.id),
            "tenantId": t.id.to_string(),
            "countryCode": "US",
            "displayName": t.display_name,
            "domains": [t.domain],
            "tenantCategory": "Home",
            "defaultDomain": t.domain,
            "tenantType": "AAD",
        }]}),
    ))
}

/// Cloud metadata for `az cloud register --endpoint-resource-manager` (no auth, as in Azure).
pub async fn metadata_endpoints(State(s): State<AppState>) -> axum::Json<Value> {
    let o = &*s.origin;
    axum::Json(j!({
        "galleryEndpoint": o,
        "graphEndpoint": format!("{o}/"),
        "graph": format!("{o}/"),
        "portalEndpoint": o,
        "microsoftGraphResourceId": format!("{o}/"),
        "name": "keyless",
        "authentication": {
            "loginEndpoint": format!("{o}/"),
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "resourceManager": format!("{o}/"),
        "sqlManagement": o,
        "batch": o,
        "vaultDns": ".vault.keyless.local",
        "suffixes": {
            "acrLoginServer": ".azurecr.io",
            "sqlServerHostname": ".database.windows.net",
            "keyVaultDns": ".vault.azure.net",
            "storage": "core.windows.net",
            "storageSyncEndpointSuffix": "afs.azure.net",
            "mhsmDns": "managedhsm.azure.net",
            "mysqlServerEndpoint": "mysql.database.azure.com",
            "postgresqlServerEndpoint": "postgres.database.azure.com",
            "mariadbServerEndpoint": "mariadb.database.azure.com",
            "synapseAnalytics": "dev.azuresynapse.net",
            "attestationEndpoint": "attest.azure.net",
        },
    }))
}
