//! Project memberships, connection roles and shares, pipeline permissions.

use super::found;
use crate::errors::db_err;
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
            sqlx::query(
                "INSERT INTO project_members (project_id, user_id, group_name) VALUES ($1, $2, $3) \
                 ON CONFLICT (project_id, user_id, group_name) DO NOTHING",
            )
            .bind(id(project_id))
            .bind(id(user_id))
            .bind(group)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn remove_project_member(
            &self,
            project_id: Uuid,
            user_id: Uuid,
            group: &str,
        ) -> StoreResult<()> {
            found(
                sqlx::query(
                    "DELETE FROM project_members WHERE project_id = $1 AND user_id = $2 \
                     AND group_name = $3",
                )
                .bind(id(project_id))
                .bind(id(user_id))
                .bind(group)
                .execute(&mut *self.conn().await?)
                .await
                .map_err(db_err)?
                .rows_affected(),
            )
        }

        async fn list_project_groups(
            &self,
            project_id: Uuid,
            user_id: Uuid,
        ) -> StoreResult<Vec<String>> {
            sqlx::query_scalar(
                "SELECT group_name FROM project_members WHERE project_id = $1 AND user_id = $2 \
                 ORDER BY group_name",
            )
            .bind(id(project_id))
            .bind(id(user_id))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db_err)
        }

        async fn list_project_members(&self, project_id: Uuid) -> StoreResult<Vec<(Uuid, String)>> {
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT user_id, group_name FROM project_members WHERE project_id = $1 \
                 ORDER BY user_id, group_name",
            )
            .bind(id(project_id))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            pairs(rows, "project_members.user_id")
        }

        async fn set_connection_role(
            &self,
            connection_id: Uuid,
            user_id: Uuid,
            role: &str,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO connection_roles (connection_id, user_id, role) VALUES ($1, $2, $3) \
                 ON CONFLICT (connection_id, user_id) DO UPDATE SET role = excluded.role",
            )
            .bind(id(connection_id))
            .bind(id(user_id))
            .bind(role)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn remove_connection_role(&self, connection_id: Uuid, user_id: Uuid) -> StoreResult<()> {
            found(
                sqlx::query("DELETE FROM connection_roles WHERE connection_id = $1 AND user_id = $2")
                    .bind(id(connection_id))
                    .bind(id(user_id))
                    .execute(&mut *self.conn().await?)
                    .await
                    .map_err(db_err)?
                    .rows_affected(),
            )
        }

        async fn get_connection_role(
            &self,
            connection_id: Uuid,
            user_id: Uuid,
        ) -> StoreResult<Option<String>> {
            sqlx::query_scalar(
                "SELECT role FROM connection_roles WHERE connection_id = $1 AND user_id = $2",
            )
            .bind(id(connection_id))
            .bind(id(user_id))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db_err)
        }

        async fn list_connection_roles(&self, connection_id: Uuid) -> StoreResult<Vec<(Uuid, String)>> {
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT user_id, role FROM connection_roles WHERE connection_id = $1 ORDER BY user_id",
            )
            .bind(id(connection_id))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            pairs(rows, "connection_roles.user_id")
        }

        async fn share_connection(&self, connection_id: Uuid, project_id: Uuid) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO connection_shares (connection_id, project_id) VALUES ($1, $2) \
                 ON CONFLICT (connection_id, project_id) DO NOTHING",
            )
            .bind(id(connection_id))
            .bind(id(project_id))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn unshare_connection(&self, connection_id: Uuid, project_id: Uuid) -> StoreResult<()> {
            found(
                sqlx::query(
                    "DELETE FROM connection_shares WHERE connection_id = $1 AND project_id = $2",
                )
                .bind(id(connection_id))
                .bind(id(project_id))
                .execute(&mut *self.conn().await?)
                .await
                .map_err(db_err)?
                .rows_affected(),
            )
        }

        async fn list_connection_shares(&self, connection_id: Uuid) -> StoreResult<Vec<Uuid>> {
            let rows: Vec<String> = sqlx::query_scalar(
                "SELECT project_id FROM connection_shares WHERE connection_id = $1 ORDER BY project_id",
            )
            .bind(id(connection_id))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            rows.iter().map(|r| uuid("connection_shares.project_id", r)).collect()
        }

        async fn list_connections_shared_with(&self, project_id: Uuid) -> StoreResult<Vec<Uuid>> {
            let rows: Vec<String> = sqlx::query_scalar(
                "SELECT connection_id FROM connection_shares WHERE project_id = $1 \
                 ORDER BY connection_id",
            )
            .bind(id(project_id))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            rows.iter().map(|r| uuid("connection_shares.connection_id", r)).collect()
        }

        async fn get_pipeline_permissions(
            &self,
            connection_id: Uuid,
        ) -> StoreResult<PipelinePermissions> {
            let policy: Option<(bool, Option<String>, UnixTime)> = sqlx::query_as(
                "SELECT all_pipelines, changed_by, changed_at FROM connection_pipeline_policy \
                 WHERE connection_id = $1",
            )
            .bind(id(connection_id))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            let rows: Vec<(i64, Option<String>, UnixTime)> = sqlx::query_as(
                "SELECT pipeline_id, authorized_by, authorized_at FROM connection_pipelines \
                 WHERE connection_id = $1 ORDER BY pipeline_id",
            )
            .bind(id(connection_id))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
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
            sqlx::query(
                "INSERT INTO connection_pipeline_policy (connection_id, all_pipelines, changed_by, \
                 changed_at) VALUES ($1, $2, $3, $4) ON CONFLICT (connection_id) DO UPDATE SET \
                 all_pipelines = excluded.all_pipelines, changed_by = excluded.changed_by, \
                 changed_at = excluded.changed_at",
            )
            .bind(id(connection_id))
            .bind(all)
            .bind(by.map(id))
            .bind(at)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn authorize_pipeline(
            &self,
            connection_id: Uuid,
            pipeline_id: i64,
            by: Option<Uuid>,
            at: UnixTime,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO connection_pipelines (connection_id, pipeline_id, authorized_by, \
                 authorized_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (connection_id, pipeline_id) DO NOTHING",
            )
            .bind(id(connection_id))
            .bind(pipeline_id)
            .bind(by.map(id))
            .bind(at)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn revoke_pipeline(&self, connection_id: Uuid, pipeline_id: i64) -> StoreResult<()> {
            sqlx::query(
                "DELETE FROM connection_pipelines WHERE connection_id = $1 AND pipeline_id = $2",
            )
            .bind(id(connection_id))
            .bind(pipeline_id)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }
    }
}
