//! Project memberships, connection roles and shares, pipeline permissions.

use super::found;
use crate::rows::id;
use crate::{ConnectionSecurityStore, StoreError, StoreResult};
use async_trait::async_trait;
use keyless_model::devops::{PipelineAuthorization, PipelinePermissions};
use keyless_model::{UnixTime, Uuid};

fn uuid(column: &str, s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s)
        .map_err(|e| StoreError::Backend(format!("corrupt row: column {column}: {s:?} ({e})")))
}

fn pairs(rows: Vec<(String, String)>, column: &str) -> StoreResult<Vec<(Uuid, String)>> {
    rows.into_iter()
        .map(|(u, v)| Ok((uuid(column, &u)?, v)))
        .collect()
}

fn ids(rows: Vec<(String,)>, column: &str) -> StoreResult<Vec<Uuid>> {
    rows.iter().map(|(r,)| uuid(column, r)).collect()
}

fn id_pairs(rows: Vec<(String, String)>, column: &str) -> StoreResult<Vec<(Uuid, Uuid)>> {
    rows.into_iter()
        .map(|(a, b)| Ok((uuid(column, &a)?, uuid(column, &b)?)))
        .collect()
}

/// The ids of the connections project `$1` sees: its own and those shared with it.
macro_rules! seen_from_project {
    () => {
        "(SELECT id FROM service_connections WHERE project_id = $1 \
         UNION SELECT connection_id FROM connection_shares WHERE project_id = $1)"
    };
}

/// Runs the query `$sql` [`on!`] `self` and parses its rows with `$parse` (`pairs`: rows of
/// an id and a text; `ids`: rows of an id; `id_pairs`: rows of two ids), naming `$column`
/// when an id does not parse.
macro_rules! fetch_parsed {
    ($store:ident, $parse:ident, $column:literal, $sql:expr $(, $bind:expr)* $(,)?) => {
        $parse(fetch!($store, query_as, fetch_all, $sql $(, $bind)*)?, $column)
    };
}

fn opt(column: &str, s: Option<String>) -> StoreResult<Option<Uuid>> {
    s.map(|s| uuid(column, &s)).transpose()
}

