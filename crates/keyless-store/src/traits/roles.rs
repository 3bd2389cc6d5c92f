//! Directory roles held by users and service principals per tenant, and users' guest
//! memberships in tenants other than their home tenant. The rules that read them live in
//! `keyless_model::directory_roles`.

use crate::StoreResult;
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::directory::GuestMembership;
use keyless_model::directory_roles::{DirectoryRole, DirectoryRoleAssignment};

#[async_trait]
pub trait DirectoryRoleStore {
    /// `conflict::DIRECTORY_ROLE_EXISTS` when the principal holds the role in the tenant;
    /// `NotFound` for an unknown tenant.
    async fn add_directory_role(&self, a: &DirectoryRoleAssignment) -> StoreResult<()>;
    /// `NotFound` when the principal does not hold the role in the tenant.
    async fn remove_directory_role(
        &self,
        tenant_id: Uuid,
        principal_id: Uuid,
        role: DirectoryRole,
    ) -> StoreResult<()>;
    /// The roles of one principal in one tenant, by creation time.
    async fn list_principal_directory_roles(
        &self,
        tenant_id: Uuid,
        principal_id: Uuid,
    ) -> StoreResult<Vec<DirectoryRoleAssignment>>;
    /// Every role assignment of a tenant, by creation time, then principal.
    async fn list_directory_roles(
        &self,
        tenant_id: Uuid,
    ) -> StoreResult<Vec<DirectoryRoleAssignment>>;

    /// `conflict::GUEST_EXISTS` when the user is already a guest there; `NotFound` for an
    /// unknown tenant or user.
    async fn add_guest_membership(&self, g: &GuestMembership) -> StoreResult<()>;
    /// The user's guest memberships (the tenants they were invited into), by creation time.
    async fn list_guest_memberships(&self, user_id: Uuid) -> StoreResult<Vec<GuestMembership>>;
    /// The guests of a tenant, by creation time.
    async fn list_tenant_guests(&self, tenant_id: Uuid) -> StoreResult<Vec<GuestMembership>>;
    /// Also removes the directory roles the user held in that tenant. `NotFound` when the
    /// user is not a guest there.
    async fn remove_guest_membership(&self, tenant_id: Uuid, user_id: Uuid) -> StoreResult<()>;
}
