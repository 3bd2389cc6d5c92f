//! The `serviceEndpoint` JSON shape of a connection, with the server-set issuer and
//! subject a federated credential must carry.

use crate::data::*;
use keyless_model::devops::data::ConnectionData;
use keyless_model::devops::{
    ConnectionState, IssuerGeneration, Organization, Project, ServiceConnection,
};
use keyless_model::federation::{
    devops_issuer, devops_subject, entra_issuer, entra_subject, legacy_issuer,
};
use serde_json::{Value, json};

/// The `url` of an Azure Resource Manager connection, as the portal saves it (and the agent
/// sets as `ENDPOINT_URL_{ID}`).
pub const ARM_ENDPOINT_URL: &str = "https://management.azure.com/";

/// The issuer and subject of a connection's ID tokens. The Entra generation needs the
/// organization's connected tenant; without one it falls back to the organization's issuer.
/// The Entra-generation subject names the organization's cloud (`/eid1/c/pub/…`).
pub fn issuer_and_subject(
    origin: &str,
    c: &ServiceConnection,
    org: &Organization,
    project: &Project,
) -> (String, String) {
    match (c.issuer_generation, org.tenant_id) {
        (IssuerGeneration::EntraId, Some(tid)) => (
            entra_issuer(origin, tid),
            entra_subject(org.cloud, tid, org.id, c.id),
        ),
        (IssuerGeneration::Legacy, _) => (
            legacy_issuer(origin),
            devops_subject(&org.name, &project.name, &c.name),
        ),
        _ => (
            devops_issuer(origin, org.id),
            devops_subject(&org.name, &project.name, &c.name),
        ),
    }
}

pub fn endpoint_json(
    origin: &str,
    c: &ServiceConnection,
    org: &Organization,
    project: &Project,
) -> Value {
    let (issuer, subject) = issuer_and_subject(origin, c, org, project);
    let mut params = serde_json::Map::new();
    params.insert("tenantid".into(), json!(c.tenant_id.to_string()));
    params.insert("serviceprincipalid".into(), json!(c.client_id.to_string()));
    super::schemes::rules(c.scheme).render_parameters(&mut params, c, &issuer, &subject);
    json!({
        "data": c.data.public(),
        "id": c.id.to_string(),
        "name": c.name,
        "type": c.endpoint_type,
        "url": ARM_ENDPOINT_URL,
        "createdBy": {"id": c.created_by.map(|u| u.to_string())},
        "creationDate": keyless_model::time_fmt::iso(c.created_at),
        "description": c.description,
        "authorization": {"parameters": params, "scheme": c.scheme},
        "isShared": false,
        "isReady": c.state == ConnectionState::Ready,
        "isOutdated": c.state == ConnectionState::Ready && !c.status_message.is_empty(),
        "owner": "library",
        "operationStatus": {"state": c.state, "statusMessage": c.status_message},
        "serviceEndpointProjectReferences": [{
            "projectReference": {"id": project.id.to_string(), "name": project.name},
            "name": c.name,
            "description": c.description,
        }],
    })
}

/// The connection as the REST API shows it: [`endpoint_json`] plus a project reference for
/// every project it is shared with (`isShared`).
pub async fn connection_json(
    s: &keyless_core::state::AppState,
    c: &ServiceConnection,
    org: &Organization,
) -> Result<Value, keyless_core::envelope::ApiError> {
    let project = s.db().get_project(c.project_id).await?;
    let mut v = endpoint_json(&s.origin, c, org, &project);
    let shares = s.db().list_connection_shares(c.id).await?;
    if !shares.is_empty() {
        v["isShared"] = json!(true);
    }
    for p in shares {
        let p = s.db().get_project(p).await?;
        if let Some(refs) = v["serviceEndpointProjectReferences"].as_array_mut() {
            refs.push(json!({
                "projectReference": {"id": p.id.to_string(), "name": p.name},
                "name": c.name,
                "description": c.description,
            }));
        }
    }
    Ok(v)
}
