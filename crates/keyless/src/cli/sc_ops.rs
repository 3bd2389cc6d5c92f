//! Request bodies of `keyless sc create` and `keyless sc permissions`.

use super::output::error::Usage;
use clap::Args;
use keyless_model::devops::{CreationMode, Scheme};
use serde_json::{Value, json};

#[derive(Args)]
pub struct CreateOpts {
    /// Let keyless create the app registration, credential and role assignment.
    #[arg(long)]
    automatic: bool,
    /// WorkloadIdentityFederation (default), ServicePrincipal (a client secret) or
    /// ManagedServiceIdentity (the managed identity of the Azure VM a job's self-hosted
    /// agent runs on: no client id, the tenant only).
    #[arg(long, default_value = Scheme::WorkloadIdentityFederation.as_str())]
    scheme: String,
    /// The identity's tenant (manual; automatic defaults to the subscription's).
    #[arg(long, visible_alias = "tenant")]
    tenant_id: Option<String>,
    /// The identity's client (application) id (manual only).
    #[arg(long)]
    client_id: Option<String>,
    /// The client secret of a manual ServicePrincipal connection.
    #[arg(long)]
    secret: Option<String>,
    /// The subscription of the connection's scope.
    #[arg(long, visible_alias = "subscription")]
    subscription_id: Option<String>,
    /// Subscription (default), ResourceGroup, ManagementGroup or AzureMLWorkspace.
    #[arg(long, default_value = "Subscription")]
    scope_level: String,
    /// The resource group, for --scope-level ResourceGroup.
    #[arg(long)]
    resource_group: Option<String>,
    /// The management group id, for --scope-level ManagementGroup.
    #[arg(long)]
    management_group: Option<String>,
    /// The Machine Learning workspace, for --scope-level AzureMLWorkspace.
    #[arg(long)]
    ml_workspace: Option<String>,
    /// The role assigned by automatic creation (Contributor by default).
    #[arg(long)]
    role: Option<String>,
    /// EntraID (default) or AzureDevOps.
    #[arg(long)]
    issuer: Option<String>,
}

pub fn create_body(project: &str, name: &str, o: CreateOpts) -> anyhow::Result<Value> {
    let mut params = json!({});
    if let Some(t) = &o.tenant_id {
        params["tenantid"] = json!(t);
    }
    if o.scheme == Scheme::ManagedServiceIdentity.as_str() {
        if o.automatic || o.client_id.is_some() || o.secret.is_some() {
            return Err(Usage::error(
                "--scheme ManagedServiceIdentity names no identity of its own (the identity is the agent VM's): drop --automatic, --client-id and --secret",
            ));
        }
    } else if !o.automatic {
        let client = o
            .client_id
            .ok_or_else(|| Usage::error("--client-id is required without --automatic"))?;
        params["serviceprincipalid"] = json!(client);
    }
    if let Some(secret) = o.secret {
        params["serviceprincipalkey"] = json!(secret);
        params["authenticationType"] = json!("spnKey");
    }
    if let Some(i) = o.issuer {
        params["workloadIdentityFederationIssuerType"] = json!(i);
    }
    let mut data = json!({
        "creationMode": if o.automatic { CreationMode::Automatic } else { CreationMode::Manual },
        "scopeLevel": o.scope_level,
        "environment": "AzureCloud",
    });
    for (k, v) in [
        ("subscriptionId", o.subscription_id),
        ("resourceGroupName", o.resource_group),
        ("managementGroupId", o.management_group),
        ("mlWorkspaceName", o.ml_workspace),
        ("roleDefinitionName", o.role),
    ] {
        if let Some(v) = v {
            data[k] = json!(v);
        }
    }
    Ok(json!({
        "data": data,
        "name": name,
        "type": "AzureRM",
        "url": "https://management.azure.com/",
        "authorization": {"scheme": o.scheme, "parameters": params},
        "serviceEndpointProjectReferences": [{"projectReference": {"name": project}, "name": name}],
    }))
}

pub fn permissions_body(authorize: &[i64], revoke: &[i64], all: Option<bool>) -> Value {
    let mut pipelines: Vec<Value> = authorize
        .iter()
        .map(|id| json!({"id": id, "authorized": true}))
        .collect();
    pipelines.extend(
        revoke
            .iter()
            .map(|id| json!({"id": id, "authorized": false})),
    );
    let mut body = json!({"pipelines": pipelines});
    if let Some(a) = all {
        body["allPipelines"] = json!({"authorized": a});
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_body_shape() {
        assert_eq!(
            permissions_body(&[3], &[4], Some(false)),
            json!({"pipelines": [{"id": 3, "authorized": true}, {"id": 4, "authorized": false}], "allPipelines": {"authorized": false}})
        );
        assert_eq!(permissions_body(&[], &[], None), json!({"pipelines": []}));
    }
}
