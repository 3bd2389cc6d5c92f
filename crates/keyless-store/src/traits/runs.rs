//! Pipeline runs and their job records.

use crate::StoreResult;
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::devops::runs::Run;

#[async_trait]
pub trait RunStore {
    /// Stores a new run (its `id` is ignored) and returns the id it got. `NotFound` when the
    /// pipeline does not exist.
    async fn create_run(&self, r: &Run) -> StoreResult<i64>;
    async fn get_run(&self, id: i64) -> StoreResult<Run>;
    /// The project's runs, newest first, of one pipeline or of all, at most `top`.
    async fn list_runs(
        &self,
        project_id: Uuid,
        pipeline_id: Option<i64>,
        top: i64,
    ) -> StoreResult<Vec<Run>>;
    /// Writes the name, state, result, end and job records (the rest is fixed).
    async fn update_run(&self, r: &Run) -> StoreResult<()>;
    /// How many runs the pipeline has had since `since` (for run numbers).
    async fn count_runs_since(&self, pipeline_id: i64, since: i64) -> StoreResult<i64>;
}
