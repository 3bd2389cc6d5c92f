//! The service connections a pipeline uses, read from its task inputs (per the task
//! catalogue) and its repository and container resources.

use crate::catalogue::{self, When};
use crate::model::{Input, Located, Pipeline, StepKind, TaskStep};

/// The type of connection a reference takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionKind {
    /// Azure Resource Manager (`azurerm`).
    AzureRm,
    /// Azure DevOps (`azuredevops`, `AzureCLI@3 connectionType: azureDevOps`).
    AzureDevOps,
    /// A Docker registry connection (`dockerregistry`).
    DockerRegistry,
    /// A Kubernetes connection.
    Kubernetes,
    /// A repository host (GitHub, Bitbucket, another Git server).
    Repository,
    /// Any other type the catalogue names (NuGet, generic…).
    Other,
}

/// Where a reference is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Site {
    /// An input of a task step.
    TaskInput {
        /// The stage's and the job's names, and the step's display name (or task reference).
        stage: String,
        job: String,
        step: String,
        /// The task reference (`AzureCLI@2`) and the input as written.
        task: String,
        input: String,
    },
    /// `resources.repositories[alias].endpoint`.
    RepositoryEndpoint { alias: String },
    /// `resources.containers[alias].endpoint`.
    ContainerEndpoint { alias: String },
    /// `resources.containers[alias].azureSubscription`.
    ContainerSubscription { alias: String },
}

/// One use of a connection.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionRef {
    /// The name (or id) as written, where it is written.
    pub name: Located,
    pub kind: ConnectionKind,
    pub site: Site,
    /// The value holds a `$(variable)` macro or a run-time expression: which connection it
    /// names is known only at run time.
    pub runtime: bool,
}

impl ConnectionKind {
    /// How messages name the type.
    pub fn describe(self) -> &'static str {
        match self {
            ConnectionKind::AzureRm => "Azure Resource Manager",
            ConnectionKind::AzureDevOps => "Azure DevOps",
            ConnectionKind::DockerRegistry => "Docker registry",
            ConnectionKind::Kubernetes => "Kubernetes",
            ConnectionKind::Repository => "repository",
            ConnectionKind::Other => "other",
        }
    }
}

impl Site {
    /// Where the reference is, in words: `input azureSubscription of AzureCLI@2 (step 'Deploy',
    /// job Build, stage __default)` or `endpoint of repository templates`.
    pub fn describe(&self) -> String {
        match self {
            Site::TaskInput {
                stage,
                job,
                step,
                task,
                input,
            } => format!("input {input} of {task} (step '{step}', job {job}, stage {stage})"),
            Site::RepositoryEndpoint { alias } => format!("endpoint of repository {alias}"),
            Site::ContainerEndpoint { alias } => format!("endpoint of container {alias}"),
            Site::ContainerSubscription { alias } => {
                format!("azureSubscription of container {alias}")
            }
        }
    }
}

/// Whether `value` holds a `$(…)` macro or a `$[` run-time expression.
pub fn is_runtime(value: &str) -> bool {
    value.contains("$[") || !macros(value).is_empty()
}

/// The variable names of the `$(name)` macros in `value`, in order.
pub fn macros(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(i) = rest.find("$(") {
        let after = &rest[i + 2..];
        match after.find(')') {
            Some(end) => {
                let name = after[..end].trim();
                if !name.is_empty() {
                    out.push(name);
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// The picker value a step gives (or the picker's default).
fn picker_value<'a>(step: &'a TaskStep, when: &When) -> &'a str {
    when.input
        .iter()
        .find_map(|p| step.input(p))
        .map(|i| i.value.value.trim())
        .unwrap_or(when.default)
}

/// Whether the task reads `input` given the step's picker.
pub fn is_read(step: &TaskStep, input: &catalogue::Input) -> bool {
    match &input.when {
        None => true,
        Some(w) => picker_value(step, w).eq_ignore_ascii_case(w.equals),
    }
}

/// The step's connection inputs per the catalogue: each input the step sets with the row's
/// input it answers to, whether the task reads it or not. Empty for tasks the catalogue does
/// not know at this major.
pub fn task_inputs(step: &TaskStep) -> Vec<(&Input, &'static catalogue::Input)> {
    let Some(row) = step.major.and_then(|m| catalogue::find(&step.name, m)) else {
        return Vec::new();
    };
    step.inputs
        .iter()
        .filter_map(|i| row.input(&i.name).map(|c| (i, c)))
        .filter(|(i, _)| !i.value.value.trim().is_empty())
        .collect()
}

/// The kind of connection a repository resource's `endpoint` is: an Azure DevOps connection
/// for Azure Repos (`git`), a repository host's otherwise.
pub fn repository_kind(kind: &str) -> ConnectionKind {
    match kind.to_ascii_lowercase().as_str() {
        "git" => ConnectionKind::AzureDevOps,
        "github" | "githubenterprise" | "bitbucket" => ConnectionKind::Repository,
        _ => ConnectionKind::Other,
    }
}

fn reference(name: &Located, kind: ConnectionKind, site: Site) -> ConnectionRef {
    ConnectionRef {
        runtime: is_runtime(&name.value),
        name: name.clone(),
        kind,
        site,
    }
}

/// Every connection the pipeline uses, in document order: the task inputs the catalogue says
/// carry a connection and the task reads (for a picker such as `AzureCLI@3 connectionType`,
/// only the input it selects), then repository and container resources.
pub fn connection_refs(p: &Pipeline) -> Vec<ConnectionRef> {
    let mut out = Vec::new();
    for (stage, job) in p.jobs() {
        for step in &job.steps {
            let StepKind::Task(t) = &step.kind else {
                continue;
            };
            for (input, cat) in task_inputs(t) {
                if !is_read(t, cat) {
                    continue;
                }
                let site = Site::TaskInput {
                    stage: stage.name.clone(),
                    job: job.name.clone(),
                    step: step
                        .display_name
                        .clone()
                        .unwrap_or_else(|| t.reference.value.clone()),
                    task: t.reference.value.clone(),
                    input: input.name.clone(),
                };
                out.push(reference(&input.value, cat.kind, site));
            }
        }
    }
    for r in &p.resources.repositories {
        if let Some(e) = &r.endpoint {
            let site = Site::RepositoryEndpoint {
                alias: r.alias.clone(),
            };
            out.push(reference(e, repository_kind(&r.kind), site));
        }
    }
    for c in &p.resources.containers {
        if let Some(e) = &c.endpoint {
            let site = Site::ContainerEndpoint {
                alias: c.alias.clone(),
            };
            out.push(reference(e, ConnectionKind::DockerRegistry, site));
        }
        if let Some(s) = &c.azure_subscription {
            let site = Site::ContainerSubscription {
                alias: c.alias.clone(),
            };
            out.push(reference(s, ConnectionKind::AzureRm, site));
        }
    }
    out
}

#[cfg(test)]
mod tests;
