//! Who may use one service connection: its pipeline permissions, its security roles, the
//! projects it is shared with, and its recent token requests from the audit log. Each section
//! shows the API's refusal on its own; the forms' actions are in `connection_actions.rs`.

use super::audit::Entry;
use crate::api::Refusal;
use crate::paths::{query, segment};
use crate::view::{self, Chrome, Ctx};
use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use serde_json::Value;

pub type Where = Path<(String, String, String)>;

/// Audit entries the page shows.
const RECENT: &str = "20";

/// A JSON value as text to show: a string as it is, `null` as nothing, others as JSON.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub fn list(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// A project the connection is shared with (the first is its own).
pub struct Share {
    pub id: String,
    pub name: String,
}

/// A pipeline allowed to use the connection.
pub struct Allowed {
    pub id: String,
    pub on: String,
}

pub struct Pipelines {
    pub all: bool,
    pub allowed: Vec<Allowed>,
}

pub struct Role {
    /// The user's id, which the API takes to remove the role.
    pub id: String,
    pub user: String,
    pub unique_name: String,
    pub role: String,
}

#[derive(Template)]
#[template(path = "connection_access.html")]
struct Access {
    chrome: Chrome,
    org: String,
    project: String,
    id: String,
    /// The connection's console address, percent-encoded.
    conn: String,
    name: String,
    /// The action this page answers, refused by the API.
    refused: Option<Refusal>,
    shares: Vec<Share>,
    /// The projects of the organization the user sees that the connection is not shared with.
    others: Result<Vec<Share>, Refusal>,
    pipelines: Result<Pipelines, Refusal>,
    roles: Result<Vec<Role>, Refusal>,
    requests: Result<Vec<Entry>, Refusal>,
    /// The roles the add form offers.
    roles_known: [&'static str; 4],
}

/// A connection's console address, percent-encoded.
pub fn address(org: &str, project: &str, id: &str) -> String {
    format!(
        "{}/orgs/{}/{}/connections/{}",
        crate::PREFIX,
        segment(org),
        segment(project),
        segment(id)
    )
}

fn pipelines(v: Value) -> Pipelines {
    Pipelines {
        all: v["allPipelines"]["authorized"].as_bool().unwrap_or(false),
        allowed: list(&v["pipelines"])
            .filter(|p| p["authorized"].as_bool() == Some(true))
            .map(|p| Allowed {
                id: text(&p["id"]),
                on: text(&p["authorizedOn"]),
            })
            .collect(),
    }
}

fn roles(v: Value) -> Vec<Role> {
    list(&v["value"])
        .map(|r| Role {
            id: text(&r["identity"]["id"]),
            user: text(&r["identity"]["displayName"]),
            unique_name: text(&r["identity"]["uniqueName"]),
            role: text(&r["role"]["name"]),
        })
        .collect()
}

fn requests(v: Value) -> Vec<Entry> {
    list(&v["value"]).map(Entry::of).collect()
}

/// The projects that see the connection (`serviceEndpointProjectReferences`), its own first.
pub fn shares_of(c: &Value) -> Vec<Share> {
    list(&c["serviceEndpointProjectReferences"])
        .map(|r| Share {
            id: text(&r["projectReference"]["id"]),
            name: text(&r["projectReference"]["name"]),
        })
        .collect()
}

/// The connection's API path as seen from its project (both percent-encoded).
pub fn endpoint_path(o: &str, p: &str, id: uuid::Uuid) -> String {
    format!("/{o}/{p}/_apis/serviceendpoint/endpoints/{id}")
}

/// The page: the connection itself must be readable, each section then asks on its own.
pub async fn page(ctx: Ctx, Path((org, project, id)): Where) -> Response {
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return ctx.not_found();
    };
    render(&ctx, org, project, id, None).await
}

/// The page, after an action the API refused (`refused`) or none. When the connection
/// itself cannot be read, the action's refusal (or the read's) is shown on its own.
pub async fn render(
    ctx: &Ctx,
    org: String,
    project: String,
    id: uuid::Uuid,
    refused: Option<Refusal>,
) -> Response {
    let (o, p) = (segment(&org), segment(&project));
    let api = ctx.api();
    let c = match api.get(&endpoint_path(&o, &p, id)).await {
        Ok(c) => c,
        Err(r) => return ctx.refused(refused.unwrap_or(r)),
    };
    let shares = shares_of(&c);
    let home = shares.first().map(|s| s.id.clone()).unwrap_or_default();
    let pipes = api
        .get(&format!(
            "/{o}/{p}/_apis/pipelines/pipelinePermissions/endpoint/{id}"
        ))
        .await
        .map(pipelines);
    let role_list = api
        .get(&format!(
            "/{o}/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/{}_{id}",
            segment(&home)
        ))
        .await
        .map(roles);
    let others = api
        .get(&format!("/keyless/v1/organizations/{o}/projects"))
        .await
        .map(|v| {
            list(&v["value"])
                .map(|p| Share {
                    id: text(&p["id"]),
                    name: text(&p["name"]),
                })
                .filter(|p| shares.iter().all(|s| s.id != p.id))
                .collect()
        });
    let id_text = id.to_string();
    let audit = api
        .get(&format!(
            "/keyless/v1/audit?{}",
            query([("connection", id_text.as_str()), ("limit", RECENT)])
        ))
        .await
        .map(requests);
    let name = text(&c["name"]);
    let status = view::status_of(&[&refused]);
    view::html(
        status,
        &Access {
            chrome: ctx.chrome(&format!("Access to {name}")),
            conn: address(&org, &project, &id_text),
            org,
            project,
            id: id_text,
            name,
            refused,
            shares,
            others,
            pipelines: pipes,
            roles: role_list,
            requests: audit,
            roles_known: super::connection_actions::ROLES,
        },
    )
}
