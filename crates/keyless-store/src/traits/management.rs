//! The management-group hierarchy, where subscriptions sit in it, and custom role
//! definitions (built-in roles live in code, see `keyless_model::rbac`).

use crate::StoreResult;
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::arm::{CustomRole, ManagementGroup, Subscription};

/// The most names [`ManagementStore::management_group_ancestors`] returns: the group and
/// up to nine groups above it (Azure allows six levels below the root, seven names).
pub const MANAGEMENT_GROUP_MAX_DEPTH: usize = 10;

/// Management group names are unique across all tenants and case-insensitive: every `name`
/// argument may use any spelling, and a group reads back with the spelling it was created
/// with (its `parent` with the parent's own spelling).
#[async_trait]
pub trait ManagementStore {
    /// `conflict::MANAGEMENT_GROUP` when the name is taken (in any tenant); `NotFound` when
    /// the tenant does not exist or `parent` is not a group of the same tenant.
    async fn create_management_group(&self, g: &ManagementGroup) -> StoreResult<()>;
    async fn get_management_group(&self, name: &str) -> StoreResult<ManagementGroup>;
    /// By name (case-insensitive).
    async fn list_management_groups(&self, tenant_id: Uuid) -> StoreResult<Vec<ManagementGroup>>;
    /// Updates the display name and the parent of the group named `g.name` (the tenant and
    /// creation time are immutable). `NotFound` when the group does not exist or the new
    /// parent is not a group of its tenant; `conflict::MANAGEMENT_GROUP_CYCLE` when the new
    /// parent is the group itself or lies below it (checked in the update's transaction,
    /// with hierarchy changes serialised, so concurrent moves cannot make a cycle either).
    async fn update_management_group(&self, g: &ManagementGroup) -> StoreResult<()>;
    /// `conflict::MANAGEMENT_GROUP_NOT_EMPTY` while child groups or subscriptions sit
    /// under the group. Deletes the role assignments at or below the group's scope
    /// (`/providers/microsoft.management/managementgroups/{lowercase name}`) in the same
    /// transaction.
    async fn delete_management_group(&self, name: &str) -> StoreResult<()>;

    /// Places the subscription under a group of its own tenant, or at the tenant root
    /// (`None`). `NotFound` when the subscription does not exist, or the group does not
    /// exist in the subscription's tenant.
    async fn set_subscription_management_group(
        &self,
        subscription_id: Uuid,
        group: Option<&str>,
    ) -> StoreResult<()>;
    /// The name of the group the subscription sits under (`None`: the tenant root).
    /// `NotFound` when the subscription does not exist.
    async fn get_subscription_management_group(
        &self,
        subscription_id: Uuid,
    ) -> StoreResult<Option<String>>;
    /// The subscriptions placed directly under the group, by `created_at`, then id; empty
    /// for a group that does not exist.
    async fn list_subscriptions_in_group(&self, name: &str) -> StoreResult<Vec<Subscription>>;

    /// The group's name followed by its parent's, and so on up to its root, nearest first,
    /// at most [`MANAGEMENT_GROUP_MAX_DEPTH`] names. `NotFound` when the group does not
    /// exist.
    async fn management_group_ancestors(&self, name: &str) -> StoreResult<Vec<String>>;

    /// `conflict::DUPLICATE_ID` when the id is taken; `conflict::ROLE_NAME` when the tenant
    /// has a role of this name (case-insensitive); `NotFound` for an unknown tenant.
    /// Assignable scopes are stored lowercase.
    async fn create_custom_role(&self, r: &CustomRole) -> StoreResult<()>;
    async fn get_custom_role(&self, id: Uuid) -> StoreResult<CustomRole>;
    /// By role name (case-insensitive), then id.
    async fn list_custom_roles(&self, tenant_id: Uuid) -> StoreResult<Vec<CustomRole>>;
    /// Replaces the name, description, permission lists and assignable scopes of the role
    /// with id `r.id` (the tenant and creation time are immutable); `conflict::ROLE_NAME`
    /// when the new name is taken in the tenant.
    async fn update_custom_role(&self, r: &CustomRole) -> StoreResult<()>;
    /// `conflict::ROLE_IN_USE` while a role assignment names the role (role assignment
    /// writes wait for the check, so none can slip in between).
    async fn delete_custom_role(&self, id: Uuid) -> StoreResult<()>;
}
