//! The executor of a queued run: stages and jobs in dependency order under their
//! conditions, each job started in keyless, run here and reported; skipped ones recorded.

use super::super::client::{Body, Client};
use super::super::job_env::{StartedJob, StepContext, job_env, write_ca_bundle};
use super::super::job_tokens::complete;
use super::job::{JobRun, StepRecord, run_job};
use super::scope::{Finished, Outcome, RunScope, env_name, holds, runtime_value};
use super::{plan, step_findings, values};
use anyhow::Context;
use keyless_pipelines::Diagnostic;
use keyless_pipelines::model::{Pipeline, Step, Variable};
use reqwest::Method;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Instant;

pub struct Executor<'a> {
    pub client: &'a Client,
    pub org: &'a str,
    pub project: &'a str,
    pub run_id: i64,
    pub pipeline: &'a Pipeline,
    pub variables: BTreeMap<String, String>,
    pub findings: Vec<Diagnostic>,
    pub cancel: tokio::sync::watch::Receiver<bool>,
    /// Set when keyless refuses a job because the run was canceled there (`PATCH
    /// …/builds/{id}` with `cancelling`).
    pub canceled_in_keyless: std::cell::Cell<bool>,
    pub only_stages: Vec<String>,
    pub only_jobs: Vec<String>,
    /// Counts the jobs done (run or skipped).
    pub progress: &'a crate::cli::output::progress::Progress,
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

/// The pool a job asks for, as keyless' job start takes it: the job's `pool:`, else its
/// stage's, else the pipeline's; an `Agent.Name -equals {name}` demand names the agent.
fn pool_request(
    pipeline: &Pipeline,
    stage: &str,
    job: &keyless_pipelines::model::Job,
) -> serde_json::Value {
    let stage_pool = pipeline
        .stages
        .iter()
        .find(|s| s.name == stage)
        .and_then(|s| s.pool.as_ref());
    let Some(pool) = job.pool.as_ref().or(stage_pool).or(pipeline.pool.as_ref()) else {
        return serde_json::Value::Null;
    };
    let agent = pool.demands.iter().find_map(|d| {
        let (name, value) = d.split_once("-equals")?;
        name.trim()
            .eq_ignore_ascii_case("Agent.Name")
            .then(|| value.trim().to_string())
    });
    json!({"name": pool.name, "vmImage": pool.vm_image, "agent": agent})
}

impl Executor<'_> {
    fn canceled(&self) -> bool {
        *self.cancel.borrow() || self.canceled_in_keyless.get()
    }

    /// Whether keyless refused because the run no longer starts jobs.
    fn refused_as_ended(&self, e: &anyhow::Error) -> bool {
        let ended = e.to_string().starts_with("409");
        if ended {
            self.canceled_in_keyless.set(true);
        }
        ended
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
            .or_else(|e| {
                if self.refused_as_ended(&e) {
                    Ok(())
                } else {
                    Err(e)
                }
            })
    }

    pub async fn execute(&self) -> anyhow::Result<(Vec<StepRecord>, bool)> {
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
                    self.progress.inc();
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
                self.progress.inc();
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
                    json!({"name": job.name, "stage": stage, "minutes": minutes, "pool": pool_request(self.pipeline, stage, job)}),
                )),
            )
            .await;
        let v = match v {
            Ok(v) => v,
            Err(e) if self.refused_as_ended(&e) => {
                let record = StepRecord {
                    job: label.to_string(),
                    step: "(job)".into(),
                    outcome: Outcome::Canceled,
                    seconds: 0.0,
                    note: Some(format!("not started: {e:#}")),
                    tail: vec![],
                    issues: vec![],
                };
                return Ok((Outcome::Canceled, BTreeMap::new(), vec![record]));
            }
            Err(e) => return Err(e),
        };
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
