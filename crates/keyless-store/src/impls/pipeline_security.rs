//! Pipeline permission entries. A subject is stored as `group:{display name}` or
//! `user:{id}`, a permission by its key, the access as `Allow` or `Deny`.

use super::found;
use crate::errors::db_err;
use crate::{PipelineSecurityStore, StoreError, StoreResult};
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::devops::pipeline_security::{
    AceAccess, AceSubject, PipelineAce, PipelinePermission,
};
use keyless_model::devops::security::ProjectGroup;

fn subject_key(s: AceSubject) -> String {
    match s {
        AceSubject::Group(g) => format!("group:{}", g.as_str()),
        AceSubject::User(u) => format!("user:{u}"),
    }
}

fn corrupt(column: &str, v: &str) -> StoreError {
    StoreError::Backend(format!("corrupt row: column {column}: {v:?}"))
}

fn ace_of(subject: &str, permission: &str, access: &str) -> StoreResult<PipelineAce> {
    let parsed = match subject.split_once(':') {
        Some(("group", g)) => ProjectGroup::parse(g).map(AceSubject::Group),
        Some(("user", u)) => Uuid::parse_str(u).ok().map(AceSubject::User),
        _ => None,
    };
    Ok(PipelineAce {
        subject: parsed.ok_or_else(|| corrupt("pipeline_aces.subject", subject))?,
        permission: PipelinePermission::parse(permission)
            .ok_or_else(|| corrupt("pipeline_aces.permission", permission))?,
        access: AceAccess::parse(access).ok_or_else(|| corrupt("pipeline_aces.access", access))?,
    })
}

for_each_backend! {
    #[async_trait]
    impl PipelineSecurityStore for Backend {
        async fn list_pipeline_aces(&self, pipeline_id: i64) -> StoreResult<Vec<PipelineAce>> {
            let rows: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT subject, permission, access FROM pipeline_aces WHERE pipeline_id = $1 \
                 ORDER BY subject, permission",
            )
            .bind(pipeline_id)
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            rows.iter().map(|(s, p, a)| ace_of(s, p, a)).collect()
        }

        async fn set_pipeline_ace(&self, pipeline_id: i64, ace: &PipelineAce) -> StoreResult<()> {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM pipelines WHERE id = $1")
                .bind(pipeline_id)
                .fetch_optional(&mut *self.conn().await?)
                .await
                .map_err(db_err)?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO pipeline_aces (pipeline_id, subject, permission, access) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (pipeline_id, subject, permission) \
                 DO UPDATE SET access = excluded.access",
            )
            .bind(pipeline_id)
            .bind(subject_key(ace.subject))
            .bind(ace.permission.key())
            .bind(ace.access.as_str())
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn remove_pipeline_ace(
            &self,
            pipeline_id: i64,
            subject: AceSubject,
            permission: PipelinePermission,
        ) -> StoreResult<()> {
            found(
                sqlx::query(
                    "DELETE FROM pipeline_aces WHERE pipeline_id = $1 AND subject = $2 \
                     AND permission = $3",
                )
                .bind(pipeline_id)
                .bind(subject_key(subject))
                .bind(permission.key())
                .execute(&mut *self.conn().await?)
                .await
                .map_err(db_err)?
                .rows_affected(),
            )
        }
    }
}
