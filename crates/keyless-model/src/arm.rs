//! ARM plane objects: subscriptions, resource groups and role assignments.
//! Role definitions live in [`crate::rbac`].

use crate::{UnixTime, Uuid};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub display_name: String,
    /// `Enabled`, `Disabled`, `Warned`…
    pub state: String,
    pub created_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroup {
    pub subscription_id: Uuid,
    /// As the creator spelled it; ARM names are case-insensitive (see `name_key`).
    pub name: String,
    pub location: String,
    pub tags: serde_json::Map<String, serde_json::Value>,
    pub created_at: UnixTime,
}

impl ResourceGroup {
    pub fn arm_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}",
            self.subscription_id, self.name
        )
    }
}

/// A role assignment. `scope` is stored in canonical form (see [`crate::rbac::Scope`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// The assignment's name (a GUID chosen by the caller).
    pub id: Uuid,
    pub scope: String,
    pub role_definition_id: Uuid,
    pub principal_id: Uuid,
    /// `ServicePrincipal`, `User`, `Group`.
    pub principal_type: String,
    pub created_by: Option<Uuid>,
    pub created_at: UnixTime,
}

/// A generic ARM resource under a resource group
/// (`/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{child}/{name}]`).
/// User-assigned managed identities and Machine Learning workspaces are resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// The id as first created (case preserved); lookups use its lowercase form.
    pub id: String,
    pub subscription_id: Uuid,
    /// The resource group's name as the resource id spells it.
    pub resource_group: String,
    /// Full type, e.g. `Microsoft.ManagedIdentity/userAssignedIdentities` or, for a child,
    /// `Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials`.
    pub resource_type: String,
    /// The last segment of the id.
    pub name: String,
    pub location: Option<String>,
    pub tags: serde_json::Map<String, serde_json::Value>,
    pub properties: serde_json::Value,
    /// The other top-level fields ARM keeps and returns as sent, by their JSON names
    /// ([`Resource::EXTRA_FIELDS`]); empty when none were sent.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    pub created_at: UnixTime,
}

impl Resource {
    /// Top-level fields of a generic resource that ARM stores and returns as sent.
    pub const EXTRA_FIELDS: &[&str] = &[
        "kind",
        "sku",
        "identity",
        "plan",
        "managedBy",
        "extendedLocation",
    ];

    /// The case-insensitive key of an ARM id.
    pub fn key(id: &str) -> String {
        id.trim_end_matches('/').to_ascii_lowercase()
    }
}

/// A management group. Every tenant has a root group whose id is the tenant id; other
/// groups have a parent. Subscriptions sit under one group (the root by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagementGroup {
    /// The group's name (unique per tenant; the root group's name is the tenant id).
    pub name: String,
    pub tenant_id: Uuid,
    pub display_name: String,
    /// `None` only for the tenant root group.
    pub parent: Option<String>,
    pub created_at: UnixTime,
}

impl ManagementGroup {
    pub fn arm_id(&self) -> String {
        format!(
            "/providers/Microsoft.Management/managementGroups/{}",
            self.name
        )
    }
}

/// A custom role definition (built-in roles live in code, see [`crate::rbac`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomRole {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub role_name: String,
    pub description: String,
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub data_actions: Vec<String>,
    pub not_data_actions: Vec<String>,
    /// Canonical (lowercase) scopes where the role may be assigned.
    pub assignable_scopes: Vec<String>,
    pub created_at: UnixTime,
}
