//! `keyless sc`: service connections through the Azure DevOps REST shapes.

use super::admin::call;
use super::client::Conn;
use clap::Subcommand;
use reqwest::Method;
use serde_json::json;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ScCommand {
    /// List the service connections of a project.
    List {
        org: String,
        project: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Show one connection, with the issuer and subject its federated credential needs.
    Show {
        org: String,
        id: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Create a manual workload identity connection.
    Create {
        org: String,
        project: String,
        name: String,
        #[arg(long)]
        tenant_id: String,
        /// The identity's client (application) id.
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        subscription_id: Option<String>,
        /// EntraID (default) or AzureDevOps.
        #[arg(long)]
        issuer: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    Delete {
        org: String,
        id: String,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn sc(c: ScCommand) -> anyhow::Result<ExitCode> {
    match c {
        ScCommand::List { org, project, conn } => {
            call(
                &conn,
                Method::GET,
                &format!("/{org}/{project}/_apis/serviceendpoint/endpoints?api-version=7.1"),
                None,
            )
            .await
        }
        ScCommand::Show { org, id, conn } => {
            call(
                &conn,
                Method::GET,
                &format!("/{org}/_apis/serviceendpoint/endpoints/{id}?api-version=7.1"),
                None,
            )
            .await
        }
        ScCommand::Create {
            org,
            project,
            name,
            tenant_id,
            client_id,
            subscription_id,
            issuer,
            conn,
        } => {
            let mut params = json!({"tenantid": tenant_id, "serviceprincipalid": client_id});
            if let Some(i) = issuer {
                params["workloadIdentityFederationIssuerType"] = json!(i);
            }
            let body = json!({
                "data": {"subscriptionId": subscription_id, "creationMode": "Manual", "scopeLevel": "Subscription", "environment": "AzureCloud"},
                "name": name,
                "type": "AzureRM",
                "url": "https://management.azure.com/",
                "authorization": {"scheme": "WorkloadIdentityFederation", "parameters": params},
                "serviceEndpointProjectReferences": [{"projectReference": {"name": project}, "name": name}],
            });
            call(
                &conn,
                Method::POST,
                &format!("/{org}/_apis/serviceendpoint/endpoints?api-version=7.1"),
                Some(body),
            )
            .await
        }
        ScCommand::Delete { org, id, conn } => {
            call(
                &conn,
                Method::DELETE,
                &format!("/{org}/_apis/serviceendpoint/endpoints/{id}?api-version=7.1"),
                None,
            )
            .await
        }
    }
}
