//! `keyless sc`: service connections through the Azure DevOps REST shapes.

use super::admin::{Show, call, fetch, get};
use super::client::{Client, Conn, ConnectionArgs, ProjectArgs};
use super::output::{self, views};
use super::sc_ops::CreateOpts;
use clap::Subcommand;
use keyless_model::devops::Scheme;
use reqwest::Method;
use serde_json::{Value, json};
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
        /// The organization (name or id).
        org: String,
        /// The project (name or id).
        project: String,
        /// The connection's name.
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
        /// The organization (name or id).
        org: String,
        /// The service connection (id or name).
        id: String,
        /// Go back to the client secret (within seven days of the conversion).
        #[arg(long, conflicts_with = "complete")]
        revert: bool,
        /// Confirm the conversion and delete the old client secret.
        #[arg(long)]
        complete: bool,
        #[command(flatten)]
        conn: Conn,
    },
    /// Show or change which pipelines may use a connection.
    Permissions {
        /// The organization (name or id).
        org: String,
        /// The project (name or id).
        project: String,
        /// The service connection (id or name).
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
    /// Edit and save a connection (its name, its description): a connection with a secret
    /// keyless created gets a new one, a connection on the legacy issuer moves to its
    /// organization's, as saving it in Azure DevOps does. Without flags it is saved as is.
    Update {
        /// The organization (name or id).
        org: String,
        /// The service connection (id or name).
        id: String,
        /// The new name.
        #[arg(long)]
        name: Option<String>,
        /// The new description.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Delete a connection.
    Delete(ConnectionArgs),
}

/// The path of the connection `id`, with `query` (empty, or parameters each followed by `&`)
/// before the API version.
fn endpoint(org: &str, id: &str, query: &str) -> String {
    format!("/{org}/_apis/serviceendpoint/endpoints/{id}?{query}api-version=7.1")
}

/// The id of the connection `id_or_name` of `org`: an id as it is, a name looked up.
async fn resolve(conn: &Conn, org: &str, id_or_name: &str) -> anyhow::Result<String> {
    if uuid::Uuid::parse_str(id_or_name).is_ok() {
        return Ok(id_or_name.to_string());
    }
    let path = super::client::with_query(
        &format!("/{org}/_apis/serviceendpoint/endpoints"),
        &[("endpointNames", id_or_name), ("api-version", "7.1")],
    )?;
    let v = fetch(conn, Method::GET, &path, None).await?;
    let ids: Vec<&str> = v["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["id"].as_str())
        .collect();
    match ids[..] {
        [id] => Ok(id.to_string()),
        [] => anyhow::bail!(
            "no service connection named '{id_or_name}' in {org} (keyless sc list {org} PROJECT shows them)"
        ),
        _ => anyhow::bail!(
            "several service connections of {org} are named '{id_or_name}': give the id"
        ),
    }
}

pub async fn sc(c: ScCommand) -> anyhow::Result<ExitCode> {
    match c {
        ScCommand::List(ProjectArgs { org, project, conn }) => {
            let path = format!("/{org}/{project}/_apis/serviceendpoint/endpoints?api-version=7.1");
            let mut v = fetch(&conn, Method::GET, &path, None).await?;
            if output::columns() {
                last_used(&conn, &mut v).await;
            }
            let empty = format!(
                "no service connections in {org}/{project} (create one: keyless sc create {org} {project} NAME --automatic --subscription-id …)"
            );
            output::list(&v, &views::CONNECTION, &empty)?;
            Ok(ExitCode::SUCCESS)
        }
        ScCommand::Show(a) => {
            let ConnectionArgs { org, id, conn } = a.resolved().await?;
            get(
                &conn,
                &endpoint(&org, &id, ""),
                Show::one(&views::CONNECTION_DETAIL, ""),
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
            let path = format!("/{org}/_apis/serviceendpoint/endpoints?api-version=7.1");
            let v = fetch(&conn, Method::POST, &path, Some(body)).await?;
            let title = format!(
                "Created service connection {name} in {org}/{project} ({})",
                v["data"]["creationMode"].as_str().unwrap_or("Manual")
            );
            output::one(&v, &views::CONNECTION_DETAIL, &title, &next_steps(&org, &v))?;
            Ok(ExitCode::SUCCESS)
        }
        ScCommand::Verify(a) => {
            let ConnectionArgs { org, id, conn } = a.resolved().await?;
            let path = format!(
                "/{org}/_apis/serviceendpoint/endpointproxy?endpointId={id}&api-version=7.1-preview.1"
            );
            let body = json!({"dataSourceDetails": {"dataSourceName": "TestConnection"}});
            let v = fetch(&conn, Method::POST, &path, Some(body)).await?;
            if output::machine(&v)? {
                return Ok(ExitCode::SUCCESS);
            }
            if !output::human() {
                output::list(&v, &views::VERIFY_STEP, "")?;
            } else {
                for step in v["steps"].as_array().into_iter().flatten() {
                    let ok = step["outcome"] == "succeeded";
                    let mark = match ok {
                        true => output::green("OK  "),
                        false => output::yellow("FAIL"),
                    };
                    let code = step["code"]
                        .as_str()
                        .map(|c| format!(" [{c}]"))
                        .unwrap_or_default();
                    println!(
                        "{mark}  {:8} {}{code}",
                        step["step"].as_str().unwrap_or("-"),
                        step["message"].as_str().unwrap_or("")
                    );
                }
                if v["statusCode"] != "ok" {
                    println!(
                        "{}",
                        v["errorMessage"].as_str().unwrap_or("verification failed")
                    );
                }
            }
            Ok(ExitCode::from(match v["statusCode"] == "ok" {
                true => output::error::OK,
                false => output::error::FAILED,
            }))
        }
        ScCommand::Convert {
            org,
            id,
            revert,
            complete,
            conn,
        } => {
            let id = resolve(&conn, &org, &id).await?;
            let (op, scheme) = match (revert, complete) {
                (_, true) => ("CompleteConversion", Scheme::WorkloadIdentityFederation),
                (true, _) => ("ConvertAuthenticationScheme", Scheme::ServicePrincipal),
                _ => (
                    "ConvertAuthenticationScheme",
                    Scheme::WorkloadIdentityFederation,
                ),
            };
            let said = match (revert, complete) {
                (_, true) => "Conversion completed: the old secret is gone".to_string(),
                (true, _) => "Reverted to the client secret".to_string(),
                _ => format!(
                    "Converted to workload identity federation; revert within seven days with keyless sc convert {org} {id} --revert"
                ),
            };
            call(
                &conn,
                Method::PUT,
                &endpoint(&org, &id, &format!("operation={op}&")),
                Some(json!({"authorization": {"scheme": scheme}})),
                Show::done(said),
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
            let id = resolve(&conn, &org, &id).await?;
            let path = format!(
                "/{org}/{project}/_apis/pipelines/pipelinePermissions/endpoint/{id}?api-version=7.1-preview.1"
            );
            let show = Show::list(&views::PIPELINE_PERMISSION, "no pipeline is authorized");
            if authorize.is_empty() && revoke.is_empty() && all_pipelines.is_none() {
                let v = fetch(&conn, Method::GET, &path, None).await?;
                return permissions(&v, show);
            }
            let body = super::sc_ops::permissions_body(&authorize, &revoke, all_pipelines);
            let v = fetch(&conn, Method::PATCH, &path, Some(body)).await?;
            permissions(&v, show)
        }
        ScCommand::Update {
            org,
            id,
            name,
            description,
            conn,
        } => {
            let id = resolve(&conn, &org, &id).await?;
            let mut body = fetch(&conn, Method::GET, &endpoint(&org, &id, ""), None).await?;
            if let Some(n) = name {
                body["name"] = json!(n);
            }
            if let Some(d) = description {
                body["description"] = json!(d);
            }
            let v = fetch(&conn, Method::PUT, &endpoint(&org, &id, ""), Some(body)).await?;
            let title = format!(
                "Saved service connection {}",
                v["name"].as_str().unwrap_or(&id)
            );
            output::one(&v, &views::CONNECTION_DETAIL, &title, &[])?;
            Ok(ExitCode::SUCCESS)
        }
        ScCommand::Delete(a) => {
            let ConnectionArgs { org, id, conn } = a.resolved().await?;
            let show = Show::done(format!("Deleted service connection {id}"));
            call(&conn, Method::DELETE, &endpoint(&org, &id, ""), None, show).await
        }
    }
}

impl ConnectionArgs {
    /// The same arguments with the connection's name replaced by its id.
    async fn resolved(self) -> anyhow::Result<ConnectionArgs> {
        let id = resolve(&self.conn, &self.org, &self.id).await?;
        Ok(ConnectionArgs { id, ..self })
    }
}

/// For people: whether every pipeline may use the connection, then the pipelines listed.
fn permissions(v: &Value, show: Show) -> anyhow::Result<ExitCode> {
    if output::human() {
        let all = v["allPipelines"]["authorized"].as_bool().unwrap_or(false);
        println!(
            "{}: {}",
            v["resource"]["name"].as_str().unwrap_or("connection"),
            match all {
                true => "open to every pipeline of the project",
                false => "only the pipelines below",
            }
        );
    }
    show.print(v)?;
    Ok(ExitCode::SUCCESS)
}

/// Adds `lastUsed` (Unix seconds of the newest granted audit entry) to each connection of
/// a list answer; left out when the audit log cannot be read (it is for administrators).
async fn last_used(conn: &Conn, v: &mut Value) {
    let Ok(c) = Client::new(conn) else { return };
    for item in v["value"].as_array_mut().into_iter().flatten() {
        let Some(id) = item["id"].as_str() else {
            continue;
        };
        let path = format!("/keyless/v1/audit?connection={id}&decision=granted&limit=1");
        if let Ok(a) = c.send(Method::GET, &path, None).await
            && let Some(at) = a.pointer("/value/0/at")
        {
            item["lastUsed"] = at.clone();
        }
    }
}

/// What to do after creating `v`: for a manual federated connection, the issuer and
/// subject its identity's owner adds as a federated credential; for an automatic one,
/// what keyless made; then how to verify it.
fn next_steps(org: &str, v: &Value) -> Vec<String> {
    let p = &v["authorization"]["parameters"];
    let text = |x: &Value| x.as_str().unwrap_or("-").to_string();
    let id = text(&v["id"]);
    let mut out = Vec::new();
    let federated = v["authorization"]["scheme"] == Scheme::WorkloadIdentityFederation.as_str();
    if v["data"]["creationMode"] == "Automatic" {
        out.push("keyless made, in the subscription's tenant:".to_string());
        out.push(format!(
            "  app registration   {} (client id {})",
            text(&v["data"]["appObjectId"]),
            text(&p["serviceprincipalid"])
        ));
        out.push(format!(
            "  service principal  {}",
            text(&v["data"]["spnObjectId"])
        ));
        if federated {
            out.push(format!(
                "  federated credential for issuer {} and subject {}",
                text(&p["workloadIdentityFederationIssuer"]),
                text(&p["workloadIdentityFederationSubject"])
            ));
        } else {
            out.push("  a client secret".to_string());
        }
        out.push(format!(
            "  role assignment    {} on {}",
            text(&v["data"]["azureSpnRoleAssignmentId"]),
            text(&v["data"]["scope"])
        ));
    } else if federated {
        out.push(format!("Draft until the identity trusts it: the owner of app {} (tenant {}) adds a federated credential with", text(&p["serviceprincipalid"]), text(&p["tenantid"])));
        out.push(format!(
            "  issuer    {}",
            text(&p["workloadIdentityFederationIssuer"])
        ));
        out.push(format!(
            "  subject   {}",
            text(&p["workloadIdentityFederationSubject"])
        ));
        out.push("  audience  api://AzureADTokenExchange".to_string());
    }
    out.push(format!("Next: keyless sc verify {org} {id}"));
    out
}
