//! DevOps plane objects: organizations, projects, service connections, pipelines, jobs.

pub mod agents;
pub mod data;
pub mod identities;
pub mod organization;
pub mod runs;
mod vocabulary;

pub use vocabulary::{ConnectionState, CreationMode, EndpointType, Scheme};

use crate::directory::Cloud;
use crate::{UnixTime, Uuid};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: Uuid,
    /// Unique, case-insensitive; the first path segment of DevOps URLs.
    pub name: String,
    /// The Entra tenant the organization is connected to (needed for the Entra issuer generation).
    pub tenant_id: Option<Uuid>,
    /// The cloud the organization runs in. Its Azure DevOps-generation issuer belongs to this
    /// cloud, so a tenant of another cloud refuses that issuer's tokens (AADSTS900382).
    #[serde(default)]
    pub cloud: Cloud,
    /// The organization's owner, a user; `None` for organizations created before owners
    /// were recorded (keyless administrators stand in for them).
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    pub created_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub description: String,
    pub created_at: UnixTime,
}

/// Which issuer signs a connection's ID tokens: Entra's (the tenant's token service) or the
/// organization's own Azure DevOps issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum IssuerGeneration {
    /// The tenant's token service (`{origin}/{tenant}/v2.0`); the default for new connections.
    #[default]
    EntraId,
    /// The organization's own issuer (`{origin}/{organization id}`), subject `sc://org/project/name`.
    AzureDevOps,
    /// The issuer Azure DevOps used before issuers named the organization
    /// (`https://app.vstoken.visualstudio.com`; here `{origin}/app.vstoken`), subject
    /// `sc://org/project/name`. Editing and saving the connection moves it to `AzureDevOps`.
    Legacy,
}

impl IssuerGeneration {
    pub fn as_str(self) -> &'static str {
        match self {
            IssuerGeneration::EntraId => "EntraID",
            IssuerGeneration::AzureDevOps => "AzureDevOps",
            IssuerGeneration::Legacy => "Legacy",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "entraid" | "entra" => Some(IssuerGeneration::EntraId),
            "azuredevops" | "devops" => Some(IssuerGeneration::AzureDevOps),
            "legacy" => Some(IssuerGeneration::Legacy),
            _ => None,
        }
    }
}

/// A service connection (`serviceEndpoint`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceConnection {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub project_id: Uuid,
    pub name: String,
    pub endpoint_type: EndpointType,
    pub scheme: Scheme,
    /// Tenant of the identity (`authorization.parameters.tenantid`).
    pub tenant_id: Uuid,
    /// Client id of the identity (`authorization.parameters.serviceprincipalid`).
    pub client_id: Uuid,
    pub issuer_generation: IssuerGeneration,
    pub creation_mode: CreationMode,
    pub state: ConnectionState,
    /// `operationStatus.statusMessage`: a draft's instructions, or (for a Ready connection)
    /// a warning that it needs attention (rendered as `isOutdated`). Empty otherwise.
    #[serde(default)]
    pub status_message: String,
    pub description: String,
    /// The `data` object of the REST shape (subscriptionId, scopeLevel, environment…); the
    /// keys keyless reads and writes go through [`data::ConnectionData`].
    pub data: serde_json::Map<String, serde_json::Value>,
    pub created_by: Option<Uuid>,
    pub created_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    pub id: i64,
    pub project_id: Uuid,
    pub name: String,
    /// The connections its YAML named when it was saved, resolved to ids (for a pipeline
    /// saved before pipelines were YAML: the list it was given). A job uses the ones its
    /// run resolved when it was queued ([`Job::connections`]).
    pub connections: Vec<Uuid>,
    /// Its YAML; `None` for a pipeline saved before pipelines were YAML.
    pub definition: Option<PipelineDefinition>,
    pub created_at: UnixTime,
}

/// A pipeline's YAML: the pipeline file and every file it includes, by path in the
/// repository (`/` separators, no leading `/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineDefinition {
    /// The pipeline file (`azure-pipelines.yml`).
    pub path: String,
    pub files: std::collections::BTreeMap<String, String>,
}

/// At most this many files in a definition (the pipeline file and its templates).
pub const MAX_DEFINITION_FILES: usize = 100;
/// At most this many bytes in one file of a definition.
pub const MAX_DEFINITION_FILE_BYTES: usize = 1 << 20;

impl PipelineDefinition {
    /// The default path of a pipeline file given as one text.
    pub const DEFAULT_PATH: &'static str = "azure-pipelines.yml";

    /// A definition from its files, paths normalized (backslashes to `/`, no leading `/` or `./`);
    /// refused with the reason when a path is empty or climbs out (`..`), when `path` is
    /// not among the files, or over the limits.
    pub fn new(
        path: &str,
        files: std::collections::BTreeMap<String, String>,
    ) -> Result<PipelineDefinition, String> {
        if files.len() > MAX_DEFINITION_FILES {
            return Err(format!(
                "A pipeline has at most {MAX_DEFINITION_FILES} files (the pipeline file and its templates)."
            ));
        }
        let mut out = std::collections::BTreeMap::new();
        for (p, text) in files {
            if text.len() > MAX_DEFINITION_FILE_BYTES {
                return Err(format!("The file '{p}' is larger than 1 MiB."));
            }
            out.insert(normalize_path(&p)?, text);
        }
        let path = normalize_path(path)?;
        if !out.contains_key(&path) {
            return Err(format!(
                "The pipeline file '{path}' is not among the files."
            ));
        }
        Ok(PipelineDefinition { path, files: out })
    }
}

