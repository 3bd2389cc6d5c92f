//! Rows of the organization and project identity tables.

use super::{IntoModel, uuid};
use crate::StoreResult;
use keyless_model::UnixTime;
use keyless_model::devops::identities::{OrganizationIdentity, ProjectIdentity};

rows! {
    OrganizationIdentityRow => OrganizationIdentity in "organization_identities" {
        organization_id: String as uuid,
        principal_id: String as uuid,
        access_level: String,
        created_at: UnixTime,
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ProjectIdentityRow {
    project_id: String,
    principal_id: String,
    group_name: String,
}

impl IntoModel for ProjectIdentityRow {
    type Model = ProjectIdentity;
    fn into_model(self) -> StoreResult<ProjectIdentity> {
        Ok(ProjectIdentity {
            project_id: uuid("project_identities.project_id", &self.project_id)?,
            principal_id: uuid("project_identities.principal_id", &self.principal_id)?,
            group: self.group_name,
        })
    }
}
