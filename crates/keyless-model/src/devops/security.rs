//! Who may do what with service connections: project groups, the security roles on
//! connections (project-wide and per connection) and pipeline permissions. Pure rules;
//! the DevOps plane gathers the facts and calls these.
//!
//! - Project groups: Project Administrators, Contributors, Readers, Endpoint Creators,
//!   Endpoint Administrators. Contributors are Endpoint Creators by default; Project
//!   Administrators are Endpoint Administrators.
//! - Roles, weakest first: Reader (see), User (use in pipelines), Creator (create in the
//!   project), Administrator (manage: update, delete, security, pipeline permissions).
//!   Endpoint Creators hold Creator on every connection of the project, Endpoint
//!   Administrators Administrator; a per-connection role adds to the project-wide one.
//! - As in Azure DevOps, a user has a place in a project only through its groups: a member
//!   of the organization's tenant who is in no group of a project has no right there.
//!   Project Collection Administrators (`organization::Standing`) have every right.
//! - A Stakeholder's Contributors membership grants at most User: Stakeholders create
//!   connections only as Endpoint Creators, Endpoint Administrators, Project Administrators
//!   or Project Collection Administrators.
//! - Every project group sees the project's connections (Project Valid Users are Readers of
//!   service connections).

use super::organization::AccessLevel;
use serde::{Deserialize, Serialize};

/// A project's security group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProjectGroup {
    ProjectAdministrators,
    Contributors,
    Readers,
    EndpointCreators,
    EndpointAdministrators,
    BuildAdministrators,
}

impl ProjectGroup {
    pub const ALL: [ProjectGroup; 6] = [
        ProjectGroup::ProjectAdministrators,
        ProjectGroup::Contributors,
        ProjectGroup::Readers,
        ProjectGroup::EndpointCreators,
        ProjectGroup::EndpointAdministrators,
        ProjectGroup::BuildAdministrators,
    ];
    /// The display name, as Azure DevOps spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectGroup::ProjectAdministrators => "Project Administrators",
            ProjectGroup::Contributors => "Contributors",
            ProjectGroup::Readers => "Readers",
            ProjectGroup::EndpointCreators => "Endpoint Creators",
            ProjectGroup::EndpointAdministrators => "Endpoint Administrators",
            ProjectGroup::BuildAdministrators => "Build Administrators",
        }
    }
    /// Display name or the name without spaces, any case.
    pub fn parse(s: &str) -> Option<Self> {
        let key: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|g| g.as_str().replace(' ', "").to_ascii_lowercase() == key)
    }
    /// The project-wide connection role the group grants a user of this access level.
    pub fn endpoint_role_at(self, level: AccessLevel) -> EndpointRole {
        match (self, level) {
            (ProjectGroup::Contributors, AccessLevel::Stakeholder) => EndpointRole::User,
            _ => self.endpoint_role(),
        }
    }
    /// The project-wide connection role the group grants a Basic user.
    pub fn endpoint_role(self) -> EndpointRole {
        match self {
            ProjectGroup::ProjectAdministrators | ProjectGroup::EndpointAdministrators => {
                EndpointRole::Administrator
            }
            ProjectGroup::Contributors | ProjectGroup::EndpointCreators => EndpointRole::Creator,
            ProjectGroup::Readers | ProjectGroup::BuildAdministrators => EndpointRole::Reader,
        }
    }
}

/// A security role on service connections, weakest first (the order is the grant order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EndpointRole {
    Reader,
    User,
    Creator,
    Administrator,
}

impl EndpointRole {
    pub fn as_str(self) -> &'static str {
        match self {
            EndpointRole::Reader => "Reader",
            EndpointRole::User => "User",
            EndpointRole::Creator => "Creator",
            EndpointRole::Administrator => "Administrator",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            EndpointRole::Reader,
            EndpointRole::User,
            EndpointRole::Creator,
            EndpointRole::Administrator,
        ]
        .into_iter()
        .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }
    /// Whether the role permits the action.
    pub fn allows(self, action: EndpointAction) -> bool {
        let needed = match action {
            EndpointAction::View => EndpointRole::Reader,
            EndpointAction::Use => EndpointRole::User,
            EndpointAction::Create => EndpointRole::Creator,
            EndpointAction::Manage => EndpointRole::Administrator,
        };
        self >= needed
    }
}

/// What a caller wants to do with a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointAction {
    /// See it (list, get).
    View,
    /// Use it from a pipeline, verify it.
    Use,
    /// Create a connection in the project.
    Create,
    /// Update, delete, convert, share, change its security or pipeline permissions.
    Manage,
}

