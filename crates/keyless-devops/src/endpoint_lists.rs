//! `GET _apis/serviceendpoint/endpoints` of an organization or of a project: the
//! connections the caller may view, with the `type`, `authSchemes`, `endpointNames` and
//! `endpointIds` filters.

use super::access::CallerAccess;
use super::endpoints::managed_org;
use super::find_project;
use super::render::Shown;
use crate::data::*;
use axum::Json;
use axum::extract::{Path, Query};
use keyless_core::auth::Caller;
use keyless_core::envelope::DevopsError;
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::devops::security::EndpointAction;
use keyless_model::devops::{Organization, Project, ServiceConnection};
use serde_json::{Value, json};
use std::collections::HashMap;

fn filter(c: &ServiceConnection, q: &HashMap<String, String>) -> bool {
    let list = |k: &str| -> Option<Vec<String>> {
        q.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| {
                v.split(',')
                    .map(|x| x.trim().to_ascii_lowercase())
                    .collect()
            })
    };
    list("type").is_none_or(|t| t.contains(&c.endpoint_type.as_str().to_ascii_lowercase()))
        && list("authSchemes").is_none_or(|t| t.contains(&c.scheme.as_str().to_ascii_lowercase()))
        && list("endpointNames").is_none_or(|t| t.contains(&c.name.to_ascii_lowercase()))
        && list("endpointIds").is_none_or(|t| t.contains(&c.id.to_string()))
}

/// The connections of `projects` the caller may view, each once. The caller's groups and
/// roles ([`CallerAccess`]) and the connections' projects and shares ([`Shown`]) are read
/// once per list (per project listed), not once per connection.
async fn list_for(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
    projects: Vec<Project>,
    q: &HashMap<String, String>,
) -> Result<Json<Value>, DevopsError> {
    let mut value = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut access = CallerAccess::new(s, caller, org).await?;
    let mut shown = Shown::for_organization(s, org).await?;
    for p in projects {
        let mut conns = s.db().list_connections(p.id).await?;
        for id in s.db().list_connections_shared_with(p.id).await? {
            conns.push(s.db().get_connection(id).await?);
        }
        access.see_project(p.id, &conns).await?;
        shown.see_project(s, p.id, &conns).await?;
        for c in conns {
            let visible = access
                .role(p.id, Some(&c))
                .is_some_and(|r| r.allows(EndpointAction::View));
            if visible && filter(&c, q) && seen.insert(c.id) {
                value.push(shown.json(s, &c, org).await?);
            }
        }
    }
    // The list is moved in after `json!`, which would copy it value by value.
    let mut answer = json!({"count": value.len()});
    answer["value"] = Value::Array(value);
    Ok(Json(answer))
}

pub async fn list_project(
    Req { s, headers }: Req,
    Path((root, project)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DevopsError> {
    let (caller, org) = managed_org(&s, &headers, &root).await?;
    let project = find_project(&s, &org, &project).await?;
    list_for(&s, &caller, &org, vec![project], &q).await
}

pub async fn list_org(
    Req { s, headers }: Req,
    Path(root): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DevopsError> {
    let (caller, org) = managed_org(&s, &headers, &root).await?;
    let projects = s.db().list_projects(org.id).await?;
    list_for(&s, &caller, &org, projects, &q).await
}
