//! A pipeline's own permission entries (allow or deny one permission to a group or a user).
//! The rule that combines them with the group defaults is
//! `keyless_model::devops::pipeline_security::pipeline_permits`.

use crate::StoreResult;
use async_trait::async_trait;
use keyless_model::devops::pipeline_security::{AceSubject, PipelineAce, PipelinePermission};

#[async_trait]
pub trait PipelineSecurityStore {
    /// The pipeline's entries, by subject then permission.
    async fn list_pipeline_aces(&self, pipeline_id: i64) -> StoreResult<Vec<PipelineAce>>;
    /// Creates or replaces the entry for (subject, permission). `NotFound` when the pipeline
    /// does not exist.
    async fn set_pipeline_ace(&self, pipeline_id: i64, ace: &PipelineAce) -> StoreResult<()>;
    /// `NotFound` when the pipeline has no entry for (subject, permission).
    async fn remove_pipeline_ace(
        &self,
        pipeline_id: i64,
        subject: AceSubject,
        permission: PipelinePermission,
    ) -> StoreResult<()>;
}