/// The strongest role from the project groups and the per-connection role (if any), for a
/// Basic user.
pub fn effective_role(
    groups: &[ProjectGroup],
    connection_role: Option<EndpointRole>,
) -> Option<EndpointRole> {
    effective_role_at(AccessLevel::Basic, groups, connection_role)
}

/// The strongest role from the project groups (as they apply at the access level) and the
/// per-connection role (if any).
pub fn effective_role_at(
    level: AccessLevel,
    groups: &[ProjectGroup],
    connection_role: Option<EndpointRole>,
) -> Option<EndpointRole> {
    groups
        .iter()
        .map(|g| g.endpoint_role_at(level))
        .chain(connection_role)
        .max()
}

/// Pipeline permissions of one connection: open to every pipeline of the projects it is in,
/// or only to the pipelines authorized one by one.
pub fn pipeline_authorized(all_pipelines: bool, authorized: &[i64], pipeline_id: i64) -> bool {
    all_pipelines || authorized.contains(&pipeline_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use EndpointAction::*;
    use EndpointRole as R;
    use ProjectGroup as G;

    #[test]
    fn roles_allow_their_actions_and_nothing_above() {
        let table = [
            (R::Reader, [true, false, false, false]),
            (R::User, [true, true, false, false]),
            (R::Creator, [true, true, true, false]),
            (R::Administrator, [true, true, true, true]),
        ];
        for (role, want) in table {
            for (action, w) in [View, Use, Create, Manage].into_iter().zip(want) {
                assert_eq!(role.allows(action), w, "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn groups_grant_project_roles() {
        let table = [
            (vec![], None),
            (vec![G::Readers], Some(R::Reader)),
            (vec![G::Contributors], Some(R::Creator)),
            (vec![G::EndpointCreators], Some(R::Creator)),
            (vec![G::EndpointAdministrators], Some(R::Administrator)),
            (vec![G::ProjectAdministrators], Some(R::Administrator)),
            (vec![G::Readers, G::EndpointCreators], Some(R::Creator)),
            (vec![G::BuildAdministrators], Some(R::Reader)),
        ];
        for (groups, want) in table {
            assert_eq!(effective_role(&groups, None), want, "{groups:?}");
        }
        assert_eq!(
            effective_role(&[G::Readers], Some(R::User)),
            Some(R::User),
            "a connection role adds to the project role"
        );
        assert_eq!(
            effective_role(&[G::EndpointAdministrators], Some(R::Reader)),
            Some(R::Administrator),
            "and never takes from it"
        );
        assert_eq!(effective_role(&[], Some(R::User)), Some(R::User));
    }

    #[test]
    fn stakeholders_create_only_through_endpoint_or_project_administration_groups() {
        use AccessLevel::{Basic, Stakeholder};
        let table = [
            (Stakeholder, vec![G::Contributors], Some(R::User)),
            (Basic, vec![G::Contributors], Some(R::Creator)),
            (Stakeholder, vec![G::Readers], Some(R::Reader)),
            (Stakeholder, vec![G::EndpointCreators], Some(R::Creator)),
            (
                Stakeholder,
                vec![G::Contributors, G::EndpointCreators],
                Some(R::Creator),
            ),
            (
                Stakeholder,
                vec![G::EndpointAdministrators],
                Some(R::Administrator),
            ),
            (
                Stakeholder,
                vec![G::ProjectAdministrators],
                Some(R::Administrator),
            ),
            (Stakeholder, vec![G::BuildAdministrators], Some(R::Reader)),
            (Stakeholder, vec![], None),
        ];
        for (level, groups, want) in table {
            let got = effective_role_at(level, &groups, None);
            assert_eq!(got, want, "{level:?} {groups:?}");
            assert_eq!(
                got.is_some_and(|r| r.allows(Create)),
                want == Some(R::Creator) || want == Some(R::Administrator)
            );
        }
        assert_eq!(
            effective_role_at(Stakeholder, &[G::Contributors], Some(R::Administrator)),
            Some(R::Administrator),
            "a connection role still adds"
        );
    }

    #[test]
    fn names_parse_in_any_spelling() {
        for g in G::ALL {
            assert_eq!(G::parse(g.as_str()), Some(g));
            assert_eq!(
                G::parse(&g.as_str().replace(' ', "").to_uppercase()),
                Some(g)
            );
        }
        assert_eq!(G::parse("Builders"), None);
        assert_eq!(R::parse("administrator"), Some(R::Administrator));
        assert_eq!(R::parse("Owner"), None);
    }

    #[test]
    fn pipeline_permissions() {
        assert!(pipeline_authorized(true, &[], 7));
        assert!(pipeline_authorized(false, &[3, 7], 7));
        assert!(!pipeline_authorized(false, &[3], 7));
        assert!(!pipeline_authorized(false, &[], 7));
    }
}
