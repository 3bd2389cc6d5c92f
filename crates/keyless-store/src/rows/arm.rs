//! Rows of the ARM tables: subscriptions, resource groups, role assignments.

use keyless_model::UnixTime;
use keyless_model::arm::{ResourceGroup, RoleAssignment, Subscription};

rows! {
    SubscriptionRow => Subscription in "subscriptions" {
        id: String as uuid,
        tenant_id: String as uuid,
        display_name: String,
        state: String,
        created_at: UnixTime,
    }

    ResourceGroupRow => ResourceGroup in "resource_groups" {
        subscription_id: String as uuid,
        name: String,
        location: String,
        tags: String as json,
        created_at: UnixTime,
    }

    RoleAssignmentRow => RoleAssignment in "role_assignments" {
        id: String as uuid,
        scope: String,
        role_definition_id: String as uuid,
        principal_id: String as uuid,
        principal_type: String,
        created_by: Option<String> as opt_uuid,
        created_at: UnixTime,
    }
}
