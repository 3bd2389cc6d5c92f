//! `keyless pipeline` (create, list, show, update, delete, security) and `keyless job start`.

use super::admin::{Show, call, delete_found, get, post, show_in_list};
use super::client::{Body, Client, Conn, ProjectArgs};
use super::output::{self, views};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum PipelineCommand {
    /// Create a pipeline from its YAML (Edit build pipeline); it is authorized for the
    /// connections its tasks and resources name, which needs the User role on each.
    ///
    /// Example: keyless pipeline create contoso web deploy --file azure-pipelines.yml
    Create {
        /// The organization (name or id).
        org: String,
        /// The project (name or id).
        project: String,
        /// The pipeline's name.
        name: String,
        /// The pipeline file; the templates it includes from its repository (the nearest
        /// folder above it holding .git, else its folder) are sent with it.
        #[arg(short = 'f', long = "file")]
        file: PathBuf,
        #[command(flatten)]
        conn: Conn,
    },
    /// List the pipelines of a project: id, name, file, connections it may use.
    List(ProjectArgs),
    /// Show one pipeline (name or id).
    Show(PipelineArgs),
    /// Replace a pipeline's YAML (Edit build pipeline); its connections are authorized again
    /// from what the new file names.
    Update {
        /// The organization (name or id).
        org: String,
        /// The project (name or id).
        project: String,
        /// The pipeline (name or id).
        pipeline: String,
        /// The pipeline file; the templates it includes from its repository are sent with it.
        #[arg(short = 'f', long = "file")]
        file: PathBuf,
        #[command(flatten)]
        conn: Conn,
    },
    /// Delete a pipeline with its runs, jobs and permission entries (Delete build pipeline,
    /// held by Contributors, Build and Project Administrators); refused while a run is in
    /// progress.
    Delete(PipelineArgs),
    /// The pipeline's own permission entries: list, or set one (Administer build permissions).
    Security {
        #[command(subcommand)]
        command: SecurityCommand,
    },
}

