//! Agent pools and agents. Azure DevOps' REST shapes, read by every user of the
//! organization (`az pipelines pool list`, `az pipelines agent list`):
//! `GET /{org}/_apis/distributedtask/pools[?poolName=]`, `…/pools/{id}`,
//! `…/pools/{id}/agents[?agentName=]`, `…/pools/{id}/agents/{agentId}`. keyless' own API
//! for what an administrator does in the portal or with the agent's `config.sh`:
//! `POST /keyless/v1/organizations/{org}/pools` `{"name"}`, `DELETE …/pools/{pool}`,
//! `POST …/pools/{pool}/agents` `{"name", "vm"?}` (the answer holds the agent's secret,
//! shown once), `DELETE …/pools/{pool}/agents/{agent}`; only the organization's owner and
//! Project Collection Administrators (`AgentPoolsForbidden`). Every organization has the
//! Microsoft-hosted pool, created when first read; it takes no registered agents.
//!
//! [`place`] is where a job runs: the hosted pool, or a self-hosted pool and one of its
//! agents (`PoolNotFound`, `NoAgentFound`).

use crate::data::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use keyless_core::envelope::{ApiError, DevopsError, parse_json};
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::devops::Organization;
use keyless_model::devops::agents::{Agent, AgentPool, HOSTED_AGENT, HOSTED_POOL, PoolRequest};
use keyless_model::time_fmt;
use keyless_store::StoreError;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Prefix of an agent's secret.
pub const AGENT_SECRET_PREFIX: &str = "kla_";

/// The organization's pools, the hosted one first (created when missing).
pub async fn pools_of(s: &AppState, org: &Organization) -> Result<Vec<AgentPool>, ApiError> {
    s.db().hosted_pool(org.id, HOSTED_POOL, s.now()).await?;
    Ok(s.db().list_pools(org.id).await?)
}

fn pool_json(s: &AppState, org: &Organization, p: &AgentPool, size: usize) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "isHosted": p.is_hosted,
        "poolType": "automation",
        "size": size,
        "isLegacy": false,
        "options": "none",
        "autoProvision": false,
        "autoUpdate": true,
        "autoSize": true,
        "targetSize": null,
        "agentCloudId": null,
        "scope": org.id.to_string(),
        "createdOn": time_fmt::iso(p.created_at),
        "properties": {},
        "_links": {"self": {"href": format!("{}/{}/_apis/distributedtask/pools/{}", s.origin, org.name, p.id)}},
    })
}

fn agent_json(a: &Agent) -> Value {
    let mut v = json!({
        "id": a.id,
        "name": a.name,
        "version": "4.248.0",
        "osDescription": "Linux",
        "enabled": true,
        "status": "online",
        "provisioningState": "Provisioned",
        "accessPoint": "CodexAccessMapping",
        "maxParallelism": 1,
        "createdOn": time_fmt::iso(a.created_at),
    });
    if let Some(vm) = &a.vm_resource_id {
        v["systemCapabilities"] = json!({"Agent.Name": a.name, "Azure.VirtualMachine": vm});
    }
    v
}

async fn sizes(s: &AppState, p: &AgentPool) -> Result<usize, ApiError> {
    Ok(s.db().list_agents(p.id).await?.len())
}

fn pool_not_found(id: &str) -> ApiError {
    let id = keyless_model::catalogue::sanitize(id);
    ApiError::not_found(format!("Agent pool {id} could not be found."))
}

/// A pool of the organization by id (the REST shape) or name (keyless' own API).
async fn pool_named(s: &AppState, org: &Organization, pool: &str) -> Result<AgentPool, ApiError> {
    let found = match pool.parse::<i64>() {
        Ok(id) => s.db().get_pool(id).await,
        Err(_) => s.db().find_pool(org.id, pool).await,
    };
    match found {
        Ok(p) if p.organization_id == org.id => Ok(p),
        Ok(_) | Err(StoreError::NotFound) => Err(pool_not_found(pool)),
        Err(e) => Err(e.into()),
    }
}

/// An agent of the pool by id or name.
async fn agent_named(s: &AppState, p: &AgentPool, agent: &str) -> Result<Agent, ApiError> {
    let agents = s.db().list_agents(p.id).await?;
    agents
        .into_iter()
        .find(|a| a.id.to_string() == agent || a.name.eq_ignore_ascii_case(agent))
        .ok_or_else(|| {
            ApiError::detail(
                "NotFound",
                format!(
                    "Agent {} could not be found in pool {}.",
                    keyless_model::catalogue::sanitize(agent),
                    p.name
                ),
            )
        })
}

