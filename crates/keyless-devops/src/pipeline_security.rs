//! Pipeline permissions: who sees a project's pipelines, creates them, queues their runs and
//! changes their security (`keyless_model::devops::pipeline_security`), and the routes of a
//! pipeline's own entries, `/keyless/v1/organizations/{org}/projects/{project}/pipelines/
//! {pipeline}/security`.

use super::security::groups_in;
use crate::data::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use keyless_core::auth::{Caller, caller};
use keyless_core::envelope::{ApiError, DevopsError, parse_json};
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::devops::pipeline_security::{
    AceAccess, AceSubject, PipelineAce, PipelinePermission, pipeline_permits,
};
use keyless_model::devops::security::ProjectGroup;
use keyless_model::devops::{Organization, Pipeline, Project};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// What changing a pipeline's security needs on the pipeline.
const ADMINISTER: PipelinePermission = PipelinePermission::AdministerBuildPermissions;

/// The caller's groups in the project; VS800075 (the project "does not exist, or you do not
/// have permission to access it") when it has none. Project Collection Administrators pass
/// with none.
pub async fn require_project_member(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
    project: &Project,
) -> Result<Vec<ProjectGroup>, ApiError> {
    let groups = groups_in(s, caller, org, project.id).await?;
    if groups.is_empty() && !super::org_people::is_collection_administrator(s, caller, org).await? {
        let id = project.id.to_string();
        return Err(ApiError::new("VS800075", &[("project", &id)]));
    }
    Ok(groups)
}

/// The pipeline `key` (id or name) of the project, once the caller holds `permission` on it:
/// VS800075 outside the project (before saying whether the pipeline exists), 404 for an
/// unknown pipeline, TF215106 without the permission.
/// The pipeline `key` of the project, once the caller may queue it.
pub async fn queueable(
    s: &AppState,
    caller: &Caller,
    (org, project): (&Organization, &Project),
    key: &str,
) -> Result<Pipeline, ApiError> {
    require_pipeline(
        s,
        caller,
        org,
        project,
        key,
        PipelinePermission::QueueBuilds,
    )
    .await
}

pub async fn require_pipeline(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
    project: &Project,
    key: &str,
    permission: PipelinePermission,
) -> Result<Pipeline, ApiError> {
    let groups = require_project_member(s, caller, org, project).await?;
    let pipeline = find_pipeline(s, project.id, key).await?;
    if super::org_people::is_collection_administrator(s, caller, org).await? {
        return Ok(pipeline);
    }
    let aces = s.db().list_pipeline_aces(pipeline.id).await?;
    permits_or_refuse(caller, &groups, &aces, project, &pipeline.name, permission)?;
    Ok(pipeline)
}

/// Refuses unless the caller may create a pipeline named `name` in the project (Edit build
/// pipeline by its groups: a pipeline not created yet has no entries of its own).
pub async fn require_new_pipeline(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
    project: &Project,
    name: &str,
) -> Result<(), ApiError> {
    let groups = require_project_member(s, caller, org, project).await?;
    if super::org_people::is_collection_administrator(s, caller, org).await? {
        return Ok(());
    }
    permits_or_refuse(
        caller,
        &groups,
        &[],
        project,
        name,
        PipelinePermission::EditBuildDefinition,
    )
}

fn permits_or_refuse(
    caller: &Caller,
    groups: &[ProjectGroup],
    aces: &[PipelineAce],
    project: &Project,
    name: &str,
    permission: PipelinePermission,
) -> Result<(), ApiError> {
    if pipeline_permits(caller.user.id, groups, aces, permission) {
        return Ok(());
    }
    Err(ApiError::new(
        "TF215106",
        &[
            ("user", &caller.user.user_principal_name),
            ("permission", permission.display_name()),
            ("pipeline", name),
            ("project", &project.name),
        ],
    ))
}

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

fn ace_json(users: &HashMap<keyless_model::Uuid, String>, a: &PipelineAce) -> Value {
    let (kind, name) = match a.subject {
        AceSubject::Group(g) => ("group", g.as_str().to_string()),
        AceSubject::User(u) => (
            "user",
            users.get(&u).cloned().unwrap_or_else(|| u.to_string()),
        ),
    };
    json!({
        kind: name,
        "permission": a.permission.key(),
        "permissionDisplayName": a.permission.display_name(),
        "access": a.access.as_str(),
    })
}

async fn aces_json(s: &AppState, pipeline: &Pipeline) -> Result<Value, ApiError> {
    let aces = s.db().list_pipeline_aces(pipeline.id).await?;
    let mut users = HashMap::new();
    for a in &aces {
        if let AceSubject::User(u) = a.subject {
            let upn = s.db().get_user(u).await?.user_principal_name;
            users.insert(u, upn);
        }
    }
    let value: Vec<Value> = aces.iter().map(|a| ace_json(&users, a)).collect();
    Ok(
        json!({"pipeline": pipeline.name, "pipelineId": pipeline.id, "count": value.len(), "value": value}),
    )
}

/// The pipeline and the caller, after checking `permission` on it.
async fn context(
    s: &AppState,
    headers: &HeaderMap,
    org: &str,
    project: &str,
    pipeline: &str,
    permission: PipelinePermission,
) -> Result<(Caller, Pipeline), ApiError> {
    let c = caller(s, headers).await?;
    let org = super::find_org(s, org).await?;
    super::may_manage(&c, &org)?;
    let project = super::find_project(s, &org, project).await?;
    let p = require_pipeline(s, &c, &org, &project, pipeline, permission).await?;
    Ok((c, p))
}

