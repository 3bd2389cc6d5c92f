//! Directory role assignments and guest memberships.

use super::found;
use crate::errors::db_err;
use crate::rows::{DirectoryRoleRow, GuestMembershipRow, id};
use crate::{DirectoryRoleStore, StoreResult};
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::directory::GuestMembership;
use keyless_model::directory_roles::{DirectoryRole, DirectoryRoleAssignment};

select!($ roles =
    "SELECT tenant_id, principal_id, principal_type, role_template_id, created_at \
     FROM directory_role_assignments ");

select!($ guests = "SELECT tenant_id, user_id, created_at FROM guest_memberships ");

for_each_backend! {
    #[async_trait]
    impl DirectoryRoleStore for Backend {
        async fn add_directory_role(&self, a: &DirectoryRoleAssignment) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO directory_role_assignments (tenant_id, principal_id, principal_type, \
                 role_template_id, created_at) VALUES ($1, $2, $3, $4, $5)",
                id(a.tenant_id),
                id(a.principal_id),
                a.principal_type.as_str(),
                id(a.role.template_id()),
                a.created_at,
            );
            Ok(())
        }

        async fn remove_directory_role(
            &self,
            tenant_id: Uuid,
            principal_id: Uuid,
            role: DirectoryRole,
        ) -> StoreResult<()> {
            found(execute!(
                self,
                "DELETE FROM directory_role_assignments WHERE tenant_id = $1 \
                 AND principal_id = $2 AND role_template_id = $3",
                id(tenant_id),
                id(principal_id),
                id(role.template_id()),
            ))
        }

        async fn list_principal_directory_roles(
            &self,
            tenant_id: Uuid,
            principal_id: Uuid,
        ) -> StoreResult<Vec<DirectoryRoleAssignment>> {
            fetch_all!(
                self,
                DirectoryRoleRow,
                roles!(
                    "WHERE tenant_id = $1 AND principal_id = $2 \
                     ORDER BY created_at, role_template_id"
                ),
                id(tenant_id),
                id(principal_id),
            )
        }

        async fn list_directory_roles(
            &self,
            tenant_id: Uuid,
        ) -> StoreResult<Vec<DirectoryRoleAssignment>> {
            fetch_all!(
                self,
                DirectoryRoleRow,
                roles!("WHERE tenant_id = $1 ORDER BY created_at, principal_id, role_template_id"),
                id(tenant_id),
            )
        }

        async fn add_guest_membership(&self, g: &GuestMembership) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO guest_memberships (tenant_id, user_id, created_at) VALUES ($1, $2, $3)",
                id(g.tenant_id),
                id(g.user_id),
                g.created_at,
            );
            Ok(())
        }

        async fn list_guest_memberships(&self, user_id: Uuid) -> StoreResult<Vec<GuestMembership>> {
            fetch_all!(
                self,
                GuestMembershipRow,
                guests!("WHERE user_id = $1 ORDER BY created_at, tenant_id"),
                id(user_id),
            )
        }

        async fn list_tenant_guests(&self, tenant_id: Uuid) -> StoreResult<Vec<GuestMembership>> {
            fetch_all!(
                self,
                GuestMembershipRow,
                guests!("WHERE tenant_id = $1 ORDER BY created_at, user_id"),
                id(tenant_id),
            )
        }

        async fn remove_guest_membership(&self, tenant_id: Uuid, user_id: Uuid) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            execute!(
                in tx,
                "DELETE FROM directory_role_assignments WHERE tenant_id = $1 AND principal_id = $2",
                id(tenant_id),
                id(user_id),
            );
            found(execute!(
                in tx,
                "DELETE FROM guest_memberships WHERE tenant_id = $1 AND user_id = $2",
                id(tenant_id),
                id(user_id),
            ))?;
            tx.commit().await.map_err(db_err)
        }
    }
}
