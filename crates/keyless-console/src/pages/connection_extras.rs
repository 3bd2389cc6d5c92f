//! Who may use one service connection: its pipeline permissions (authorize a pipeline, open
//! to all or close), its security roles, the projects it is shared with, and its recent token
//! requests from the audit log. Each section shows the API's refusal on its own.

use super::audit::Entry;
use crate::api::Refusal;
use crate::paths::{query, segment};
use crate::view::{self, Chrome, Ctx, Posted};
use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

type Where = Path<(String, String, String)>;

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

fn list(v: &Value) -> impl Iterator<Item = &Value> {
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
    shares: Vec<Share>,
    pipelines: Result<Pipelines, Refusal>,
    roles: Result<Vec<Role>, Refusal>,
    requests: Result<Vec<Entry>, Refusal>,
}

/// A connection's console address, percent-encoded.
fn address(org: &str, project: &str, id: &str) -> String {
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
            user: text(&r["identity"]["displayName"]),
            unique_name: text(&r["identity"]["uniqueName"]),
            role: text(&r["role"]["name"]),
        })
        .collect()
}

fn requests(v: Value) -> Vec<Entry> {
    list(&v["value"]).map(Entry::of).collect()
}

/// The page: the connection itself must be readable, each section then asks on its own.
pub async fn page(ctx: Ctx, Path((org, project, id)): Where) -> Response {
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return view::not_found().await;
    };
    let (o, p) = (segment(&org), segment(&project));
    let api = ctx.api();
    let c = match api
        .get(&format!("/{o}/{p}/_apis/serviceendpoint/endpoints/{id}"))
        .await
    {
        Ok(c) => c,
        Err(r) => return ctx.refused(r),
    };
    let shares: Vec<Share> = list(&c["serviceEndpointProjectReferences"])
        .map(|r| Share {
            id: text(&r["projectReference"]["id"]),
            name: text(&r["projectReference"]["name"]),
        })
        .collect();
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
    let id_text = id.to_string();
    let audit = api
        .get(&format!(
            "/keyless/v1/audit?{}",
            query([("connection", id_text.as_str()), ("limit", RECENT)])
        ))
        .await
        .map(requests);
    let name = text(&c["name"]);
    view::html(
        StatusCode::OK,
        &Access {
            chrome: ctx.chrome(&format!("Access to {name}")),
            conn: address(&org, &project, &id_text),
            org,
            project,
            id: id_text,
            name,
            shares,
            pipelines: pipes,
            roles: role_list,
            requests: audit,
        },
    )
}

/// The permission change a form asks for: one pipeline authorized, or all opened or closed.
fn change(form: &Posted) -> Option<Value> {
    match form.get("all") {
        "open" => return Some(json!({"allPipelines": {"authorized": true}})),
        "close" => return Some(json!({"allPipelines": {"authorized": false}})),
        _ => {}
    }
    let pipeline: i64 = form.get("pipeline").trim().parse().ok()?;
    Some(json!({"pipelines": [{"id": pipeline, "authorized": true}]}))
}

/// Changes the pipeline permissions through the API (its Administrator role decides), then
/// shows the page again.
pub async fn set_pipelines(ctx: Ctx, Path((org, project, id)): Where, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return view::not_found().await;
    };
    let Some(patch) = change(&form) else {
        return view::message(
            StatusCode::BAD_REQUEST,
            ctx.chrome("Refused"),
            "The form was refused",
            "A pipeline is named by its id, a number. Nothing was changed.",
        );
    };
    let path = format!(
        "/{}/{}/_apis/pipelines/pipelinePermissions/endpoint/{id}",
        segment(&org),
        segment(&project)
    );
    match ctx.api().patch(&path, &patch).await {
        Ok(_) => view::to(&format!(
            "{}/access",
            address(&org, &project, &id.to_string())
        )),
        Err(r) => ctx.refused(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> Posted {
        Posted::parse(body.as_bytes())
    }

    #[test]
    fn a_form_asks_for_one_change_or_none() {
        assert_eq!(
            change(&form("all=open")),
            Some(json!({"allPipelines": {"authorized": true}}))
        );
        assert_eq!(
            change(&form("all=close&pipeline=4")),
            Some(json!({"allPipelines": {"authorized": false}}))
        );
        assert_eq!(
            change(&form("pipeline=+7+")),
            Some(json!({"pipelines": [{"id": 7, "authorized": true}]}))
        );
        for bad in [
            "",
            "pipeline=",
            "pipeline=seven",
            "pipeline=1.5",
            "all=maybe",
        ] {
            assert_eq!(change(&form(bad)), None, "{bad}");
        }
    }
}
