//! Service principals and managed identities as users of organizations and members of
//! projects (`keyless_model::devops::identities`).

use crate::StoreResult;
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::devops::identities::{OrganizationIdentity, ProjectIdentity};

#[async_trait]
pub trait OrganizationIdentityStore {
    /// Adds the identity to the organization, or changes its access level. `NotFound` when
    /// the organization or the service principal does not exist.
    async fn put_organization_identity(&self, m: &OrganizationIdentity) -> StoreResult<()>;
    async fn get_organization_identity(
        &self,
        organization_id: Uuid,
        principal_id: Uuid,
    ) -> StoreResult<OrganizationIdentity>;
    /// Oldest first.
    async fn list_organization_identities(
        &self,
        organization_id: Uuid,
    ) -> StoreResult<Vec<OrganizationIdentity>>;
    /// Removes the identity from the organization and from every project of it, in one
    /// transaction. `NotFound` when it was not a user of the organization.
    async fn delete_organization_identity(
        &self,
        organization_id: Uuid,
        principal_id: Uuid,
    ) -> StoreResult<()>;
    /// Puts the identity in a project group (replacing its group there). `NotFound` when the
    /// project or the service principal does not exist.
    async fn put_project_identity(&self, m: &ProjectIdentity) -> StoreResult<()>;
    async fn get_project_identity(
        &self,
        project_id: Uuid,
        principal_id: Uuid,
    ) -> StoreResult<ProjectIdentity>;
    /// The identity's projects (any organization).
    async fn list_projects_of_identity(
        &self,
        principal_id: Uuid,
    ) -> StoreResult<Vec<ProjectIdentity>>;
    /// `NotFound` when the identity was not in the project.
    async fn delete_project_identity(
        &self,
        project_id: Uuid,
        principal_id: Uuid,
    ) -> StoreResult<()>;
}
