//! Agent pools and agents. Every organization has the Microsoft-hosted pool
//! ([`HOSTED_POOL`]); administrators add self-hosted pools and register agents in them,
//! each optionally running on an Azure VM (its ARM resource id). A job runs in a pool, on
//! one of its agents: `pool: vmImage` (or no pool) is the hosted pool, `pool: name` a
//! self-hosted one.

use crate::{UnixTime, Uuid};
use serde::{Deserialize, Serialize};

/// The name of the Microsoft-hosted pool every organization has.
pub const HOSTED_POOL: &str = "Azure Pipelines";
/// The name of the agent a job of the hosted pool runs on.
pub const HOSTED_AGENT: &str = "Hosted Agent";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPool {
    /// Assigned by the store.
    pub id: i64,
    pub organization_id: Uuid,
    /// Unique in the organization, case-insensitive.
    pub name: String,
    /// The Microsoft-hosted pool: its agents are Microsoft's, never registered.
    pub is_hosted: bool,
    pub created_by: Option<Uuid>,
    pub created_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// Assigned by the store.
    pub id: i64,
    pub pool_id: i64,
    /// Unique in the pool, case-insensitive.
    pub name: String,
    /// The ARM id of the virtual machine the agent runs on, if it runs on one: its
    /// managed identities are the agent's.
    pub vm_resource_id: Option<String>,
    /// SHA-256 (hex) of the agent's secret, by which a job on the agent proves itself to the
    /// managed identity endpoints.
    #[serde(skip_serializing)]
    pub secret_hash: String,
    /// The agent's secret sealed under the key-encryption key (base64), handed to its jobs.
    #[serde(skip_serializing)]
    pub sealed_secret: String,
    pub created_at: UnixTime,
}

/// Which pool a job asks for, from its YAML `pool:`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolRequest {
    /// `pool: name` / `pool: { name: … }`.
    #[serde(default)]
    pub name: Option<String>,
    /// `pool: { vmImage: … }`.
    #[serde(default)]
    pub vm_image: Option<String>,
    /// The agent to run on (`demands: Agent.Name -equals …`); the pool's first when absent.
    #[serde(default)]
    pub agent: Option<String>,
}

impl PoolRequest {
    /// Whether the job asks for the Microsoft-hosted pool: a `vmImage`, no pool, or the
    /// hosted pool by name.
    pub fn is_hosted(&self) -> bool {
        match &self.name {
            None => true,
            Some(n) => n.eq_ignore_ascii_case(HOSTED_POOL),
        }
    }

    /// The name of the pool asked for.
    pub fn pool_name(&self) -> &str {
        match &self.name {
            Some(n) if !self.is_hosted() => n,
            _ => HOSTED_POOL,
        }
    }
}

/// The ARM id of a virtual machine or scale set as an agent records it (with a leading
/// `/`), or why the text is not one.
pub fn vm_resource_id(id: &str) -> Result<String, String> {
    let parts: Vec<&str> = id.trim_matches('/').split('/').collect();
    let ok = parts.len() == 8
        && parts[0].eq_ignore_ascii_case("subscriptions")
        && parts[2].eq_ignore_ascii_case("resourceGroups")
        && parts[4].eq_ignore_ascii_case("providers")
        && parts[5].eq_ignore_ascii_case("Microsoft.Compute")
        && (parts[6].eq_ignore_ascii_case("virtualMachines")
            || parts[6].eq_ignore_ascii_case("virtualMachineScaleSets"))
        && parts.iter().all(|p| !p.is_empty());
    if ok {
        Ok(format!("/{}", parts.join("/")))
    } else {
        Err(format!(
            "'{}' is not the id of a virtual machine: /subscriptions/{{id}}/resourceGroups/{{group}}/providers/Microsoft.Compute/virtualMachines/{{name}} (or virtualMachineScaleSets).",
            crate::catalogue::sanitize(id)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_requests() {
        let hosted = PoolRequest {
            vm_image: Some("ubuntu-latest".into()),
            ..Default::default()
        };
        assert!(hosted.is_hosted());
        assert_eq!(hosted.pool_name(), HOSTED_POOL);
        assert!(PoolRequest::default().is_hosted());
        let by_name = PoolRequest {
            name: Some("azure pipelines".into()),
            ..Default::default()
        };
        assert!(by_name.is_hosted());
        assert_eq!(by_name.pool_name(), HOSTED_POOL);
        let own = PoolRequest {
            name: Some("Builders".into()),
            ..Default::default()
        };
        assert!(!own.is_hosted());
        assert_eq!(own.pool_name(), "Builders");
    }

    #[test]
    fn vm_ids() {
        let id =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm";
        assert_eq!(vm_resource_id(id).as_deref(), Ok(id));
        assert_eq!(vm_resource_id(&id[1..]).as_deref(), Ok(id));
        let ss = id.replace("virtualMachines", "virtualMachineScaleSets");
        assert!(vm_resource_id(&ss).is_ok());
        for bad in [
            "",
            "/subscriptions/s/resourceGroups/rg",
            &id.replace("Microsoft.Compute", "Microsoft.Web"),
            &id.replace("/vm", "/vm/extensions/x"),
            &id.replace("/rg/", "//"),
        ] {
            assert!(vm_resource_id(bad).is_err(), "{bad}");
        }
    }
}
