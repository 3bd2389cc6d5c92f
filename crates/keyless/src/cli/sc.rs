//! `keyless sc`: service connections through the Azure DevOps REST shapes.

use super::admin::{call, get, post};
use super::client::{Conn, ConnectionArgs, ProjectArgs};
use super::sc_ops::CreateOpts;
use clap::Subcommand;
use keyless_model::devops::Scheme;
use reqwest::Method;
use serde_json::json;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ScCommand {
    /// List the service connections of a project.
    List(ProjectArgs),
    /// Show one connection, with the issuer and subject its federated credential needs.
    Show(ConnectionArgs),
    /// Create a connection: manual (an existing identity) or `--automatic` (keyless
    /// creates the app registration, its credential and the role assignment).
    Create {
        org: String,
        project: String,
        name: String,
        #[command(flatten)]
        opts: Box<CreateOpts>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Verify a connection: runs the chain (credential, token, GET of the scope).
    Verify(ConnectionArgs),
    /// Convert a secret connection to workload identity federation, revert it within
    /// seven days (`--revert`), or confirm it and drop the old secret (`--complete`).
    Convert {
        org: String,
        id: String,
        #[arg(long, conflicts_with = "complete")]
        revert: bool,
        #[arg(long)]
        complete: bool,
        #[command(flatten)]
        conn: Conn,
    },
    /// Show or change which pipelines may use a connection.
    Permissions {
        org: String,
        project: String,
        id: String,
        /// Pipeline ids to authorize.
        #[arg(long, value_delimiter = ',')]
        authorize: Vec<i64>,
        /// Pipeline ids to revoke.
        #[arg(long, value_delimiter = ',')]
        revoke: Vec<i64>,
        /// Open (true) or close (false) the connection to every pipeline.
        #[arg(long)]
        all_pipelines: Option<bool>,
        #[command(flatten)]
        conn: Conn,
    },
    Delete(ConnectionArgs),
}

/// The path of the connection `id`, with `query` (empty, or parameters each followed by `&`)
/// before the API version.
fn endpoint(org: &str, id: &str, query: &str) -> String {
    format!("/{org}/_apis/serviceendpoint/endpoints/{id}?{query}api-version=7.1")
}

pub async fn sc(c: ScCommand) -> anyhow::Result<ExitCode> {
    match c {
        ScCommand::List(ProjectArgs { org, project, conn }) => {
            let path = format!("/{org}/{project}/_apis/serviceendpoint/endpoints?api-version=7.1");
            get(&conn, &path).await
        }
        ScCommand::Show(ConnectionArgs { org, id, conn }) => {
            get(&conn, &endpoint(&org, &id, "")).await
        }
        ScCommand::Create {
            org,
            project,
            name,
            opts,
            conn,
        } => {
            let body = super::sc_ops::create_body(&project, &name, *opts)?;
            let path = format!("/{org}/_apis/serviceendpoint/endpoints?api-version=7.1");
            post(&conn, &path, body).await
        }
        ScCommand::Verify(ConnectionArgs { org, id, conn }) => {
            let path = format!(
                "/{org}/_apis/serviceendpoint/endpointproxy?endpointId={id}&api-version=7.1-preview.1"
            );
            let body = json!({"dataSourceDetails": {"dataSourceName": "TestConnection"}});
            post(&conn, &path, body).await
        }
        ScCommand::Convert {
            org,
            id,
            revert,
            complete,
            conn,
        } => {
            let (op, scheme) = match (revert, complete) {
                (_, true) => ("CompleteConversion", Scheme::WorkloadIdentityFederation),
                (true, _) => ("ConvertAuthenticationScheme", Scheme::ServicePrincipal),
                _ => (
                    "ConvertAuthenticationScheme",
                    Scheme::WorkloadIdentityFederation,
                ),
            };
            call(
                &conn,
                Method::PUT,
                &endpoint(&org, &id, &format!("operation={op}&")),
                Some(json!({"authorization": {"scheme": scheme}})),
            )
            .await
        }
        ScCommand::Permissions {
            org,
            project,
            id,
            authorize,
            revoke,
            all_pipelines,
            conn,
        } => {
            let path = format!(
                "/{org}/{project}/_apis/pipelines/pipelinePermissions/endpoint/{id}?api-version=7.1-preview.1"
            );
            if authorize.is_empty() && revoke.is_empty() && all_pipelines.is_none() {
                return get(&conn, &path).await;
            }
            let body = super::sc_ops::permissions_body(&authorize, &revoke, all_pipelines);
            call(&conn, Method::PATCH, &path, Some(body)).await
        }
        ScCommand::Delete(ConnectionArgs { org, id, conn }) => {
            call(&conn, Method::DELETE, &endpoint(&org, &id, ""), None).await
        }
    }
}
