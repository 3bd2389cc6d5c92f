//! `GET /keyless/v1/organizations/{org}/doctor`: the checklist of every connection of the
//! organization the caller administers, summarized (status and the codes of the lines that
//! are not OK). Connections the caller does not administer are left out.

use super::doctor::diagnose;
use super::security::role_of;
use crate::data::*;
use axum::Json;
use axum::extract::Path;
use keyless_core::envelope::ApiError;
use keyless_core::req::Req;
use keyless_model::devops::security::EndpointAction;
use keyless_model::doctor::{Status, overall};
use serde_json::{Value, json};

pub async fn doctor_all(
    Req { s, headers }: Req,
    Path(root): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (caller, org) = super::managed_org(&s, &headers, &root).await?;
    let mut value = Vec::new();
    let mut worst = Status::Ok;
    for project in s.db().list_projects(org.id).await? {
        for c in s.db().list_connections(project.id).await? {
            let role = role_of(&s, &caller, &org, project.id, Some(&c)).await?;
            if !role.is_some_and(|r| r.allows(EndpointAction::Manage)) {
                continue;
            }
            let findings = diagnose(&s, &org, &project, &c).await?;
            let status = overall(&findings);
            worst = worst.max(status);
            let codes: Vec<Value> = findings
                .iter()
                .filter(|f| f.status != Status::Ok)
                .map(|f| json!({"check": f.check, "status": f.status, "code": f.code}))
                .collect();
            value.push(json!({
                "project": project.name,
                "connection": {"id": c.id.to_string(), "name": c.name},
                "status": status,
                "problems": codes,
            }));
        }
    }
    Ok(Json(
        json!({"organization": org.name, "status": worst, "count": value.len(), "value": value}),
    ))
}
