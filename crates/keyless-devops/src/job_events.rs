//! The agent's report that a job ended: `POST …/hubs/{hub}/plans/{plan}/events` with the
//! job token as bearer and `{"name":"JobCompleted","jobId":…,"result":…}`. From then on the
//! job token is refused everywhere (ID tokens, endpoints), as Azure DevOps revokes it when
//! the job ends. Audited as kind `job`.

use super::find_project_cached;
use super::oidc::job_from_token;
use crate::data::*;
use axum::extract::Path;
use axum::http::StatusCode;
use keyless_core::envelope::{ApiError, DevopsError, parse_json};
use keyless_core::req::Req;
use keyless_model::Uuid;
use keyless_model::devops::runs::{JobState, Run, RunResult};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobEvent {
    name: String,
    job_id: Uuid,
    /// `succeeded`, `succeededWithIssues`, `failed`, `canceled`, `skipped`.
    #[serde(default)]
    result: Option<String>,
}

pub async fn plan_event(
    Req { s, headers }: Req,
    Path((root, project, _hub, plan)): Path<(String, String, String, String)>,
    body: axum::body::Bytes,
) -> Result<StatusCode, DevopsError> {
    let job = job_from_token(&s, &headers).await?;
    let ev: JobEvent = parse_json(&body)?;
    let org = super::find_org_cached(&s, &root).await?;
    let project = find_project_cached(&s, &org, &project).await?;
    if job.project_id != project.id
        || Uuid::parse_str(&plan).ok() != Some(job.plan_id)
        || ev.job_id != job.id
    {
        return Err(ApiError::detail(
            "Unauthenticated",
            "The job token does not belong to this job. Use the SYSTEM_ACCESSTOKEN of the job the event is about.",
        )
        .into());
    }
    if ev.name != "JobCompleted" {
        return Err(ApiError::detail(
            "BadRequest",
            format!(
                "Unknown job event '{}': keyless takes JobCompleted.",
                ev.name
            ),
        )
        .into());
    }
    let mut rec = keyless_core::audit::entry("job", s.now());
    rec.detail = json!({
        "organization": org.name, "project": project.name, "jobId": job.id.to_string(),
        "event": "JobCompleted", "result": ev.result,
    });
    let now = s.now();
    let mut object = json!({"job": job.id.to_string()});
    if let Some(run_id) = job.run_id {
        object["run"] = json!(run_id);
    }
    let entry = super::lifecycle::object_entry(&s, None, "completeJob", object);
    audited(&s, entry, async |tx| {
        tx.data().finish_job(job.id, now).await?;
        if let Some(run_id) = job.run_id {
            record_result(tx, run_id, job.id, ev.result.as_deref(), now).await?;
        }
        Ok::<_, ApiError>(())
    })
    .await?;
    s.audit.record(rec);
    Ok(StatusCode::NO_CONTENT)
}

/// The run's record of the job: completed, with the reported result (failed when none or
/// an unknown one was reported).
async fn record_result(
    tx: &Tx,
    run_id: i64,
    job_id: Uuid,
    result: Option<&str>,
    now: i64,
) -> Result<(), ApiError> {
    let result = result
        .and_then(RunResult::parse)
        .unwrap_or(RunResult::Failed);
    // Read, changed and written under the run's lock: concurrent jobs' results all stay.
    tx.data()
        .modify_run(run_id, &mut |run: &mut Run| {
            if let Some(j) = run.jobs.iter_mut().find(|j| j.job_id == Some(job_id)) {
                j.state = JobState::Completed;
                j.result = Some(result);
                j.finished_at = Some(now);
            }
        })
        .await?;
    Ok(())
}
