//! Who may see, edit, run and secure a pipeline: Azure DevOps' build pipeline permissions.
//! Pure rules; the DevOps plane gathers the caller's groups and the pipeline's entries.
//!
//! - Defaults by project group: every group views pipelines; Contributors, Build
//!   Administrators and Project Administrators edit them and queue runs; Build
//!   Administrators and Project Administrators administer their permissions. Readers and
//!   the endpoint groups only view. The access level plays no part: on Azure DevOps Services
//!   a Stakeholder in Contributors may run pipelines.
//! - A pipeline's own entries allow or deny one permission to a group or a user. A deny that
//!   applies to the caller (its user or one of its groups) wins over every allow; an allow
//!   that applies wins over the group defaults.
//! - Keyless administrators (Project Collection Administrators) are not subject to these
//!   rules; the plane lets them through before asking.

use super::security::ProjectGroup;
use crate::Uuid;
use serde::{Deserialize, Serialize};

/// A permission on a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PipelinePermission {
    ViewBuildDefinition,
    EditBuildDefinition,
    QueueBuilds,
    AdministerBuildPermissions,
}

impl PipelinePermission {
    pub const ALL: [PipelinePermission; 4] = [
        PipelinePermission::ViewBuildDefinition,
        PipelinePermission::EditBuildDefinition,
        PipelinePermission::QueueBuilds,
        PipelinePermission::AdministerBuildPermissions,
    ];

    /// The name Azure DevOps' security namespace gives the action (also the stored key).
    pub fn key(self) -> &'static str {
        match self {
            PipelinePermission::ViewBuildDefinition => "ViewBuildDefinition",
            PipelinePermission::EditBuildDefinition => "EditBuildDefinition",
            PipelinePermission::QueueBuilds => "QueueBuilds",
            PipelinePermission::AdministerBuildPermissions => "AdministerBuildPermissions",
        }
    }

    /// The name the pipeline's Security page shows.
    pub fn display_name(self) -> &'static str {
        match self {
            PipelinePermission::ViewBuildDefinition => "View build pipeline",
            PipelinePermission::EditBuildDefinition => "Edit build pipeline",
            PipelinePermission::QueueBuilds => "Queue builds",
            PipelinePermission::AdministerBuildPermissions => "Administer build permissions",
        }
    }

    /// The key or the display name, any case, spaces ignored.
    pub fn parse(s: &str) -> Option<Self> {
        let norm = |x: &str| {
            x.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase()
        };
        let wanted = norm(s);
        Self::ALL
            .into_iter()
            .find(|p| norm(p.key()) == wanted || norm(p.display_name()) == wanted)
    }

    /// Whether a member of `group` holds the permission when no entry says otherwise.
    pub fn granted_by_default(self, group: ProjectGroup) -> bool {
        use ProjectGroup as G;
        match self {
            PipelinePermission::ViewBuildDefinition => true,
            PipelinePermission::EditBuildDefinition | PipelinePermission::QueueBuilds => matches!(
                group,
                G::Contributors | G::BuildAdministrators | G::ProjectAdministrators
            ),
            PipelinePermission::AdministerBuildPermissions => {
                matches!(group, G::BuildAdministrators | G::ProjectAdministrators)
            }
        }
    }
}

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AceAccess {
    Allow,
    Deny,
}

impl AceAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            AceAccess::Allow => "Allow",
            AceAccess::Deny => "Deny",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [AceAccess::Allow, AceAccess::Deny]
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// Whom an entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AceSubject {
    Group(ProjectGroup),
    User(Uuid),
}

/// One entry of a pipeline's access control list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineAce {
    pub subject: AceSubject,
    pub permission: PipelinePermission,
    pub access: AceAccess,
}