/// Runs `write` in a unit of work committed with the entry of `operation` on pipeline `p`
/// by `caller`, in the same transaction.
async fn change_aces<T>(
    s: &AppState,
    caller: &Caller,
    operation: &str,
    p: &Pipeline,
    write: impl AsyncFnOnce(&Tx) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let object = serde_json::json!({"pipeline": p.id});
    let rec = super::lifecycle::object_entry(s, Some(caller), operation, object);
    audited(s, rec, write).await
}

/// A pipeline of the project by id or name.
pub async fn find_pipeline(
    s: &AppState,
    project: keyless_model::Uuid,
    key: &str,
) -> Result<Pipeline, ApiError> {
    let found = match key.parse::<i64>() {
        Ok(id) => s
            .db()
            .get_pipeline(id)
            .await
            .ok()
            .filter(|p| p.project_id == project),
        Err(_) => s.db().find_pipeline(project, key).await.ok(),
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

/// `GET …/pipelines/{pipeline}/security`: the pipeline's entries (anyone who sees it).
pub async fn list(
    Req { s, headers }: Req,
    Path((org, project, pipeline)): Path<(String, String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let (_, p) = context(
        &s,
        &headers,
        &org,
        &project,
        &pipeline,
        PipelinePermission::ViewBuildDefinition,
    )
    .await?;
    Ok(Json(aces_json(&s, &p).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AceBody {
    group: Option<String>,
    user: Option<String>,
    permission: String,
    /// `Allow`, `Deny`, or `NotSet` (removes the entry).
    access: String,
}

async fn subject_of(
    s: &AppState,
    group: Option<&str>,
    user: Option<&str>,
) -> Result<AceSubject, ApiError> {
    match (group, user) {
        (Some(g), None) => ProjectGroup::parse(g)
            .map(AceSubject::Group)
            .ok_or_else(|| {
                bad(format!(
                    "The group '{}' does not exist; use one of {}.",
                    keyless_model::catalogue::sanitize(g),
                    ProjectGroup::ALL.map(ProjectGroup::as_str).join(", ")
                ))
            }),
        (None, Some(u)) => Ok(AceSubject::User(super::security::user_by(s, u).await?)),
        _ => Err(bad("Name exactly one of group and user.")),
    }
}

fn permission_of(p: &str) -> Result<PipelinePermission, ApiError> {
    PipelinePermission::parse(p).ok_or_else(|| {
        bad(format!(
            "The permission '{}' does not exist; use one of {}.",
            keyless_model::catalogue::sanitize(p),
            PipelinePermission::ALL
                .map(PipelinePermission::key)
                .join(", ")
        ))
    })
}

/// `PUT …/security` `{"group"|"user", "permission", "access"}`: sets or clears one entry.
/// Needs Administer build permissions on the pipeline.
pub async fn put(
    Req { s, headers }: Req,
    Path((org, project, pipeline)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>, DevopsError> {
    let (c, p) = context(&s, &headers, &org, &project, &pipeline, ADMINISTER).await?;
    let b: AceBody = parse_json(&body)?;
    let subject = subject_of(&s, b.group.as_deref(), b.user.as_deref()).await?;
    let permission = permission_of(&b.permission)?;
    if b.access.trim().eq_ignore_ascii_case("NotSet") {
        change_aces(&s, &c, "securityEntryRemoved", &p, async |tx| {
            match tx
                .data()
                .remove_pipeline_ace(p.id, subject, permission)
                .await
            {
                Ok(()) | Err(keyless_store::StoreError::NotFound) => Ok(()),
                Err(e) => Err(ApiError::from(e)),
            }
        })
        .await?;
    } else {
        let access = AceAccess::parse(&b.access)
            .ok_or_else(|| bad("access must be Allow, Deny or NotSet."))?;
        let ace = PipelineAce {
            subject,
            permission,
            access,
        };
        change_aces(&s, &c, "securityEntrySet", &p, async |tx| {
            Ok(tx.data().set_pipeline_ace(p.id, &ace).await?)
        })
        .await?;
    }
    Ok(Json(aces_json(&s, &p).await?))
}

/// `DELETE …/security?group=|user=&permission=`: removes one entry (404 when absent).
pub async fn delete(
    Req { s, headers }: Req,
    Path((org, project, pipeline)): Path<(String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<StatusCode, DevopsError> {
    let (c, p) = context(&s, &headers, &org, &project, &pipeline, ADMINISTER).await?;
    let subject = subject_of(
        &s,
        q.get("group").map(String::as_str),
        q.get("user").map(String::as_str),
    )
    .await?;
    let permission = permission_of(q.get("permission").map(String::as_str).unwrap_or(""))?;
    change_aces(&s, &c, "securityEntryRemoved", &p, async |tx| {
        match tx
            .data()
            .remove_pipeline_ace(p.id, subject, permission)
            .await
        {
            Ok(()) => Ok(StatusCode::NO_CONTENT),
            Err(keyless_store::StoreError::NotFound) => Err(ApiError::detail(
                "NotFound",
                "The pipeline has no entry for that subject and permission.",
            )),
            Err(e) => Err(ApiError::from(e)),
        }
    })
    .await
    .map_err(Into::into)
}
