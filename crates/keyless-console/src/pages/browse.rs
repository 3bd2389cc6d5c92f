//! Organizations → projects → service connections, each list read from the API as the
//! signed-in user (who sees what the API shows them).

use crate::PREFIX;
use crate::paths::segment;
use crate::view::{self, Chrome, Ctx};
use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use serde_json::Value;

/// A list of links named after the items of an API list's `value`.
#[derive(Template)]
#[template(path = "names.html")]
struct Names {
    chrome: Chrome,
    /// The organization, on its projects' page.
    org: Option<String>,
    /// `(href, name)` of each item.
    links: Vec<(String, String)>,
    /// What the page says when the list is empty.
    empty: &'static str,
}

/// `(href, name)` of every item of an API list's `value`, its href `{base}/{name}`.
fn links(list: &Value, base: &str) -> Vec<(String, String)> {
    list["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["name"].as_str())
        .map(|n| (format!("{base}/{}", segment(n)), n.to_string()))
        .collect()
}

pub async fn organizations(ctx: Ctx) -> Response {
    ctx.page("/keyless/v1/organizations", |list| Names {
        chrome: ctx.chrome("Organizations"),
        org: None,
        links: links(&list, &format!("{PREFIX}/orgs")),
        empty: "You are not a user of any organization.",
    })
    .await
}

pub async fn projects(ctx: Ctx, Path(org): Path<String>) -> Response {
    let path = format!("/keyless/v1/organizations/{}/projects", segment(&org));
    ctx.page(&path, |list| Names {
        chrome: ctx.chrome(&format!("Projects of {org}")),
        links: links(&list, &format!("{PREFIX}/orgs/{}", segment(&org))),
        org: Some(org.clone()),
        empty: "You have no group in any project of this organization.",
    })
    .await
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
    ctx.page(&path, |list| {
        let rows = view::sorted_rows(&list, ConnectionRow::of, |r| &r.name);
        Connections {
            chrome: ctx.chrome(&format!("Service connections of {project}")),
            org: org.clone(),
            project: project.clone(),
            rows,
        }
    })
    .await
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