#[derive(Subcommand)]
pub enum SecurityCommand {
    /// List the pipeline's own permission entries.
    List {
        /// The organization (name or id).
        org: String,
        /// The project (name or id).
        project: String,
        /// The pipeline (name or id).
        pipeline: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Allow, deny or clear (NotSet) one permission for a group or a user.
    Set {
        /// The organization (name or id).
        org: String,
        /// The project (name or id).
        project: String,
        /// The pipeline (name or id).
        pipeline: String,
        /// QueueBuilds, EditBuildDefinition, ViewBuildDefinition or AdministerBuildPermissions.
        permission: String,
        /// Allow, Deny or NotSet.
        access: String,
        /// A project group (Readers, Contributors, Build Administrators…).
        #[arg(long, conflicts_with = "user", required_unless_present = "user")]
        group: Option<String>,
        /// A user (UPN or id).
        #[arg(long)]
        user: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
}

#[derive(Args)]
pub struct PipelineArgs {
    /// The organization (name or id).
    org: String,
    /// The project (name or id).
    project: String,
    /// The pipeline (name or id).
    pipeline: String,
    #[command(flatten)]
    conn: Conn,
}

fn base(org: &str, project: &str) -> String {
    format!("/keyless/v1/organizations/{org}/projects/{project}/pipelines")
}

pub async fn pipeline(c: PipelineCommand) -> anyhow::Result<ExitCode> {
    match c {
        PipelineCommand::Create {
            org,
            project,
            name,
            file,
            conn,
        } => {
            let root = super::pipeline_files::repository_root(&file);
            let (path, files) = super::pipeline_files::bundle(&root, &file)?;
            let body = json!({"name": name, "path": path, "files": files});
            let show = Show::one(
                &views::PIPELINE,
                format!("Created pipeline {name} in {org}/{project}"),
            );
            post(&conn, &base(&org, &project), body, show).await
        }
        PipelineCommand::Show(a) => {
            let what = format!("pipeline in {}/{}", a.org, a.project);
            let path = base(&a.org, &a.project);
            show_in_list(&a.conn, &path, &a.pipeline, &views::PIPELINE, &what).await
        }
        PipelineCommand::Update {
            org,
            project,
            pipeline,
            file,
            conn,
        } => {
            let root = super::pipeline_files::repository_root(&file);
            let (path, files) = super::pipeline_files::bundle(&root, &file)?;
            let body = json!({"name": pipeline, "path": path, "files": files});
            let url = format!("{}/{pipeline}", base(&org, &project));
            let show = Show::one(&views::PIPELINE, format!("Updated pipeline {pipeline}"));
            call(&conn, Method::PUT, &url, Some(body), show).await
        }
        PipelineCommand::List(a) => {
            let empty = format!(
                "no pipelines in {}/{} (create one: keyless pipeline create {} {} NAME --file azure-pipelines.yml)",
                a.org, a.project, a.org, a.project
            );
            get(
                &a.conn,
                &base(&a.org, &a.project),
                Show::list(&views::PIPELINE, empty),
            )
            .await
        }
        PipelineCommand::Delete(a) => {
            let what = format!("pipeline in {}/{}", a.org, a.project);
            let said = format!("Deleted pipeline {} of {}/{}", a.pipeline, a.org, a.project);
            let path = base(&a.org, &a.project);
            delete_found(&a.conn, &path, &a.pipeline, &views::PIPELINE, &what, said).await
        }
        PipelineCommand::Security { command } => security(command).await,
    }
}

async fn security(c: SecurityCommand) -> anyhow::Result<ExitCode> {
    let (conn, path, method, body) = match c {
        SecurityCommand::List {
            org,
            project,
            pipeline,
            conn,
        } => (
            conn,
            format!("{}/{pipeline}/security", base(&org, &project)),
            Method::GET,
            None,
        ),
        SecurityCommand::Set {
            org,
            project,
            pipeline,
            permission,
            access,
            group,
            user,
            conn,
        } => (
            conn,
            format!("{}/{pipeline}/security", base(&org, &project)),
            Method::PUT,
            Some(json!({"group": group, "user": user, "permission": permission, "access": access})),
        ),
    };
    let show = Show::list(
        &views::PERMISSION,
        "no permission entries of its own (the project's defaults apply)",
    );
    call(&conn, method, &path, body, show).await
}

#[derive(Subcommand)]
pub enum JobCommand {
    /// Start a job (Queue builds); prints its environment as export lines.
    Start {
        /// The organization (name or id).
        org: String,
        /// The project (name or id).
        project: String,
        /// The pipeline (name or id).
        pipeline: String,
        /// How long the job, and so its tokens, lives.
        #[arg(long, default_value_t = 60)]
        minutes: i64,
        /// Also get the variables the agent sets for the connections the job may use (read
        /// with the job's token; a secret connection's client secret included). Their names
        /// hold the connection id, with hyphens no POSIX shell can export, so the answer is
        /// printed as JSON.
        #[arg(long)]
        endpoints: bool,
        #[command(flatten)]
        conn: Conn,
    },
}

/// A value quoted for a POSIX shell: inside single quotes, a quote is `'\''`.
fn shell_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', r"'\''"))
}

pub async fn job(c: JobCommand) -> anyhow::Result<ExitCode> {
    let JobCommand::Start {
        org,
        project,
        pipeline,
        minutes,
        endpoints,
        conn,
    } = c;
    let c = Client::new(&conn)?;
    let mut v = c
        .send(
            Method::POST,
            &format!("{}/{pipeline}/jobs", base(&org, &project)),
            Some(Body::Json(json!({"minutes": minutes}))),
        )
        .await?;
    if endpoints {
        let env = &v["env"];
        let text = |k: &str| env[k].as_str().unwrap_or_default().to_string();
        let path = format!(
            "/{org}/{}/_apis/distributedtask/hubs/build/plans/{}/jobs/{}/endpoints",
            text("SYSTEM_TEAMPROJECTID"),
            text("SYSTEM_PLANID"),
            text("SYSTEM_JOBID")
        );
        let list = c
            .with_token(&text("SYSTEM_ACCESSTOKEN"))
            .send(Method::GET, &path, None)
            .await?;
        for e in list["value"].as_array().into_iter().flatten() {
            for (k, val) in e["variables"].as_object().into_iter().flatten() {
                v["env"][k] = val.clone();
            }
        }
    }
    if output::machine(&v)? {
        return Ok(ExitCode::SUCCESS);
    }
    if endpoints {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else if !output::human() {
        output::one(&v, &views::JOB, "", &[])?;
    } else if let Some(env) = v["env"].as_object() {
        println!(
            "# job {} of pipeline {pipeline}, expires {} (eval these lines to use it)",
            v["job"]["id"].as_str().unwrap_or("-"),
            output::cell(&v["job"]["expiresAt"], output::Kind::Time)
        );
        for (k, val) in env {
            println!(
                "export {k}={}",
                shell_quote(val.as_str().unwrap_or_default())
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
