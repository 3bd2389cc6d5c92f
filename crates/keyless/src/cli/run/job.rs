//! One job on this machine: its steps in order, each under its condition, with the job's
//! variables, time limit and cancellation; what each step set is kept for the next ones
//! and, as output variables, for later jobs.

use super::super::client::Client;
use super::super::job_env::StartedJob;
use super::azure_cli::azure_cli;
use super::scope::{Outcome, RunScope, env_name, expand, holds};
use super::step::{Effects, StepProcess, run};
use super::tasks::{Action, action, command, extension};
use crate::cli::output::progress::say;
use keyless_pipelines::model::{Job, Shell, Step, StepKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::watch;

pub struct JobRun<'a> {
    /// `stage/job` as shown.
    pub name: String,
    pub client: &'a Client,
    pub started: StartedJob,
    /// Every variable by name (pipeline, job, system, set by steps), for `$(x)` and conditions.
    pub variables: BTreeMap<String, String>,
    /// The environment every step starts from.
    pub env: BTreeMap<String, String>,
    pub secrets: Vec<String>,
    pub deadline: Option<Instant>,
    pub cancel: watch::Receiver<bool>,
    /// `step.variable` → value, of `isOutput` variables.
    pub outputs: BTreeMap<String, String>,
    pub work_dir: PathBuf,
    pub temp: PathBuf,
}

/// One step's line of the summary.
#[derive(Debug, Clone)]
pub struct StepRecord {
    pub job: String,
    pub step: String,
    pub outcome: Outcome,
    pub seconds: f64,
    pub note: Option<String>,
    pub tail: Vec<String>,
    pub issues: Vec<(bool, String)>,
}

/// A script as the agent wraps it for its shell.
pub fn script_text(shell: Shell, script: &str) -> String {
    match shell {
        Shell::Pwsh | Shell::PowerShell => format!(
            "$ErrorActionPreference = 'Stop'\n{script}\nif ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) {{ exit $LASTEXITCODE }}\n"
        ),
        _ => script.to_string(),
    }
}

fn title(step: &Step) -> String {
    if let Some(d) = step.display_name.as_ref().or(step.name.as_ref()) {
        return d.clone();
    }
    match &step.kind {
        StepKind::Script { shell, script, .. } => {
            let first = script.lines().next().unwrap_or_default();
            let kind = match shell {
                Shell::Script => "Script",
                Shell::Bash => "Bash",
                Shell::Pwsh => "PowerShell",
                Shell::PowerShell => "PowerShell",
            };
            format!("{kind}: {}", first.chars().take(50).collect::<String>())
        }
        StepKind::Checkout { repository } => format!("Checkout {repository}"),
        StepKind::Task(t) => t.reference.value.clone(),
        StepKind::Other { key, value } => format!("{key}: {value}"),
    }
}

fn combine(a: Outcome, b: Outcome) -> Outcome {
    use Outcome::*;
    match (a, b) {
        (Canceled, _) | (_, Canceled) => Canceled,
        (Failed, _) | (_, Failed) => Failed,
        (SucceededWithIssues, _) | (_, SucceededWithIssues) => SucceededWithIssues,
        _ => Succeeded,
    }
}

fn deadline(job: Option<Instant>, minutes: Option<u32>) -> Option<Instant> {
    let own = minutes
        .filter(|m| *m > 0)
        .map(|m| Instant::now() + Duration::from_secs(u64::from(m) * 60));
    match (job, own) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Runs the job's steps; its outcome and a record per step.
pub async fn run_job(
    j: &mut JobRun<'_>,
    job: &Job,
    lint: &dyn Fn(&Step) -> Vec<String>,
) -> (Outcome, Vec<StepRecord>) {
    let mut so_far = Outcome::Succeeded;
    let mut records = Vec::new();
    for (i, step) in job.steps.iter().enumerate() {
        let name = title(step);
        let canceled = *j.cancel.borrow() || so_far == Outcome::Canceled;
        let mut record = StepRecord {
            job: j.name.clone(),
            step: name.clone(),
            outcome: Outcome::Skipped,
            seconds: 0.0,
            note: None,
            tail: vec![],
            issues: vec![],
        };
        if !step.enabled {
            record.note = Some("disabled (enabled: false)".into());
            records.push(record);
            continue;
        }
        let scope = RunScope {
            variables: &j.variables,
            dependencies: BTreeMap::new(),
            stages: BTreeMap::new(),
            so_far: if so_far == Outcome::Canceled {
                Outcome::Failed
            } else {
                so_far
            },
            canceled,
        };
        match holds(step.condition.as_deref(), &scope) {
            Ok(true) => {}
            Ok(false) => {
                record.note = Some(format!(
                    "condition not met: {}",
                    step.condition.as_deref().unwrap_or("succeeded()")
                ));
                records.push(record);
                continue;
            }
            Err(e) => {
                record.outcome = Outcome::Failed;
                record.note = Some(e);
                so_far = combine(so_far, Outcome::Failed);
                records.push(record);
                continue;
            }
        }
        let at = format!("{} ▸ step {}/{}", j.name, i + 1, job.steps.len());
        crate::cli::output::progress::status(at);
        say(&format!("\n── {} ▸ {name}", j.name));
        let started = Instant::now();
        let mut fx = Effects::default();
        let outcome = run_step(j, step, i, &mut fx, lint, &mut record).await;
        record.seconds = started.elapsed().as_secs_f64();
        apply(j, step, &fx);
        let outcome = match outcome {
            Outcome::Failed if step.continue_on_error => Outcome::SucceededWithIssues,
            o => o,
        };
        if outcome != Outcome::Skipped {
            so_far = combine(so_far, outcome);
        }
        say(&format!(
            "   {} {} in {:.2}s",
            mark(outcome),
            outcome.text(),
            record.seconds
        ));
        record.outcome = outcome;
        record.tail = fx.tail;
        record.issues = fx.issues;
        records.push(record);
    }
    (so_far, records)
}

pub fn mark(o: Outcome) -> &'static str {
    match o {
        Outcome::Succeeded => "✓",
        Outcome::SucceededWithIssues => "!",
        Outcome::Failed => "✗",
        Outcome::Canceled => "⊘",
        Outcome::Skipped => "-",
    }
}

