//! Rows of the management tables: management groups and custom role definitions.

use super::{IntoModel, from_json, uuid};
use crate::StoreResult;
use keyless_model::UnixTime;
use keyless_model::arm::{CustomRole, ManagementGroup};

/// A group joined with its parent, whose own `name` is the `parent` column.
#[derive(sqlx::FromRow)]
pub(crate) struct ManagementGroupRow {
    name: String,
    tenant_id: String,
    display_name: String,
    parent: Option<String>,
    created_at: UnixTime,
}

impl IntoModel for ManagementGroupRow {
    type Model = ManagementGroup;
    fn into_model(self) -> StoreResult<ManagementGroup> {
        Ok(ManagementGroup {
            tenant_id: uuid("management_groups.tenant_id", &self.tenant_id)?,
            name: self.name,
            display_name: self.display_name,
            parent: self.parent,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CustomRoleRow {
    id: String,
    tenant_id: String,
    role_name: String,
    description: String,
    actions: String,
    not_actions: String,
    data_actions: String,
    not_data_actions: String,
    assignable_scopes: String,
    created_at: UnixTime,
}

impl IntoModel for CustomRoleRow {
    type Model = CustomRole;
    fn into_model(self) -> StoreResult<CustomRole> {
        Ok(CustomRole {
            id: uuid("custom_roles.id", &self.id)?,
            tenant_id: uuid("custom_roles.tenant_id", &self.tenant_id)?,
            actions: from_json("custom_roles.actions", &self.actions)?,
            not_actions: from_json("custom_roles.not_actions", &self.not_actions)?,
            data_actions: from_json("custom_roles.data_actions", &self.data_actions)?,
            not_data_actions: from_json("custom_roles.not_data_actions", &self.not_data_actions)?,
            assignable_scopes: from_json(
                "custom_roles.assignable_scopes",
                &self.assignable_scopes,
            )?,
            role_name: self.role_name,
            description: self.description,
            created_at: self.created_at,
        })
    }
}
