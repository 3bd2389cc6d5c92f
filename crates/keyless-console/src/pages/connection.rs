//! One service connection: its details (issuer and subject to copy), Verify and the doctor.

use super::browse::ConnectionRow;
use super::connection_links::{Link, identity_link};
use crate::paths::segment;
use crate::view::{self, Chrome, Ctx, Posted};
use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

type Where = Path<(String, String, String)>;

/// One step of Verify, or one check of the doctor.
pub struct Step {
    pub name: String,
    /// `succeeded`/`failed` (Verify), `OK`/`WARN`/`FAIL` (doctor).
    pub outcome: String,
    pub code: String,
    pub message: String,
    pub fix: String,
}

impl Step {
    pub fn badge(&self) -> &'static str {
        match self.outcome.as_str() {
            "succeeded" | "OK" => "ok",
            "WARN" => "warn",
            _ => "fail",
        }
    }
}

fn text(v: &Value) -> String {
    v.as_str().map(String::from).unwrap_or_default()
}

fn steps(list: &Value, name: &str, outcome: &str, message: &str) -> Vec<Step> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|v| Step {
            name: text(&v[name]),
            outcome: text(&v[outcome]),
            code: text(&v["code"]),
            message: text(&v[message]),
            fix: text(&v["fix"]),
        })
        .collect()
}

/// The answer to a connection address whose last segment is not an id.
fn not_an_id() -> Response {
    view::message(
        StatusCode::NOT_FOUND,
        Chrome::anonymous("Not found"),
        "Connection not found",
        "A service connection's address ends with its id (a GUID).",
    )
}

#[derive(Template)]
#[template(path = "connection.html")]
struct Details {
    chrome: Chrome,
    org: String,
    project: String,
    c: ConnectionRow,
    /// Verify's steps, after a Verify.
    verified: Option<Vec<Step>>,
    /// The console page of the identity the connection federates with, its Add federated
    /// credential form filled in, when the user may see it.
    link: Option<Link>,
}

async fn details_page(
    ctx: &Ctx,
    org: String,
    project: String,
    id: uuid::Uuid,
    verified: Option<Vec<Step>>,
) -> Response {
    let path = format!(
        "/{}/{}/_apis/serviceendpoint/endpoints/{id}",
        segment(&org),
        segment(&project)
    );
    let v = match ctx.api().get(&path).await {
        Ok(v) => v,
        Err(r) => return ctx.refused(r),
    };
    let c = ConnectionRow::of(&v, ctx.state.now());
    let link = identity_link(ctx, &v, &c).await;
    view::html(
        StatusCode::OK,
        &Details {
            chrome: ctx.chrome(&format!("Service connection {}", c.name)),
            org,
            project,
            c,
            verified,
            link,
        },
    )
}

pub async fn details(ctx: Ctx, Path((org, project, id)): Where) -> Response {
    match uuid::Uuid::parse_str(&id) {
        Ok(id) => details_page(&ctx, org, project, id, None).await,
        Err(_) => not_an_id(),
    }
}

/// Runs Verify through the API (the User role decides), then shows the details with each
/// step's result.
pub async fn verify(ctx: Ctx, Path((org, project, id)): Where, body: Bytes) -> Response {
    if let Some(refused) = ctx.csrf_refusal(&Posted::parse(&body)) {
        return refused;
    }
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return not_an_id();
    };
    let path = format!(
        "/{}/_apis/serviceendpoint/endpointproxy?endpointId={id}",
        segment(&org)
    );
    match ctx.api().post(&path, &json!({})).await {
        Ok(v) => {
            let outcome = steps(&v["steps"], "step", "outcome", "message");
            details_page(&ctx, org, project, id, Some(outcome)).await
        }
        Err(r) => ctx.refused(r),
    }
}

#[derive(Template)]
#[template(path = "doctor.html")]
struct Doctor {
    chrome: Chrome,
    org: String,
    project: String,
    id: String,
    name: String,
    status: String,
    findings: Vec<Step>,
}

/// The troubleshooting checklist (the connection's Administrators and keyless
/// administrators, as the API decides).
pub async fn doctor(ctx: Ctx, Path((org, project, id)): Where) -> Response {
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return not_an_id();
    };
    let path = format!(
        "/keyless/v1/organizations/{}/projects/{}/connections/{id}/doctor",
        segment(&org),
        segment(&project)
    );
    ctx.page(&path, |v| {
        let name = text(&v["connection"]["name"]);
        Doctor {
            chrome: ctx.chrome(&format!("Doctor: {name}")),
            org,
            project,
            id: id.to_string(),
            name,
            status: text(&v["status"]),
            findings: steps(&v["findings"], "check", "status", "finding"),
        }
    })
    .await
}
