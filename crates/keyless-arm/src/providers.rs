//! `/providers`, `/subscriptions/{s}/providers` and `/subscriptions/{s}/locations`: the
//! namespaces keyless knows (all registered) and the locations it accepts.

use super::subscriptions::load as load_subscription;
use super::{ArmCaller, json, permit};
use axum::http::StatusCode;
use axum::response::Response;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use serde_json::{Value, json as j};

/// Namespaces and the resource types keyless serves in each.
pub const PROVIDERS: &[(&str, &[&str])] = &[
    (
        "Microsoft.Resources",
        &["subscriptions", "resourceGroups", "tenants"],
    ),
    (
        "Microsoft.Authorization",
        &["roleAssignments", "roleDefinitions"],
    ),
    (
        "Microsoft.ManagedIdentity",
        &[
            "userAssignedIdentities",
            "userAssignedIdentities/federatedIdentityCredentials",
        ],
    ),
    ("Microsoft.MachineLearningServices", &["workspaces"]),
    ("Microsoft.Storage", &["storageAccounts"]),
    ("Microsoft.Web", &["sites", "serverFarms"]),
    ("Microsoft.KeyVault", &["vaults"]),
    ("Microsoft.Compute", &["virtualMachines"]),
    ("Microsoft.Network", &["virtualNetworks"]),
];

pub const LOCATIONS: &[(&str, &str)] = &[
    ("eastus", "East US"),
    ("eastus2", "East US 2"),
    ("westus", "West US"),
    ("westus2", "West US 2"),
    ("centralus", "Central US"),
    ("northeurope", "North Europe"),
    ("westeurope", "West Europe"),
    ("uksouth", "UK South"),
    ("swedencentral", "Sweden Central"),
    ("japaneast", "Japan East"),
    ("australiaeast", "Australia East"),
];

pub async fn list(s: &AppState, sub: Option<&str>) -> Result<Response, ApiError> {
    let prefix = match sub {
        Some(id) => format!("/subscriptions/{}", load_subscription(s, id).await?.id),
        None => String::new(),
    };
    let locations: Vec<&str> = LOCATIONS.iter().map(|(_, d)| *d).collect();
    let value: Vec<Value> = PROVIDERS
        .iter()
        .map(|(ns, types)| {
            j!({
                "id": format!("{prefix}/providers/{ns}"),
                "namespace": ns,
                "registrationState": "Registered",
                "registrationPolicy": "RegistrationRequired",
                "resourceTypes": types.iter().map(|t| j!({"resourceType": t, "locations": locations, "apiVersions": ["2023-01-31", "2022-12-01", "2021-04-01"]})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(json(StatusCode::OK, j!({"value": value})))
}

pub async fn locations(s: &AppState, c: &ArmCaller, sub: &str) -> Result<Response, ApiError> {
    let subscription = load_subscription(s, sub).await?;
    let scope = format!("/subscriptions/{}", subscription.id);
    permit(s, c, "Microsoft.Resources/subscriptions/read", &scope).await?;
    let value: Vec<Value> = LOCATIONS
        .iter()
        .map(|(name, display)| {
            j!({
                "id": format!("{scope}/locations/{name}"),
                "name": name,
                "displayName": display,
                "regionalDisplayName": display,
                "metadata": {"regionType": "Physical"},
            })
        })
        .collect();
    Ok(json(StatusCode::OK, j!({"value": value})))
}
