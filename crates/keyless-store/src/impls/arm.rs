//! Subscriptions, resource groups and role assignments; the resource methods delegate to
//! `impls/resources.rs`.
//!
//! Scopes are stored lowercase; "at or below a scope" is `scope = s OR scope starts with
//! s + "/"`, written with `substr` so that both dialects agree and `%`/`_` in names are
//! not wildcards.

use super::{cascade, found};
use crate::errors::db_err;
use crate::rows::{ResourceGroupRow, RoleAssignmentRow, SubscriptionRow, id, json, key, opt_id};
use crate::{ArmStore, StoreResult};
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::arm::{Resource, ResourceGroup, RoleAssignment, Subscription};

/// The lowercase scope, the prefix of every scope below it, and the prefix's length in
/// characters (what `substr` counts in both dialects). The root scope `/` covers everything.
pub(super) fn scope_and_prefix(scope: &str) -> (String, String, i32) {
    let lower = scope.to_lowercase();
    let trimmed = lower.trim_end_matches('/');
    let prefix = format!("{trimmed}/");
    let len = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    let scope = if trimmed.is_empty() {
        prefix.clone()
    } else {
        trimmed.to_owned()
    };
    (scope, prefix, len)
}

fn resource_group_scope(subscription_id: Uuid, name: &str) -> String {
    format!(
        "/subscriptions/{}/resourcegroups/{}",
        id(subscription_id),
        key(name)
    )
}

select!($ role_assignments =
    "SELECT id, scope, role_definition_id, principal_id, principal_type, created_by, \
     created_at FROM role_assignments ");

/// `$1` the scope, `$2` the length of `$3`, `$3` the scope followed by `/`.
macro_rules! at_or_below {
    () => {
        "(scope = $1 OR substr(scope, 1, $2) = $3)"
    };
}

