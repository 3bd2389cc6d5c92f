//! Runs of a pipeline, as the Pipelines and Build REST APIs show them:
//! `POST|GET {org}/{project}/_apis/pipelines/{id}/runs[/{runId}]`,
//! `GET {org}/{project}/_apis/build/builds[/{id}]`, `…/builds/{id}/timeline`, and
//! `PATCH …/builds/{id}` (`{"status":"cancelling"}` cancels; `{"status":"completed",
//! "result":…}` is how keyless' local executor reports the end). Queueing compiles the YAML
//! and checks its connections (queue time) and needs Queue builds; reading needs View builds.
//! Queueing and ending are audited (kind `run`).

use super::find_project;
use super::pipeline_security::{find_pipeline, require_pipeline, require_project_member};
use super::run_shapes::{RunContext, build_json, run_json, timeline_json};
use crate::data::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use keyless_core::auth::Caller;
use keyless_core::envelope::{ApiError, DevopsError, parse_json, parse_json_or_default};
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::devops::pipeline_security::PipelinePermission;
use keyless_model::devops::runs::{Run, RunResult, RunState, day_start, run_name};
use keyless_model::devops::{Organization, Pipeline, Project};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RunRequest {
    #[serde(default)]
    variables: BTreeMap<String, RunVariable>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunVariable {
    #[serde(default)]
    value: String,
    #[serde(default)]
    is_secret: bool,
}

async fn scope(
    s: &AppState,
    headers: &HeaderMap,
    root: &str,
    project: &str,
) -> Result<(Caller, Organization, Project), ApiError> {
    let (c, org) = super::managed_org(s, headers, root).await?;
    let project = find_project(s, &org, project).await?;
    Ok((c, org, project))
}

/// The caller, the organization, the project, and the run `id` with its pipeline, once
/// the caller holds `permission` on it (`run_of`).
async fn scoped_run(
    s: &AppState,
    headers: &HeaderMap,
    (root, project, id): (&str, &str, &str),
    permission: PipelinePermission,
) -> Result<(Caller, Organization, Project, Run, Pipeline), ApiError> {
    let (c, org, project) = scope(s, headers, root, project).await?;
    let (run, p) = run_of(s, &c, (&org, &project), id, permission).await?;
    Ok((c, org, project, run, p))
}

/// The run `id`, once the caller may view its pipeline.
async fn viewed_run(
    s: &AppState,
    headers: &HeaderMap,
    at: (&str, &str, &str),
) -> Result<(Organization, Project, Run, Pipeline), ApiError> {
    let (_, org, project, run, p) =
        scoped_run(s, headers, at, PipelinePermission::ViewBuildDefinition).await?;
    Ok((org, project, run, p))
}

fn cx<'a>(
    s: &'a AppState,
    org: &'a Organization,
    project: &'a Project,
    p: &'a Pipeline,
) -> RunContext<'a> {
    RunContext {
        origin: &s.origin,
        org,
        project,
        pipeline: p,
    }
}