/// A repository path with `/` separators and no leading `/`, `.` or empty segments.
fn normalize_path(p: &str) -> Result<String, String> {
    let p = p.replace('\\', "/");
    let mut segments = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Err(format!("The path '{p}' leaves the repository.")),
            s => segments.push(s),
        }
    }
    if segments.is_empty() {
        return Err("A file path is empty.".into());
    }
    Ok(segments.join("/"))
}

/// One running job of a pipeline run. Its job token (`System.AccessToken`) is stored hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub pipeline_id: i64,
    pub project_id: Uuid,
    #[serde(skip_serializing)]
    pub token_hash: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub finished_at: Option<UnixTime>,
    /// The connections the run resolved from the pipeline's YAML when it was queued: the
    /// only ones the job may use. `None` for a pipeline without YAML (its
    /// [`Pipeline::connections`] apply).
    pub connections: Option<Vec<Uuid>>,
    /// The run the job belongs to, when it is a job of a run (`keyless run`).
    #[serde(default)]
    pub run_id: Option<i64>,
    /// The agent pool the job ran in, when it was started in one.
    #[serde(default)]
    pub pool_id: Option<i64>,
    /// The agent the job ran on (`None` on the hosted pool: Microsoft's agents are not
    /// registered).
    #[serde(default)]
    pub agent_id: Option<i64>,
}

impl Job {
    /// The connections the job may use, given its pipeline.
    pub fn usable_connections<'a>(&'a self, pipeline: &'a Pipeline) -> &'a [Uuid] {
        self.connections.as_deref().unwrap_or(&pipeline.connections)
    }
}

/// Which pipelines may use a connection (`pipelinePermissions/endpoint/{id}`). The default
/// is a new connection's: open to no pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelinePermissions {
    /// Every pipeline of the projects the connection is in may use it. Off for a new
    /// connection, as in Azure DevOps: the portal's "Grant access permission to all
    /// pipelines" is a separate `PATCH` that turns it on, and saving a pipeline authorizes
    /// the connections it names for that pipeline.
    pub all_pipelines: bool,
    pub changed_by: Option<Uuid>,
    pub changed_at: Option<UnixTime>,
    /// The pipelines authorized one by one, by id.
    pub pipelines: Vec<PipelineAuthorization>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineAuthorization {
    pub pipeline_id: i64,
    pub authorized_by: Option<Uuid>,
    pub authorized_at: UnixTime,
}

pub mod automatic;
pub mod pipeline_security;
pub mod security;

#[cfg(test)]
mod tests {
    use super::{IssuerGeneration, PipelineDefinition};
    use std::collections::BTreeMap;

    fn files(paths: &[&str]) -> BTreeMap<String, String> {
        paths
            .iter()
            .map(|p| (p.to_string(), "steps: []".to_string()))
            .collect()
    }

    #[test]
    fn a_definition_normalizes_its_paths_and_refuses_what_leaves_or_exceeds() {
        let d = PipelineDefinition::new("/ci/./main.yml", files(&["ci\\main.yml", "./ci/t.yml"]))
            .unwrap();
        assert_eq!(d.path, "ci/main.yml");
        assert_eq!(
            d.files.keys().collect::<Vec<_>>(),
            ["ci/main.yml", "ci/t.yml"]
        );
        let refusals: [(&str, BTreeMap<String, String>, &str); 4] = [
            (
                "a.yml",
                files(&["../a.yml"]),
                "The path '../a.yml' leaves the repository.",
            ),
            (
                "b.yml",
                files(&["a.yml"]),
                "The pipeline file 'b.yml' is not among the files.",
            ),
            ("a.yml", files(&["a.yml", "/"]), "A file path is empty."),
            (
                "a.yml",
                (0..101)
                    .map(|i| (format!("{i}.yml"), String::new()))
                    .collect(),
                "A pipeline has at most 100 files (the pipeline file and its templates).",
            ),
        ];
        for (path, f, want) in refusals {
            assert_eq!(
                PipelineDefinition::new(path, f).unwrap_err(),
                want,
                "{path}"
            );
        }
        let big = [("a.yml".to_string(), "x".repeat((1 << 20) + 1))].into();
        assert_eq!(
            PipelineDefinition::new("a.yml", big).unwrap_err(),
            "The file 'a.yml' is larger than 1 MiB."
        );
    }

    #[test]
    fn issuer_generation_round_trips() {
        for g in [
            IssuerGeneration::EntraId,
            IssuerGeneration::AzureDevOps,
            IssuerGeneration::Legacy,
        ] {
            assert_eq!(IssuerGeneration::parse(g.as_str()), Some(g));
            let json = serde_json::to_value(g).unwrap();
            assert_eq!(serde_json::from_value::<IssuerGeneration>(json).unwrap(), g);
        }
        assert_eq!(IssuerGeneration::EntraId.as_str(), "EntraID");
        assert_eq!(IssuerGeneration::AzureDevOps.as_str(), "AzureDevOps");
        assert_eq!(
            IssuerGeneration::parse("entra"),
            Some(IssuerGeneration::EntraId)
        );
        assert_eq!(IssuerGeneration::parse("other"), None);
    }
}
