//! The jobs of a run, as keyless' local executor (`keyless run`) reports them:
//! `POST /keyless/v1/organizations/{org}/projects/{p}/runs/{run}/jobs` with `{"name",
//! "stage"?, "minutes"?}` starts the job (Queue builds on the run's pipeline; the run in
//! progress) and answers its environment and the connections it may use; with
//! `"result":"skipped"` (or another result) it only records a job that did not run. A job
//! ends with the agent's JobCompleted event, which records its result on the run.

use super::handlers::project_of;
use super::jobs::{connection_json, started_json};
use super::ops;
use crate::auth::caller;
use crate::devops::run_of;
use crate::envelope::{ApiError, DevopsError, parse_json};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use keyless_core::req::Req;
use keyless_model::devops::pipeline_security::PipelinePermission;
use keyless_model::devops::runs::{JobState, Run, RunResult, RunState};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunJobBody {
    name: String,
    stage: Option<String>,
    minutes: Option<i64>,
    result: Option<String>,
    pool: Option<keyless_model::devops::agents::PoolRequest>,
}

pub async fn start(
    Req { s, headers }: Req,
    Path((org, project, run)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), DevopsError> {
    let c = caller(&s, &headers).await?;
    let (org, project) = project_of(&s, &org, &project).await?;
    crate::devops::may_manage(&c, &org)?;
    let (run, pipeline) = run_of(
        &s,
        &c,
        (&org, &project),
        &run,
        PipelinePermission::QueueBuilds,
    )
    .await?;
    let b: RunJobBody = parse_json(&body)?;
    if run.state != RunState::InProgress {
        return Err(ApiError::detail(
            "Conflict",
            format!(
                "The run {} is {}: it starts no more jobs.",
                run.name,
                run.state.as_str()
            ),
        )
        .into());
    }
    let now = s.now();
    if let Some(r) = &b.result {
        let result = RunResult::parse(r)
            .ok_or_else(|| ApiError::detail("BadRequest", format!("'{r}' is not a job result.")))?;
        let rec = ops::change_by(
            &s,
            None,
            Some(c.user.id),
            "recordJob",
            json!({"run": run.id}),
        );
        let uow = s.shared_store().begin().await?;
        uow.modify_run(run.id, &mut |run: &mut Run| {
            let j = run.job_mut(b.stage.as_deref(), &b.name);
            j.state = JobState::Completed;
            j.result = Some(result);
            j.finished_at = Some(now);
        })
        .await?;
        ops::commit_audited(uow, rec).await?;
        return Ok((StatusCode::OK, Json(json!({"run": run.id}))));
    }
    let req = ops::JobRequest {
        minutes: b.minutes,
        pool: b.pool,
        by: Some(c.user.id),
        what: ops::JobFor::Run {
            run: run.id,
            stage: b.stage.as_deref(),
            name: &b.name,
        },
    };
    let started = ops::start_job(&s, (&org, &project, &pipeline), req).await?;
    let mut connections = Vec::new();
    for id in started.job.usable_connections(&pipeline) {
        if let Ok(conn) = s.shared_store().get_connection(*id).await {
            connections.push(connection_json(&conn));
        }
    }
    let mut answer = started_json(&s, &org, &project, &pipeline, &started);
    answer["run"] = json!({"id": run.id, "name": run.name});
    answer["connections"] = json!(connections);
    Ok((StatusCode::CREATED, Json(answer)))
}