for_each_backend! {
    #[async_trait]
    impl ArmStore for Backend {
        async fn create_subscription(&self, s: &Subscription) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO subscriptions (id, tenant_id, display_name, state, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                id(s.id),
                id(s.tenant_id),
                &s.display_name,
                &s.state,
                s.created_at,
            );
            Ok(())
        }

        async fn get_subscription(&self, subscription: Uuid) -> StoreResult<Subscription> {
            fetch_one!(
                self,
                SubscriptionRow,
                "SELECT id, tenant_id, display_name, state, created_at FROM subscriptions \
                 WHERE id = $1",
                id(subscription),
            )
        }

        async fn delete_subscription(&self, subscription_id: Uuid) -> StoreResult<()> {
            let (scope, prefix, len) =
                scope_and_prefix(&format!("/subscriptions/{subscription_id}"));
            let mut tx = self.begin_write().await?;
            refuse_from_count!(
                1,
                crate::conflict::SUBSCRIPTION_NOT_EMPTY,
                in tx,
                "SELECT COUNT(*) FROM resource_groups WHERE subscription_id = $1",
                id(subscription_id),
            );
            execute!(in tx, cascade::ASSIGNMENTS_AT_OR_BELOW, scope, len, prefix);
            found(execute!(
                in tx,
                "DELETE FROM subscriptions WHERE id = $1",
                id(subscription_id),
            ))?;
            tx.commit().await.map_err(db_err)
        }

        async fn rename_subscription(&self, subscription: Uuid, name: &str) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE subscriptions SET display_name = $2 WHERE id = $1",
                id(subscription),
                name,
            ))
        }

        async fn list_subscriptions(&self) -> StoreResult<Vec<Subscription>> {
            fetch_all!(
                self,
                SubscriptionRow,
                "SELECT id, tenant_id, display_name, state, created_at FROM subscriptions \
                 ORDER BY created_at, id",
            )
        }

        /// On replace, the name keeps the spelling it was created with.
        async fn put_resource_group(&self, rg: &ResourceGroup) -> StoreResult<bool> {
            let tags = json(&rg.tags)?;
            let mut tx = self.begin_write().await?;
            let created = execute!(
                in tx,
                "INSERT INTO resource_groups (subscription_id, name, name_key, location, tags, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (subscription_id, name_key) DO NOTHING",
                id(rg.subscription_id),
                &rg.name,
                key(&rg.name),
                &rg.location,
                &tags,
                rg.created_at,
            )
                == 1;
            if !created {
                execute!(
                    in tx,
                    "UPDATE resource_groups SET location = $3, tags = $4 \
                     WHERE subscription_id = $1 AND name_key = $2",
                    id(rg.subscription_id),
                    key(&rg.name),
                    &rg.location,
                    &tags,
                );
            }
            tx.commit().await.map_err(db_err)?;
            Ok(created)
        }

        async fn get_resource_group(
            &self,
            subscription_id: Uuid,
            name: &str,
        ) -> StoreResult<ResourceGroup> {
            fetch_one!(
                self,
                ResourceGroupRow,
                "SELECT subscription_id, name, location, tags, created_at FROM resource_groups \
                 WHERE subscription_id = $1 AND name_key = $2",
                id(subscription_id),
                key(name),
            )
        }

        async fn list_resource_groups(
            &self,
            subscription_id: Uuid,
        ) -> StoreResult<Vec<ResourceGroup>> {
            fetch_all!(
                self,
                ResourceGroupRow,
                "SELECT subscription_id, name, location, tags, created_at FROM resource_groups \
                 WHERE subscription_id = $1 ORDER BY name_key",
                id(subscription_id),
            )
        }

        async fn delete_resource_group(
            &self,
            subscription_id: Uuid,
            name: &str,
        ) -> StoreResult<()> {
            let (scope, prefix, len) =
                scope_and_prefix(&resource_group_scope(subscription_id, name));
            let mut tx = self.begin_write().await?;
            // The resources first: they reference the group.
            execute!(in tx, cascade::RESOURCES_OF_GROUP, id(subscription_id), key(name));
            found(execute!(
                in tx,
                "DELETE FROM resource_groups WHERE subscription_id = $1 AND name_key = $2",
                id(subscription_id),
                key(name),
            ))?;
            execute!(in tx, cascade::ASSIGNMENTS_AT_OR_BELOW, scope, len, prefix);
            tx.commit().await.map_err(db_err)
        }

        async fn put_resource(&self, r: &Resource) -> StoreResult<bool> {
            self.resources_put(r).await
        }

        async fn get_resource(&self, resource_id: &str) -> StoreResult<Resource> {
            self.resources_get(resource_id).await
        }

        async fn list_resources(
            &self,
            subscription_id: Uuid,
            resource_group: Option<&str>,
        ) -> StoreResult<Vec<Resource>> {
            self.resources_list(subscription_id, resource_group).await
        }

        async fn list_child_resources(&self, parent_id: &str) -> StoreResult<Vec<Resource>> {
            self.resources_children(parent_id).await
        }

        async fn delete_resource(&self, resource_id: &str) -> StoreResult<()> {
            self.resources_delete(resource_id).await
        }

        async fn create_role_assignment(&self, a: &RoleAssignment) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO role_assignments (id, scope, role_definition_id, principal_id, \
                 principal_type, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                id(a.id),
                a.scope.to_lowercase(),
                id(a.role_definition_id),
                id(a.principal_id),
                &a.principal_type,
                opt_id(a.created_by),
                a.created_at,
            );
            Ok(())
        }

        async fn get_role_assignment(&self, assignment: Uuid) -> StoreResult<RoleAssignment> {
            fetch_one!(self, RoleAssignmentRow, role_assignments!("WHERE id = $1"), id(assignment))
        }

        async fn list_role_assignments_for_principal(
            &self,
            principal_id: Uuid,
        ) -> StoreResult<Vec<RoleAssignment>> {
            fetch_all!(
                self,
                RoleAssignmentRow,
                role_assignments!("WHERE principal_id = $1 ORDER BY scope, created_at, id"),
                id(principal_id),
            )
        }

        async fn list_role_assignments_under(
            &self,
            scope: &str,
        ) -> StoreResult<Vec<RoleAssignment>> {
            let (scope, prefix, len) = scope_and_prefix(scope);
            fetch_all!(
                self,
                RoleAssignmentRow,
                concat!(
                    role_assignments!("WHERE "),
                    at_or_below!(),
                    " ORDER BY scope, created_at, id"
                ),
                scope,
                len,
                prefix,
            )
        }

        async fn delete_role_assignment(&self, assignment: Uuid) -> StoreResult<()> {
            found(execute!(self, "DELETE FROM role_assignments WHERE id = $1", id(assignment)))
        }
    }
}
