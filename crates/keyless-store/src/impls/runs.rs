//! Pipeline runs: one row per run, its job records as JSON.

use super::found;
use crate::rows::{RunRow, id, json, opt_id};
use crate::{RunStore, StoreError, StoreResult};
use async_trait::async_trait;
use keyless_model::Uuid;
use keyless_model::devops::runs::Run;

select!($ runs =
    "SELECT id, pipeline_id, project_id, name, state, result, requested_by, created_at, \
     finished_at, variables, jobs FROM runs ");

/// Writes the changeable fields of the run `$r` [`on!`] `self` or `in tx`; the rows affected.
macro_rules! write_run {
    ($($on:ident)+, $r:expr) => {
        execute!(
            $($on)+,
            "UPDATE runs SET name = $2, state = $3, result = $4, finished_at = $5, \
             jobs = $6 WHERE id = $1",
            $r.id,
            &$r.name,
            $r.state.as_str(),
            json(&$r.result)?,
            $r.finished_at,
            json(&$r.jobs)?,
        )
    };
}

for_each_backend! {
    #[async_trait]
    impl RunStore for Backend {
        async fn create_run(&self, r: &Run) -> StoreResult<i64> {
            let exists: Option<i64> = fetch!(
                self,
                query_scalar,
                fetch_optional,
                "SELECT id FROM pipelines WHERE id = $1",
                r.pipeline_id,
            )?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            fetch!(
                self,
                query_scalar,
                fetch_one,
                "INSERT INTO runs (pipeline_id, project_id, name, state, result, requested_by, \
                 created_at, finished_at, variables, jobs) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                r.pipeline_id,
                id(r.project_id),
                &r.name,
                r.state.as_str(),
                json(&r.result)?,
                opt_id(r.requested_by),
                r.created_at,
                r.finished_at,
                json(&r.variables)?,
                json(&r.jobs)?,
            )
        }

        async fn get_run(&self, run: i64) -> StoreResult<Run> {
            fetch_one!(self, RunRow, runs!("WHERE id = $1"), run)
        }

        async fn list_runs(
            &self,
            project_id: Uuid,
            pipeline_id: Option<i64>,
            top: i64,
        ) -> StoreResult<Vec<Run>> {
            fetch_all!(
                self,
                RunRow,
                runs!("WHERE project_id = $1 AND ($2 IS NULL OR pipeline_id = $2) \
                       ORDER BY id DESC LIMIT $3"),
                id(project_id),
                pipeline_id,
                top,
            )
        }

        async fn update_run(&self, r: &Run) -> StoreResult<()> {
            found(write_run!(self, r))
        }

        async fn modify_run(
            &self,
            run: i64,
            change: &mut (dyn for<'r> FnMut(&'r mut Run) + Send),
        ) -> StoreResult<Run> {
            let mut tx = self.begin_write().await?;
            Dialect::lock_run(&mut tx, run).await?;
            let mut r: Run = fetch_one!(in tx, RunRow, runs!("WHERE id = $1"), run)?;
            change(&mut r);
            found(write_run!(in tx, r))?;
            tx.commit().await.map_err(crate::errors::db_err)?;
            Ok(r)
        }

        async fn count_runs_since(&self, pipeline_id: i64, since: i64) -> StoreResult<i64> {
            fetch!(
                self,
                query_scalar,
                fetch_one,
                "SELECT COUNT(*) FROM runs WHERE pipeline_id = $1 AND created_at >= $2",
                pipeline_id,
                since,
            )
        }
    }
}
