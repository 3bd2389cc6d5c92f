//! Management groups, subscription placement and custom role definitions.
//!
//! Groups are keyed by `name_key` (the lowercase name, unique across tenants); a group's
//! `parent` is read by joining its parent row, so it comes back in the parent's spelling.
//! The parent chain is walked with a recursive CTE (`WITH RECURSIVE`, the same text in both
//! dialects), bounded so that even a corrupt, cyclic table cannot make it loop.
//!
//! Writes that must not interleave (moving a group versus the cycle check of another move;
//! deleting a custom role versus a new assignment of it) are serialised: SQLite's
//! `BEGIN IMMEDIATE` already does it; on PostgreSQL the inherent `lock_*` methods below take
//! a transaction-scoped advisory lock or a table lock.

use super::arm::scope_and_prefix;
use super::found;
use crate::errors::db_err;
use crate::postgres::PgStore;
use crate::rows::{CustomRoleRow, ManagementGroupRow, SubscriptionRow, id, json, key};
use crate::sqlite::SqliteStore;
use crate::{MANAGEMENT_GROUP_MAX_DEPTH, ManagementStore, StoreError, StoreResult, conflict};
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::arm::{CustomRole, ManagementGroup, Subscription};
use sqlx::error::ErrorKind;
use sqlx::{PgConnection, SqliteConnection};

/// The first key of the two-key advisory lock that serialises hierarchy changes on
/// PostgreSQL ("MGMT" in ASCII; the other classes are in `postgres.rs`).
const HIERARCHY_LOCK_CLASS: i32 = 0x4d47_4d54;

/// How far the cycle check walks up from a new parent. Well beyond any real hierarchy: it
/// only keeps a corrupt (already cyclic) table from looping.
const CYCLE_WALK_LIMIT: i32 = 1_000;

/// The number of parent links [`ManagementStore::management_group_ancestors`] follows.
const ANCESTOR_LINKS: i32 = MANAGEMENT_GROUP_MAX_DEPTH as i32 - 1;

select!($ management_groups =
    "SELECT g.name, g.tenant_id, g.display_name, p.name AS parent, g.created_at \
     FROM management_groups g LEFT JOIN management_groups p ON p.name_key = g.parent_key ");

select!($ custom_roles =
    "SELECT id, tenant_id, role_name, description, actions, not_actions, data_actions, \
     not_data_actions, assignable_scopes, created_at FROM custom_roles ");

// The groups from `$1` (a name key) up, with their distance from it, at most `$2` links
// up; the caller adds the final `SELECT … FROM chain`.
select!($ chain_from =
    "WITH RECURSIVE chain (name_key, name, parent_key, depth) AS ( \
     SELECT name_key, name, parent_key, 0 FROM management_groups \
     WHERE name_key = $1 \
     UNION ALL \
     SELECT g.name_key, g.name, g.parent_key, c.depth + 1 \
     FROM management_groups g JOIN chain c ON g.name_key = c.parent_key \
     WHERE c.depth < $2 \
     ) ");

/// The canonical scope of a management group, as role assignments store it.
fn group_scope(name: &str) -> String {
    format!(
        "/providers/microsoft.management/managementgroups/{}",
        key(name)
    )
}

fn lowercase_all(scopes: &[String]) -> Vec<String> {
    scopes.iter().map(|s| s.to_lowercase()).collect()
}

/// A delete that a foreign key refused: something was added under the group between the
/// emptiness check and the delete (PostgreSQL only; SQLite writers are serialised).
fn still_referenced(e: sqlx::Error) -> StoreError {
    match e.as_database_error().map(|d| d.kind()) {
        Some(ErrorKind::ForeignKeyViolation) => {
            StoreError::Conflict(conflict::MANAGEMENT_GROUP_NOT_EMPTY)
        }
        _ => db_err(e),
    }
}

impl SqliteStore {
    /// Nothing to do: `begin_write` (`BEGIN IMMEDIATE`) already serialises writers.
    async fn lock_hierarchy(_tx: &mut SqliteConnection) -> StoreResult<()> {
        Ok(())
    }

    /// Nothing to do, as above.
    async fn lock_role_assignments(_tx: &mut SqliteConnection) -> StoreResult<()> {
        Ok(())
    }
}

