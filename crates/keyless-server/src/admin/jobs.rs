//! Pipelines and jobs: create a pipeline referencing connections, start a job and hand out
//! what the job's environment would hold (`SYSTEM_OIDCREQUESTURI`, `SYSTEM_ACCESSTOKEN`).

use super::handlers::project_of;
use super::ops;
use crate::auth::caller;
use crate::envelope::{ApiError, parse_json};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use keyless_model::devops::Pipeline;
use serde::Deserialize;
use serde_json::{Value, json};

pub async fn list_pipelines(
    State(s): State<AppState>,
    Path((org, project)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let c = caller(&s, &headers).await?;
    let (org, project) = project_of(&s, &org, &project).await?;
    crate::devops::may_manage(&c, &org)?;
    Ok(Json(
        json!({"value": s.store.list_pipelines(project.id).await?}),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PipelineBody {
    name: String,
    #[serde(default)]
    connections: Vec<String>,
}

pub async fn create_pipeline(
    State(s): State<AppState>,
    Path((org, project)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let c = caller(&s, &headers).await?;
    let (org, project) = project_of(&s, &org, &project).await?;
    crate::devops::may_manage(&c, &org)?;
    let b: PipelineBody = parse_json(&body)?;
    let conns = ops::resolve_connections(&s, &project, &b.connections).await?;
    let p = ops::create_pipeline(&s, &project, &b.name, conns).await?;
    Ok((StatusCode::CREATED, Json(json!(p))))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobBody {
    minutes: Option<i64>,
}

async fn find_pipeline(s: &AppState, project: uuid::Uuid, key: &str) -> Result<Pipeline, ApiError> {
    let found = match key.parse::<i64>() {
        Ok(id) => s
            .store
            .get_pipeline(id)
            .await
            .ok()
            .filter(|p| p.project_id == project),
        Err(_) => s.store.find_pipeline(project, key).await.ok(),
    };
    found.ok_or_else(|| {
        ApiError::detail(
            "NotFound",
            format!(
                "No pipeline '{}' in this project.",
                keyless_model::catalogue::sanitize(key)
            ),
        )
    })
}

pub async fn start_job(
    State(s): State<AppState>,
    Path((org, project, pipeline)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let c = caller(&s, &headers).await?;
    let (org, project) = project_of(&s, &org, &project).await?;
    crate::devops::may_manage(&c, &org)?;
    let pipeline = find_pipeline(&s, project.id, &pipeline).await?;
    let b: JobBody = if body.is_empty() {
        JobBody::default()
    } else {
        parse_json(&body)?
    };
    let started = ops::start_job(&s, &org, &project, &pipeline, b.minutes.unwrap_or(60)).await?;
    let mut env = json!({
        "SYSTEM_OIDCREQUESTURI": started.oidc_request_uri,
        "SYSTEM_ACCESSTOKEN": started.access_token,
        "SYSTEM_TEAMPROJECTID": project.id.to_string(),
        "SYSTEM_COLLECTIONURI": format!("{}/{}/", s.origin, org.name),
        "SYSTEM_PLANID": started.job.plan_id.to_string(),
        "SYSTEM_JOBID": started.job.id.to_string(),
    });
    // Secret connections the job may use: the agent's endpoint variables.
    for (k, v) in crate::devops::secrets::job_endpoint_env(&s, &pipeline).await? {
        env[k] = json!(v);
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({"job": started.job, "env": env})),
    ))
}
