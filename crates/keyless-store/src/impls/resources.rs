//! Generic ARM resources (user-assigned identities, workspaces… and their child resources).
//!
//! The methods of [`crate::ArmStore`] that deal with resources are written here as inherent
//! methods of each backend, and `impls/arm.rs` delegates to them (a trait has one `impl`).
//!
//! A resource is found by its key, the lowercase id ([`Resource::key`]). "Below a resource"
//! is `key starts with parent key + "/"`, written with `substr` as for role-assignment
//! scopes (see `impls/arm.rs`), so that `%`/`_` in ids are not wildcards. Lists are in
//! creation order: by `created_at`, then by insertion (`seq`).

use super::arm::scope_and_prefix;
use super::{cascade, found};
use crate::StoreResult;
use crate::errors::db_err;
use crate::rows::{ResourceRow, id, json, key};
use keyless_model::Uuid;
use keyless_model::arm::Resource;

/// The key of `id`, the prefix of every key below it, and the prefix's length in characters
/// (what `substr` counts in both dialects).
fn key_and_prefix(id: &str) -> (String, String, i32) {
    let key = Resource::key(id);
    let prefix = format!("{key}/");
    let len = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    (key, prefix, len)
}

select!($ resources =
    "SELECT id, subscription_id, resource_group, resource_type, name, location, tags, \
     properties, extra, created_at FROM resources ");

for_each_backend! {
    impl Backend {
        /// Creates the resource (`true`) or replaces location, tags, properties and the extra
        /// top-level fields of the one with the same key (`false`), which keeps its id
        /// spelling and creation time.
        /// `NotFound` when the resource group does not exist (the foreign key).
        pub(super) async fn resources_put(&self, r: &Resource) -> StoreResult<bool> {
            let (tags, properties, extra) =
                (json(&r.tags)?, json(&r.properties)?, json(&r.extra)?);
            let resource_key = Resource::key(&r.id);
            let mut tx = self.begin_write().await?;
            let created = execute!(
                in tx,
                "INSERT INTO resources (key, id, subscription_id, resource_group, \
                 resource_group_key, resource_type, name, location, tags, properties, \
                 extra, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (key) DO NOTHING",
                &resource_key,
                &r.id,
                id(r.subscription_id),
                &r.resource_group,
                key(&r.resource_group),
                &r.resource_type,
                &r.name,
                &r.location,
                &tags,
                &properties,
                &extra,
                r.created_at,
            )
                == 1;
            if !created {
                execute!(
                    in tx,
                    "UPDATE resources SET location = $2, tags = $3, properties = $4, \
                     extra = $5 WHERE key = $1",
                    &resource_key,
                    &r.location,
                    &tags,
                    &properties,
                    &extra,
                );
            }
            tx.commit().await.map_err(db_err)?;
            Ok(created)
        }

        pub(super) async fn resources_get(&self, resource_id: &str) -> StoreResult<Resource> {
            fetch_one!(self, ResourceRow, resources!("WHERE key = $1"), Resource::key(resource_id))
        }

        pub(super) async fn resources_list(
            &self,
            subscription_id: Uuid,
            resource_group: Option<&str>,
        ) -> StoreResult<Vec<Resource>> {
            fetch_all!(
                self,
                ResourceRow,
                resources!(
                    "WHERE subscription_id = $1 AND ($2 IS NULL OR resource_group_key = $2) \
                     ORDER BY created_at, seq"
                ),
                id(subscription_id),
                resource_group.map(key),
            )
        }

        pub(super) async fn resources_children(
            &self,
            parent_id: &str,
        ) -> StoreResult<Vec<Resource>> {
            let (_, prefix, len) = key_and_prefix(parent_id);
            fetch_all!(
                self,
                ResourceRow,
                resources!("WHERE substr(key, 1, $1) = $2 ORDER BY created_at, seq"),
                len,
                prefix,
            )
        }

        /// Deletes the resource, the resources below it and the role assignments at or
        /// below its scope, in one transaction.
        pub(super) async fn resources_delete(&self, resource_id: &str) -> StoreResult<()> {
            let (resource_key, prefix, len) = key_and_prefix(resource_id);
            let (scope, scope_prefix, scope_len) = scope_and_prefix(resource_id);
            let mut tx = self.begin_write().await?;
            found(execute!(in tx, "DELETE FROM resources WHERE key = $1", resource_key))?;
            execute!(in tx, cascade::RESOURCES_BELOW, len, prefix);
            execute!(in tx, cascade::ASSIGNMENTS_AT_OR_BELOW, scope, scope_len, scope_prefix);
            tx.commit().await.map_err(db_err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_prefix_are_lowercase_and_ignore_a_trailing_slash() {
        let (key, prefix, len) = key_and_prefix("/Subscriptions/S/resourceGroups/RG/x/");
        assert_eq!(key, "/subscriptions/s/resourcegroups/rg/x");
        assert_eq!(prefix, "/subscriptions/s/resourcegroups/rg/x/");
        assert_eq!(usize::try_from(len).ok(), Some(prefix.len()));
        // Characters, not bytes: both dialects' `substr` counts characters.
        assert_eq!(key_and_prefix("/é").2, 3);
    }
}
