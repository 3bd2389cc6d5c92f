//! `GET /{org}/_apis/projects[/{project}]`: the organization's projects in the Azure DevOps
//! REST shape (`TeamProjectReference`), as far as the caller may see them. This is the call
//! with which a pipeline (or `az devops`) first finds out whether its identity has access.

use super::caller::organization_caller;
use super::find_org;
use crate::data::*;
use axum::Json;
use axum::extract::Path;
use keyless_core::envelope::{ApiError, DevopsError};
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::devops::{Organization, Project};
use keyless_model::time_fmt;
use keyless_store::StoreError;
use serde_json::{Value, json};

fn render(s: &AppState, org: &Organization, p: &Project) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "url": format!("{}/{}/_apis/projects/{}", s.origin, org.name, p.id),
        "state": "wellFormed",
        "revision": 1,
        "visibility": "private",
        "lastUpdateTime": time_fmt::iso(p.created_at),
    })
}

pub async fn list(
    Req { s, headers }: Req,
    Path(org): Path<String>,
) -> Result<Json<Value>, DevopsError> {
    let org = find_org(&s, &org).await?;
    let caller = organization_caller(&s, &headers, &org).await?;
    caller.audit_organization(&s, &org);
    let mut value = vec![];
    for p in s.db().list_projects(org.id).await? {
        if caller.sees(&s, &p).await? {
            value.push(render(&s, &org, &p));
        }
    }
    Ok(Json(json!({"count": value.len(), "value": value})))
}

pub async fn get(
    Req { s, headers }: Req,
    Path((org, project)): Path<(String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let org = find_org(&s, &org).await?;
    let caller = organization_caller(&s, &headers, &org).await?;
    let found = match Uuid::parse_str(&project) {
        Ok(id) => s.db().get_project(id).await.and_then(|p| {
            if p.organization_id == org.id {
                Ok(p)
            } else {
                Err(StoreError::NotFound)
            }
        }),
        Err(_) => s.db().find_project(org.id, &project).await,
    };
    let p = match found {
        Ok(p) => p,
        // Azure DevOps answers an unknown project with the same words as a hidden one.
        Err(StoreError::NotFound) => {
            caller.audit_unknown_project(&s, &org, &project);
            return Err(ApiError::new("VS800075", &[("project", &project)]).into());
        }
        Err(e) => return Err(e.into()),
    };
    caller.require_project(&s, &p).await?;
    Ok(Json(render(&s, &org, &p)))
}
