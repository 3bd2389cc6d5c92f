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
    /// "Secret expiring" or "Secret expired": a `ServicePrincipal` connection whose client
    /// secret (`data.secretExpiration`) ends within the doctor's warning days or has ended.
    pub secret: Option<&'static str>,
}

/// The state of a secret that ends at `end` (ISO 8601), at `now`.
fn secret_state(end: &str, now: i64) -> Option<&'static str> {
    let end = keyless_model::time_fmt::parse_iso(end)?;
    if end <= now {
        Some("Secret expired")
    } else if end - now < keyless_model::doctor::SECRET_WARN_DAYS * 86_400 {
        Some("Secret expiring")
    } else {
        None
    }
}

impl ConnectionRow {
    /// From the API's `serviceEndpoint` shape, at `now` (Unix seconds).
    pub fn of(v: &Value, now: i64) -> ConnectionRow {
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
        let scheme = text(&v["authorization"]["scheme"]);
        let secret = match (scheme.as_str(), v["data"]["secretExpiration"].as_str()) {
            ("ServicePrincipal", Some(end)) => secret_state(end, now),
            _ => None,
        };
        ConnectionRow {
            id: text(&v["id"]),
            name: text(&v["name"]),
            kind: text(&v["type"]),
            scheme,
            state,
            note: text(&v["operationStatus"]["statusMessage"]),
            issuer: text(&params["workloadIdentityFederationIssuer"]),
            subject: text(&params["workloadIdentityFederationSubject"]),
            secret,
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

    /// The class of its secret's badge.
    pub fn secret_badge(&self) -> &'static str {
        match self.secret {
            Some("Secret expired") => "fail",
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
    let now = ctx.state.now();
    ctx.page(&path, |list| {
        let rows = view::sorted_rows(&list, |v| ConnectionRow::of(v, now), |r| &r.name);
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
        assert_eq!(ConnectionRow::of(&shape("Ready", false), 0).state, "Ready");
        assert_eq!(
            ConnectionRow::of(&shape("Ready", true), 0).state,
            "Needs attention"
        );
        assert_eq!(ConnectionRow::of(&shape("Draft", false), 0).state, "Draft");
        let r = ConnectionRow::of(
            &json!({
            "authorization": {"scheme": "WorkloadIdentityFederation", "parameters": {
                "workloadIdentityFederationIssuer": "https://i",
                "workloadIdentityFederationSubject": "sc://o/p/c"}}}),
            0,
        );
        assert_eq!(
            (r.issuer.as_str(), r.subject.as_str()),
            ("https://i", "sc://o/p/c")
        );
        assert_eq!(r.scheme, "WorkloadIdentityFederation");
    }

    #[test]
    fn a_client_secret_ending_within_thirty_days_or_ended_is_named() {
        // 2030-01-31T00:00:00Z.
        let end = 1_896_048_000;
        let day = 86_400;
        let row = |scheme: &str, now: i64| {
            ConnectionRow::of(
                &json!({"authorization": {"scheme": scheme},
                        "data": {"secretExpiration": "2030-01-31T00:00:00Z"}}),
                now,
            )
            .secret
        };
        let cases = [
            ("ServicePrincipal", end - 31 * day, None),
            ("ServicePrincipal", end - 30 * day, None),
            (
                "ServicePrincipal",
                end - 30 * day + 1,
                Some("Secret expiring"),
            ),
            ("ServicePrincipal", end - 1, Some("Secret expiring")),
            ("ServicePrincipal", end, Some("Secret expired")),
            ("ServicePrincipal", end + 90 * day, Some("Secret expired")),
            ("WorkloadIdentityFederation", end, None),
        ];
        for (scheme, now, want) in cases {
            assert_eq!(row(scheme, now), want, "{scheme} at {now}");
        }
        let no_date = json!({"authorization": {"scheme": "ServicePrincipal"}, "data": {}});
        assert_eq!(ConnectionRow::of(&no_date, end).secret, None);
    }
}
