//! Queue time: a pipeline's YAML compiled, and the service connections a run of it uses,
//! checked as Azure DevOps checks them before any job starts.
//!
//! A connection is named by a task input (per the task catalogue), a repository resource's
//! `endpoint` or a container resource's `endpoint` or `azureSubscription`; `$(var)` in the
//! value is replaced by the pipeline's, stage's or job's `variables:`. A name (or id) that
//! names no connection of the project (or shared with it) fails the run with Azure
//! DevOps' validation text, every such reference listed; a connection that is not open to
//! the pipeline fails it with the pipeline-permission text.

use crate::data::*;
use crate::pipeline_permissions::require_open;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::devops::{
    Organization, Pipeline, PipelineDefinition, Project, ServiceConnection,
};
use keyless_pipelines::Loc;
use keyless_pipelines::model::{self as yaml, StepKind, Variable};
use keyless_pipelines::refs::{self, ConnectionRef, Site};
use keyless_pipelines::template::{MapLoader, Options};
use keyless_pipelines::{Diagnostic, Severity};
use std::collections::HashMap;

/// How many times `$(var)` is expanded inside a connection input (a variable may name another).
const MACRO_ROUNDS: usize = 8;

/// The pipeline file compiled; its errors, in Azure DevOps' words and positions, refuse it.
pub fn compile(def: &PipelineDefinition) -> Result<yaml::Pipeline, ApiError> {
    let loader = MapLoader(def.files.clone());
    let compiled = keyless_pipelines::compile(&def.path, &loader, &Options::default());
    let errors: Vec<&Diagnostic> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    match compiled.pipeline {
        Some(p) if errors.is_empty() => Ok(p),
        _ => {
            let detail = errors
                .iter()
                .map(|d| {
                    format!(
                        "/{} (Line: {}, Col: {}): {}",
                        d.loc.file.trim_start_matches('/'),
                        d.loc.line,
                        d.loc.col,
                        d.message
                    )
                })
                .collect::<Vec<_>>()
                .join(" ");
            Err(ApiError::new("PipelineNotValid", &[("detail", &detail)]))
        }
    }
}

/// The connection `key` (a name, any case, or an id) names for `project`: one of its own or
/// one shared with it.
pub async fn find_for_project(
    s: &AppState,
    project: &Project,
    key: &str,
) -> Result<Option<ServiceConnection>, ApiError> {
    let key = key.trim();
    let own = match Uuid::parse_str(key) {
        Ok(id) => s
            .db()
            .get_connection(id)
            .await
            .ok()
            .filter(|c| c.project_id == project.id),
        Err(_) => s.db().find_connection(project.id, key).await.ok(),
    };
    if own.is_some() {
        return Ok(own);
    }
    for id in s.db().list_connections_shared_with(project.id).await? {
        let c = s.db().get_connection(id).await?;
        if c.id.to_string().eq_ignore_ascii_case(key) || c.name.eq_ignore_ascii_case(key) {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// A reference with its value after `$(var)` expansion.
struct Resolved<'a> {
    reference: &'a ConnectionRef,
    value: String,
}

/// The variables in scope at a reference: the pipeline's, then its stage's, then its job's
/// (a later definition wins), by case-insensitive name.
fn scope(p: &yaml::Pipeline, site: &Site) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    let mut add = |list: &[Variable]| {
        for v in list {
            if let Variable::Value { name, value, .. } = v {
                vars.insert(name.to_ascii_lowercase(), value.clone());
            }
        }
    };
    add(&p.variables);
    if let Site::TaskInput { stage, job, .. } = site {
        for (st, jb) in p.jobs() {
            if &st.name == stage && &jb.name == job {
                add(&st.variables);
                add(&jb.variables);
            }
        }
    }
    vars
}

/// `value` with its `$(name)` macros replaced by the variables in scope; a macro without a
/// variable stays as written.
fn expand(value: &str, vars: &HashMap<String, String>) -> String {
    let mut out = value.trim().to_string();
    for _ in 0..MACRO_ROUNDS {
        let names = refs::macros(&out);
        let known: Vec<&str> = names
            .into_iter()
            .filter(|n| vars.contains_key(&n.to_ascii_lowercase()))
            .collect();
        if known.is_empty() {
            break;
        }
        let mut next = out.clone();
        for n in known {
            next = next.replace(&format!("$({n})"), &vars[&n.to_ascii_lowercase()]);
        }
        out = next;
    }
    out
}

/// How Azure DevOps names task inputs in its messages, by the position of the input's
/// value: the step's reference name (its `name:`, else the task's name, numbered from 1
/// for the second unnamed step of the same task in a job) and the input's name in the
/// task definition (not the alias written).
fn task_input_names(p: &yaml::Pipeline) -> HashMap<Loc, (String, String)> {
    let mut out = HashMap::new();
    for (_, job) in p.jobs() {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for step in &job.steps {
            let StepKind::Task(t) = &step.kind else {
                continue;
            };
            let n = seen.entry(t.name.to_ascii_lowercase()).or_insert(0);
            let name = match &step.name {
                Some(name) => name.clone(),
                None if *n == 0 => t.name.clone(),
                None => format!("{}{n}", t.name),
            };
            *n += 1;
            for (input, cat) in refs::task_inputs(t) {
                out.insert(
                    input.value.loc.clone(),
                    (name.clone(), cat.name.to_string()),
                );
            }
        }
    }
    out
}

/// How Azure DevOps names the reference in its validation message.
fn validation_text(
    r: &ConnectionRef,
    value: &str,
    names: &HashMap<Loc, (String, String)>,
) -> String {
    const TAIL: &str = "which could not be found. The service connection does not exist, has been disabled or has not been authorized for use. For authorization details, refer to https://aka.ms/yamlauthz.";
    match &r.site {
        Site::TaskInput { job, input, .. } => {
            let (step, input) = names
                .get(&r.name.loc)
                .map(|(s, i)| (s.as_str(), i.as_str()))
                .unwrap_or(("", input.as_str()));
            format!(
                "Job {job}: Step {step} input {input} references service connection {value} {TAIL}"
            )
        }
        Site::RepositoryEndpoint { alias } => {
            format!("Repository {alias} references endpoint {value} {TAIL}")
        }
        Site::ContainerEndpoint { alias } | Site::ContainerSubscription { alias } => {
            format!("Container {alias} references endpoint {value} {TAIL}")
        }
    }
}

/// Each reference of the compiled pipeline with its value, `$(var)` expanded.
fn expanded<'a>(compiled: &yaml::Pipeline, references: &'a [ConnectionRef]) -> Vec<Resolved<'a>> {
    references
        .iter()
        .map(|r| Resolved {
            reference: r,
            value: expand(&r.name.value, &scope(compiled, &r.site)),
        })
        .collect()
}

