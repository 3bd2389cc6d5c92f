//! `/{org}/{project}/_apis/pipelines/pipelinePermissions/endpoint/{id}`: which pipelines may
//! use a connection. GET (Reader) and PATCH (Administrator) in the Azure DevOps shape:
//! `{"resource":{"type":"endpoint","id"},"allPipelines":{"authorized",…},"pipelines":[{"id","authorized",…}]}`.

use super::find_project;
use super::security::{projects_of, require};
use crate::data::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use keyless_core::envelope::{ApiError, DevopsError, parse_json};
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::devops::security::{EndpointAction, pipeline_authorized};
use keyless_model::devops::{
    Organization, Pipeline, PipelinePermissions, Project, ServiceConnection,
};
use keyless_model::time_fmt::iso;
use serde::Deserialize;
use serde_json::{Value, json};

fn by(u: Option<Uuid>) -> Value {
    json!({"id": u.map(|u| u.to_string())})
}

pub fn permissions_json(c: &ServiceConnection, p: &PipelinePermissions) -> Value {
    json!({
        "resource": {"type": "endpoint", "id": c.id.to_string(), "name": c.name},
        "allPipelines": {
            "authorized": p.all_pipelines,
            "authorizedBy": by(p.changed_by),
            "authorizedOn": iso(p.changed_at.unwrap_or(c.created_at)),
        },
        "pipelines": p.pipelines.iter().map(|a| json!({
            "id": a.pipeline_id,
            "authorized": true,
            "authorizedBy": by(a.authorized_by),
            "authorizedOn": iso(a.authorized_at),
        })).collect::<Vec<_>>(),
    })
}

async fn context(
    s: &AppState,
    headers: &HeaderMap,
    root: &str,
    project: &str,
    id: &str,
    action: EndpointAction,
) -> Result<(keyless_core::auth::Caller, ServiceConnection), ApiError> {
    let (caller, org) = super::managed_org(s, headers, root).await?;
    let project = find_project(s, &org, project).await?;
    let conn = super::security::connection_by_id(s, &org, id).await?;
    let visible = projects_of(s, &conn)
        .await?
        .iter()
        .any(|p| p.id == project.id);
    if !visible {
        return Err(ApiError::detail(
            "NotFound",
            format!(
                "Service connection with id '{}' does not exist or you do not have permission to access it.",
                conn.id
            ),
        ));
    }
    let home = s.db().get_project(conn.project_id).await?;
    require(s, &caller, &org, &home, Some(&conn), action).await?;
    Ok((caller, conn))
}

pub async fn get(
    Req { s, headers }: Req,
    Path((root, project, id)): Path<(String, String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let (_, conn) = context(&s, &headers, &root, &project, &id, EndpointAction::View).await?;
    let p = s.db().get_pipeline_permissions(conn.id).await?;
    Ok(Json(permissions_json(&conn, &p)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Authorized {
    authorized: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PipelineEntry {
    id: i64,
    authorized: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody {
    #[serde(default)]
    all_pipelines: Option<Authorized>,
    #[serde(default)]
    pipelines: Vec<PipelineEntry>,
}

/// Authorizes or revokes pipelines one by one and opens or closes the connection to all
/// pipelines. Pipelines must belong to a project that sees the connection.
pub async fn patch(
    Req { s, headers }: Req,
    Path((root, project, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>, DevopsError> {
    let (caller, conn) =
        context(&s, &headers, &root, &project, &id, EndpointAction::Manage).await?;
    let body: PatchBody = parse_json(&body)?;
    let projects: Vec<Uuid> = projects_of(&s, &conn).await?.iter().map(|p| p.id).collect();
    for e in &body.pipelines {
        let ok = s
            .db()
            .get_pipeline(e.id)
            .await
            .is_ok_and(|p| projects.contains(&p.project_id));
        if !ok {
            return Err((ApiError::detail(
                "BadRequest",
                format!(
                    "The pipeline {} does not exist in a project that can use the service connection '{}'.",
                    e.id, conn.name
                ),
            ))
            .into());
        }
    }
    let now = s.now();
    let who = Some(caller.user.id);
    let op = "pipelinePermissionsSet";
    super::lifecycle::change_connection(&s, Some(&caller), op, &conn, async |tx| {
        for e in &body.pipelines {
            if e.authorized {
                tx.data()
                    .authorize_pipeline(conn.id, e.id, who, now)
                    .await?;
            } else {
                tx.data().revoke_pipeline(conn.id, e.id).await?;
            }
        }
        if let Some(all) = &body.all_pipelines {
            tx.data()
                .set_all_pipelines(conn.id, all.authorized, who, now)
                .await?;
        }
        Ok(())
    })
    .await?;
    let p = s.db().get_pipeline_permissions(conn.id).await?;
    Ok(Json(permissions_json(&conn, &p)))
}

/// Refuses with `code` (`PipelineNotAuthorized` for a job's token, `PipelineNeedsPermission`
/// when a run is queued) when the connection's pipeline permissions do not open it to the
/// pipeline.
pub(crate) async fn require_open(
    s: &AppState,
    (org, project): (&Organization, &Project),
    pipeline: &Pipeline,
    conn: &ServiceConnection,
    code: &str,
) -> Result<(), ApiError> {
    let permissions = s.cache.pipeline_permissions(conn.id).await?;
    let authorized: Vec<i64> = permissions
        .pipelines
        .iter()
        .map(|a| a.pipeline_id)
        .collect();
    if pipeline_authorized(permissions.all_pipelines, &authorized, pipeline.id) {
        return Ok(());
    }
    Err(ApiError::new(
        code,
        &[
            ("pipeline", &pipeline.name),
            ("connection", &conn.name),
            ("id", &conn.id.to_string()),
            ("organization", &org.name),
            ("project", &project.name),
            ("pipelineId", &pipeline.id.to_string()),
        ],
    ))
}
