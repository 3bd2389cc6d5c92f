//! An organization's owner, organization groups, users' access levels and preview features
//! (`keyless_model::devops::organization`).

use crate::StoreResult;
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::devops::organization::{AccessLevel, OrganizationGroup, PreviewFeature};

#[async_trait]
pub trait OrganizationPeopleStore {
    /// `NotFound` when the organization or the user does not exist.
    async fn set_organization_owner(&self, organization_id: Uuid, user_id: Uuid)
    -> StoreResult<()>;
    /// Adds the user to the organization group (nothing when already in it). `NotFound`
    /// when the organization or the user does not exist.
    async fn add_organization_member(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
        group: OrganizationGroup,
    ) -> StoreResult<()>;
    /// `NotFound` when the user was not in the group.
    async fn remove_organization_member(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
        group: OrganizationGroup,
    ) -> StoreResult<()>;
    /// Every membership of the organization's groups, by user id then group.
    async fn list_organization_members(
        &self,
        organization_id: Uuid,
    ) -> StoreResult<Vec<(Uuid, OrganizationGroup)>>;
    /// Records the user's access level (replacing the one recorded). `NotFound` when the
    /// organization or the user does not exist.
    async fn set_access_level(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
        level: AccessLevel,
    ) -> StoreResult<()>;
    /// The recorded level, if any (none recorded: Basic).
    async fn get_access_level(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
    ) -> StoreResult<Option<AccessLevel>>;
    /// Every recorded level, by user id.
    async fn list_access_levels(
        &self,
        organization_id: Uuid,
    ) -> StoreResult<Vec<(Uuid, AccessLevel)>>;
    /// Turns a preview feature on or off. `NotFound` when the organization does not exist.
    async fn set_preview_feature(
        &self,
        organization_id: Uuid,
        feature: PreviewFeature,
        enabled: bool,
    ) -> StoreResult<()>;
    /// The recorded settings (a feature not listed has its default).
    async fn list_preview_features(
        &self,
        organization_id: Uuid,
    ) -> StoreResult<Vec<(PreviewFeature, bool)>>;
}