async fn run_step(
    j: &mut JobRun<'_>,
    step: &Step,
    index: usize,
    fx: &mut Effects,
    lint: &dyn Fn(&Step) -> Vec<String>,
    record: &mut StepRecord,
) -> Outcome {
    let mut env = j.env.clone();
    for (k, v) in &step.env {
        env.insert(k.clone(), expand(v, &j.variables));
    }
    let dir = j.temp.join(format!("step{index}"));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        say(&format!("##[error]cannot create {}: {e}", dir.display()));
        return Outcome::Failed;
    }
    let step_deadline = deadline(j.deadline, step.timeout_in_minutes);
    let (argv, cwd, fail_on_stderr) = match action(step, lint) {
        Action::Skip(why) => {
            say(&format!("##[warning]skipped: {why}"));
            record.note = Some(why);
            return Outcome::Skipped;
        }
        Action::AzureCli(t) => {
            let cwd = j.work_dir.clone();
            let saved = j.deadline;
            j.deadline = step_deadline;
            let o = azure_cli(j, &t, &env, &cwd, &dir, fx).await;
            j.deadline = saved;
            return o;
        }
        Action::Script {
            shell,
            script,
            working_directory,
            fail_on_stderr,
            arguments,
        } => {
            let file = dir.join(format!("script.{}", extension(shell)));
            let text = script_text(shell, &expand(&script, &j.variables));
            if let Err(e) = std::fs::write(&file, text) {
                say(&format!("##[error]cannot write the script: {e}"));
                return Outcome::Failed;
            }
            (
                command(shell, &file, &expand(&arguments, &j.variables)),
                working_directory,
                fail_on_stderr,
            )
        }
        Action::File {
            shell,
            path,
            working_directory,
            fail_on_stderr,
            arguments,
        } => {
            let file = j.work_dir.join(expand(&path, &j.variables));
            (
                command(shell, &file, &expand(&arguments, &j.variables)),
                working_directory,
                fail_on_stderr,
            )
        }
    };
    let argv = match argv {
        Ok(a) => a,
        Err(e) => {
            let line = format!("##[error]{e}");
            say(&line);
            fx.tail.push(line);
            return Outcome::Failed;
        }
    };
    let cwd: PathBuf = match cwd {
        Some(w) => j.work_dir.join(expand(&w, &j.variables)),
        None => j.work_dir.clone(),
    };
    run(
        StepProcess {
            argv,
            env: &env,
            cwd: Path::new(&cwd),
            deadline: step_deadline,
            fail_on_stderr,
            cancel: j.cancel.clone(),
        },
        &mut j.secrets,
        fx,
    )
    .await
}

/// What the step's logging commands set: job variables (and their environment names
/// unless secret), and output variables under `step.name`.
fn apply(j: &mut JobRun<'_>, step: &Step, fx: &Effects) {
    for (name, value, is_output, is_secret) in &fx.variables {
        if *is_output {
            if let Some(s) = &step.name {
                j.outputs.insert(format!("{s}.{name}"), value.clone());
                j.variables.insert(format!("{s}.{name}"), value.clone());
            }
        } else {
            j.variables.insert(name.clone(), value.clone());
            if !is_secret {
                j.env.insert(env_name(name), value.clone());
            }
        }
    }
}