for_each_backend! {
    #[async_trait]
    impl ConnectionSecurityStore for Backend {
        async fn add_project_member(
            &self,
            project_id: Uuid,
            user_id: Uuid,
            group: &str,
        ) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO project_members (project_id, user_id, group_name) VALUES ($1, $2, $3) \
                 ON CONFLICT (project_id, user_id, group_name) DO NOTHING",
                id(project_id),
                id(user_id),
                group,
            );
            Ok(())
        }

        async fn remove_project_member(
            &self,
            project_id: Uuid,
            user_id: Uuid,
            group: &str,
        ) -> StoreResult<()> {
            found(execute!(
                self,
                "DELETE FROM project_members WHERE project_id = $1 AND user_id = $2 \
                 AND group_name = $3",
                id(project_id),
                id(user_id),
                group,
            ))
        }

        async fn list_project_groups(
            &self,
            project_id: Uuid,
            user_id: Uuid,
        ) -> StoreResult<Vec<String>> {
            fetch!(
                self,
                query_scalar,
                fetch_all,
                "SELECT group_name FROM project_members WHERE project_id = $1 AND user_id = $2 \
                 ORDER BY group_name",
                id(project_id),
                id(user_id),
            )
        }

        async fn list_project_members(&self, project_id: Uuid) -> StoreResult<Vec<(Uuid, String)>> {
            fetch_parsed!(
                self,
                pairs,
                "project_members.user_id",
                "SELECT user_id, group_name FROM project_members WHERE project_id = $1 \
                 ORDER BY user_id, group_name",
                id(project_id),
            )
        }

        async fn set_connection_role(
            &self,
            connection_id: Uuid,
            user_id: Uuid,
            role: &str,
        ) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO connection_roles (connection_id, user_id, role) VALUES ($1, $2, $3) \
                 ON CONFLICT (connection_id, user_id) DO UPDATE SET role = excluded.role",
                id(connection_id),
                id(user_id),
                role,
            );
            Ok(())
        }

        async fn remove_connection_role(&self, connection_id: Uuid, user_id: Uuid) -> StoreResult<()> {
            found(execute!(
                self,
                "DELETE FROM connection_roles WHERE connection_id = $1 AND user_id = $2",
                id(connection_id),
                id(user_id),
            ))
        }

        async fn get_connection_role(
            &self,
            connection_id: Uuid,
            user_id: Uuid,
        ) -> StoreResult<Option<String>> {
            fetch!(
                self,
                query_scalar,
                fetch_optional,
                "SELECT role FROM connection_roles WHERE connection_id = $1 AND user_id = $2",
                id(connection_id),
                id(user_id),
            )
        }

        async fn list_connection_roles(&self, connection_id: Uuid) -> StoreResult<Vec<(Uuid, String)>> {
            fetch_parsed!(
                self,
                pairs,
                "connection_roles.user_id",
                "SELECT user_id, role FROM connection_roles WHERE connection_id = $1 ORDER BY user_id",
                id(connection_id),
            )
        }

        async fn share_connection(&self, connection_id: Uuid, project_id: Uuid) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO connection_shares (connection_id, project_id) VALUES ($1, $2) \
                 ON CONFLICT (connection_id, project_id) DO NOTHING",
                id(connection_id),
                id(project_id),
            );
            Ok(())
        }

        async fn unshare_connection(&self, connection_id: Uuid, project_id: Uuid) -> StoreResult<()> {
            found(execute!(
                self,
                "DELETE FROM connection_shares WHERE connection_id = $1 AND project_id = $2",
                id(connection_id),
                id(project_id),
            ))
        }

        async fn list_connection_shares(&self, connection_id: Uuid) -> StoreResult<Vec<Uuid>> {
            fetch_parsed!(
                self,
                ids,
                "connection_shares.project_id",
                "SELECT project_id FROM connection_shares WHERE connection_id = $1 ORDER BY project_id",
                id(connection_id),
            )
        }

        async fn list_connections_shared_with(&self, project_id: Uuid) -> StoreResult<Vec<Uuid>> {
            fetch_parsed!(
                self,
                ids,
                "connection_shares.connection_id",
                "SELECT connection_id FROM connection_shares WHERE project_id = $1 \
                 ORDER BY connection_id",
                id(project_id),
            )
        }

        async fn list_shares_seen_from(&self, project_id: Uuid) -> StoreResult<Vec<(Uuid, Uuid)>> {
            fetch_parsed!(
                self,
                id_pairs,
                "connection_shares",
                concat!(
                    "SELECT connection_id, project_id FROM connection_shares WHERE connection_id IN ",
                    seen_from_project!(),
                    " ORDER BY connection_id, project_id"
                ),
                id(project_id),
            )
        }

        async fn list_connection_roles_seen_from(
            &self,
            project_id: Uuid,
            user_id: Uuid,
        ) -> StoreResult<Vec<(Uuid, String)>> {
            fetch_parsed!(
                self,
                pairs,
                "connection_roles.connection_id",
                concat!(
                    "SELECT connection_id, role FROM connection_roles WHERE connection_id IN ",
                    seen_from_project!(),
                    " AND user_id = $2 ORDER BY connection_id"
                ),
                id(project_id),
                id(user_id),
            )
        }

        async fn get_pipeline_permissions(
            &self,
            connection_id: Uuid,
        ) -> StoreResult<PipelinePermissions> {
            let policy: Option<(bool, Option<String>, UnixTime)> = fetch!(
                self,
                query_as,
                fetch_optional,
                "SELECT all_pipelines, changed_by, changed_at FROM connection_pipeline_policy \
                 WHERE connection_id = $1",
                id(connection_id),
            )?;
            let rows: Vec<(i64, Option<String>, UnixTime)> = fetch!(
                self,
                query_as,
                fetch_all,
                "SELECT pipeline_id, authorized_by, authorized_at FROM connection_pipelines \
                 WHERE connection_id = $1 ORDER BY pipeline_id",
                id(connection_id),
            )?;
            let mut p = PipelinePermissions::default();
            if let Some((all, by, at)) = policy {
                p.all_pipelines = all;
                p.changed_by = opt("connection_pipeline_policy.changed_by", by)?;
                p.changed_at = Some(at);
            }
            for (pipeline_id, by, at) in rows {
                p.pipelines.push(PipelineAuthorization {
                    pipeline_id,
                    authorized_by: opt("connection_pipelines.authorized_by", by)?,
                    authorized_at: at,
                });
            }
            Ok(p)
        }

        async fn set_all_pipelines(
            &self,
            connection_id: Uuid,
            all: bool,
            by: Option<Uuid>,
            at: UnixTime,
        ) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO connection_pipeline_policy (connection_id, all_pipelines, changed_by, \
                 changed_at) VALUES ($1, $2, $3, $4) ON CONFLICT (connection_id) DO UPDATE SET \
                 all_pipelines = excluded.all_pipelines, changed_by = excluded.changed_by, \
                 changed_at = excluded.changed_at",
                id(connection_id),
                all,
                by.map(id),
                at,
            );
            Ok(())
        }

        async fn authorize_pipeline(
            &self,
            connection_id: Uuid,
            pipeline_id: i64,
            by: Option<Uuid>,
            at: UnixTime,
        ) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO connection_pipelines (connection_id, pipeline_id, authorized_by, \
                 authorized_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (connection_id, pipeline_id) DO NOTHING",
                id(connection_id),
                pipeline_id,
                by.map(id),
                at,
            );
            Ok(())
        }

        async fn revoke_pipeline(&self, connection_id: Uuid, pipeline_id: i64) -> StoreResult<()> {
            execute!(
                self,
                "DELETE FROM connection_pipelines WHERE connection_id = $1 AND pipeline_id = $2",
                id(connection_id),
                pipeline_id,
            );
            Ok(())
        }
    }
}
