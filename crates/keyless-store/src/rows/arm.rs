//! Rows of the ARM tables: subscriptions, resource groups, role assignments.

use super::{IntoModel, from_json, opt_uuid, uuid};
use crate::StoreResult;
use keyless_model::UnixTime;
use keyless_model::arm::{ResourceGroup, RoleAssignment, Subscription};

#[derive(sqlx::FromRow)]
pub(crate) struct SubscriptionRow {
    id: String,
    tenant_id: String,
    display_name: String,
    state: String,
    created_at: UnixTime,
}

impl IntoModel for SubscriptionRow {
    type Model = Subscription;
    fn into_model(self) -> StoreResult<Subscription> {
        Ok(Subscription {
            id: uuid("subscriptions.id", &self.id)?,
            tenant_id: uuid("subscriptions.tenant_id", &self.tenant_id)?,
            display_name: self.display_name,
            state: self.state,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ResourceGroupRow {
    subscription_id: String,
    name: String,
    location: String,
    tags: String,
    created_at: UnixTime,
}

impl IntoModel for ResourceGroupRow {
    type Model = ResourceGroup;
    fn into_model(self) -> StoreResult<ResourceGroup> {
        Ok(ResourceGroup {
            subscription_id: uuid("resource_groups.subscription_id", &self.subscription_id)?,
            tags: from_json("resource_groups.tags", &self.tags)?,
            name: self.name,
            location: self.location,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RoleAssignmentRow {
    id: String,
    scope: String,
    role_definition_id: String,
    principal_id: String,
    principal_type: String,
    created_by: Option<String>,
    created_at: UnixTime,
}

impl IntoModel for RoleAssignmentRow {
    type Model = RoleAssignment;
    fn into_model(self) -> StoreResult<RoleAssignment> {
        Ok(RoleAssignment {
            id: uuid("role_assignments.id", &self.id)?,
            role_definition_id: uuid(
                "role_assignments.role_definition_id",
                &self.role_definition_id,
            )?,
            principal_id: uuid("role_assignments.principal_id", &self.principal_id)?,
            created_by: opt_uuid("role_assignments.created_by", self.created_by)?,
            scope: self.scope,
            principal_type: self.principal_type,
            created_at: self.created_at,
        })
    }
}
