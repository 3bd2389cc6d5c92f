//! `keyless run azure-pipelines.yml`: the pipeline saved in keyless (created or updated
//! from the file), a run queued (queue-time checks included), and its jobs executed on this
//! machine in dependency order as an agent would, each a job of the run in keyless with its
//! own token; results reported through the Build and Pipelines APIs, a summary with the
//! explanation of known errors, and the run's exit code.

mod azure_cli;
mod executor;
mod job;
mod logcmd;
mod plan;
mod scope;
mod step;
mod summary;
mod tasks;

use super::client::{Body, Client, Conn};
use super::lint_files::{Inputs, compile, discover, rename};
use anyhow::{Context, bail};
use clap::Args;
use keyless_pipelines::model::{Step, StepKind, Variable};
use keyless_pipelines::{Diagnostic, Severity};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct RunArgs {
    /// The pipeline file; the templates it includes are read from its repository.
    pub file: PathBuf,
    /// The organization (name or id).
    #[arg(long, env = "KEYLESS_ORG")]
    pub org: Option<String>,
    /// The project (name or id).
    #[arg(long, env = "KEYLESS_PROJECT")]
    pub project: Option<String>,
    /// The pipeline's name in keyless [default: the file name without extension].
    #[arg(long)]
    pub pipeline: Option<String>,
    /// Run only these stages (repeatable); the others are skipped.
    #[arg(long)]
    pub stage: Vec<String>,
    /// Run only these jobs (repeatable); the others are skipped.
    #[arg(long)]
    pub job: Vec<String>,
    /// A variable, NAME=VALUE (repeatable); it overrides the pipeline's.
    #[arg(long = "var", value_parser = key_value)]
    pub vars: Vec<(String, String)>,
    /// A template parameter of the pipeline, NAME=VALUE (repeatable).
    #[arg(long = "param", value_parser = key_value)]
    pub params: Vec<(String, String)>,
    #[command(flatten)]
    pub conn: Conn,
}

fn key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("'{s}' is not NAME=VALUE"))
}

pub(super) fn values(vars: &[Variable], out: &mut BTreeMap<String, String>) {
    for v in vars {
        match v {
            Variable::Value { name, value, .. } => {
                out.insert(name.clone(), value.clone());
            }
            Variable::Group { name, .. } => {
                println!("##[warning]variable group '{name}' is not read: keyless has no library");
            }
        }
    }
}

/// Lint findings of a step, for a task keyless cannot run.
pub(super) fn step_findings(findings: &[Diagnostic], step: &Step) -> Vec<String> {
    let mut lines = vec![step.loc.line];
    if let StepKind::Task(t) = &step.kind {
        lines.push(t.reference.loc.line);
        lines.extend(t.inputs.iter().map(|i| i.loc.line));
    }
    findings
        .iter()
        .filter(|d| d.loc.file == step.loc.file && lines.contains(&d.loc.line))
        .map(|d| format!("{}: {}", d.code.as_str(), d.message))
        .collect()
}

