//! `keyless exec --org O --project P --connection C [--pipeline P] [--az] -- CMD…`: one
//! command as the step of a job that may use the connection, with what a task gives a
//! script (see `job_env.rs`), a federated token file kept fresh, and with `--az` a private
//! Azure CLI already signed in. Signals reach the command; its exit code is keyless'. The
//! job ends with the command, and its token with it.

use super::azcli::{AzSession, Credential, find_az};
use super::client::{Body, Client, Conn};
use super::job_env::{StartedJob, StepContext, connection_env, write_ca_bundle};
use super::job_tokens::{TokenFile, client_secret, complete};
use anyhow::{Context, bail};
use clap::Args;
use reqwest::Method;
use serde_json::json;
use std::process::ExitCode;

#[derive(Args)]
pub struct ExecArgs {
    /// The organization (name or id).
    #[arg(long)]
    pub org: String,
    /// The project (name or id).
    #[arg(long)]
    pub project: String,
    /// The service connection (name or id) the step may use.
    #[arg(long)]
    pub connection: String,
    /// The pipeline whose job this is (Queue builds); it must name the connection. Default:
    /// the project's pipeline keyless-exec-CONNECTION, created on first use.
    #[arg(long)]
    pub pipeline: Option<String>,
    /// Sign in a private Azure CLI (AZURE_CONFIG_DIR) as the connection first.
    #[arg(long)]
    pub az: bool,
    /// Longest the job may run, in minutes.
    #[arg(long, default_value_t = 60)]
    pub minutes: i64,
    /// The self-hosted agent pool the job runs in (default: the Microsoft-hosted pool).
    #[arg(long)]
    pub pool: Option<String>,
    /// The agent of the pool the job runs on (default: the pool's first).
    #[arg(long, requires = "pool")]
    pub agent: Option<String>,
    /// The command and its arguments.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
    #[command(flatten)]
    pub conn: Conn,
}

/// Starts a job of the connection through keyless' API.
pub async fn start_job(
    c: &Client,
    org: &str,
    project: &str,
    connection: &str,
    pipeline: Option<&str>,
    minutes: i64,
    (pool, agent): (Option<&str>, Option<&str>),
) -> anyhow::Result<StartedJob> {
    let path =
        format!("/keyless/v1/organizations/{org}/projects/{project}/connections/{connection}/jobs");
    let v = c
        .send(
            Method::POST,
            &path,
            Some(Body::Json(
                json!({"pipeline": pipeline, "minutes": minutes, "pool": {"name": pool, "agent": agent}}),
            )),
        )
        .await?;
    serde_json::from_value(v).context("keyless answered the job start with an unexpected shape")
}

pub async fn exec(a: ExecArgs) -> anyhow::Result<ExitCode> {
    let az = if a.az { Some(find_az()?) } else { None };
    let c = Client::new(&a.conn)?;
    let job = start_job(
        &c,
        &a.org,
        &a.project,
        &a.connection,
        a.pipeline.as_deref(),
        a.minutes,
        (a.pool.as_deref(), a.agent.as_deref()),
    )
    .await?;
    let outcome = run_in_job(&a, &c, &job, az).await;
    let result = match &outcome {
        Ok(0) => "succeeded",
        _ => "failed",
    };
    if let Err(e) = complete(&c, &job, result).await {
        eprintln!("keyless: cannot end the job: {e:#}");
    }
    let code = outcome?;
    Ok(ExitCode::from(code.clamp(0, 255) as u8))
}

async fn run_in_job(
    a: &ExecArgs,
    c: &Client,
    job: &StartedJob,
    az: Option<std::path::PathBuf>,
) -> anyhow::Result<i32> {
    let conn = job
        .connection
        .as_ref()
        .context("keyless answered without the connection")?;
    let tmp = tempfile::Builder::new().prefix("keyless-job-").tempdir()?;
    let work_dir = std::env::current_dir()?;
    let ca = c.ca_file();
    let bundle = ca
        .as_deref()
        .map(|p| write_ca_bundle(tmp.path(), p))
        .transpose()?;
    let (token_file, first_token, secret) = if conn.federates() {
        let (f, t) = TokenFile::start(c, job, &conn.id, tmp.path().join("federated-token")).await?;
        (Some(f), Some(t), None)
    } else {
        (None, None, client_secret(c, job, &conn.id).await?)
    };
    let cx = StepContext {
        origin: c.origin(),
        work_dir: &work_dir,
        temp_dir: tmp.path(),
        ca_bundle: bundle.as_deref(),
        ca_cert: ca.as_deref(),
        token_file: token_file.as_ref().map(|f| f.path.as_path()),
        client_secret: secret.as_deref(),
    };
    let env = connection_env(job, conn, &cx);
    let mut vars = env.vars.clone();
    let session = match az {
        Some(az) => {
            let s = AzSession::new(az, tmp.path(), c.origin(), &vars).await?;
            let cred = match (&first_token, &secret) {
                (Some(t), _) => Credential::FederatedToken(t),
                (None, Some(s)) => Credential::Secret(s),
                (None, None) => bail!(
                    "the connection '{}' has neither ID tokens nor a secret for this job",
                    conn.name
                ),
            };
            s.login(
                &conn.client_id,
                &conn.tenant_id,
                cred,
                conn.subscription_id.as_deref(),
            )
            .await?;
            vars = s.env().clone();
            Some(s)
        }
        None => None,
    };
    let code = super::child::run_forwarding_signals(&a.command, &vars).await;
    if let Some(s) = &session {
        s.logout().await;
    }
    drop(token_file);
    code
}
