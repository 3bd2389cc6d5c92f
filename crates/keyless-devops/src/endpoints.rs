//! `_apis/serviceendpoint/endpoints`: create, get, update and delete service connections in
//! the Azure DevOps REST shapes (the lists are in `endpoint_lists.rs`); what differs per
//! scheme is in `schemes/`.

use super::security::require;
use super::{find_org, find_project};
use crate::data::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use keyless_core::auth::{Caller, caller};
use keyless_core::envelope::{ApiError, DevopsError, parse_json};
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::devops::data::ConnectionData;
use keyless_model::devops::organization::PreviewFeature;
use keyless_model::devops::security::EndpointAction;
use keyless_model::devops::{CreationMode, EndpointType, Organization, Scheme, ServiceConnection};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The users of the organization are the users of its tenant, members and invited guests
/// alike (`keyless_model::membership::user_type_in`), and keyless administrators: they may
/// call the organization's API. A place in a project comes only from its groups, and
/// per-connection roles are then checked by `security.rs`.
pub fn may_manage(caller: &Caller, org: &Organization) -> Result<(), ApiError> {
    let user = match org.tenant_id {
        Some(t) => caller.user_type_in(t).is_some(),
        None => caller.is_admin(),
    };
    if user {
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

/// The caller and the organization `root` names, once `may_manage` lets the caller in.
pub async fn managed_org(
    s: &AppState,
    headers: &HeaderMap,
    root: &str,
) -> Result<(Caller, Organization), ApiError> {
    let caller = caller(s, headers).await?;
    let org = find_org(s, root).await?;
    may_manage(&caller, &org)?;
    Ok((caller, org))
}

async fn render(
    s: &AppState,
    c: &ServiceConnection,
    org: &Organization,
) -> Result<Value, DevopsError> {
    Ok(super::render::connection_json(s, c, org).await?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Authorization {
    pub(super) scheme: String,
    #[serde(default)]
    pub(super) parameters: HashMap<String, Value>,
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
pub(super) struct CreateBody {
    pub(super) name: String,
    #[serde(rename = "type")]
    pub(super) endpoint_type: String,
    #[serde(default)]
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) data: serde_json::Map<String, Value>,
    pub(super) authorization: Authorization,
    #[serde(default)]
    service_endpoint_project_references: Vec<ProjectReference>,
}

use super::manual::{bad, build};
pub(super) use super::manual::{param, validate_name};

async fn create_inner(
    s: &AppState,
    headers: &HeaderMap,
    org_name: &str,
    project_hint: Option<&str>,
    body: &[u8],
) -> Result<Response, DevopsError> {
    let (caller, expired) = super::preflight::caller_even_expired(s, headers).await?;
    let org = find_org(s, org_name).await?;
    may_manage(&caller, &org)?;
    let body: CreateBody = parse_json(body)?;
    let automatic = body
        .data
        .creation_mode_text()
        .is_some_and(|m| m.eq_ignore_ascii_case(CreationMode::Automatic.as_str()));
    let expired = match expired {
        Some(e) if !automatic => return Err(e.into()),
        other => other.is_some(),
    };
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
    if EndpointType::parse(&body.endpoint_type) == Some(EndpointType::AzureRm)
        && Scheme::parse(&body.authorization.scheme) == Some(Scheme::WorkloadIdentityFederation)
    {
        super::org_settings::require_feature(s, &org, PreviewFeature::WorkloadIdentityArm).await?;
    }
    if automatic {
        return super::create_automatic::create(s, &caller, expired, &org, &project, body).await;
    }
    require(s, &caller, &org, &project, None, EndpointAction::Create).await?;
    let secret = param(&body.authorization.parameters, "serviceprincipalkey");
    let mut conn = build(body, &org, &project, &caller, s.now())?;
    if conn.endpoint_type == EndpointType::AzureDevOps {
        super::caller::require_organization_user(s, &conn).await?;
    }
    let manual = super::schemes::ManualCreate {
        s,
        caller: &caller,
        org: &org,
        project: &project,
        secret: secret.as_deref(),
    };
    super::schemes::rules(conn.scheme)
        .settle_manual(manual, &mut conn)
        .await?;
    let rec = super::lifecycle::change_entry(s, Some(&caller), "created", &conn);
    audited(s, rec, async |tx| {
        tx.data().create_connection(&conn).await?;
        tx.data()
            .set_connection_role(conn.id, caller.user.id, "Administrator")
            .await
    })
    .await?;
    tracing::info!(sc.id = %conn.id, sc.name = %conn.name, "service connection created");
    Ok((StatusCode::OK, Json(render(s, &conn, &org).await?)).into_response())
}

pub async fn create(
    Req { s, headers }: Req,
    Path(root): Path<String>,
    body: Bytes,
) -> Result<Response, DevopsError> {
    create_inner(&s, &headers, &root, None, &body).await
}

pub async fn create_in_project(
    Req { s, headers }: Req,
    Path((root, project)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, DevopsError> {
    create_inner(&s, &headers, &root, Some(&project), &body).await
}

async fn load(
    s: &AppState,
    headers: &HeaderMap,
    root: &str,
    id: &str,
    action: EndpointAction,
) -> Result<(ServiceConnection, Organization, Caller), DevopsError> {
    let (caller, org) = managed_org(s, headers, root).await?;
    let c = super::security::connection_by_id(s, &org, id).await?;
    let home = s.db().get_project(c.project_id).await?;
    require(s, &caller, &org, &home, Some(&c), action).await?;
    Ok((c, org, caller))
}

pub async fn get_org(
    Req { s, headers }: Req,
    Path((root, id)): Path<(String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let (c, org, _) = load(&s, &headers, &root, &id, EndpointAction::View).await?;
    Ok(Json(render(&s, &c, &org).await?))
}

/// A connection read through a project it is shared with is checked in that project, as the
/// project's list shows it; through any other project, in its own.
pub async fn get_project(
    Req { s, headers }: Req,
    Path((root, project, id)): Path<(String, String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let (caller, org) = managed_org(&s, &headers, &root).await?;
    let c = super::security::connection_by_id(&s, &org, &id).await?;
    let through = match find_project(&s, &org, &project).await {
        Ok(p) if s.db().list_connection_shares(c.id).await?.contains(&p.id) => p,
        _ => s.db().get_project(c.project_id).await?,
    };
    require(&s, &caller, &org, &through, Some(&c), EndpointAction::View).await?;
    Ok(Json(render(&s, &c, &org).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateBody {
    name: Option<String>,
    description: Option<String>,
    data: Option<serde_json::Map<String, Value>>,
}

/// Updates name, description and data (`?operation=ConvertAuthenticationScheme` converts a
/// secret connection, see `convert.rs`). A rename that changes an `sc://` subject moves the
/// credential keyless created, or marks a manual connection as needing attention. Saving an
/// automatic secret connection after a verify (or with an expired secret) renews the secret.
/// Saving a connection on the legacy issuer moves it to its organization's issuer.
pub async fn update(
    Req { s, headers }: Req,
    Path((root, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, DevopsError> {
    let (mut c, org, caller) = load(&s, &headers, &root, &id, EndpointAction::Manage).await?;
    let operation = q
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("operation"))
        .map(|(_, v)| v.clone());
    if let Some(op) = operation.filter(|o| !o.is_empty()) {
        return super::convert::operation(&s, &caller, &org, c, &op, &body).await;
    }
    let before = c.clone();
    let body: UpdateBody = parse_json(&body)?;
    if let Some(name) = body.name {
        validate_name(&name)?;
        c.name = name.trim().to_string();
    }
    if let Some(d) = body.description {
        c.description = d;
    }
    if let Some(mut data) = body.data {
        data.keep_on_save(&before.data, c.creation_mode);
        c.data = data;
    }
    super::lifecycle::renew_secret_on_save(&s, &caller, &mut c).await?;
    let project = s.db().get_project(c.project_id).await?;
    super::legacy::move_to_organization_issuer(&s, &org, &project, &before, &mut c).await?;
    super::lifecycle::apply_rename(&s, &org, &project, &before, &project, &mut c).await?;
    Ok(Json(render(&s, &c, &org).await?))
}

/// `?projectIds=a,b`: removes the connection from those projects only (unsharing it);
/// naming its own project, or no known project, deletes it.
pub async fn delete(
    Req { s, headers }: Req,
    Path((root, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<StatusCode, DevopsError> {
    let (c, org, caller) = load(&s, &headers, &root, &id, EndpointAction::Manage).await?;
    let ids = q
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("projectIds"))
        .map(|(_, v)| v.clone());
    if let Some(ids) = ids {
        let mut projects = Vec::new();
        // Unknown projects are ignored, as by the real service.
        for key in ids.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            if let Ok(p) = find_project(&s, &org, key).await {
                projects.push(p);
            }
        }
        if !projects.iter().any(|p| p.id == c.project_id) && !projects.is_empty() {
            let rec = super::lifecycle::change_entry(&s, Some(&caller), "unshared", &c);
            audited(&s, rec, async |tx| {
                for p in projects {
                    tx.data().unshare_connection(c.id, p.id).await.map_err(|_| {
                    ApiError::detail(
                        "NotFound",
                        format!(
                            "The service connection '{}' is not shared with the project '{}'.",
                            c.name, p.name
                        ),
                    )
                })?;
                }
                Ok::<_, ApiError>(())
            })
            .await?;
            return Ok(StatusCode::NO_CONTENT);
        }
    }
    super::lifecycle::delete_connection(&s, &caller, &c).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The service endpoint types keyless knows, with the schemes each takes.
pub async fn types(State(_s): State<AppState>) -> Json<Value> {
    let value: Vec<Value> = EndpointType::ALL
        .iter()
        .map(|&t| {
            let schemes: Vec<Value> = Scheme::ALL
                .iter()
                .map(|&s| (s, super::schemes::rules(s)))
                .filter(|(_, r)| r.supports(t))
                .map(|(s, r)| json!({"scheme": s, "displayName": r.display_name()}))
                .collect();
            let display_name = match t {
                EndpointType::AzureRm => "Azure Resource Manager",
                EndpointType::AzureDevOps => "Azure DevOps",
            };
            json!({"name": t, "displayName": display_name, "authenticationSchemes": schemes})
        })
        .collect();
    Json(json!({"count": value.len(), "value": value}))
}
