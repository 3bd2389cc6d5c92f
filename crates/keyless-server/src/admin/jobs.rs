//! Pipelines and jobs: create a pipeline referencing connections, start a job and hand out
//! what the job's environment would hold (`SYSTEM_OIDCREQUESTURI`, `SYSTEM_ACCESSTOKEN`).
//! Who may do each is Azure DevOps' pipeline security (`devops::pipeline_security`): seeing
//! pipelines needs a group in the project, creating one Edit build pipeline and the User
//! role on every connection it names, starting a job Queue builds.

use super::handlers::project_of;
use super::ops;
use crate::auth::caller;
use crate::devops::pipeline_security::{
    require_new_pipeline, require_pipeline, require_project_member,
};
use crate::devops::security::require;
use crate::envelope::{ApiError, DevopsError, parse_json, parse_json_or_default};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use keyless_core::req::Req;
use keyless_model::devops::PipelineDefinition;
use keyless_model::devops::pipeline_security::PipelinePermission;
use keyless_model::devops::security::EndpointAction;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub async fn list_pipelines(
    Req { s, headers }: Req,
    Path((org, project)): Path<(String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let c = caller(&s, &headers).await?;
    let (org, project) = project_of(&s, &org, &project).await?;
    crate::devops::may_manage(&c, &org)?;
    require_project_member(&s, &c, &org, &project).await?;
    Ok(Json(
        json!({"value": s.shared_store().list_pipelines(project.id).await?}),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PipelineBody {
    name: String,
    /// The pipeline file's text, when it is one file (at `path`, or `azure-pipelines.yml`).
    yaml: Option<String>,
    /// The pipeline file's path in the repository.
    path: Option<String>,
    /// Every file by path, the pipeline file (`path`) and the templates it includes.
    files: Option<BTreeMap<String, String>>,
    /// Whether saving authorizes the pipeline for the connections its YAML names (default
    /// true); `false` replaces the YAML as a push of the file does, leaving every
    /// connection's pipeline permissions as they are.
    authorize: Option<bool>,
}

impl PipelineBody {
    /// The connections saving authorizes the pipeline for, of those its YAML names.
    fn to_authorize<'a>(&self, named: &'a [keyless_model::Uuid]) -> &'a [keyless_model::Uuid] {
        if self.authorize.unwrap_or(true) {
            named
        } else {
            &[]
        }
    }

    fn definition(&self) -> Result<PipelineDefinition, ApiError> {
        let path = self.path.as_deref();
        let files = match (&self.yaml, &self.files) {
            (Some(y), None) => {
                let p = path.unwrap_or(PipelineDefinition::DEFAULT_PATH);
                [(p.to_string(), y.clone())].into()
            }
            (None, Some(f)) if path.is_some() => f.clone(),
            (None, Some(_)) => return Err(bad("files needs path, the pipeline file among them.")),
            _ => {
                return Err(bad(
                    "Give the pipeline's YAML: yaml (one file), or path and files (the pipeline file and its templates).",
                ));
            }
        };
        PipelineDefinition::new(path.unwrap_or(PipelineDefinition::DEFAULT_PATH), files)
            .map_err(bad)
    }
}

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

/// Saving a pipeline compiles its YAML (an error refuses it, with file, line and column)
/// and authorizes it for the connections the YAML names that exist, as Azure DevOps does
/// for a user who holds the User role on them; a caller without that role is refused.
/// Names that match no connection are reported when a run is queued.
pub async fn create_pipeline(
    Req { s, headers }: Req,
    Path((org, project)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), DevopsError> {
    let c = caller(&s, &headers).await?;
    let (org, project) = project_of(&s, &org, &project).await?;
    crate::devops::may_manage(&c, &org)?;
    let b: PipelineBody = parse_json(&body)?;
    require_new_pipeline(&s, &c, &org, &project, &b.name).await?;
    let def = b.definition()?;
    let conns = crate::devops::runs::named_connections(&s, &project, &def).await?;
    for conn in &conns {
        require(&s, &c, &org, &project, Some(conn), EndpointAction::Use).await?;
    }
    let ids: Vec<_> = conns.iter().map(|c| c.id).collect();
    let by = Some(c.user.id);
    let authorize = b.to_authorize(&ids);
    let p = ops::create_pipeline(&s, &project, &b.name, def, ids.clone(), authorize, by).await?;
    Ok((StatusCode::CREATED, Json(json!(p))))
}

/// The caller, the organization, the project and the pipeline, when the caller may edit
/// (or delete) it: Edit build pipeline.
async fn editable(
    s: &AppState,
    headers: &HeaderMap,
    org: &str,
    project: &str,
    pipeline: &str,
) -> Result<
    (
        crate::auth::Caller,
        keyless_model::devops::Organization,
        keyless_model::devops::Project,
        keyless_model::devops::Pipeline,
    ),
    DevopsError,
> {
    let c = caller(s, headers).await?;
    let (org, project) = project_of(s, org, project).await?;
    crate::devops::may_manage(&c, &org)?;
    let edit = PipelinePermission::EditBuildDefinition;
    let p = require_pipeline(s, &c, &org, &project, pipeline, edit).await?;
    Ok((c, org, project, p))
}

/// Replaces a pipeline's YAML (Edit build pipeline; its name stays), with the same checks
/// and authorization as saving a new one. With `"authorize": false` (on either) nothing is
/// authorized.
pub async fn update_pipeline(
    Req { s, headers }: Req,
    Path((org, project, pipeline)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>, DevopsError> {
    let (c, org, project, mut p) = editable(&s, &headers, &org, &project, &pipeline).await?;
    let b: PipelineBody = parse_json(&body)?;
    let def = b.definition()?;
    let conns = crate::devops::runs::named_connections(&s, &project, &def).await?;
    for conn in &conns {
        require(&s, &c, &org, &project, Some(conn), EndpointAction::Use).await?;
    }
    let ids: Vec<_> = conns.iter().map(|c| c.id).collect();
    p.connections = ids.clone();
    p.definition = Some(def);
    ops::update_pipeline(&s, &p, b.to_authorize(&ids), Some(c.user.id)).await?;
    Ok(Json(json!(p)))
}

/// Deletes a pipeline with its runs, jobs, permission entries and authorizations on
/// connections (Delete build pipeline, whose defaults are Edit build pipeline's: C, B, P).
/// A run in progress refuses it with 409; a job of a deleted run loses its token.
pub async fn delete_pipeline(
    Req { s, headers }: Req,
    Path((org, project, pipeline)): Path<(String, String, String)>,
) -> Result<StatusCode, DevopsError> {
    let (c, _, _, p) = editable(&s, &headers, &org, &project, &pipeline).await?;
    let uow = s.shared_store().begin().await?;
    uow.delete_pipeline(p.id).await?;
    let rec = ops::change_by(&s, None, Some(c.user.id), "deletePipeline", p.id);
    ops::commit_audited(uow, rec).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobBody {
    minutes: Option<i64>,
    pool: Option<keyless_model::devops::agents::PoolRequest>,
}

/// Starts a job (Queue builds on the pipeline). The answer holds the job's identifiers and
/// what the agent puts in its environment, never a connection's secret: the job reads
/// those with its token (`…/jobs/{job}/endpoints`). Audited (kind `job`), granted or denied.
pub async fn start_job(
    Req { s, headers }: Req,
    Path((org, project, pipeline)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), DevopsError> {
    let detail = json!({"organization": org, "project": project, "pipeline": pipeline});
    let at = (org.as_str(), project.as_str(), pipeline.as_str());
    Ok(crate::audit::recorded(&s, "job", detail, async |rec| {
        start(&s, at, &headers, &body, rec).await
    })
    .await?)
}

async fn start(
    s: &AppState,
    (org, project, pipeline): (&str, &str, &str),
    headers: &HeaderMap,
    body: &Bytes,
    rec: &mut keyless_model::audit::AuditEntry,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let c = caller(s, headers).await?;
    rec.detail["user"] = json!(c.user.user_principal_name);
    let (org, project) = project_of(s, org, project).await?;
    crate::devops::may_manage(&c, &org)?;
    let pipeline =
        crate::devops::pipeline_security::queueable(s, &c, (&org, &project), pipeline).await?;
    let b: JobBody = parse_json_or_default(body)?;
    let started = ops::start_job(
        s,
        (&org, &project, &pipeline),
        ops::JobRequest::asked(b.minutes, b.pool, c.user.id, ops::JobFor::Pipeline),
    )
    .await?;
    rec.detail["jobId"] = json!(started.job.id.to_string());
    let env = job_env(s, &org, &project, &started);
    Ok((
        StatusCode::CREATED,
        Json(json!({"job": started.job, "env": env})),
    ))
}

/// The answer to starting a job for `keyless exec` and `keyless run`: the job, its
/// environment, where it runs and how long its ID tokens live.
pub fn started_json(
    s: &AppState,
    org: &keyless_model::devops::Organization,
    project: &keyless_model::devops::Project,
    pipeline: &keyless_model::devops::Pipeline,
    started: &ops::StartedJob,
) -> Value {
    json!({
        "job": started.job,
        "env": job_env(s, org, project, started),
        "organization": {"id": org.id.to_string(), "name": org.name},
        "project": {"id": project.id.to_string(), "name": project.name},
        "pipeline": {"id": pipeline.id, "name": pipeline.name},
        "pool": {"id": started.placement.pool.id, "name": started.placement.pool.name, "isHosted": started.placement.pool.is_hosted},
        "agent": started.placement.agent.as_ref().map(|a| json!({"id": a.id, "name": a.name, "vm": a.vm_resource_id})),
        "idTokenLifetime": s.id_token_lifetime,
    })
}

/// A connection a job may use, as `keyless exec` and `keyless run` are told of it.
pub fn connection_json(conn: &keyless_model::devops::ServiceConnection) -> Value {
    use keyless_model::devops::data::{ConnectionData, SUBSCRIPTION_ID};
    json!({
        "id": conn.id.to_string(),
        "name": conn.name,
        "type": conn.endpoint_type,
        "scheme": conn.scheme,
        "clientId": conn.client_id.to_string(),
        "tenantId": conn.tenant_id.to_string(),
        "subscriptionId": conn.data.scope_text(SUBSCRIPTION_ID),
    })
}

/// What the agent puts in a job's environment for the job itself (never a secret of a
/// connection).
pub fn job_env(
    s: &AppState,
    org: &keyless_model::devops::Organization,
    project: &keyless_model::devops::Project,
    started: &ops::StartedJob,
) -> Value {
    let mut env = json!({
        "SYSTEM_OIDCREQUESTURI": started.oidc_request_uri,
        "SYSTEM_ACCESSTOKEN": started.access_token,
        "SYSTEM_TEAMPROJECTID": project.id.to_string(),
        "SYSTEM_COLLECTIONURI": format!("{}/{}/", s.origin, org.name),
        "SYSTEM_PLANID": started.job.plan_id.to_string(),
        "SYSTEM_JOBID": started.job.id.to_string(),
        "AGENT_NAME": started.placement.agent_name(),
        "AGENT_ID": started.placement.agent.as_ref().map_or(0, |a| a.id).to_string(),
    });
    // A self-hosted agent on an Azure VM reaches the VM's managed identities, proving
    // itself with its secret, as the real agent reaches the VM's metadata service.
    let on_vm = started
        .placement
        .agent
        .as_ref()
        .filter(|a| a.vm_resource_id.is_some());
    if let Some(secret) = on_vm.and_then(|a| crate::devops::agents::agent_secret(s, a)) {
        use crate::entra::managed_identity::{identity_endpoint, imds_authority};
        env["IDENTITY_ENDPOINT"] = json!(identity_endpoint(&s.origin));
        env["IDENTITY_HEADER"] = json!(secret);
        env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = json!(imds_authority(&s.origin, &secret));
    }
    env
}
