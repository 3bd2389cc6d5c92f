//! A pipeline after compile-time processing: templates inserted, parameters and `${{ }}`
//! expressions evaluated. Run-time macros (`$(var)`) and run-time expressions
//! (`$[ ]`, conditions) stay text. Every element keeps the [`Loc`] of the YAML it came
//! from (inside a template: the template's file).
//!
//! A pipeline with top-level `steps` has one stage and one job, as Azure Pipelines gives it
//! (stage `__default`, job `Job`); with top-level `jobs`, one stage `__default`.

use crate::loc::Loc;

pub(crate) mod read;

pub use read::read;

#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub loc: Loc,
    /// `name:` (the run number format), when given.
    pub name: Option<String>,
    /// `trigger:`; `None` when absent (Azure Pipelines then triggers on every branch).
    pub trigger: Option<Trigger>,
    pub pr: Option<Trigger>,
    pub pool: Option<Pool>,
    pub variables: Vec<Variable>,
    /// The top-level `parameters:` as declared (their values are already applied).
    pub parameters: Vec<Parameter>,
    pub resources: Resources,
    pub stages: Vec<Stage>,
}

/// `trigger:` or `pr:`.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// `none`.
    None,
    /// A list of branches, or the mapping form's `branches.include`.
    Branches {
        include: Vec<String>,
        exclude: Vec<String>,
    },
}

/// `pool:`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    pub loc: Loc,
    /// `pool: name` or `pool: { name: … }`: a self-hosted (or named hosted) pool.
    pub name: Option<String>,
    /// `pool: { vmImage: … }`: the Microsoft-hosted pool.
    pub vm_image: Option<String>,
    /// `demands:`.
    pub demands: Vec<String>,
}

/// One entry of `variables:` (both the mapping and the list form).
#[derive(Debug, Clone, PartialEq)]
pub enum Variable {
    Value {
        loc: Loc,
        name: String,
        value: String,
        readonly: bool,
    },
    /// `- group: name`: a variable group of the library, read at run time.
    Group { loc: Loc, name: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub loc: Loc,
    pub name: String,
    /// `string`, `number`, `boolean`, `object`, `step`, `stepList`, `job`, `jobList`,
    /// `deployment`, `deploymentList`, `stage`, `stageList`; `string` when absent.
    pub kind: String,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resources {
    pub repositories: Vec<RepositoryResource>,
    pub containers: Vec<ContainerResource>,
    pub pipelines: Vec<PipelineResource>,
}

/// `resources.repositories[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RepositoryResource {
    pub loc: Loc,
    /// The alias (`repository:`).
    pub alias: String,
    /// `git`, `github`, `githubenterprise`, `bitbucket`.
    pub kind: String,
    pub name: String,
    pub reference: Option<String>,
    /// `endpoint:`: the service connection used to fetch it, with where it is written.
    pub endpoint: Option<Located>,
}

/// `resources.containers[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerResource {
    pub loc: Loc,
    pub alias: String,
    pub image: String,
    /// `endpoint:`: a Docker registry connection.
    pub endpoint: Option<Located>,
    /// `azureSubscription:`: an Azure Resource Manager connection to pull from ACR.
    pub azure_subscription: Option<Located>,
}

/// `resources.pipelines[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineResource {
    pub loc: Loc,
    pub alias: String,
    pub source: String,
    pub project: Option<String>,
}

/// A text value with the position of the value itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub loc: Loc,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub loc: Loc,
    pub name: String,
    pub display_name: Option<String>,
    /// `dependsOn:`; `None` when absent (then the previous stage, as Azure Pipelines does).
    pub depends_on: Option<Vec<String>>,
    pub condition: Option<String>,
    pub pool: Option<Pool>,
    pub variables: Vec<Variable>,
    pub jobs: Vec<Job>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub loc: Loc,
    pub name: String,
    pub kind: JobKind,
    pub display_name: Option<String>,
    /// `dependsOn:`; `None` when absent (then no dependency, as Azure Pipelines does for jobs).
    pub depends_on: Option<Vec<String>>,
    pub condition: Option<String>,
    pub continue_on_error: bool,
    pub timeout_in_minutes: Option<u32>,
    pub pool: Option<Pool>,
    pub variables: Vec<Variable>,
    /// `container:` of the job: a container resource alias or an image.
    pub container: Option<String>,
    pub steps: Vec<Step>,
}

impl Job {
    /// A job with its place, name and kind, and nothing else set.
    pub fn new(loc: Loc, name: String, kind: JobKind) -> Job {
        Job {
            loc,
            name,
            kind,
            display_name: None,
            depends_on: None,
            condition: None,
            continue_on_error: false,
            timeout_in_minutes: None,
            pool: None,
            variables: Vec::new(),
            container: None,
            steps: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobKind {
    /// `- job:`.
    Regular,
    /// `- deployment:`: its steps are those of `strategy.runOnce.deploy` (and the other
    /// strategies' hooks, in order).
    Deployment { environment: Option<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub loc: Loc,
    pub kind: StepKind,
    /// `name:` (the reference name of output variables).
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub condition: Option<String>,
    pub continue_on_error: bool,
    pub enabled: bool,
    pub timeout_in_minutes: Option<u32>,
    /// `env:` in document order.
    pub env: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// `script:`, `bash:`, `pwsh:`, `powershell:`.
    Script {
        shell: Shell,
        script: String,
        /// `workingDirectory:`.
        working_directory: Option<String>,
        /// `failOnStderr:`.
        fail_on_stderr: bool,
    },
    /// `checkout: self | none | alias`.
    Checkout { repository: String },
    /// `task: Name@Major` with its inputs.
    Task(TaskStep),
    /// `download:`, `publish:`, `getPackage:`, `downloadBuild:`, `reviewApp:`: known step
    /// kinds that only an Azure Pipelines agent runs.
    Other { key: String, value: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// `script:`: bash on Linux and macOS agents, cmd on Windows.
    Script,
    Bash,
    Pwsh,
    /// Windows PowerShell.
    PowerShell,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskStep {
    /// The reference as written (`AzureCLI@2`).
    pub reference: Located,
    /// The task name (`AzureCLI`).
    pub name: String,
    /// The major version; `None` when the reference has no `@N`.
    pub major: Option<u32>,
    /// `inputs:` in document order; names as written (Azure Pipelines compares them
    /// case-insensitively).
    pub inputs: Vec<Input>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Where the input's key is written.
    pub loc: Loc,
    pub name: String,
    pub value: Located,
}

impl TaskStep {
    /// An input by case-insensitive name.
    pub fn input(&self, name: &str) -> Option<&Input> {
        self.inputs
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(name))
    }
}

impl Variable {
    /// Where the variable is written.
    pub fn loc(&self) -> &Loc {
        match self {
            Variable::Value { loc, .. } | Variable::Group { loc, .. } => loc,
        }
    }
}

impl Pipeline {
    /// Every job of every stage, with its stage.
    pub fn jobs(&self) -> impl Iterator<Item = (&Stage, &Job)> {
        self.stages
            .iter()
            .flat_map(|s| s.jobs.iter().map(move |j| (s, j)))
    }
}
