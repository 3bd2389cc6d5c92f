//! The agent's report that a job ended: `POST …/hubs/{hub}/plans/{plan}/events` with the
//! job token as bearer and `{"name":"JobCompleted","jobId":…,"result":…}`. From then on the
//! job token is refused everywhere (ID tokens, endpoints), as Azure DevOps revokes it when
//! the job ends. Audited as kind `job`.

use super::find_project_cached;
use super::oidc::job_from_token;
use crate::data::*;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use keyless_core::envelope::{ApiError, DevopsError, parse_json};
use keyless_core::state::AppState;
use keyless_model::Uuid;
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
    State(s): State<AppState>,
    Path((root, project, _hub, plan)): Path<(String, String, String, String)>,
    headers: HeaderMap,
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
    s.db().finish_job(job.id, s.now()).await?;
    s.audit.record(rec);
    Ok(StatusCode::NO_CONTENT)
}
