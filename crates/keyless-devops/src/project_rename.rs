//! `PATCH /keyless/v1/organizations/{org}/projects/{project}` `{"name"}`: renames a project
//! (Project Administrators). `sc://` subjects contain the project name: the credentials
//! keyless created for automatic connections follow in the same transaction; manual
//! connections are marked as needing attention with their new subject.

use super::find_project;
use super::lifecycle::created_app;
use crate::data::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use keyless_core::envelope::{ApiError, parse_json};
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::devops::{IssuerGeneration, Organization, Project, ServiceConnection};
use keyless_model::directory::FederatedCredential;
use keyless_model::federation::{devops_issuer, devops_subject};
use serde::Deserialize;
use serde_json::{Value, json};

/// The body of a rename (of a project or an organization).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RenameBody {
    pub name: String,
}

pub async fn rename(
    Req { s, headers }: Req,
    Path((root, project)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let (caller, org) = super::managed_org(&s, &headers, &root).await?;
    let project = find_project(&s, &org, &project).await?;
    super::removals::require_project_administrator(&s, &caller, &org, &project, "rename").await?;
    let b: RenameBody = parse_json(&body)?;
    keyless_core::names::check_short_name("project", &b.name)?;
    // The subjects are read and moved, and the project renamed, in one unit of work.
    let tx = s.begin().await?;
    let uow = tx.data();
    let (conns, fics) = subject_moves(&s, uow, &org, &project, &org.name, &b.name).await?;
    uow.rename_project(project.id, &b.name)
        .await
        .map_err(|e| match e {
            keyless_store::StoreError::Conflict(_) => ApiError::detail(
                "Conflict",
                format!(
                    "A project named '{}' already exists in {}.",
                    b.name, org.name
                ),
            ),
            e => e.into(),
        })?;
    save_subject_moves(uow, &conns, &fics).await?;
    let object = json!({"project": project.id, "name": b.name});
    let rec = super::lifecycle::object_entry(&s, None, "renameProject", object);
    tx.commit_audited(&[rec]).await?;
    let renamed = s.db().get_project(project.id).await?;
    Ok(Json(json!({
        "project": renamed,
        "credentialsUpdated": fics.len(),
        "connectionsNeedingAttention": conns.iter().map(|c| c.id.to_string()).collect::<Vec<_>>(),
    })))
}

/// What a rename to organization `new_org` and project `new_project` (either may be the
/// current name) does to the `sc://` subjects of `project`'s connections: the connections
/// whose credential keyless did not create get the `SubjectChanged` warning (returned, to be
/// saved), the credentials keyless created get the new subject (returned, to be saved).
/// Reads through `uow`, the unit of work that saves them.
pub(super) async fn subject_moves(
    s: &AppState,
    uow: &(impl DevopsData + ?Sized),
    org: &Organization,
    project: &Project,
    new_org: &str,
    new_project: &str,
) -> Result<(Vec<ServiceConnection>, Vec<FederatedCredential>), ApiError> {
    let issuer = devops_issuer(&s.origin, org.id);
    let mut conns = Vec::new();
    let mut fics = Vec::new();
    for mut c in uow.list_connections(project.id).await? {
        let names = c.issuer_generation != IssuerGeneration::EntraId || org.tenant_id.is_none();
        if !names || !super::schemes::federates(&c) {
            continue;
        }
        let old = devops_subject(&org.name, &project.name, &c.name);
        let new = devops_subject(new_org, new_project, &c.name);
        if old == new {
            continue;
        }
        let owned = match created_app(&c) {
            Some(app) => uow
                .list_fics(app)
                .await?
                .into_iter()
                .find(|f| f.issuer == issuer && f.subject.as_deref() == Some(old.as_str())),
            None => None,
        };
        match owned {
            Some(mut f) => {
                f.subject = Some(new);
                fics.push(f);
            }
            None => {
                c.status_message = keyless_model::catalogue::Rendered::new(
                    "SubjectChanged",
                    &[("old", &old), ("new", &new), ("issuer", &issuer)],
                )
                .message;
                conns.push(c);
            }
        }
    }
    Ok((conns, fics))
}

/// Saves what [`subject_moves`] returned: the connections' warnings, the moved subjects.
pub(super) async fn save_subject_moves(
    uow: &(impl DevopsData + ?Sized),
    conns: &[ServiceConnection],
    fics: &[FederatedCredential],
) -> Result<(), ApiError> {
    for c in conns {
        uow.update_connection(c).await?;
    }
    for f in fics {
        uow.update_fic(f).await?;
    }
    Ok(())
}
