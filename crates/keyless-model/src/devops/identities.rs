//! Service principals and managed identities as users of an organization. Azure DevOps lets
//! an identity call its REST API with an Entra access token only once it was added to the
//! organization (else TF401444), and sees a project only through a project group
//! (else VS800075).

use crate::{UnixTime, Uuid};
use serde::{Deserialize, Serialize};

/// Access levels an identity can be given (Azure DevOps has no Visual Studio subscriber
/// level for service principals).
pub const ACCESS_LEVELS: &[&str] = &["Basic", "Stakeholder"];

/// Project groups an identity can join.
pub const PROJECT_GROUPS: &[&str] = &["Readers", "Contributors", "Project Administrators"];

/// An identity added to an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationIdentity {
    pub organization_id: Uuid,
    /// The service principal's object id.
    pub principal_id: Uuid,
    /// `Basic` or `Stakeholder`.
    pub access_level: String,
    pub created_at: UnixTime,
}

/// An identity's group in one project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectIdentity {
    pub project_id: Uuid,
    pub principal_id: Uuid,
    /// One of [`PROJECT_GROUPS`].
    pub group: String,
}

/// The canonical spelling of an access level, compared case-insensitively.
pub fn access_level(s: &str) -> Option<&'static str> {
    ACCESS_LEVELS
        .iter()
        .copied()
        .find(|l| l.eq_ignore_ascii_case(s))
}

/// The canonical spelling of a project group, compared case-insensitively.
pub fn project_group(s: &str) -> Option<&'static str> {
    PROJECT_GROUPS
        .iter()
        .copied()
        .find(|g| g.eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_canonicalised() {
        assert_eq!(access_level("basic"), Some("Basic"));
        assert_eq!(access_level("Advanced"), None);
        assert_eq!(project_group("contributors"), Some("Contributors"));
        assert_eq!(
            project_group("project administrators"),
            Some("Project Administrators")
        );
        assert_eq!(project_group("Owners"), None);
    }
}
