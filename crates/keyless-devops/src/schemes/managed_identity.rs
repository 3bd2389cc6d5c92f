//! Scheme `ManagedServiceIdentity` (Azure Resource Manager connections): the connection
//! names no identity of its own; a job uses the managed identity of the Azure VM its
//! self-hosted agent runs on, through the VM's token endpoint. Nothing about the identity
//! is known before a job runs, so verify cannot present a credential; the doctor checks the
//! organization's agents: that some self-hosted agent runs on a VM that carries a
//! system-assigned identity, and that identity's roles at the connection's scope.

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
use keyless_model::doctor::{Finding, Status};
use serde_json::{Map, Value, json};

pub(super) struct ManagedIdentity;

/// The system-assigned principals of the VMs the organization's self-hosted agents run
/// on, with the agent and pool names.
async fn agent_identities(
    s: &AppState,
    org: &Organization,
) -> Result<Vec<(String, String, String)>, ApiError> {
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
                .and_then(|i| i["principalId"].as_str().map(str::to_string));
            if let Some(p) = principal {
                out.push((pool.name.clone(), agent.name.clone(), p));
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

/// The organization's self-hosted agents on VMs with a system-assigned identity, and
/// whether each identity holds a role assignment; none at all fails as a job would.
pub(crate) async fn checks(s: &AppState, org: &Organization) -> Result<Vec<Finding>, ApiError> {
    let found = agent_identities(s, org).await?;
    if found.is_empty() {
        let r = Rendered::new("ManagedIdentityUnavailable", &[]);
        return Ok(vec![Finding::from_catalogue("identity", Status::Fail, r)]);
    }
    let mut findings = Vec::new();
    for (pool, agent, principal) in found {
        let roles = s
            .db()
            .list_role_assignments_for_principal(principal.parse().unwrap_or_default())
            .await?;
        let line = format!(
            "Agent {agent} of the self-hosted pool {pool} runs on a VM whose system-assigned identity is {principal}; it holds {} role assignment(s).",
            roles.len()
        );
        findings.push(if roles.is_empty() {
            Finding {
                status: Status::Warn,
                ..Finding::ok(
                    "roles",
                    format!("{line} Without a role it can do nothing in Azure."),
                )
            }
        } else {
            Finding::ok("identity", line)
        });
    }
    Ok(findings)
}