/// Whether the user, with these groups in the pipeline's project, holds the permission on
/// the pipeline whose entries are `aces`.
pub fn pipeline_permits(
    user: Uuid,
    groups: &[ProjectGroup],
    aces: &[PipelineAce],
    permission: PipelinePermission,
) -> bool {
    let applies = |a: &&PipelineAce| {
        a.permission == permission
            && match a.subject {
                AceSubject::User(u) => u == user,
                AceSubject::Group(g) => groups.contains(&g),
            }
    };
    let explicit: Vec<AceAccess> = aces.iter().filter(applies).map(|a| a.access).collect();
    if explicit.contains(&AceAccess::Deny) {
        return false;
    }
    if explicit.contains(&AceAccess::Allow) {
        return true;
    }
    groups.iter().any(|g| permission.granted_by_default(*g))
}

#[cfg(test)]
mod tests {
    use super::*;
    use PipelinePermission as P;
    use ProjectGroup as G;

    fn user() -> Uuid {
        Uuid::from_u128(7)
    }

    #[test]
    fn group_defaults() {
        // (group, view, edit, queue, administer), as Azure DevOps' defaults.
        let table = [
            (G::Readers, [true, false, false, false]),
            (G::Contributors, [true, true, true, false]),
            (G::BuildAdministrators, [true, true, true, true]),
            (G::ProjectAdministrators, [true, true, true, true]),
            (G::EndpointCreators, [true, false, false, false]),
            (G::EndpointAdministrators, [true, false, false, false]),
        ];
        for (group, want) in table {
            for (perm, w) in P::ALL.into_iter().zip(want) {
                assert_eq!(
                    pipeline_permits(user(), &[group], &[], perm),
                    w,
                    "{group:?} {perm:?}"
                );
            }
        }
        for perm in P::ALL {
            assert!(
                !pipeline_permits(user(), &[], &[], perm),
                "no group: {perm:?}"
            );
        }
    }

    #[test]
    fn entries_allow_and_deny() {
        let ace = |subject, access| PipelineAce {
            subject,
            permission: P::QueueBuilds,
            access,
        };
        let q = |groups: &[G], aces: &[PipelineAce]| {
            pipeline_permits(user(), groups, aces, P::QueueBuilds)
        };
        // An allow to Readers lets a Reader queue; to the user as well.
        assert!(q(
            &[G::Readers],
            &[ace(AceSubject::Group(G::Readers), AceAccess::Allow)]
        ));
        assert!(q(
            &[G::Readers],
            &[ace(AceSubject::User(user()), AceAccess::Allow)]
        ));
        // A deny to Contributors stops a Contributor; a deny to the user too.
        assert!(!q(
            &[G::Contributors],
            &[ace(AceSubject::Group(G::Contributors), AceAccess::Deny)]
        ));
        assert!(!q(
            &[G::ProjectAdministrators],
            &[ace(AceSubject::User(user()), AceAccess::Deny)]
        ));
        // Deny wins over allow, whichever names the caller.
        assert!(!q(
            &[G::Readers, G::Contributors],
            &[
                ace(AceSubject::Group(G::Readers), AceAccess::Allow),
                ace(AceSubject::Group(G::Contributors), AceAccess::Deny),
            ]
        ));
        // Entries for others, or for another permission, change nothing.
        assert!(!q(
            &[G::Readers],
            &[ace(AceSubject::User(Uuid::from_u128(8)), AceAccess::Allow)]
        ));
        assert!(!q(
            &[G::Readers],
            &[PipelineAce {
                subject: AceSubject::Group(G::Readers),
                permission: P::EditBuildDefinition,
                access: AceAccess::Allow,
            }]
        ));
        assert!(q(
            &[G::Contributors],
            &[ace(AceSubject::Group(G::Readers), AceAccess::Deny)]
        ));
    }

    #[test]
    fn names_parse() {
        for p in P::ALL {
            assert_eq!(P::parse(p.key()), Some(p));
            assert_eq!(P::parse(&p.display_name().to_uppercase()), Some(p));
        }
        assert_eq!(P::parse("Delete builds"), None);
        assert_eq!(AceAccess::parse(" deny "), Some(AceAccess::Deny));
        assert_eq!(AceAccess::parse("NotSet"), None);
    }
}
