//! `_apis/serviceendpoint/endpoints`: create, list, get, update and delete service
//! connections in the Azure DevOps REST shapes (wire-compat §5). This scope:
//! `azurerm` connections with scheme `WorkloadIdentityFederation`, created manually.

use super::{find_org, find_project, render::endpoint_json};
use crate::auth::{Caller, caller};
use crate::envelope::{ApiError, DevopsError, parse_json};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use keyless_model::Uuid;
use keyless_model::devops::{IssuerGeneration, Organization, Project, ServiceConnection};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Members of the organization's tenant and keyless administrators may manage its
/// connections (per-connection security roles are a later issue).
pub fn may_manage(caller: &Caller, org: &Organization) -> Result<(), ApiError> {
    if caller.is_admin() || org.tenant_id == Some(caller.user.tenant_id) {
        Ok(())
    } else {
        Err(ApiError::detail(
            "Forbidden",
            format!(
                "{} has no access to the organization '{}'. Ask an administrator to add you.",
                caller.user.user_principal_name, org.name
            ),
        ))
    }
}

async fn render(
    s: &AppState,
    c: &ServiceConnection,
    org: &Organization,
) -> Result<Value, DevopsError> {
    let project = s.store.get_project(c.project_id).await?;
    Ok(endpoint_json(&s.origin, c, org, &project))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Authorization {
    scheme: String,
    #[serde(default)]
    parameters: HashMap<String, Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProjectRef {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProjectReference {
    project_reference: ProjectRef,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    name: String,
    #[serde(rename = "type")]
    endpoint_type: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    data: serde_json::Map<String, Value>,
    authorization: Authorization,
    #[serde(default)]
    service_endpoint_project_references: Vec<ProjectReference>,
}

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

fn param(p: &HashMap<String, Value>, name: &str) -> Option<String> {
    p.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str().map(String::from))
}

fn guid_param(p: &HashMap<String, Value>, name: &str) -> Result<Uuid, ApiError> {
    let v = param(p, name).ok_or_else(|| {
        bad(format!(
            "authorization.parameters.{name} is required (a GUID)."
        ))
    })?;
    Uuid::parse_str(&v).map_err(|_| {
        bad(format!(
            "authorization.parameters.{name} must be a GUID, got '{}'.",
            keyless_model::catalogue::sanitize(&v)
        ))
    })
}

fn validate_name(name: &str) -> Result<(), DevopsError> {
    let n = name.trim();
    if n.is_empty()
        || n.chars().count() > 256
        || n.chars().any(|c| c.is_control() || "/\\".contains(c))
    {
        return Err((bad(
            "The service connection name must be 1 to 256 characters without '/', '\\' or control characters.",
        )).into());
    }
    Ok(())
}

/// Turns a create body into a connection, or the first thing wrong with it.
fn build(
    body: CreateBody,
    org: &Organization,
    project: &Project,
    caller: &Caller,
    now: i64,
) -> Result<ServiceConnection, DevopsError> {
    validate_name(&body.name)?;
    if !body.endpoint_type.eq_ignore_ascii_case("azurerm") {
        return Err((bad(format!(
            "Service connections of type '{}' are not supported; use 'AzureRM'.",
            keyless_model::catalogue::sanitize(&body.endpoint_type)
        )))
        .into());
    }
    if body.authorization.scheme != "WorkloadIdentityFederation" {
        return Err((bad(format!(
            "The authorization scheme '{}' is not supported yet; use 'WorkloadIdentityFederation'.",
            keyless_model::catalogue::sanitize(&body.authorization.scheme)
        )))
        .into());
    }
    let mode = body
        .data
        .get("creationMode")
        .and_then(Value::as_str)
        .unwrap_or("Manual")
        .to_string();
    if mode != "Manual" {
        return Err((bad(format!(
            "creationMode '{}' is not supported yet; create the identity yourself and use 'Manual'.",
            keyless_model::catalogue::sanitize(&mode)
        ))).into());
    }
    let p = &body.authorization.parameters;
    let tenant_id = guid_param(p, "tenantid")?;
    let client_id = guid_param(p, "serviceprincipalid")?;
    let generation = match param(p, "workloadIdentityFederationIssuerType") {
        None => IssuerGeneration::EntraId,
        Some(v) => IssuerGeneration::parse(&v).ok_or_else(|| {
            bad("workloadIdentityFederationIssuerType must be 'EntraID' or 'AzureDevOps'.")
        })?,
    };
    if generation == IssuerGeneration::EntraId && org.tenant_id.is_none() {
        return Err((bad(format!(
            "The organization '{}' is not connected to a Microsoft Entra tenant, so it cannot use the Entra issuer. Connect it to a tenant or ask for workloadIdentityFederationIssuerType 'AzureDevOps'.",
            org.name
        ))).into());
    }
    let mut data = body.data;
    data.insert("creationMode".into(), json!(mode));
    data.entry("environment").or_insert(json!("AzureCloud"));
    data.entry("scopeLevel").or_insert(json!("Subscription"));
    Ok(ServiceConnection {
        id: Uuid::new_v4(),
        organization_id: org.id,
        project_id: project.id,
        name: body.name.trim().to_string(),
        endpoint_type: "azurerm".into(),
        scheme: "WorkloadIdentityFederation".into(),
        tenant_id,
        client_id,
        issuer_generation: generation,
        creation_mode: mode,
        state: "Ready".into(),
        description: body.description.unwrap_or_default(),
        data,
        created_by: Some(caller.user.id),
        created_at: now,
    })
}

async fn create_inner(
    s: &AppState,
    headers: &HeaderMap,
    org_name: &str,
    project_hint: Option<&str>,
    body: &[u8],
) -> Result<Response, DevopsError> {
    let caller = caller(s, headers).await?;
    let org = find_org(s, org_name).await?;
    may_manage(&caller, &org)?;
    let body: CreateBody = parse_json(body)?;
    let reference = body.service_endpoint_project_references.first().map(|r| {
        (
            r.project_reference.id.clone(),
            r.project_reference.name.clone(),
        )
    });
    let project_key = match (project_hint, reference) {
        (Some(p), _) => p.to_string(),
        (None, Some((Some(id), _))) => id,
        (None, Some((None, Some(name)))) => name,
        _ => {
            return Err((bad(
                "serviceEndpointProjectReferences must name the project (projectReference.id or name).",
            )).into());
        }
    };
    let project = find_project(s, &org, &project_key).await?;
    let conn = build(body, &org, &project, &caller, s.now())?;
    s.store.create_connection(&conn).await?;
    tracing::info!(sc.id = %conn.id, sc.name = %conn.name, "service connection created");
    Ok((StatusCode::OK, Json(render(s, &conn, &org).await?)).into_response())
}

pub async fn create(
    State(s): State<AppState>,
    Path(root): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, DevopsError> {
    create_inner(&s, &headers, &root, None, &body).await
}

pub async fn create_in_project(
    State(s): State<AppState>,
    Path((root, project)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, DevopsError> {
    create_inner(&s, &headers, &root, Some(&project), &body).await
}

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
    list("type").is_none_or(|t| t.contains(&c.endpoint_type.to_ascii_lowercase()))
        && list("authSchemes").is_none_or(|t| t.contains(&c.scheme.to_ascii_lowercase()))
        && list("endpointNames").is_none_or(|t| t.contains(&c.name.to_ascii_lowercase()))
        && list("endpointIds").is_none_or(|t| t.contains(&c.id.to_string()))
}

async fn list_for(
    s: &AppState,
    org: &Organization,
    projects: Vec<Project>,
    q: &HashMap<String, String>,
) -> Result<Json<Value>, DevopsError> {
    let mut value = Vec::new();
    for p in projects {
        for c in s.store.list_connections(p.id).await? {
            if filter(&c, q) {
                value.push(render(s, &c, org).await?);
            }
        }
    }
    Ok(Json(json!({"count": value.len(), "value": value})))
}

pub async fn list_project(
    State(s): State<AppState>,
    Path((root, project)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Json<Value>, DevopsError> {
    let caller = caller(&s, &headers).await?;
    let org = find_org(&s, &root).await?;
    may_manage(&caller, &org)?;
    let project = find_project(&s, &org, &project).await?;
    list_for(&s, &org, vec![project], &q).await
}

pub async fn list_org(
    State(s): State<AppState>,
    Path(root): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Json<Value>, DevopsError> {
    let caller = caller(&s, &headers).await?;
    let org = find_org(&s, &root).await?;
    may_manage(&caller, &org)?;
    let projects = s.store.list_projects(org.id).await?;
    list_for(&s, &org, projects, &q).await
}

async fn load(
    s: &AppState,
    headers: &HeaderMap,
    root: &str,
    id: &str,
) -> Result<(ServiceConnection, Organization), DevopsError> {
    let caller = caller(s, headers).await?;
    let org = find_org(s, root).await?;
    may_manage(&caller, &org)?;
    let missing = || {
        ApiError::detail(
            "NotFound",
            format!(
                "Service connection with id '{}' does not exist or you do not have permission to access it.",
                keyless_model::catalogue::sanitize(id)
            ),
        )
    };
    let id = Uuid::parse_str(id).map_err(|_| missing())?;
    let c = s.store.get_connection(id).await.map_err(|_| missing())?;
    if c.organization_id != org.id {
        return Err((missing()).into());
    }
    Ok((c, org))
}

pub async fn get_org(
    State(s): State<AppState>,
    Path((root, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, DevopsError> {
    let (c, org) = load(&s, &headers, &root, &id).await?;
    Ok(Json(render(&s, &c, &org).await?))
}

pub async fn get_project(
    State(s): State<AppState>,
    Path((root, _project, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, DevopsError> {
    let (c, org) = load(&s, &headers, &root, &id).await?;
    Ok(Json(render(&s, &c, &org).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateBody {
    name: Option<String>,
    description: Option<String>,
    data: Option<serde_json::Map<String, Value>>,
}

/// Updates name, description and data. Renaming changes an `sc://` subject: the response
/// shows the new subject the federated credential must carry.
pub async fn update(
    State(s): State<AppState>,
    Path((root, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, DevopsError> {
    let (mut c, org) = load(&s, &headers, &root, &id).await?;
    let body: UpdateBody = parse_json(&body)?;
    if let Some(name) = body.name {
        validate_name(&name)?;
        c.name = name.trim().to_string();
    }
    if let Some(d) = body.description {
        c.description = d;
    }
    if let Some(mut data) = body.data {
        data.insert("creationMode".into(), json!(c.creation_mode));
        c.data = data;
    }
    s.store.update_connection(&c).await?;
    Ok(Json(render(&s, &c, &org).await?))
}

pub async fn delete(
    State(s): State<AppState>,
    Path((root, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, DevopsError> {
    let (c, _) = load(&s, &headers, &root, &id).await?;
    s.store.delete_connection(c.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn types(State(_s): State<AppState>) -> Json<Value> {
    Json(json!({"count": 1, "value": [{
        "name": "azurerm",
        "displayName": "Azure Resource Manager",
        "authenticationSchemes": [{"scheme": "WorkloadIdentityFederation", "displayName": "Workload Identity federation"}],
    }]}))
}
