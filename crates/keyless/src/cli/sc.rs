//! `keyless sc`: service connections through the Azure DevOps REST shapes.

use super::admin::call;
use super::client::Conn;
use super::sc_ops::CreateOpts;
use clap::Subcommand;
use keyless_model::devops::Scheme;
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
    Verify {
        org: String,
        id: String,
        #[command(flatten)]
        conn: Conn,
    },
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
            opts,
            conn,
        } => {
            let body = super::sc_ops::create_body(&project, &name, *opts)?;
            call(
                &conn,
                Method::POST,
                &format!("/{org}/_apis/serviceendpoint/endpoints?api-version=7.1"),
                Some(body),
            )
            .await
        }
        ScCommand::Verify { org, id, conn } => {
            call(
                &conn,
                Method::POST,
                &format!(
                    "/{org}/_apis/serviceendpoint/endpointproxy?endpointId={id}&api-version=7.1-preview.1"
                ),
                Some(json!({"dataSourceDetails": {"dataSourceName": "TestConnection"}})),
            )
            .await
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
                _ => ("ConvertAuthenticationScheme", Scheme::WorkloadIdentityFederation),
            };
            call(
                &conn,
                Method::PUT,
                &format!("/{org}/_apis/serviceendpoint/endpoints/{id}?operation={op}&api-version=7.1"),
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
                return call(&conn, Method::GET, &path, None).await;
            }
            let body = super::sc_ops::permissions_body(&authorize, &revoke, all_pipelines);
            call(&conn, Method::PATCH, &path, Some(body)).await
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
