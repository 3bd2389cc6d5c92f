//! Scheme `ManagedServiceIdentity` (Azure Resource Manager connections): the connection
//! names no identity of its own; a job uses the managed identity of the Azure VM its
//! self-hosted agent runs on, through the VM's token endpoint. Nothing about the identity
//! is known before a job runs, so verify cannot present a credential; the doctor checks the
//! organization's agents: that some self-hosted agent runs on a VM that carries a
//! system-assigned identity (its pool, agent and VM), and each such identity's roles at the
//! connection's scope.

use super::{
    AutomaticCredential, BoxFuture, CredentialStep, DoctorContext, ManualCreate, Parameters,
    SchemeRules,
};
use crate::data::*;
use crate::verify::Outcome;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::catalogue::Rendered;
use keyless_model::devops::{EndpointType, Organization, ServiceConnection};
use keyless_model::directory::ServicePrincipal;
use keyless_model::doctor::{Finding, Status};
use serde_json::{Map, Value, json};

pub(super) struct ManagedIdentity;

/// A self-hosted agent of the organization whose VM carries a system-assigned identity.
pub(crate) struct AgentIdentity {
    pub pool: String,
    pub agent: String,
    pub vm: String,
    pub principal: ServicePrincipal,
}

/// The organization's self-hosted agents on VMs with a system-assigned identity (the one
/// the task's `az login --identity` signs in with), each with that identity's principal.
pub(crate) async fn agent_identities(
    s: &AppState,
    org: &Organization,
) -> Result<Vec<AgentIdentity>, ApiError> {
    let mut out = Vec::new();
    for pool in crate::agents::pools_of(s, org).await? {
        for agent in s.db().list_agents(pool.id).await? {
            let Some(vm) = &agent.vm_resource_id else {
                continue;
            };
            let principal = s
                .db()
                .get_resource(vm)
                .await
                .ok()
                .and_then(|r| r.extra.get("identity").cloned())
                .and_then(|i| i["principalId"].as_str().and_then(|p| p.parse().ok()));
            let Some(principal) = principal else {
                continue;
            };
            if let Ok(sp) = s.db().get_service_principal(principal).await {
                out.push(AgentIdentity {
                    pool: pool.name.clone(),
                    agent: agent.name.clone(),
                    vm: vm.clone(),
                    principal: sp,
                });
            }
        }
    }
    Ok(out)
}

impl SchemeRules for ManagedIdentity {
    fn names_client(&self) -> bool {
        false
    }

    fn display_name(&self) -> &'static str {
        "Managed Identity Authentication"
    }

    fn federates(&self) -> bool {
        false
    }

    fn supports(&self, endpoint_type: EndpointType) -> bool {
        endpoint_type == EndpointType::AzureRm
    }

    fn automatic_credential(&self) -> Option<AutomaticCredential> {
        None
    }

    /// The tenant only: the identity is the agent VM's.
    fn render_parameters(
        &self,
        params: &mut Map<String, Value>,
        _: &ServiceConnection,
        _: &str,
        _: &str,
    ) {
        params.remove("serviceprincipalid");
        params.insert(
            "tenantid".into(),
            params.get("tenantid").cloned().unwrap_or(json!("")),
        );
    }

    /// `tenantid` only, which every manual body carries and the create path checks.
    fn validate_parameters(&self, _p: &Parameters) -> Result<(), ApiError> {
        Ok(())
    }

    fn settle_manual<'a>(
        &'a self,
        _m: ManualCreate<'a>,
        _c: &'a mut ServiceConnection,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async { Ok(()) })
    }

    fn verify_credential<'a>(
        &'a self,
        _s: &'a AppState,
        _c: &'a ServiceConnection,
        _org: &'a Organization,
    ) -> BoxFuture<'a, CredentialStep> {
        Box::pin(async {
            let r = Rendered::new("ManagedIdentityUnavailable", &[]);
            Err(Outcome {
                step: "credential",
                ok: false,
                code: Some(r.entry.code.to_string()),
                message: format!(
                    "A managed identity connection is used from a job on a self-hosted agent whose Azure VM carries the identity; keyless cannot verify it outside such a job. There: {}",
                    r.message
                ),
            })
        })
    }

    /// The checks of [`checks`]; a managed identity connection has no identity of its own
    /// for the doctor's identity steps.
    fn doctor_checks<'a>(
        &'a self,
        ctx: DoctorContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<Finding>, ApiError>> {
        Box::pin(checks(ctx.s, ctx.org))
    }
}

/// What the doctor says of the agents a job of the connection may run on: each agent on
/// a VM with a system-assigned identity (pool, agent, VM, identity); none at all fails as
/// a job would. The identities' roles at the connection's scope are the doctor's roles
/// check, once per identity.
pub(crate) fn findings(found: &[AgentIdentity]) -> Vec<Finding> {
    if found.is_empty() {
        let r = Rendered::new("ManagedIdentityUnavailable", &[]);
        return vec![Finding::from_catalogue("identity", Status::Fail, r)];
    }
    found
        .iter()
        .map(|a| {
            Finding::ok(
                "identity",
                format!(
                    "Agent {} of the self-hosted pool {} runs on the VM {}, whose system-assigned identity is {} (client id {}).",
                    a.agent, a.pool, a.vm, a.principal.id, a.principal.app_id
                ),
            )
        })
        .collect()
}

/// [`findings`] of the organization's agents.
pub(crate) async fn checks(s: &AppState, org: &Organization) -> Result<Vec<Finding>, ApiError> {
    Ok(findings(&agent_identities(s, org).await?))
}
