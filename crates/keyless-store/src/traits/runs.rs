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
    /// Reads the run, applies `change` to it and writes it back (as [`Self::update_run`])
    /// in one transaction that holds the run's row (PostgreSQL: `SELECT … FOR UPDATE`;
    /// SQLite: the database's write lock), so concurrent changes of one run apply one after
    /// the other and none is lost. Inside a unit of work it runs under a savepoint and the
    /// row stays locked until the unit of work ends. The run as written; `NotFound` when
    /// there is none.
    async fn modify_run(
        &self,
        id: i64,
        change: &mut (dyn for<'r> FnMut(&'r mut Run) + Send),
    ) -> StoreResult<Run>;
    /// How many runs the pipeline has had since `since` (for run numbers).
    async fn count_runs_since(&self, pipeline_id: i64, since: i64) -> StoreResult<i64>;
}
