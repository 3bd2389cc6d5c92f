//! Organizations → projects → service connections, each list read from the API as the
//! signed-in user (who sees what the API shows them).

use crate::paths::segment;
use crate::view::{self, Chrome, Ctx};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

/// The `name` of every item of an API list's `value`.
fn names(list: &Value) -> Vec<String> {
    list["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["name"].as_str().map(String::from))
        .collect()
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct Organizations {
    chrome: Chrome,
    names: Vec<String>,
}

pub async fn organizations(ctx: Ctx) -> Response {
    match ctx.api().get("/keyless/v1/organizations").await {
        Ok(list) => view::html(
            StatusCode::OK,
            &Organizations {
                chrome: ctx.chrome("Organizations"),
                names: names(&list),
            },
        ),
        Err(r) => ctx.refused(r),
    }
}

#[derive(Template)]
#[template(path = "projects.html")]
struct Projects {
    chrome: Chrome,
    org: String,
    names: Vec<String>,
}

pub async fn projects(ctx: Ctx, Path(org): Path<String>) -> Response {
    let path = format!("/keyless/v1/organizations/{}/projects", segment(&org));
    match ctx.api().get(&path).await {
        Ok(list) => view::html(
            StatusCode::OK,
            &Projects {
                chrome: ctx.chrome(&format!("Projects of {org}")),
                names: names(&list),
                org,
            },
        ),
        Err(r) => ctx.refused(r),
    }
}

/// A connection as the list and the details page show it.
pub struct ConnectionRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub scheme: String,
    /// Ready, Draft or Needs attention.
    pub state: &'static str,
    /// Why it needs attention, or what a Draft lacks.
    pub note: String,
    pub issuer: String,
    pub subject: String,
}

impl ConnectionRow {
    /// From the API's `serviceEndpoint` shape.
    pub fn of(v: &Value) -> ConnectionRow {
        let text = |x: &Value| x.as_str().unwrap_or_default().to_string();
        let params = &v["authorization"]["parameters"];
        let state = match (
            v["operationStatus"]["state"].as_str(),
            v["isOutdated"].as_bool(),
        ) {
            (Some("Ready"), Some(true)) => "Needs attention",
            (Some("Ready"), _) => "Ready",
            _ => "Draft",
        };
        ConnectionRow {
            id: text(&v["id"]),
            name: text(&v["name"]),
            kind: text(&v["type"]),
            scheme: text(&v["authorization"]["scheme"]),
            state,
            note: text(&v["operationStatus"]["statusMessage"]),
            issuer: text(&params["workloadIdentityFederationIssuer"]),
            subject: text(&params["workloadIdentityFederationSubject"]),
        }
    }

    /// The class of its state badge.
    pub fn badge(&self) -> &'static str {
        match self.state {
            "Ready" => "ok",
            "Draft" => "draft",
            _ => "warn",
        }
    }
}

#[derive(Template)]
#[template(path = "connections.html")]
struct Connections {
    chrome: Chrome,
    org: String,
    project: String,
    rows: Vec<ConnectionRow>,
}

pub async fn connections(ctx: Ctx, Path((org, project)): Path<(String, String)>) -> Response {
    let path = format!(
        "/{}/{}/_apis/serviceendpoint/endpoints",
        segment(&org),
        segment(&project)
    );
    match ctx.api().get(&path).await {
        Ok(list) => {
            let mut rows: Vec<ConnectionRow> = list["value"]
                .as_array()
                .into_iter()
                .flatten()
                .map(ConnectionRow::of)
                .collect();
            rows.sort_by_key(|r| r.name.to_lowercase());
            view::html(
                StatusCode::OK,
                &Connections {
                    chrome: ctx.chrome(&format!("Service connections of {project}")),
                    org,
                    project,
                    rows,
                },
            )
        }
        Err(r) => ctx.refused(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_read_from_the_endpoint_shape() {
        let shape = |state: &str, outdated: bool| json!({"operationStatus": {"state": state, "statusMessage": ""}, "isOutdated": outdated});
        assert_eq!(ConnectionRow::of(&shape("Ready", false)).state, "Ready");
        assert_eq!(
            ConnectionRow::of(&shape("Ready", true)).state,
            "Needs attention"
        );
        assert_eq!(ConnectionRow::of(&shape("Draft", false)).state, "Draft");
        let r = ConnectionRow::of(&json!({
            "authorization": {"scheme": "WorkloadIdentityFederation", "parameters": {
                "workloadIdentityFederationIssuer": "https://i",
                "workloadIdentityFederationSubject": "sc://o/p/c"}}}));
        assert_eq!(
            (r.issuer.as_str(), r.subject.as_str()),
            ("https://i", "sc://o/p/c")
        );
        assert_eq!(r.scheme, "WorkloadIdentityFederation");
    }
}
