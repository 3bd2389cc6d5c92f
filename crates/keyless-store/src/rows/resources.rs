//! Rows of the generic ARM resources table.

use keyless_model::UnixTime;
use keyless_model::arm::Resource;

rows! {
    ResourceRow => Resource in "resources" {
        id: String,
        subscription_id: String as uuid,
        resource_group: String,
        resource_type: String,
        name: String,
        location: Option<String>,
        tags: String as json,
        properties: String as json,
        extra: String as json,
        created_at: UnixTime,
    }
}
