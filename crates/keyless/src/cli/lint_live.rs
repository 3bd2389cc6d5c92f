//! The facts of the live lint rules, read through the server's REST routes: the project's
//! service endpoints (exists, type, scheme, state), each connection's doctor checklist
//! (secret, tenant policy; administrators of the connection only, unknown otherwise) and,
//! with `--pipeline`, the connection's pipeline permissions.

use super::client::{Client, Conn};
use super::doctor::segment;
use keyless_pipelines::lint::{ConnectionFacts, ConnectionState, LiveFacts};
use keyless_pipelines::model::Pipeline;
use keyless_pipelines::refs::{self, ConnectionKind};
use reqwest::Method;
use serde_json::Value;

fn state(v: &Value) -> Option<ConnectionState> {
    match v["operationStatus"]["state"].as_str()? {
        "Ready" => Some(ConnectionState::Ready),
        "Draft" => Some(ConnectionState::Draft),
        "Failed" => Some(ConnectionState::Failed),
        _ => None,
    }
}

fn kind(v: &Value) -> Option<ConnectionKind> {
    match v["type"].as_str()?.to_ascii_lowercase().as_str() {
        "azurerm" => Some(ConnectionKind::AzureRm),
        "azuredevops" | "workloadidentityuser" => Some(ConnectionKind::AzureDevOps),
        _ => Some(ConnectionKind::Other),
    }
}

/// From the doctor checklist: whether the `check` line failed (`None` without a checklist).
fn failed(doctor: Option<&Value>, check: &str) -> Option<bool> {
    let findings = doctor?["findings"].as_array()?;
    Some(
        findings
            .iter()
            .any(|f| f["check"] == check && f["status"] == "FAIL"),
    )
}

/// Whether `pipeline` may use the connection, from its pipeline permissions.
fn authorized(perms: &Value, pipeline: i64) -> bool {
    perms["allPipelines"]["authorized"] == true
        || perms["pipelines"].as_array().is_some_and(|a| {
            a.iter()
                .any(|p| p["id"] == pipeline && p["authorized"] == true)
        })
}

pub async fn facts(
    conn: &Conn,
    org: &str,
    project: &str,
    pipeline: Option<&str>,
    pipelines: &[&Pipeline],
) -> anyhow::Result<LiveFacts> {
    let c = Client::new(conn)?;
    let (o, p) = (segment(org), segment(project));
    let list = c
        .send(
            Method::GET,
            &format!("/{o}/{p}/_apis/serviceendpoint/endpoints?api-version=7.1"),
            None,
        )
        .await?;
    let endpoints = list["value"].as_array().cloned().unwrap_or_default();
    let pipeline_id = match pipeline {
        None => None,
        Some(name) => {
            let v = c
                .send(
                    Method::GET,
                    &format!("/keyless/v1/organizations/{o}/projects/{p}/pipelines"),
                    None,
                )
                .await?;
            let found = v["value"].as_array().and_then(|a| {
                a.iter()
                    .find(|x| {
                        x["name"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(name))
                    })
                    .and_then(|x| x["id"].as_i64())
            });
            match found {
                Some(id) => Some(id),
                None => anyhow::bail!("project {project} has no pipeline '{name}'"),
            }
        }
    };
    let mut names: Vec<String> = Vec::new();
    for pl in pipelines {
        for r in refs::connection_refs(pl).into_iter().filter(|r| !r.runtime) {
            let n = r.name.value.trim().to_string();
            if !names.iter().any(|x| x.eq_ignore_ascii_case(&n)) {
                names.push(n);
            }
        }
    }
    let mut out = LiveFacts {
        organization: org.to_string(),
        project: project.to_string(),
        pipeline: pipeline.map(String::from),
        connections: Vec::new(),
    };
    for name in names {
        let e = endpoints.iter().find(|e| {
            e["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(&name))
                || e["id"]
                    .as_str()
                    .is_some_and(|i| i.eq_ignore_ascii_case(&name))
        });
        let Some(e) = e else {
            out.connections.push((name, ConnectionFacts::default()));
            continue;
        };
        let id = e["id"].as_str().unwrap_or_default();
        let doctor = c
            .send(
                Method::GET,
                &format!(
                    "/keyless/v1/organizations/{o}/projects/{p}/connections/{}/doctor",
                    segment(id)
                ),
                None,
            )
            .await
            .ok();
        let authorized = match pipeline_id {
            None => None,
            Some(pid) => c
                .send(
                    Method::GET,
                    &format!(
                        "/{o}/{p}/_apis/pipelines/pipelinePermissions/endpoint/{}?api-version=7.1-preview.1",
                        segment(id)
                    ),
                    None,
                )
                .await
                .ok()
                .map(|v| authorized(&v, pid)),
        };
        let facts = ConnectionFacts {
            exists: true,
            kind: kind(e),
            state: state(e),
            scheme: e["authorization"]["scheme"].as_str().map(String::from),
            secret_expired: failed(doctor.as_ref(), "secret"),
            tenant_forbids_federation: failed(doctor.as_ref(), "policy"),
            authorized,
        };
        out.connections.push((name, facts));
    }
    Ok(out)
}