/// Queues a run: the YAML compiles and its connections exist and are open to the pipeline,
/// else the queue-time refusal. Secret variables are not kept.
pub async fn queue(
    Req { s, headers }: Req,
    Path((root, project, pipeline)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>, DevopsError> {
    let detail = json!({"organization": root, "project": project, "pipeline": pipeline});
    let at = (root.as_str(), project.as_str(), pipeline.as_str());
    let run = async |rec: &mut _| queue_run(&s, at, &headers, &body, rec).await;
    Ok(keyless_core::audit::recorded(&s, "run", detail, run).await?)
}

async fn queue_run(
    s: &AppState,
    (root, project, pipeline): (&str, &str, &str),
    headers: &HeaderMap,
    body: &Bytes,
    rec: &mut keyless_model::audit::AuditEntry,
) -> Result<Json<Value>, ApiError> {
    let (c, org, project) = scope(s, headers, root, project).await?;
    rec.detail["user"] = json!(c.user.user_principal_name);
    let p = super::pipeline_security::queueable(s, &c, (&org, &project), pipeline).await?;
    let req: RunRequest = parse_json_or_default(body)?;
    super::runs::queue_connections(s, &org, &project, &p).await?;
    let now = s.now();
    let rank = s.db().count_runs_since(p.id, day_start(now)).await? + 1;
    let mut run = Run {
        id: 0,
        pipeline_id: p.id,
        project_id: project.id,
        name: run_name(now, rank),
        state: RunState::InProgress,
        result: None,
        requested_by: Some(c.user.id),
        created_at: now,
        finished_at: None,
        variables: req
            .variables
            .into_iter()
            .filter(|(_, v)| !v.is_secret)
            .map(|(k, v)| (k, v.value))
            .collect(),
        jobs: vec![],
    };
    let tx = s.begin().await?;
    run.id = tx.data().create_run(&run).await?;
    let object = json!({"run": run.id, "pipeline": p.id});
    let entry = super::lifecycle::object_entry(s, Some(&c), "queueRun", object);
    tx.commit_audited(&[entry]).await?;
    rec.detail["runId"] = json!(run.id);
    Ok(Json(run_json(&cx(s, &org, &project, &p), &run)))
}

pub async fn list(
    Req { s, headers }: Req,
    Path((root, project, pipeline)): Path<(String, String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let (c, org, project) = scope(&s, &headers, &root, &project).await?;
    let p = require_pipeline(
        &s,
        &c,
        &org,
        &project,
        &pipeline,
        PipelinePermission::ViewBuildDefinition,
    )
    .await?;
    let runs = s.db().list_runs(project.id, Some(p.id), 10_000).await?;
    let cx = cx(&s, &org, &project, &p);
    let value: Vec<Value> = runs.iter().map(|r| run_json(&cx, r)).collect();
    Ok(Json(json!({"count": value.len(), "value": value})))
}

/// The run `id` of the project and its pipeline, once the caller holds `permission` on it.
pub async fn run_of(
    s: &AppState,
    c: &Caller,
    (org, project): (&Organization, &Project),
    id: &str,
    permission: PipelinePermission,
) -> Result<(Run, Pipeline), ApiError> {
    require_project_member(s, c, org, project).await?;
    let not_found = || {
        let id = keyless_model::catalogue::sanitize(id);
        ApiError::detail(
            "NotFound",
            format!("The requested build {id} could not be found."),
        )
    };
    let run = match id.parse::<i64>() {
        Ok(n) => s
            .db()
            .get_run(n)
            .await
            .ok()
            .filter(|r| r.project_id == project.id),
        Err(_) => None,
    }
    .ok_or_else(not_found)?;
    let p = require_pipeline(s, c, org, project, &run.pipeline_id.to_string(), permission).await?;
    Ok((run, p))
}

pub async fn get(
    Req { s, headers }: Req,
    Path((root, project, pipeline, id)): Path<(String, String, String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let (org, project, run, p) = viewed_run(&s, &headers, (&root, &project, &id)).await?;
    if find_pipeline(&s, project.id, &pipeline).await?.id != p.id {
        return Err(ApiError::detail(
            "NotFound",
            format!("The pipeline run {id} is not a run of this pipeline."),
        )
        .into());
    }
    Ok(Json(run_json(&cx(&s, &org, &project, &p), &run)))
}

pub async fn list_builds(
    Req { s, headers }: Req,
    Path((root, project)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DevopsError> {
    let (c, org, project) = scope(&s, &headers, &root, &project).await?;
    require_project_member(&s, &c, &org, &project).await?;
    let param = |k: &str| {
        q.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    };
    let top = param("$top")
        .and_then(|t| t.parse::<i64>().ok())
        .unwrap_or(10_000)
        .clamp(1, 10_000);
    let definitions: Vec<i64> = param("definitions")
        .map(|d| d.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default();
    let mut pipelines: HashMap<i64, Pipeline> = HashMap::new();
    let mut value = Vec::new();
    for run in s.db().list_runs(project.id, None, 10_000).await? {
        if (!definitions.is_empty() && !definitions.contains(&run.pipeline_id))
            || value.len() as i64 >= top
        {
            continue;
        }
        if !pipelines.contains_key(&run.pipeline_id) {
            let key = run.pipeline_id.to_string();
            let Ok(p) = require_pipeline(
                &s,
                &c,
                &org,
                &project,
                &key,
                PipelinePermission::ViewBuildDefinition,
            )
            .await
            else {
                continue;
            };
            pipelines.insert(p.id, p);
        }
        value.push(build_json(
            &cx(&s, &org, &project, &pipelines[&run.pipeline_id]),
            &run,
        ));
    }
    Ok(Json(json!({"count": value.len(), "value": value})))
}

pub async fn get_build(
    Req { s, headers }: Req,
    Path((root, project, id)): Path<(String, String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let (org, project, run, p) = viewed_run(&s, &headers, (&root, &project, &id)).await?;
    Ok(Json(build_json(&cx(&s, &org, &project, &p), &run)))
}

pub async fn timeline(
    Req { s, headers }: Req,
    Path((root, project, id)): Path<(String, String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let (_, _, run, _) = viewed_run(&s, &headers, (&root, &project, &id)).await?;
    Ok(Json(timeline_json(&run)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BuildUpdate {
    status: String,
    #[serde(default)]
    result: Option<String>,
}

/// Cancels a run (`cancelling`, or `completed` with `canceled`) or ends it with a result.
/// Ending a run ends its jobs, and with them their tokens.
pub async fn update_build(
    Req { s, headers }: Req,
    Path((root, project, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>, DevopsError> {
    let (c, org, project, run, p) = scoped_run(
        &s,
        &headers,
        (&root, &project, &id),
        PipelinePermission::QueueBuilds,
    )
    .await?;
    let u: BuildUpdate = parse_json(&body)?;
    let bad = |m: String| ApiError::detail("BadRequest", m);
    let now = s.now();
    // `None`: cancel; else end the run with this result.
    let end = match u.status.to_ascii_lowercase().as_str() {
        "cancelling" | "canceling" => None,
        "completed" => Some(match u.result.as_deref() {
            Some("partiallySucceeded") => RunResult::SucceededWithIssues,
            Some(r) => RunResult::parse(r)
                .filter(|r| *r != RunResult::Skipped)
                .ok_or_else(|| bad(format!("'{r}' is not a build result: succeeded, partiallySucceeded, failed or canceled.")))?,
            None => return Err(bad("A completed build needs a result.".into()).into()),
        }),
        other => {
            return Err(bad(format!(
                "The build status '{other}' cannot be set: use cancelling or completed."
            ))
            .into());
        }
    };
    // Read, changed and written under the run's lock: a job's result recorded meanwhile stays.
    let operation = if end.is_some() { "endRun" } else { "cancelRun" };
    let entry = super::lifecycle::object_entry(&s, Some(&c), operation, json!({"run": run.id}));
    let run = audited(&s, entry, async |tx| {
        let run = tx
            .data()
            .modify_run(run.id, &mut |run: &mut Run| match end {
                None if run.state == RunState::InProgress => run.state = RunState::Canceling,
                None => {}
                Some(result) => run.finish(result, now),
            })
            .await?;
        if run.state == RunState::Completed {
            for j in run.jobs.iter().filter_map(|j| j.job_id) {
                tx.data().finish_job(j, now).await?;
            }
        }
        Ok::<_, ApiError>(run)
    })
    .await?;
    let mut rec = keyless_core::audit::entry("run", now);
    rec.detail = json!({
        "organization": org.name, "project": project.name, "runId": run.id,
        "user": c.user.user_principal_name, "status": run.state.as_str(), "result": run.result,
    });
    s.audit.record(rec);
    Ok(Json(build_json(&cx(&s, &org, &project, &p), &run)))
}
