//! `keyless run azure-pipelines.yml`: the pipeline saved in keyless (created or updated
//! from the file), a run queued (queue-time checks included), and its jobs executed on this
//! machine in dependency order as an agent would, each a job of the run in keyless with its
//! own token; results reported through the Build and Pipelines APIs, a summary with the
//! explanation of known errors, and the run's exit code.

mod azure_cli;
mod job;
mod logcmd;
mod plan;
mod scope;
mod step;
mod summary;
mod tasks;

use super::client::{Body, Client, Conn};
use super::job_env::{StartedJob, StepContext, job_env, write_ca_bundle};
use super::job_tokens::complete;
use super::lint_files::{Inputs, compile, discover, rename};
use anyhow::{Context, bail};
use clap::Args;
use job::{JobRun, StepRecord, run_job};
use keyless_pipelines::model::{Pipeline, Step, StepKind, Variable};
use keyless_pipelines::{Diagnostic, Severity};
use reqwest::Method;
use scope::{Finished, Outcome, RunScope, env_name, holds, runtime_value};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct RunArgs {
    /// The pipeline file; the templates it includes are read from its repository.
    pub file: PathBuf,
    #[arg(long, env = "KEYLESS_ORG")]
    pub org: Option<String>,
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

fn values(vars: &[Variable], out: &mut BTreeMap<String, String>) {
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
fn step_findings(findings: &[Diagnostic], step: &Step) -> Vec<String> {
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
    let cx = Executor {
        client: &client,
        org: &org,
        project: &project,
        run_id,
        pipeline: &pipeline,
        variables,
        findings,
        cancel: cancel_rx,
        only_stages: a.stage.clone(),
        only_jobs: a.job.clone(),
    };
    let started = Instant::now();
    let outcome = cx.execute().await;
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

/// Creates the pipeline from the file, or replaces the YAML of the one with that name.
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
        Err(e) if e.to_string().starts_with("409") => c
            .send(
                Method::PUT,
                &format!("{base}/{name}"),
                Some(Body::Json(body)),
            )
            .await
            .map_err(|e| anyhow::anyhow!("the pipeline could not be saved (no step ran): {e:#}"))?,
        Err(e) => bail!("the pipeline could not be saved (no step ran): {e:#}"),
    };
    saved["id"]
        .as_i64()
        .context("keyless answered the pipeline without an id")
}

struct Executor<'a> {
    client: &'a Client,
    org: &'a str,
    project: &'a str,
    run_id: i64,
    pipeline: &'a Pipeline,
    variables: BTreeMap<String, String>,
    findings: Vec<Diagnostic>,
    cancel: tokio::sync::watch::Receiver<bool>,
    only_stages: Vec<String>,
    only_jobs: Vec<String>,
}

fn aggregate<'a>(deps: impl Iterator<Item = &'a Finished>) -> Outcome {
    let mut o = Outcome::Succeeded;
    for f in deps {
        o = match (o, f.outcome) {
            (_, Outcome::Canceled) | (Outcome::Canceled, _) => Outcome::Canceled,
            (_, Outcome::Failed) | (Outcome::Failed, _) => Outcome::Failed,
            (_, Outcome::Skipped) | (Outcome::Skipped, _) => Outcome::Skipped,
            (_, Outcome::SucceededWithIssues) => Outcome::SucceededWithIssues,
            (x, _) => x,
        };
    }
    o
}

/// A finished stage as the stages after it see it: its jobs that ran (skipped jobs do not
/// fail a stage); skipped when none ran.
fn stage_outcome(jobs: &BTreeMap<String, Finished>) -> Finished {
    let ran: Vec<&Finished> = jobs
        .values()
        .filter(|f| f.outcome != Outcome::Skipped)
        .collect();
    let outcome = if ran.is_empty() {
        Outcome::Skipped
    } else {
        aggregate(ran.into_iter())
    };
    Finished {
        outcome,
        outputs: BTreeMap::new(),
    }
}

