//! Rows of the management tables: management groups and custom role definitions.

use keyless_model::UnixTime;
use keyless_model::arm::{CustomRole, ManagementGroup};

rows! {
    /// A group joined with its parent, whose own `name` is the `parent` column.
    ManagementGroupRow => ManagementGroup in "management_groups" {
        name: String,
        tenant_id: String as uuid,
        display_name: String,
        parent: Option<String>,
        created_at: UnixTime,
    }

    CustomRoleRow => CustomRole in "custom_roles" {
        id: String as uuid,
        tenant_id: String as uuid,
        role_name: String,
        description: String,
        actions: String as json,
        not_actions: String as json,
        data_actions: String as json,
        not_data_actions: String as json,
        assignable_scopes: String as json,
        created_at: UnixTime,
    }
}