pub async fn run(a: RunArgs) -> anyhow::Result<ExitCode> {
    let (Some(org), Some(project)) = (a.org.clone(), a.project.clone()) else {
        bail!(
            "give --org and --project (or KEYLESS_ORG and KEYLESS_PROJECT): the organization and project the run belongs to"
        );
    };
    let target = discover(std::slice::from_ref(&a.file))
        .pop()
        .context("no pipeline file given")?;
    let inputs = Inputs {
        repos: BTreeMap::new(),
        params: a.params.clone(),
    };
    let mut compiled = compile(&target, &inputs);
    rename(&target, &mut compiled.diagnostics);
    let errors: Vec<Diagnostic> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    let Some(pipeline) = compiled.pipeline.clone().filter(|_| errors.is_empty()) else {
        eprint!("{}", keyless_pipelines::report::human(&errors, 1, false));
        eprintln!("keyless run: the pipeline does not compile; no step ran");
        return Ok(ExitCode::FAILURE);
    };
    let mut findings = keyless_pipelines::lint::run(&compiled, None);
    rename(&target, &mut findings);

    let client = Client::new(&a.conn)?;
    let name = a.pipeline.clone().unwrap_or_else(|| {
        a.file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "pipeline".into())
    });
    let pipeline_id = save_pipeline(&client, &org, &project, &name, &a.file).await?;
    let mut variables = BTreeMap::new();
    values(&pipeline.variables, &mut variables);
    for (k, v) in &a.vars {
        variables.insert(k.clone(), v.clone());
    }
    let body: serde_json::Map<String, Value> = a
        .vars
        .iter()
        .map(|(k, v)| (k.clone(), json!({"value": v})))
        .collect();
    let queued = client
        .send(
            Method::POST,
            &format!("/{org}/{project}/_apis/pipelines/{pipeline_id}/runs?api-version=7.1"),
            Some(Body::Json(json!({"variables": body}))),
        )
        .await
        .map_err(|e| anyhow::anyhow!("the run was refused when queued (no step ran): {e:#}"))?;
    let run_id = queued["id"]
        .as_i64()
        .context("keyless answered the run without an id")?;
    println!(
        "Run {} of pipeline {name} (#{run_id}): {}",
        queued["name"].as_str().unwrap_or_default(),
        queued["_links"]["web"]["href"].as_str().unwrap_or_default()
    );

    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nkeyless run: canceling (Ctrl-C)");
            let _ = cancel_tx.send(true);
            // Keep the sender alive so the receivers see the value.
            std::future::pending::<()>().await;
        }
    });
    // Jobs done of all the pipeline's jobs, and the job and step now: a line redrawn on a
    // terminal, a line at the start and one at the end elsewhere.
    let jobs = plan::stage_order(&pipeline)
        .map(|stages| stages.iter().map(|(s, _)| s.jobs.len()).sum())
        .unwrap_or(0);
    let progress =
        super::output::progress::Progress::counter(format!("running {name}: jobs"), jobs);
    let cx = executor::Executor {
        client: &client,
        org: &org,
        project: &project,
        run_id,
        pipeline: &pipeline,
        variables,
        findings,
        cancel: cancel_rx,
        canceled_in_keyless: Default::default(),
        only_stages: a.stage.clone(),
        only_jobs: a.job.clone(),
        progress: &progress,
    };
    let started = Instant::now();
    let outcome = cx.execute().await;
    progress.finish();
    super::output::progress::status("");
    ctrl_c.abort();
    let (records, canceled) = outcome?;
    let result = summary::run_result(&records, canceled);
    let path = format!("/{org}/{project}/_apis/build/builds/{run_id}?api-version=7.1");
    if let Err(e) = client
        .send(
            Method::PATCH,
            &path,
            Some(Body::Json(json!({"status": "completed", "result": result}))),
        )
        .await
    {
        eprintln!("keyless run: cannot report the end of the run: {e:#}");
    }
    summary::print(&records, result, started.elapsed().as_secs_f64());
    Ok(match result {
        "succeeded" | "partiallySucceeded" => ExitCode::SUCCESS,
        "canceled" => ExitCode::from(130),
        _ => ExitCode::FAILURE,
    })
}

fn without_authorizing(mut body: Value) -> Value {
    body["authorize"] = json!(false);
    body
}

/// Creates the pipeline from the file (authorized for the connections it names, as saving a
/// new pipeline does), or replaces the YAML of the one with that name without authorizing
/// anything.
async fn save_pipeline(
    c: &Client,
    org: &str,
    project: &str,
    name: &str,
    file: &std::path::Path,
) -> anyhow::Result<i64> {
    let root = super::pipeline_files::repository_root(file);
    let (path, files) = super::pipeline_files::bundle(&root, file)?;
    let body = json!({"name": name, "path": path, "files": files});
    let base = format!("/keyless/v1/organizations/{org}/projects/{project}/pipelines");
    let saved = match c
        .send(Method::POST, &base, Some(Body::Json(body.clone())))
        .await
    {
        Ok(v) => v,
        // An existing pipeline gets the file as a push would bring it: a connection closed
        // to the pipeline stays closed, and queueing the run reports it.
        Err(e) if e.to_string().starts_with("409") => c
            .send(
                Method::PUT,
                &format!("{base}/{name}"),
                Some(Body::Json(without_authorizing(body))),
            )
            .await
            .map_err(|e| anyhow::anyhow!("the pipeline could not be saved (no step ran): {e:#}"))?,
        Err(e) => bail!("the pipeline could not be saved (no step ran): {e:#}"),
    };
    saved["id"]
        .as_i64()
        .context("keyless answered the pipeline without an id")
}