impl PgStore {
    /// Serialises management-group moves and deletes across processes until the transaction
    /// ends, so that two moves cannot both pass the cycle check and make a cycle together.
    async fn lock_hierarchy(tx: &mut PgConnection) -> StoreResult<()> {
        sqlx::query("SELECT pg_advisory_xact_lock($1, 0)")
            .bind(HIERARCHY_LOCK_CLASS)
            .execute(tx)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Holds off role-assignment writes until the transaction ends (SHARE conflicts with
    /// the ROW EXCLUSIVE lock every INSERT takes, and not with reads), so that no assignment
    /// of a custom role can be created between "is it assigned?" and its deletion.
    async fn lock_role_assignments(tx: &mut PgConnection) -> StoreResult<()> {
        sqlx::query("LOCK TABLE role_assignments IN SHARE MODE")
            .execute(tx)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

/// Runs `$sql` [`on!`] `self` with the role `$r`'s id bound as `$1`, the columns an update
/// may change as `$2` to `$9` (the assignable scopes in lowercase), then `$more`.
macro_rules! execute_custom_role {
    ($store:ident, $sql:expr, $r:ident $(, $more:expr)* $(,)?) => {
        execute!(
            $store,
            $sql,
            id($r.id),
            &$r.role_name,
            key(&$r.role_name),
            &$r.description,
            json(&$r.actions)?,
            json(&$r.not_actions)?,
            json(&$r.data_actions)?,
            json(&$r.not_data_actions)?,
            json(&lowercase_all(&$r.assignable_scopes))?,
            $($more,)*
        )
    };
}

for_each_backend! {
    #[async_trait]
    impl ManagementStore for Backend {
        async fn create_management_group(&self, g: &ManagementGroup) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO management_groups (name, name_key, tenant_id, display_name, \
                 parent_key, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &g.name,
                key(&g.name),
                id(g.tenant_id),
                &g.display_name,
                g.parent.as_deref().map(key),
                g.created_at,
            );
            Ok(())
        }

        async fn get_management_group(&self, name: &str) -> StoreResult<ManagementGroup> {
            fetch_one!(
                self,
                ManagementGroupRow,
                management_groups!("WHERE g.name_key = $1"),
                key(name),
            )
        }

        async fn list_management_groups(
            &self,
            tenant_id: Uuid,
        ) -> StoreResult<Vec<ManagementGroup>> {
            fetch_all!(
                self,
                ManagementGroupRow,
                management_groups!("WHERE g.tenant_id = $1 ORDER BY g.name_key"),
                id(tenant_id),
            )
        }

        async fn update_management_group(&self, g: &ManagementGroup) -> StoreResult<()> {
            let group_key = key(&g.name);
            let parent_key = g.parent.as_deref().map(key);
            let mut tx = self.begin_write().await?;
            Dialect::lock_hierarchy(&mut tx).await?;
            if let Some(parent_key) = &parent_key {
                // A cycle when the group is the new parent or one of the parent's ancestors.
                refuse_from_count!(
                    1,
                    conflict::MANAGEMENT_GROUP_CYCLE,
                    in tx,
                    chain_from!("SELECT COUNT(*) FROM chain WHERE name_key = $3"),
                    parent_key,
                    CYCLE_WALK_LIMIT,
                    &group_key,
                );
            }
            // The foreign key refuses a parent outside the group's tenant (NotFound).
            found(execute!(
                in tx,
                "UPDATE management_groups SET display_name = $2, parent_key = $3 \
                 WHERE name_key = $1",
                &group_key,
                &g.display_name,
                &parent_key,
            ))?;
            tx.commit().await.map_err(db_err)
        }

        async fn delete_management_group(&self, name: &str) -> StoreResult<()> {
            let group_key = key(name);
            let (scope, prefix, len) = scope_and_prefix(&group_scope(name));
            let mut tx = self.begin_write().await?;
            Dialect::lock_hierarchy(&mut tx).await?;
            refuse_from_count!(
                1,
                conflict::MANAGEMENT_GROUP_NOT_EMPTY,
                in tx,
                "SELECT (SELECT COUNT(*) FROM management_groups WHERE parent_key = $1) \
                 + (SELECT COUNT(*) FROM subscriptions WHERE management_group = $1)",
                &group_key,
            );
            found(
                sqlx::query("DELETE FROM management_groups WHERE name_key = $1")
                    .bind(&group_key)
                    .execute(&mut *tx)
                    .await
                    .map_err(still_referenced)?
                    .rows_affected(),
            )?;
            execute!(in tx, super::cascade::ASSIGNMENTS_AT_OR_BELOW, scope, len, prefix);
            tx.commit().await.map_err(db_err)
        }

        async fn set_subscription_management_group(
            &self,
            subscription_id: Uuid,
            group: Option<&str>,
        ) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE subscriptions SET management_group = $2 WHERE id = $1 \
                 AND ($2 IS NULL OR EXISTS (SELECT 1 FROM management_groups g \
                 WHERE g.name_key = $2 AND g.tenant_id = subscriptions.tenant_id))",
                id(subscription_id),
                group.map(key),
            ))
        }

        async fn get_subscription_management_group(
            &self,
            subscription_id: Uuid,
        ) -> StoreResult<Option<String>> {
            sqlx::query_scalar::<_, Option<String>>(
                "SELECT g.name FROM subscriptions s \
                 LEFT JOIN management_groups g ON g.name_key = s.management_group \
                 WHERE s.id = $1",
            )
            .bind(id(subscription_id))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)
        }

