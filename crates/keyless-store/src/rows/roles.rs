//! Rows of directory role assignments and guest memberships.

use super::{IntoModel, corrupt, uuid};
use crate::StoreResult;
use keyless_model::UnixTime;
use keyless_model::directory::GuestMembership;
use keyless_model::directory_roles::{DirectoryRole, DirectoryRoleAssignment, PrincipalType};

#[derive(sqlx::FromRow)]
pub(crate) struct DirectoryRoleRow {
    tenant_id: String,
    principal_id: String,
    principal_type: String,
    role_template_id: String,
    created_at: UnixTime,
}

impl IntoModel for DirectoryRoleRow {
    type Model = DirectoryRoleAssignment;
    fn into_model(self) -> StoreResult<DirectoryRoleAssignment> {
        let template = uuid(
            "directory_role_assignments.role_template_id",
            &self.role_template_id,
        )?;
        Ok(DirectoryRoleAssignment {
            tenant_id: uuid("directory_role_assignments.tenant_id", &self.tenant_id)?,
            principal_id: uuid(
                "directory_role_assignments.principal_id",
                &self.principal_id,
            )?,
            principal_type: PrincipalType::parse(&self.principal_type).ok_or_else(|| {
                corrupt(
                    "directory_role_assignments.principal_type",
                    &self.principal_type,
                )
            })?,
            role: DirectoryRole::from_template_id(template).ok_or_else(|| {
                corrupt(
                    "directory_role_assignments.role_template_id",
                    "not a known role",
                )
            })?,
            created_at: self.created_at,
        })
    }
}

rows! {
    GuestMembershipRow => GuestMembership in "guest_memberships" {
        tenant_id: String as uuid,
        user_id: String as uuid,
        created_at: UnixTime,
    }
}