/// Each reference of the compiled pipeline with its expanded value and the connection it
/// names, if any.
async fn resolve<'a>(
    s: &AppState,
    project: &Project,
    compiled: &yaml::Pipeline,
    references: &'a [ConnectionRef],
) -> Result<Vec<(Resolved<'a>, Option<ServiceConnection>)>, ApiError> {
    let mut out = Vec::new();
    for r in expanded(compiled, references) {
        let conn = if refs::is_runtime(&r.value) {
            None
        } else {
            find_for_project(s, project, &r.value).await?
        };
        out.push((r, conn));
    }
    Ok(out)
}

/// The connections `def` names that exist now, each once (saving a pipeline authorizes
/// these); names that do not resolve are left for queue time to report.
pub async fn named_connections(
    s: &AppState,
    project: &Project,
    def: &PipelineDefinition,
) -> Result<Vec<ServiceConnection>, ApiError> {
    let compiled = compile(def)?;
    let references = refs::connection_refs(&compiled);
    let mut found: Vec<ServiceConnection> = Vec::new();
    for (_, c) in resolve(s, project, &compiled, &references).await? {
        if let Some(c) = c
            && found.iter().all(|f| f.id != c.id)
        {
            found.push(c);
        }
    }
    Ok(found)
}

/// The connections a run of `pipeline` uses, checked: `Ok(None)` for a pipeline saved
/// before pipelines were YAML (its listed connections apply).
pub async fn queue_connections(
    s: &AppState,
    org: &Organization,
    project: &Project,
    pipeline: &Pipeline,
) -> Result<Option<Vec<Uuid>>, ApiError> {
    let Some(def) = &pipeline.definition else {
        return Ok(None);
    };
    let compiled = compile(def)?;
    let references = refs::connection_refs(&compiled);
    let names = task_input_names(&compiled);
    let mut missing = Vec::new();
    let mut found: Vec<ServiceConnection> = Vec::new();
    for (r, conn) in resolve(s, project, &compiled, &references).await? {
        match conn {
            Some(c) if found.iter().all(|f| f.id != c.id) => found.push(c),
            Some(_) => {}
            None => missing.push(validation_text(r.reference, &r.value, &names)),
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::new(
            "PipelineNotValid",
            &[("detail", &missing.join(","))],
        ));
    }
    for c in &found {
        require_open(s, (org, project), pipeline, c, "PipelineNeedsPermission").await?;
    }
    Ok(Some(found.into_iter().map(|c| c.id).collect()))
}