        async fn list_subscriptions_in_group(
            &self,
            name: &str,
        ) -> StoreResult<Vec<Subscription>> {
            fetch_all!(
                self,
                SubscriptionRow,
                "SELECT id, tenant_id, display_name, state, created_at FROM subscriptions \
                 WHERE management_group = $1 ORDER BY created_at, id",
                key(name),
            )
        }

        async fn management_group_ancestors(&self, name: &str) -> StoreResult<Vec<String>> {
            let names: Vec<String> =
                fetch!(
                    self,
                    query_scalar,
                    fetch_all,
                    chain_from!("SELECT name FROM chain ORDER BY depth"),
                    key(name),
                    ANCESTOR_LINKS,
                )?;
            if names.is_empty() {
                return Err(StoreError::NotFound);
            }
            Ok(names)
        }

        async fn create_custom_role(&self, r: &CustomRole) -> StoreResult<()> {
            execute_custom_role!(
                self,
                "INSERT INTO custom_roles (id, role_name, name_key, description, actions, \
                 not_actions, data_actions, not_data_actions, assignable_scopes, tenant_id, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                r,
                id(r.tenant_id),
                r.created_at,
            );
            Ok(())
        }

        async fn get_custom_role(&self, role: Uuid) -> StoreResult<CustomRole> {
            fetch_one!(self, CustomRoleRow, custom_roles!("WHERE id = $1"), id(role))
        }

        async fn list_custom_roles(&self, tenant_id: Uuid) -> StoreResult<Vec<CustomRole>> {
            fetch_all!(
                self,
                CustomRoleRow,
                custom_roles!("WHERE tenant_id = $1 ORDER BY name_key, id"),
                id(tenant_id),
            )
        }

        async fn update_custom_role(&self, r: &CustomRole) -> StoreResult<()> {
            found(execute_custom_role!(
                self,
                "UPDATE custom_roles SET role_name = $2, name_key = $3, description = $4, \
                 actions = $5, not_actions = $6, data_actions = $7, not_data_actions = $8, \
                 assignable_scopes = $9 WHERE id = $1",
                r,
            ))
        }

        async fn delete_custom_role(&self, role: Uuid) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            Dialect::lock_role_assignments(&mut tx).await?;
            refuse_from_count!(
                1,
                conflict::ROLE_IN_USE,
                in tx,
                "SELECT COUNT(*) FROM role_assignments WHERE role_definition_id = $1",
                id(role),
            );
            found(execute!(in tx, "DELETE FROM custom_roles WHERE id = $1", id(role)))?;
            tx.commit().await.map_err(db_err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_scope_is_the_canonical_rbac_scope() {
        assert_eq!(
            group_scope("Platform-Team"),
            keyless_model::rbac::management_group_scope("Platform-Team")
        );
    }
}
