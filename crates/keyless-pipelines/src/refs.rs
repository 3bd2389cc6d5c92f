//! The service connections a pipeline uses, read from its task inputs (per the task
//! catalogue) and its repository and container resources.

use crate::model::Located;

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
