//! What the agent gives a job for the service connections its pipeline uses:
//! `GET …/plans/{plan}/jobs/{job}/endpoints[?serviceConnectionId=]` with the job token as
//! bearer. Each connection comes with the variables the agent sets (`ENDPOINT_URL_{ID}`,
//! `ENDPOINT_AUTH_SCHEME_{ID}`, `ENDPOINT_AUTH_PARAMETER_{ID}_{PARAMETER}`,
//! `ENDPOINT_DATA_{ID}_{KEY}`, the id uppercased), a secret connection's client secret
//! included. This is the only way out for that secret: a job token of a pipeline the
//! connection is open to. Every request is audited (kind `endpoints`), never with the secret.

use super::oidc::{job_of_path, job_request_entry, requested_connection, usable_connection};
use axum::Json;
use axum::extract::{Path, Query};
use keyless_core::envelope::DevopsError;
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::devops::data::ConnectionData;
use keyless_model::devops::{Job, Organization, Pipeline, Project, ServiceConnection};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

fn variables(s: &AppState, c: &ServiceConnection) -> Map<String, Value> {
    let id = c.id.to_string().to_ascii_uppercase();
    let mut v = Map::new();
    let mut set = |k: String, val: String| {
        v.insert(k, Value::String(val));
    };
    set(
        format!("ENDPOINT_URL_{id}"),
        super::render::ARM_ENDPOINT_URL.into(),
    );
    set(format!("ENDPOINT_AUTH_SCHEME_{id}"), c.scheme.to_string());
    let p = format!("ENDPOINT_AUTH_PARAMETER_{id}");
    set(format!("{p}_SERVICEPRINCIPALID"), c.client_id.to_string());
    set(format!("{p}_TENANTID"), c.tenant_id.to_string());
    if let Some(secret) = super::secrets::secret_of(s, c) {
        set(format!("{p}_SERVICEPRINCIPALKEY"), secret);
    }
    for (k, val) in c.data.public() {
        if let Some(text) = val.as_str() {
            set(
                format!("ENDPOINT_DATA_{id}_{}", k.to_ascii_uppercase()),
                text.to_string(),
            );
        }
    }
    v
}

fn endpoint(s: &AppState, c: &ServiceConnection) -> Value {
    json!({
        "id": c.id.to_string(),
        "name": c.name,
        "type": c.endpoint_type,
        "scheme": c.scheme,
        "variables": variables(s, c),
    })
}

async fn gather(
    s: &AppState,
    org: &Organization,
    project: &Project,
    (job, pipeline): (&Job, &Pipeline),
    requested: Option<keyless_model::Uuid>,
) -> Result<Vec<ServiceConnection>, DevopsError> {
    if let Some(id) = requested {
        return Ok(vec![
            usable_connection(s, org, project, (job, pipeline), id).await?,
        ]);
    }
    // Every referenced connection the pipeline may use; the others are left out, as the
    // agent is never given them.
    let mut out = Vec::new();
    for id in job.usable_connections(pipeline) {
        if let Ok(c) = usable_connection(s, org, project, (job, pipeline), *id).await {
            out.push(c);
        }
    }
    Ok(out)
}

pub async fn endpoints(
    Req { s, headers }: Req,
    Path((root, project, _hub, plan, job_id)): Path<(String, String, String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DevopsError> {
    let mut rec = job_request_entry(&s, "endpoints", (&root, &project, &job_id), &q);
    let outcome = async {
        let (job, org, project, pipeline) =
            job_of_path(&s, &headers, &root, &project, &plan, &job_id).await?;
        gather(
            &s,
            &org,
            &project,
            (&job, &pipeline),
            requested_connection(&q),
        )
        .await
    }
    .await;
    match outcome {
        Ok(conns) => {
            rec.detail["connections"] =
                json!(conns.iter().map(|c| c.id.to_string()).collect::<Vec<_>>());
            s.audit.record(rec);
            let value: Vec<Value> = conns.iter().map(|c| endpoint(&s, c)).collect();
            Ok(Json(json!({"count": value.len(), "value": value})))
        }
        Err(e) => {
            s.audit.record_outcome(rec, Some(e.0.code()));
            Err(e)
        }
    }
}
