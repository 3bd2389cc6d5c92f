//! Rows of directory role assignments and guest memberships.

use super::{corrupt, uuid};
use crate::StoreResult;
use keyless_model::UnixTime;
use keyless_model::directory::GuestMembership;
use keyless_model::directory_roles::{DirectoryRole, DirectoryRoleAssignment, PrincipalType};

rows! {
    DirectoryRoleRow => DirectoryRoleAssignment in "directory_role_assignments" {
        tenant_id: String as uuid,
        principal_id: String as uuid,
        principal_type: String as parse(PrincipalType),
        role from "role_template_id": String as directory_role,
        created_at: UnixTime,
    }

    GuestMembershipRow => GuestMembership in "guest_memberships" {
        tenant_id: String as uuid,
        user_id: String as uuid,
        created_at: UnixTime,
    }
}

/// The role whose template id the column holds.
fn directory_role(column: &str, template_id: &str) -> StoreResult<DirectoryRole> {
    DirectoryRole::from_template_id(uuid(column, template_id)?)
        .ok_or_else(|| corrupt(column, "not a known role"))
}