impl Executor<'_> {
    fn canceled(&self) -> bool {
        *self.cancel.borrow()
    }

    async fn report_skipped(&self, stage: &str, job: &str) -> anyhow::Result<()> {
        let path = format!(
            "/keyless/v1/organizations/{}/projects/{}/runs/{}/jobs",
            self.org, self.project, self.run_id
        );
        self.client
            .send(
                Method::POST,
                &path,
                Some(Body::Json(
                    json!({"name": job, "stage": stage, "result": "skipped"}),
                )),
            )
            .await
            .map(|_| ())
    }

    async fn execute(&self) -> anyhow::Result<(Vec<StepRecord>, bool)> {
        let mut records = Vec::new();
        let mut stage_results: BTreeMap<String, BTreeMap<String, Finished>> = BTreeMap::new();
        let stages = plan::stage_order(self.pipeline).map_err(anyhow::Error::msg)?;
        let tmp = tempfile::Builder::new().prefix("keyless-run-").tempdir()?;
        let ca = self.client.ca_file();
        let bundle = ca
            .as_deref()
            .map(|p| write_ca_bundle(tmp.path(), p))
            .transpose()?;
        let work_dir = std::env::current_dir()?;
        for (stage, deps) in stages {
            let mut stage_vars = self.variables.clone();
            values(&stage.variables, &mut stage_vars);
            let dep_results: Vec<Finished> = deps
                .iter()
                .filter_map(|d| stage_results.get(d))
                .map(stage_outcome)
                .collect();
            let scope = RunScope {
                variables: &stage_vars,
                dependencies: BTreeMap::new(),
                stages: BTreeMap::new(),
                so_far: aggregate(dep_results.iter()),
                canceled: self.canceled(),
            };
            let selected = self.only_stages.is_empty()
                || self
                    .only_stages
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(&stage.name));
            let run_stage = selected
                && holds(stage.condition.as_deref(), &scope).map_err(anyhow::Error::msg)?;
            let mut finished: BTreeMap<String, Finished> = BTreeMap::new();
            for (job, job_deps) in plan::job_order(stage).map_err(anyhow::Error::msg)? {
                let label = if stage.name == "__default" {
                    job.name.clone()
                } else {
                    format!("{}/{}", stage.name, job.name)
                };
                let skip = |why: String| StepRecord {
                    job: label.clone(),
                    step: "(job)".into(),
                    outcome: Outcome::Skipped,
                    seconds: 0.0,
                    note: Some(why),
                    tail: vec![],
                    issues: vec![],
                };
                let job_selected = self.only_jobs.is_empty()
                    || self
                        .only_jobs
                        .iter()
                        .any(|j| j.eq_ignore_ascii_case(&job.name));
                let deps_done: BTreeMap<String, &Finished> = job_deps
                    .iter()
                    .filter_map(|d| finished.get(d).map(|f| (d.clone(), f)))
                    .collect();
                let stage_view: BTreeMap<String, BTreeMap<String, &Finished>> = stage_results
                    .iter()
                    .map(|(s, jobs)| {
                        (
                            s.clone(),
                            jobs.iter().map(|(j, f)| (j.clone(), f)).collect(),
                        )
                    })
                    .collect();
                let mut vars = stage_vars.clone();
                let scope = RunScope {
                    variables: &stage_vars,
                    dependencies: deps_done.clone(),
                    stages: stage_view,
                    so_far: aggregate(deps_done.values().copied()),
                    canceled: self.canceled(),
                };
                let why_not = if !run_stage {
                    Some(if selected {
                        "stage condition not met".to_string()
                    } else {
                        "stage not selected (--stage)".into()
                    })
                } else if !job_selected {
                    Some("job not selected (--job)".into())
                } else {
                    match holds(job.condition.as_deref(), &scope) {
                        Ok(true) => None,
                        Ok(false) => Some(format!(
                            "condition not met: {}",
                            job.condition.as_deref().unwrap_or("succeeded()")
                        )),
                        Err(e) => Some(e),
                    }
                };
                if let Some(why) = why_not {
                    self.report_skipped(&stage.name, &job.name).await?;
                    records.push(skip(why));
                    finished.insert(
                        job.name.clone(),
                        Finished {
                            outcome: Outcome::Skipped,
                            outputs: BTreeMap::new(),
                        },
                    );
                    continue;
                }
                for v in &job.variables {
                    if let Variable::Value { name, value, .. } = v {
                        let resolved = runtime_value(value, &scope).map_err(anyhow::Error::msg)?;
                        vars.insert(name.clone(), resolved);
                    }
                }
                let (outcome, outputs, steps) = self
                    .run_one(
                        &label,
                        stage.name.as_str(),
                        job,
                        vars,
                        &work_dir,
                        tmp.path(),
                        bundle.as_deref(),
                    )
                    .await?;
                records.extend(steps);
                let outcome = match outcome {
                    Outcome::Failed if job.continue_on_error => Outcome::SucceededWithIssues,
                    o => o,
                };
                finished.insert(job.name.clone(), Finished { outcome, outputs });
            }
            stage_results.insert(stage.name.clone(), finished);
        }
        Ok((records, self.canceled()))
    }

    #[allow(clippy::too_many_arguments)]
    async fn run_one(
        &self,
        label: &str,
        stage: &str,
        job: &keyless_pipelines::model::Job,
        vars: BTreeMap<String, String>,
        work_dir: &std::path::Path,
        tmp: &std::path::Path,
        bundle: Option<&std::path::Path>,
    ) -> anyhow::Result<(Outcome, BTreeMap<String, String>, Vec<StepRecord>)> {
        let path = format!(
            "/keyless/v1/organizations/{}/projects/{}/runs/{}/jobs",
            self.org, self.project, self.run_id
        );
        let minutes = job
            .timeout_in_minutes
            .filter(|m| *m > 0)
            .unwrap_or(60)
            .min(1440);
        let v = self
            .client
            .send(
                Method::POST,
                &path,
                Some(Body::Json(
                    json!({"name": job.name, "stage": stage, "minutes": minutes}),
                )),
            )
            .await?;
        let started: StartedJob = serde_json::from_value(v)
            .context("keyless answered the job start with an unexpected shape")?;
        let job_tmp = tmp.join(env_name(&job.name));
        std::fs::create_dir_all(&job_tmp)?;
        let ca = self.client.ca_file();
        let cx = StepContext {
            origin: self.client.origin(),
            work_dir,
            temp_dir: &job_tmp,
            ca_bundle: bundle,
            ca_cert: ca.as_deref(),
            token_file: None,
            client_secret: None,
        };
        let base = job_env(&started, &cx);
        let mut env = base.vars.clone();
        // As on an agent, the job token reaches a script only when mapped (`$(System.AccessToken)`).
        env.remove("SYSTEM_ACCESSTOKEN");
        let mut variables = base.vars.clone();
        variables.insert(
            "System.AccessToken".into(),
            started.access_token().to_string(),
        );
        variables.insert("System.JobName".into(), job.name.clone());
        variables.insert("System.StageName".into(), stage.to_string());
        env.insert("SYSTEM_JOBNAME".into(), job.name.clone());
        env.insert("SYSTEM_STAGENAME".into(), stage.to_string());
        for (k, v) in &vars {
            variables.insert(k.clone(), v.clone());
            env.insert(env_name(k), v.clone());
        }
        let deadline = job
            .timeout_in_minutes
            .filter(|m| *m > 0)
            .map(|m| Instant::now() + std::time::Duration::from_secs(u64::from(m) * 60));
        let mut jr = JobRun {
            name: label.to_string(),
            client: self.client,
            started: started.clone(),
            variables,
            env,
            secrets: base.secrets.clone(),
            deadline,
            cancel: self.cancel.clone(),
            outputs: BTreeMap::new(),
            work_dir: work_dir.to_path_buf(),
            temp: job_tmp,
        };
        let findings = &self.findings;
        let lint = |s: &Step| step_findings(findings, s);
        let (outcome, records) = run_job(&mut jr, job, &lint).await;
        let outcome = if *self.cancel.borrow() && outcome != Outcome::Failed {
            Outcome::Canceled
        } else {
            outcome
        };
        if let Err(e) = complete(self.client, &started, outcome.wire()).await {
            eprintln!("keyless run: cannot report the end of job {label}: {e:#}");
        }
        Ok((outcome, jr.outputs, records))
    }
}
