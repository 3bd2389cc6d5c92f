//! A job for one service connection (`keyless exec`): `POST …/projects/{p}/connections/{c}/jobs`
//! with `{"pipeline"?, "minutes"?}`. With a pipeline, the job is that pipeline's (Queue
//! builds) and the connection must be one its run may use; without one, the job belongs to
//! the project's pipeline `keyless-exec-{connection}`, created on first use the way any
//! pipeline is (Edit build pipeline, the User role on the connection, which authorizes it).
//! The answer is the job's environment plus what a task exposes of the connection (ids,
//! never a secret: the job reads that with its token). Audited as kind `job`.

use super::handlers::project_of;
use super::jobs::{connection_json, started_json};
use super::ops;
use crate::auth::{Caller, caller};
use crate::devops::pipeline_security::{require_new_pipeline, require_pipeline};
use crate::devops::security::require;
use crate::envelope::{ApiError, DevopsError, parse_json_or_default};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use keyless_core::req::Req;
use keyless_model::devops::pipeline_security::PipelinePermission;
use keyless_model::devops::security::EndpointAction;
use keyless_model::devops::{
    Organization, Pipeline, PipelineDefinition, Project, ServiceConnection,
};
use keyless_store::StoreError;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionJobBody {
    pipeline: Option<String>,
    minutes: Option<i64>,
    pool: Option<keyless_model::devops::agents::PoolRequest>,
}

/// The pipeline a `keyless exec` job without `--pipeline` belongs to.
pub fn exec_pipeline_name(connection: &str) -> String {
    format!("keyless-exec-{connection}")
}

pub async fn start(
    Req { s, headers }: Req,
    Path((org, project, connection)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), DevopsError> {
    let detail = json!({"organization": org, "project": project, "connection": connection});
    let at = (org.as_str(), project.as_str(), connection.as_str());
    Ok(crate::audit::recorded(&s, "job", detail, async |rec| {
        start_job(&s, at, &headers, &body, rec).await
    })
    .await?)
}

async fn start_job(
    s: &AppState,
    (org, project, connection): (&str, &str, &str),
    headers: &HeaderMap,
    body: &Bytes,
    rec: &mut keyless_model::audit::AuditEntry,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let c = caller(s, headers).await?;
    rec.detail["user"] = json!(c.user.user_principal_name);
    let (org, project) = project_of(s, org, project).await?;
    crate::devops::may_manage(&c, &org)?;
    let b: ConnectionJobBody = parse_json_or_default(body)?;
    let conn = connection_in(s, &project, connection).await?;
    rec.connection_id = Some(conn.id);
    let pipeline = match &b.pipeline {
        Some(name) => {
            require_pipeline(s, &c, &org, &project, name, PipelinePermission::QueueBuilds).await?
        }
        None => exec_pipeline(s, &c, &org, &project, &conn).await?,
    };
    rec.detail["pipeline"] = json!(pipeline.name);
    let started = ops::start_job(
        s,
        (&org, &project, &pipeline),
        ops::JobRequest::asked(b.minutes, b.pool, c.user.id, ops::JobFor::Connection(&conn)),
    )
    .await?;
    rec.detail["jobId"] = json!(started.job.id.to_string());
    let mut answer = started_json(s, &org, &project, &pipeline, &started);
    answer["connection"] = connection_json(&conn);
    Ok((StatusCode::CREATED, Json(answer)))
}

/// A connection of the project by name (case-insensitive) or id.
async fn connection_in(
    s: &AppState,
    project: &Project,
    key: &str,
) -> Result<ServiceConnection, ApiError> {
    let found = match keyless_model::Uuid::parse_str(key) {
        Ok(id) => s.shared_store().get_connection(id).await.and_then(|c| {
            if c.project_id == project.id {
                Ok(c)
            } else {
                Err(StoreError::NotFound)
            }
        }),
        Err(_) => s.shared_store().find_connection(project.id, key).await,
    };
    found.map_err(|e| match e {
        StoreError::NotFound => {
            crate::devops::security::connection_not_in_project("ConnectionNotFound", key, project)
        }
        e => e.into(),
    })
}

/// The project's `keyless-exec-{connection}` pipeline, created on first use.
async fn exec_pipeline(
    s: &AppState,
    c: &Caller,
    org: &Organization,
    project: &Project,
    conn: &ServiceConnection,
) -> Result<Pipeline, ApiError> {
    let name = exec_pipeline_name(&conn.name);
    match s.shared_store().find_pipeline(project.id, &name).await {
        Ok(_) => {
            return require_pipeline(s, c, org, project, &name, PipelinePermission::QueueBuilds)
                .await;
        }
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    require_new_pipeline(s, c, org, project, &name).await?;
    require(s, c, org, project, Some(conn), EndpointAction::Use).await?;
    // A JSON string is a YAML scalar: any connection name stays one value.
    let yaml = format!(
        "# The pipeline of `keyless exec` jobs: they may use the connection below.\ntrigger: none\nsteps:\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: {}\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: 'true'\n",
        serde_json::to_string(&conn.name).unwrap_or_default()
    );
    let def = PipelineDefinition::new(
        PipelineDefinition::DEFAULT_PATH,
        [(PipelineDefinition::DEFAULT_PATH.to_string(), yaml)].into(),
    )
    .map_err(|e| ApiError::detail("BadRequest", e))?;
    let ids = vec![conn.id];
    ops::create_pipeline(s, project, &name, def, ids.clone(), &ids, Some(c.user.id)).await
}
