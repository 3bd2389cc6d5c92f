//! An organization's owner, organization groups, users' access levels and preview features.

use super::found;
use crate::rows::id;
use crate::{OrganizationPeopleStore, StoreError, StoreResult};
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::devops::organization::{AccessLevel, OrganizationGroup, PreviewFeature};

fn corrupt(column: &str, s: &str) -> StoreError {
    StoreError::Backend(format!("corrupt row: column {column}: {s:?}"))
}

fn user(s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s).map_err(|_| corrupt("user_id", s))
}

fn members(rows: Vec<(String, String)>) -> StoreResult<Vec<(Uuid, OrganizationGroup)>> {
    rows.into_iter()
        .map(|(u, g)| {
            let group = OrganizationGroup::parse(&g).ok_or_else(|| corrupt("group_name", &g))?;
            Ok((user(&u)?, group))
        })
        .collect()
}

fn level(s: &str) -> StoreResult<AccessLevel> {
    AccessLevel::parse(s).ok_or_else(|| corrupt("access_level", s))
}

for_each_backend! {
    #[async_trait]
    impl OrganizationPeopleStore for Backend {
        async fn set_organization_owner(
            &self,
            organization_id: Uuid,
            user_id: Uuid,
        ) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE organizations SET owner_id = $2 WHERE id = $1",
                id(organization_id),
                id(user_id),
            ))
        }

        async fn add_organization_member(
            &self,
            organization_id: Uuid,
            user_id: Uuid,
            group: OrganizationGroup,
        ) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO organization_members (organization_id, user_id, group_name) \
                 VALUES ($1, $2, $3) \
                 ON CONFLICT (organization_id, user_id, group_name) DO NOTHING",
                id(organization_id),
                id(user_id),
                group.as_str(),
            );
            Ok(())
        }

        async fn remove_organization_member(
            &self,
            organization_id: Uuid,
            user_id: Uuid,
            group: OrganizationGroup,
        ) -> StoreResult<()> {
            found(execute!(
                self,
                "DELETE FROM organization_members \
                 WHERE organization_id = $1 AND user_id = $2 AND group_name = $3",
                id(organization_id),
                id(user_id),
                group.as_str(),
            ))
        }

        async fn list_organization_members(
            &self,
            organization_id: Uuid,
        ) -> StoreResult<Vec<(Uuid, OrganizationGroup)>> {
            members(fetch!(
                self,
                query_as,
                fetch_all,
                "SELECT user_id, group_name FROM organization_members \
                 WHERE organization_id = $1 ORDER BY user_id, group_name",
                id(organization_id),
            )?)
        }

        async fn set_access_level(
            &self,
            organization_id: Uuid,
            user_id: Uuid,
            level: AccessLevel,
        ) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO organization_users (organization_id, user_id, access_level) \
                 VALUES ($1, $2, $3) ON CONFLICT (organization_id, user_id) \
                 DO UPDATE SET access_level = excluded.access_level",
                id(organization_id),
                id(user_id),
                level.as_str(),
            );
            Ok(())
        }

        async fn get_access_level(
            &self,
            organization_id: Uuid,
            user_id: Uuid,
        ) -> StoreResult<Option<AccessLevel>> {
            let text: Option<String> = fetch!(
                self,
                query_scalar,
                fetch_optional,
                "SELECT access_level FROM organization_users \
                 WHERE organization_id = $1 AND user_id = $2",
                id(organization_id),
                id(user_id),
            )?;
            text.as_deref().map(level).transpose()
        }

        async fn list_access_levels(
            &self,
            organization_id: Uuid,
        ) -> StoreResult<Vec<(Uuid, AccessLevel)>> {
            let rows: Vec<(String, String)> = fetch!(
                self,
                query_as,
                fetch_all,
                "SELECT user_id, access_level FROM organization_users \
                 WHERE organization_id = $1 ORDER BY user_id",
                id(organization_id),
            )?;
            rows.iter().map(|(u, l)| Ok((user(u)?, level(l)?))).collect()
        }

        async fn set_preview_feature(
            &self,
            organization_id: Uuid,
            feature: PreviewFeature,
            enabled: bool,
        ) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO organization_features (organization_id, feature, enabled) \
                 VALUES ($1, $2, $3) ON CONFLICT (organization_id, feature) \
                 DO UPDATE SET enabled = excluded.enabled",
                id(organization_id),
                feature.id(),
                enabled,
            );
            Ok(())
        }

        async fn list_preview_features(
            &self,
            organization_id: Uuid,
        ) -> StoreResult<Vec<(PreviewFeature, bool)>> {
            let rows: Vec<(String, bool)> = fetch!(
                self,
                query_as,
                fetch_all,
                "SELECT feature, enabled FROM organization_features \
                 WHERE organization_id = $1 ORDER BY feature",
                id(organization_id),
            )?;
            rows.iter()
                .map(|(f, on)| {
                    let feature =
                        PreviewFeature::by_id_or_name(f).ok_or_else(|| corrupt("feature", f))?;
                    Ok((feature, *on))
                })
                .collect()
        }
    }
}