pub async fn list_pools(
    Req { s, headers }: Req,
    Path(root): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DevopsError> {
    let (_, org) = super::managed_org(&s, &headers, &root).await?;
    let mut value = Vec::new();
    for p in pools_of(&s, &org).await? {
        if q.get("poolName")
            .is_some_and(|n| !n.eq_ignore_ascii_case(&p.name))
        {
            continue;
        }
        value.push(pool_json(&s, &org, &p, sizes(&s, &p).await?));
    }
    Ok(Json(json!({"count": value.len(), "value": value})))
}

pub async fn get_pool(
    Req { s, headers }: Req,
    Path((root, pool)): Path<(String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let (_, org) = super::managed_org(&s, &headers, &root).await?;
    pools_of(&s, &org).await?;
    let p = pool_named(&s, &org, &pool).await?;
    let size = sizes(&s, &p).await?;
    Ok(Json(pool_json(&s, &org, &p, size)))
}

pub async fn list_agents(
    Req { s, headers }: Req,
    Path((root, pool)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DevopsError> {
    let (_, org) = super::managed_org(&s, &headers, &root).await?;
    pools_of(&s, &org).await?;
    let p = pool_named(&s, &org, &pool).await?;
    let value: Vec<Value> = s
        .db()
        .list_agents(p.id)
        .await?
        .iter()
        .filter(|a| {
            q.get("agentName")
                .is_none_or(|n| n.eq_ignore_ascii_case(&a.name))
        })
        .map(agent_json)
        .collect();
    Ok(Json(json!({"count": value.len(), "value": value})))
}

pub async fn get_agent(
    Req { s, headers }: Req,
    Path((root, pool, agent)): Path<(String, String, String)>,
) -> Result<Json<Value>, DevopsError> {
    let (_, org) = super::managed_org(&s, &headers, &root).await?;
    pools_of(&s, &org).await?;
    let p = pool_named(&s, &org, &pool).await?;
    Ok(Json(agent_json(&agent_named(&s, &p, &agent).await?)))
}

/// The organization and the calling administrator's id, once the caller is found to
/// manage its pools.
async fn administered(
    s: &AppState,
    headers: &HeaderMap,
    root: &str,
) -> Result<(Organization, keyless_model::Uuid), ApiError> {
    let (caller, org) =
        super::org_settings::collection_administrator(s, headers, root, "AgentPoolsForbidden")
            .await?;
    Ok((org, caller.user.id))
}

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

/// Pool and agent names: 1-64 characters, printable, none of `"/\[]:|<>+=;?*`.
fn check_name(what: &str, name: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&name.chars().count())
        && name.trim() == name
        && !name
            .chars()
            .any(|c| c.is_control() || "\"/\\[]:|<>+=;?*".contains(c));
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "The {what} name '{}' is not valid: use 1 to 64 characters, without leading or trailing spaces and none of \" / \\ [ ] : | < > + = ; ? *.",
            keyless_model::catalogue::sanitize(name)
        )))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolBody {
    name: String,
}

pub async fn create_pool(
    Path(root): Path<String>,
    Req { s, headers }: Req,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), DevopsError> {
    let (org, by) = administered(&s, &headers, &root).await?;
    let b: PoolBody = parse_json(&body)?;
    let p = add_pool(&s, &org, &b.name, Some(by)).await?;
    Ok((StatusCode::CREATED, Json(pool_json(&s, &org, &p, 0))))
}

/// Adds a self-hosted pool to the organization.
pub async fn add_pool(
    s: &AppState,
    org: &Organization,
    name: &str,
    by: Option<keyless_model::Uuid>,
) -> Result<AgentPool, ApiError> {
    check_name("pool", name)?;
    pools_of(s, org).await?;
    let mut p = AgentPool {
        id: 0,
        organization_id: org.id,
        name: name.to_string(),
        is_hosted: false,
        created_by: by,
        created_at: s.now(),
    };
    let rec = change(
        s,
        by,
        "createPool",
        json!({"organization": org.id, "pool": name}),
    );
    p.id = audited(s, rec, async |tx| tx.data().create_pool(&p).await).await?;
    Ok(p)
}

/// The audit entry of a change to an organization's pools or agents by `by` (`None`: a
/// world file). Names objects only, never an agent's secret.
fn change(
    s: &AppState,
    by: Option<keyless_model::Uuid>,
    operation: &str,
    mut object: Value,
) -> keyless_model::audit::AuditEntry {
    object["operation"] = json!(operation);
    keyless_core::audit::change("devops", s.now(), None, by, object)
}

pub async fn delete_pool(
    Req { s, headers }: Req,
    Path((root, pool)): Path<(String, String)>,
) -> Result<StatusCode, DevopsError> {
    let (org, by) = administered(&s, &headers, &root).await?;
    pools_of(&s, &org).await?;
    let p = pool_named(&s, &org, &pool).await?;
    if p.is_hosted {
        return Err(bad(format!(
            "The pool {} is the Microsoft-hosted pool: it cannot be deleted.",
            p.name
        ))
        .into());
    }
    Ok(removed(&s, by, Removed::Pool(&p)).await?)
}

/// A pool or an agent to delete.
enum Removed<'a> {
    Pool(&'a AgentPool),
    Agent(&'a Agent),
}

/// Deletes `r` by `by` in one unit of work with its change entry.
async fn removed(
    s: &AppState,
    by: keyless_model::Uuid,
    r: Removed<'_>,
) -> Result<StatusCode, ApiError> {
    let (operation, object) = match r {
        Removed::Pool(p) => ("deletePool", json!({"pool": p.id, "name": p.name})),
        Removed::Agent(a) => ("deleteAgent", json!({"agent": a.id, "name": a.name})),
    };
    let rec = change(s, Some(by), operation, object);
    audited(s, rec, async |tx| match r {
        Removed::Pool(p) => tx.data().delete_pool(p.id).await,
        Removed::Agent(a) => tx.data().delete_agent(a.id).await,
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentBody {
    name: String,
    /// The ARM id of the virtual machine the agent runs on.
    vm: Option<String>,
}

/// Checks an ARM virtual machine id's shape.
fn vm_id(id: &str) -> Result<String, ApiError> {
    keyless_model::devops::agents::vm_resource_id(id).map_err(bad)
}

pub async fn register_agent(
    Req { s, headers }: Req,
    Path((root, pool)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), DevopsError> {
    let (org, by) = administered(&s, &headers, &root).await?;
    let b: AgentBody = parse_json(&body)?;
    let vm = b.vm;
    pools_of(&s, &org).await?;
    let p = pool_named(&s, &org, &pool).await?;
    let (a, secret) = register(&s, &p, &b.name, vm, Some(by)).await?;
    let mut v = agent_json(&a);
    v["pool"] = json!({"id": p.id, "name": p.name});
    v["vm"] = json!(a.vm_resource_id);
    v["secret"] = json!(secret);
    Ok((StatusCode::CREATED, Json(v)))
}

/// Registers an agent in a self-hosted pool (by `by`, `None` for a world file); returns it
/// and its secret.
pub async fn register(
    s: &AppState,
    p: &AgentPool,
    name: &str,
    vm: Option<String>,
    by: Option<keyless_model::Uuid>,
) -> Result<(Agent, String), ApiError> {
    check_name("agent", name)?;
    let vm = vm.as_deref().map(vm_id).transpose()?;
    if p.is_hosted {
        return Err(bad(format!(
            "The pool {} is the Microsoft-hosted pool: its agents are Microsoft's, none can be registered in it.",
            p.name
        )));
    }
    let secret = keyless_jose::random_token(AGENT_SECRET_PREFIX, 32);
    let sealed = s.keys.seal_secret(secret.as_bytes())?;
    let mut a = Agent {
        id: 0,
        pool_id: p.id,
        name: name.to_string(),
        vm_resource_id: vm,
        secret_hash: keyless_jose::sha256_hex(secret.as_bytes()),
        sealed_secret: base64::engine::general_purpose::STANDARD.encode(sealed),
        created_at: s.now(),
    };
    let rec = change(s, by, "registerAgent", json!({"pool": p.id, "agent": name}));
    a.id = audited(s, rec, async |tx| tx.data().create_agent(&a).await).await?;
    Ok((a, secret))
}

pub async fn delete_agent(
    Req { s, headers }: Req,
    Path((root, pool, agent)): Path<(String, String, String)>,
) -> Result<StatusCode, DevopsError> {
    let (org, by) = administered(&s, &headers, &root).await?;
    pools_of(&s, &org).await?;
    let p = pool_named(&s, &org, &pool).await?;
    let a = agent_named(&s, &p, &agent).await?;
    Ok(removed(&s, by, Removed::Agent(&a)).await?)
}

/// Where a job runs: its pool and, in a self-hosted pool, its agent.
#[derive(Debug, Clone)]
pub struct Placement {
    pub pool: AgentPool,
    pub agent: Option<Agent>,
}

impl Placement {
    /// The name of the agent the job runs on.
    pub fn agent_name(&self) -> &str {
        self.agent
            .as_ref()
            .map_or(HOSTED_AGENT, |a| a.name.as_str())
    }
}

/// The pool and agent of a job that asks for `req`.
pub async fn place(
    s: &AppState,
    org: &Organization,
    req: &PoolRequest,
) -> Result<Placement, ApiError> {
    let hosted = s.db().hosted_pool(org.id, HOSTED_POOL, s.now()).await?;
    if req.is_hosted() {
        return Ok(Placement {
            pool: hosted,
            agent: None,
        });
    }
    let name = req.pool_name();
    let pool = match s.db().find_pool(org.id, name).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => {
            return Err(ApiError::new("PoolNotFound", &[("pool", name)]));
        }
        Err(e) => return Err(e.into()),
    };
    let agents = s.db().list_agents(pool.id).await?;
    let agent = match &req.agent {
        Some(n) => agents.into_iter().find(|a| a.name.eq_ignore_ascii_case(n)),
        None => agents.into_iter().next(),
    };
    let Some(agent) = agent else {
        let demands = req
            .agent
            .as_ref()
            .map(|n| format!("Agent.Name -equals {n}"))
            .unwrap_or_default();
        return Err(ApiError::new(
            "NoAgentFound",
            &[("pool", &pool.name), ("demands", &demands)],
        ));
    };
    Ok(Placement {
        pool,
        agent: Some(agent),
    })
}

/// The clear secret of an agent.
pub fn agent_secret(s: &AppState, a: &Agent) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&a.sealed_secret)
        .ok()?;
    String::from_utf8(s.keys.open_secret(&bytes).ok()?).ok()
}
