//! `PATCH /keyless/v1/organizations/{org}` `{"name"}`: renames an organization (Project
//! Collection Administrators). `sc://` subjects start with the organization's name: as for a project
//! rename (`project_rename.rs`), the credentials keyless created follow in the same
//! transaction and manual connections get the `SubjectChanged` warning with their new subject.

use super::find_org;
use super::project_rename::RenameBody;
use super::project_rename::{save_subject_moves, subject_moves};
use crate::data::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use keyless_core::auth::caller;
use keyless_core::envelope::{ApiError, parse_json};
use keyless_core::req::Req;
use serde_json::{Value, json};

pub async fn rename(
    Req { s, headers }: Req,
    Path(root): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let caller = caller(&s, &headers).await?;
    let org = find_org(&s, &root).await?;
    super::removals::require_collection_administrator(&s, &caller, &org, "rename").await?;
    let b: RenameBody = parse_json(&body)?;
    keyless_core::names::check_short_name("organization", &b.name)?;
    // The subjects are read and moved, and the organization renamed, in one unit of work.
    let tx = s.begin().await?;
    let uow = tx.data();
    let mut conns = Vec::new();
    let mut fics = Vec::new();
    for project in uow.list_projects(org.id).await? {
        let (c, f) = subject_moves(&s, uow, &org, &project, &b.name, &project.name).await?;
        conns.extend(c);
        fics.extend(f);
    }
    uow.rename_organization(org.id, &b.name)
        .await
        .map_err(|e| match e {
            keyless_store::StoreError::Conflict(_) => ApiError::detail(
                "Conflict",
                format!("An organization named '{}' already exists.", b.name),
            ),
            e => e.into(),
        })?;
    save_subject_moves(uow, &conns, &fics).await?;
    let object = json!({"organization": org.id, "name": b.name});
    let rec = super::lifecycle::object_entry(&s, None, "renameOrganization", object);
    tx.commit_audited(&[rec]).await?;
    tracing::info!(org.id = %org.id, from = %org.name, to = %b.name, credentials = fics.len(), warned = conns.len(), "organization renamed");
    let renamed = s.db().get_organization(org.id).await?;
    Ok(Json(json!({
        "organization": renamed,
        "credentialsUpdated": fics.len(),
        "connectionsNeedingAttention": conns.iter().map(|c| c.id.to_string()).collect::<Vec<_>>(),
    })))
}
