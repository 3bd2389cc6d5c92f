//! Service principals and managed identities as users of organizations and members of
//! projects.

use super::found;
use crate::errors::db_err;
use crate::rows::{OrganizationIdentityRow, ProjectIdentityRow, id};
use crate::{OrganizationIdentityStore, StoreResult};
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::devops::identities::{OrganizationIdentity, ProjectIdentity};

for_each_backend! {
    #[async_trait]
    impl OrganizationIdentityStore for Backend {
        async fn put_organization_identity(&self, m: &OrganizationIdentity) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO organization_identities (organization_id, principal_id, \
                 access_level, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (organization_id, principal_id) \
                 DO UPDATE SET access_level = excluded.access_level",
                id(m.organization_id),
                id(m.principal_id),
                &m.access_level,
                m.created_at,
            );
            Ok(())
        }

        async fn get_organization_identity(
            &self,
            organization_id: Uuid,
            principal_id: Uuid,
        ) -> StoreResult<OrganizationIdentity> {
            fetch_one!(
                self,
                OrganizationIdentityRow,
                "SELECT organization_id, principal_id, access_level, created_at \
                 FROM organization_identities WHERE organization_id = $1 AND principal_id = $2",
                id(organization_id),
                id(principal_id),
            )
        }

        async fn list_organization_identities(
            &self,
            organization_id: Uuid,
        ) -> StoreResult<Vec<OrganizationIdentity>> {
            fetch_all!(
                self,
                OrganizationIdentityRow,
                "SELECT organization_id, principal_id, access_level, created_at \
                 FROM organization_identities WHERE organization_id = $1 \
                 ORDER BY created_at, principal_id",
                id(organization_id),
            )
        }

        async fn delete_organization_identity(
            &self,
            organization_id: Uuid,
            principal_id: Uuid,
        ) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            execute!(
                in tx,
                super::cascade::ORGANIZATION_IDENTITY,
                id(principal_id),
                id(organization_id),
            );
            found(execute!(
                in tx,
                "DELETE FROM organization_identities \
                 WHERE organization_id = $1 AND principal_id = $2",
                id(organization_id),
                id(principal_id),
            ))?;
            tx.commit().await.map_err(db_err)
        }

        async fn put_project_identity(&self, m: &ProjectIdentity) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO project_identities (project_id, principal_id, group_name) \
                 VALUES ($1, $2, $3) ON CONFLICT (project_id, principal_id) \
                 DO UPDATE SET group_name = excluded.group_name",
                id(m.project_id),
                id(m.principal_id),
                &m.group,
            );
            Ok(())
        }

        async fn get_project_identity(
            &self,
            project_id: Uuid,
            principal_id: Uuid,
        ) -> StoreResult<ProjectIdentity> {
            fetch_one!(
                self,
                ProjectIdentityRow,
                "SELECT project_id, principal_id, group_name FROM project_identities \
                 WHERE project_id = $1 AND principal_id = $2",
                id(project_id),
                id(principal_id),
            )
        }

        async fn list_projects_of_identity(
            &self,
            principal_id: Uuid,
        ) -> StoreResult<Vec<ProjectIdentity>> {
            fetch_all!(
                self,
                ProjectIdentityRow,
                "SELECT project_id, principal_id, group_name FROM project_identities \
                 WHERE principal_id = $1 ORDER BY project_id",
                id(principal_id),
            )
        }

        async fn delete_project_identity(
            &self,
            project_id: Uuid,
            principal_id: Uuid,
        ) -> StoreResult<()> {
            found(execute!(
                self,
                "DELETE FROM project_identities WHERE project_id = $1 AND principal_id = $2",
                id(project_id),
                id(principal_id),
            ))
        }
    }
}
