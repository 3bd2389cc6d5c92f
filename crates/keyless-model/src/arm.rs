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
