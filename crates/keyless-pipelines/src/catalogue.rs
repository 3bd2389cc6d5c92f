//! The built-in tasks keyless knows, one row per `Name@Major` (the data is in [`tasks`]):
//! which inputs carry a service connection, under which names, of which type, and whether
//! the task (or each input) supports workload identity federation, as Microsoft's published
//! support table rates it.
//!
//! A task that is not here is a Marketplace task (or a typo); a known task at a major that
//! is not here is an unknown version.

mod doc;
mod tasks;
pub use doc::markdown;
pub use tasks::TASKS;

use crate::refs::ConnectionKind;

/// Whether a task supports workload identity federation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Published `Y`.
    Yes,
    /// Published `N`.
    No,
    /// Published `Use X@N`: this version does not, the named one does.
    UseVersion(&'static str),
    /// Published as a quarter (`2024 Q2`): announced, not available.
    Pending(&'static str),
    /// Published per input: see [`Input::support`].
    PerInput,
    /// Not in the published table (a newer version, or a task without an Azure Resource
    /// Manager input); keyless reports nothing about it.
    Unrated,
}

/// Whether one input supports workload identity federation (rows with [`Support::PerInput`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputSupport {
    Yes,
    No,
    /// A Kubernetes service connection where the task also takes an Azure Resource Manager
    /// connection, which is the published guidance for AKS.
    UseAzure,
    /// The published cell does not name this input.
    Unrated,
}

/// An input that is read only when another input (a connection type picker) has a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    /// The picker's name and aliases.
    pub input: &'static [&'static str],
    /// The value (compared case-insensitively) that makes the task read this input.
    pub equals: &'static str,
    /// The picker's value when the step does not set it.
    pub default: &'static str,
}

/// An input that names a service connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// The name in the task definition.
    pub name: &'static str,
    /// Other names the task definition accepts for it.
    pub aliases: &'static [&'static str],
    pub kind: ConnectionKind,
    /// The connection type as the task definition names it (`AzureRM`, `dockerregistry`…).
    pub service: &'static str,
    pub support: InputSupport,
    /// For [`InputSupport::No`]: the input of the same task to use instead.
    pub instead: Option<&'static str>,
    pub when: Option<When>,
    /// Names the published table uses for this input that the task definition does not.
    pub published_as: &'static [&'static str],
}

/// One task at one major version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task {
    pub name: &'static str,
    pub major: u32,
    pub support: Support,
    /// The published cell, word for word; `None` when the table does not list the task.
    pub published: Option<&'static str>,
    pub inputs: &'static [Input],
}

/// The guidance the published table gives for Kubernetes connections of AKS tasks.
pub const USE_AZURE: &str = "use Azure instead of Kubernetes service connection";

impl Input {
    /// `name` is this input's name or one of its aliases (case-insensitive, as Azure
    /// Pipelines compares input names).
    pub fn answers_to(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }
}

impl Task {
    /// `Name@Major`.
    pub fn reference(&self) -> String {
        format!("{}@{}", self.name, self.major)
    }

    /// The connection input `name` answers to.
    pub fn input(&self, name: &str) -> Option<&'static Input> {
        self.inputs.iter().find(|i| i.answers_to(name))
    }
}

/// The row of `name@major` (the name compared case-insensitively).
pub fn find(name: &str, major: u32) -> Option<&'static Task> {
    TASKS
        .iter()
        .find(|t| t.major == major && t.name.eq_ignore_ascii_case(name))
}

/// Every row of the task `name`, lowest major first.
pub fn versions(name: &str) -> impl Iterator<Item = &'static Task> + '_ {
    TASKS
        .iter()
        .filter(move |t| t.name.eq_ignore_ascii_case(name))
}

/// Whether `name` is a built-in task keyless knows at any major.
pub fn is_known(name: &str) -> bool {
    versions(name).next().is_some()
}

/// An input name that looks like a connection: `azureSubscription`, `…ServiceName…` (which
/// covers `connectedServiceName…`), `…ServiceConnection…`, `…ServiceArm`, `…Endpoint`
/// (case-insensitive). Used for tasks keyless does not know.
pub fn looks_like_connection(input: &str) -> bool {
    let l = input.to_ascii_lowercase();
    l == "azuresubscription"
        || l.contains("servicename")
        || l.contains("serviceconnection")
        || l.ends_with("servicearm")
        || l.ends_with("endpoint")
}

#[cfg(test)]
mod tests;
