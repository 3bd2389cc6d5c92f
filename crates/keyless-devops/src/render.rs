//! The `serviceEndpoint` JSON shape of a connection, with the server-set issuer and
//! subject a federated credential must carry.

use crate::data::*;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::devops::data::ConnectionData;
use keyless_model::devops::{
    ConnectionState, IssuerGeneration, Organization, Project, ServiceConnection,
};
use keyless_model::federation::{
    devops_issuer, devops_subject, entra_issuer, entra_subject, legacy_issuer,
};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

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
    // The two maps are moved in after `json!`, which would copy them value by value.
    let mut v = json!({
        "id": c.id.to_string(),
        "name": c.name,
        "type": c.endpoint_type,
        "url": ARM_ENDPOINT_URL,
        "createdBy": {"id": c.created_by.map(|u| u.to_string())},
        "creationDate": keyless_model::time_fmt::iso(c.created_at),
        "description": c.description,
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
    });
    let mut authorization = serde_json::Map::new();
    authorization.insert("parameters".into(), Value::Object(params));
    authorization.insert("scheme".into(), json!(c.scheme));
    v["authorization"] = Value::Object(authorization);
    v["data"] = Value::Object(c.data.public());
    v
}

/// The connection as the REST API shows it: [`endpoint_json`] plus a project reference for
/// every project it is shared with (`isShared`).
pub async fn connection_json(
    s: &AppState,
    c: &ServiceConnection,
    org: &Organization,
) -> Result<Value, ApiError> {
    Shown::for_connection(s, c).await?.json(s, c, org).await
}

/// The projects and shares that showing connections needs, read once: for one connection
/// ([`Shown::for_connection`]), or for every connection of a list ([`Shown::for_organization`]
/// then [`Shown::see_project`] for each project listed).
pub struct Shown {
    projects: HashMap<Uuid, Project>,
    /// The projects each connection is shared with, by project id, for the connections read.
    shares: HashMap<Uuid, Vec<Uuid>>,
}

impl Shown {
    /// The connection's project, the projects it is shared with, and those projects.
    pub async fn for_connection(s: &AppState, c: &ServiceConnection) -> Result<Self, ApiError> {
        let mut shown = Self {
            projects: HashMap::new(),
            shares: HashMap::new(),
        };
        let home = s.db().get_project(c.project_id).await?;
        shown.projects.insert(home.id, home);
        let shared = s.db().list_connection_shares(c.id).await?;
        for &p in &shared {
            if let Entry::Vacant(e) = shown.projects.entry(p) {
                e.insert(s.db().get_project(p).await?);
            }
        }
        shown.shares.insert(c.id, shared);
        Ok(shown)
    }

    /// Every project of the organization, in one query; no shares yet.
    pub async fn for_organization(s: &AppState, org: &Organization) -> Result<Self, ApiError> {
        let projects = s.db().list_projects(org.id).await?;
        Ok(Self {
            projects: projects.into_iter().map(|p| (p.id, p)).collect(),
            shares: HashMap::new(),
        })
    }

    /// The shares of every connection `project` sees (`conns`: its own and those shared with
    /// it), in one query.
    pub async fn see_project(
        &mut self,
        s: &AppState,
        project: Uuid,
        conns: &[ServiceConnection],
    ) -> Result<(), ApiError> {
        let mut shares: HashMap<Uuid, Vec<Uuid>> =
            conns.iter().map(|c| (c.id, Vec::new())).collect();
        for (connection, p) in s.db().list_shares_seen_from(project).await? {
            shares.entry(connection).or_default().push(p);
        }
        self.shares.extend(shares);
        Ok(())
    }

    /// A project read before, else read now.
    async fn project(&self, s: &AppState, id: Uuid) -> Result<Cow<'_, Project>, ApiError> {
        Ok(match self.projects.get(&id) {
            Some(p) => Cow::Borrowed(p),
            None => Cow::Owned(s.db().get_project(id).await?),
        })
    }

    /// [`connection_json`] of `c` from what was read (the shares of a connection not read
    /// before are read now).
    pub async fn json(
        &self,
        s: &AppState,
        c: &ServiceConnection,
        org: &Organization,
    ) -> Result<Value, ApiError> {
        let home = self.project(s, c.project_id).await?;
        let mut v = endpoint_json(&s.origin, c, org, &home);
        let read;
        let shares = match self.shares.get(&c.id) {
            Some(shares) => shares,
            None => {
                read = s.db().list_connection_shares(c.id).await?;
                &read
            }
        };
        if !shares.is_empty() {
            v["isShared"] = json!(true);
        }
        for &id in shares {
            let p = self.project(s, id).await?;
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
}
