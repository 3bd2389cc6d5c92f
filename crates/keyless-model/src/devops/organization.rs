//! An organization's people and settings: its owner, its organization group Project
//! Collection Administrators, the access level of each user (Basic or Stakeholder) and its
//! preview features.
//!
//! - The Project Collection Administrators of an organization are its owner, the members of
//!   its group of that name, and every keyless administrator (who administers every
//!   organization without being listed as a member).
//! - Only they change the organization's settings.
//! - A user of the organization without a recorded level is Basic.
//! - A preview feature without a recorded setting is on.

use super::vocabulary::vocabulary;
use std::fmt;

vocabulary! {
    /// A user's access level in an organization. Case-insensitive on input.
    AccessLevel, ignore_case = true, {
        Basic => "Basic",
        /// No right to create service connections from project membership alone: only
        /// Endpoint Creators, Endpoint Administrators, Project Administrators and Project
        /// Collection Administrators create them (`security::effective_role_at`).
        Stakeholder => "Stakeholder",
    }
}

vocabulary! {
    /// A group of the organization (not of one of its projects). Case-insensitive on input.
    OrganizationGroup, ignore_case = true, {
        ProjectCollectionAdministrators => "Project Collection Administrators",
    }
}

vocabulary! {
    /// A preview feature, by its display name. Case-insensitive on input.
    PreviewFeature, ignore_case = true, {
        /// Creating Azure Resource Manager connections that authenticate by workload
        /// identity federation.
        WorkloadIdentityArm => "Workload Identity federation for ARM service connections",
    }
}

impl PreviewFeature {
    /// The short id of the settings API (`previewFeatures[].id`).
    pub const fn id(self) -> &'static str {
        match self {
            PreviewFeature::WorkloadIdentityArm => "workload-identity-arm",
        }
    }

    /// The feature named by its id or its display name, any case.
    pub fn by_id_or_name(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.id().eq_ignore_ascii_case(s))
            .or_else(|| Self::parse(s))
    }

    /// Whether the feature is on in an organization with these recorded settings.
    pub fn enabled_in(self, settings: &[(PreviewFeature, bool)]) -> bool {
        settings
            .iter()
            .find(|(f, _)| *f == self)
            .is_none_or(|(_, on)| *on)
    }
}

/// What a user is to an organization, as far as administering it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    pub keyless_administrator: bool,
    pub owner: bool,
    /// A member of the organization's Project Collection Administrators group.
    pub collection_administrators_member: bool,
}

impl Standing {
    /// A Project Collection Administrator: the owner, a member of the group, or a keyless
    /// administrator. They have every right in the organization's projects and change its
    /// settings.
    pub fn is_collection_administrator(self) -> bool {
        self.keyless_administrator || self.owner || self.collection_administrators_member
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_administrators_are_the_owner_the_members_and_keyless_administrators() {
        let table = [
            ((false, false, false), false),
            ((true, false, false), true),
            ((false, true, false), true),
            ((false, false, true), true),
        ];
        for ((keyless_administrator, owner, member), want) in table {
            let s = Standing {
                keyless_administrator,
                owner,
                collection_administrators_member: member,
            };
            assert_eq!(s.is_collection_administrator(), want, "{s:?}");
        }
    }

    #[test]
    fn features_are_on_unless_turned_off() {
        let f = PreviewFeature::WorkloadIdentityArm;
        assert!(f.enabled_in(&[]));
        assert!(f.enabled_in(&[(f, true)]));
        assert!(!f.enabled_in(&[(f, false)]));
    }

    #[test]
    fn names_parse_in_any_case() {
        assert_eq!(
            AccessLevel::parse("stakeholder"),
            Some(AccessLevel::Stakeholder)
        );
        assert_eq!(AccessLevel::parse("Advanced"), None);
        assert_eq!(
            OrganizationGroup::parse("project collection administrators"),
            Some(OrganizationGroup::ProjectCollectionAdministrators)
        );
        let f = PreviewFeature::WorkloadIdentityArm;
        assert_eq!(
            PreviewFeature::by_id_or_name("Workload-Identity-ARM"),
            Some(f)
        );
        assert_eq!(
            PreviewFeature::by_id_or_name(
                "workload identity federation for arm service connections"
            ),
            Some(f)
        );
        assert_eq!(PreviewFeature::by_id_or_name("new-boards"), None);
    }
}
