//! Pipeline permission entries. A subject is stored as `group:{display name}` or
//! `user:{id}`, a permission by its key, the access as `Allow` or `Deny`.

use super::found;
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
            let rows: Vec<(String, String, String)> = fetch!(
                self,
                query_as,
                fetch_all,
                "SELECT subject, permission, access FROM pipeline_aces WHERE pipeline_id = $1 \
                 ORDER BY subject, permission",
                pipeline_id,
            )?;
            rows.iter().map(|(s, p, a)| ace_of(s, p, a)).collect()
        }

        async fn set_pipeline_ace(&self, pipeline_id: i64, ace: &PipelineAce) -> StoreResult<()> {
            let exists: Option<i64> = fetch!(
                self,
                query_scalar,
                fetch_optional,
                "SELECT id FROM pipelines WHERE id = $1",
                pipeline_id,
            )?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            execute!(
                self,
                "INSERT INTO pipeline_aces (pipeline_id, subject, permission, access) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (pipeline_id, subject, permission) \
                 DO UPDATE SET access = excluded.access",
                pipeline_id,
                subject_key(ace.subject),
                ace.permission.key(),
                ace.access.as_str(),
            );
            Ok(())
        }

        async fn remove_pipeline_ace(
            &self,
            pipeline_id: i64,
            subject: AceSubject,
            permission: PipelinePermission,
        ) -> StoreResult<()> {
            found(execute!(
                self,
                "DELETE FROM pipeline_aces WHERE pipeline_id = $1 AND subject = $2 \
                 AND permission = $3",
                pipeline_id,
                subject_key(subject),
                permission.key(),
            ))
        }
    }
}
