//! Rows of the generic ARM resources table.

use super::{IntoModel, from_json, uuid};
use crate::StoreResult;
use keyless_model::UnixTime;
use keyless_model::arm::Resource;

#[derive(sqlx::FromRow)]
pub(crate) struct ResourceRow {
    id: String,
    subscription_id: String,
    resource_group: String,
    resource_type: String,
    name: String,
    location: Option<String>,
    tags: String,
    properties: String,
    extra: String,
    created_at: UnixTime,
}

impl IntoModel for ResourceRow {
    type Model = Resource;
    fn into_model(self) -> StoreResult<Resource> {
        Ok(Resource {
            subscription_id: uuid("resources.subscription_id", &self.subscription_id)?,
            tags: from_json("resources.tags", &self.tags)?,
            properties: from_json("resources.properties", &self.properties)?,
            extra: from_json("resources.extra", &self.extra)?,
            id: self.id,
            resource_group: self.resource_group,
            resource_type: self.resource_type,
            name: self.name,
            location: self.location,
            created_at: self.created_at,
        })
    }
}
