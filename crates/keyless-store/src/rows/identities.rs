//! Rows of the organization and project identity tables.

use keyless_model::UnixTime;
use keyless_model::devops::identities::{OrganizationIdentity, ProjectIdentity};

rows! {
    OrganizationIdentityRow => OrganizationIdentity in "organization_identities" {
        organization_id: String as uuid,
        principal_id: String as uuid,
        access_level: String,
        created_at: UnixTime,
    }

    ProjectIdentityRow => ProjectIdentity in "project_identities" {
        project_id: String as uuid,
        principal_id: String as uuid,
        group from "group_name": String,
    }
}
