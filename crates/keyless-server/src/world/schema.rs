//! The shape of a world file. Unknown fields are errors, so a typo is caught, not ignored.

use keyless_model::Uuid;
use keyless_model::devops::Scheme;
use keyless_model::directory::TenantSettings;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct World {
    #[serde(default)]
    pub tenants: Vec<TenantSpec>,
    #[serde(default)]
    pub organizations: Vec<OrganizationSpec>,
    /// The files the world's pipelines read (`file:` and the templates they include), by
    /// path relative to the world file's folder; supplied beside the world file, not in it.
    #[serde(skip)]
    pub files: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantSpec {
    pub name: String,
    pub id: Option<Uuid>,
    pub display_name: Option<String>,
    /// `public` (default), `usgov`, `china`.
    pub cloud: Option<String>,
    pub settings: Option<TenantSettings>,
    #[serde(default)]
    pub users: Vec<UserSpec>,
    #[serde(default)]
    pub apps: Vec<AppSpec>,
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionSpec>,
    /// Users of other tenants, by full UPN, invited into this one as guests.
    #[serde(default)]
    pub guests: Vec<String>,
    /// Directory roles: `{role, user}` (local part or a guest's UPN) or `{role, app}`.
    #[serde(default)]
    pub directory_roles: Vec<crate::admin::directory::RoleBody>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserSpec {
    /// The local part of the UPN (`alice` → `alice@{tenant}.onmicrosoft.com`).
    pub name: String,
    pub display_name: Option<String>,
    #[serde(default)]
    pub admin: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppSpec {
    pub name: String,
    pub app_id: Option<Uuid>,
    pub sign_in_audience: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub federated_credentials: Vec<FicSpec>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FicSpec {
    pub name: String,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub audiences: Option<Vec<String>>,
    pub description: Option<String>,
    /// `organization/project/connection`: take issuer and subject from that connection.
    pub connection: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscriptionSpec {
    pub name: String,
    pub id: Option<Uuid>,
    #[serde(default)]
    pub resource_groups: Vec<ResourceGroupSpec>,
    #[serde(default)]
    pub role_assignments: Vec<RoleAssignmentSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceGroupSpec {
    pub name: String,
    pub location: String,
    #[serde(default)]
    pub tags: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleAssignmentSpec {
    /// An app of the same tenant, by name (its service principal gets the role).
    pub app: Option<String>,
    /// A user of the same tenant, by the local part of the UPN.
    pub user: Option<String>,
    /// A role name (`Contributor`) or id.
    pub role: String,
    /// A resource group of this subscription; the subscription itself when absent.
    pub resource_group: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganizationSpec {
    pub name: String,
    /// The connected Entra tenant, by name.
    pub tenant: Option<String>,
    /// `public`, `usgov`, `china`; the connected tenant's cloud when absent.
    pub cloud: Option<String>,
    /// The owner, `tenant/user`. Without one the organization has none (keyless
    /// administrators stand in for it).
    pub owner: Option<String>,
    /// Members of the organization's Project Collection Administrators, `tenant/user`.
    #[serde(default)]
    pub project_collection_administrators: Vec<String>,
    /// `tenant/user` → `Basic` or `Stakeholder` (users not listed keep theirs: Basic).
    #[serde(default)]
    pub access_levels: std::collections::BTreeMap<String, String>,
    /// Preview feature id or name → on (`true`) or off.
    #[serde(default)]
    pub preview_features: std::collections::BTreeMap<String, bool>,
    /// Self-hosted agent pools (the Microsoft-hosted pool, Azure Pipelines, is always there).
    #[serde(default)]
    pub pools: Vec<PoolSpec>,
    #[serde(default)]
    pub projects: Vec<ProjectSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PoolSpec {
    pub name: String,
    #[serde(default)]
    pub agents: Vec<AgentSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentSpec {
    pub name: String,
    /// The ARM id of the Azure VM the agent runs on.
    pub vm: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProjectSpec {
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub connections: Vec<ConnectionSpec>,
    #[serde(default)]
    pub pipelines: Vec<PipelineSpec>,
    /// Project group memberships: a user has a place in a project only through them.
    #[serde(default)]
    pub members: Vec<MemberSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemberSpec {
    /// `tenant/user`.
    pub user: String,
    /// `Readers`, `Contributors`, `Endpoint Creators`, `Endpoint Administrators`,
    /// `Project Administrators`.
    pub group: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionRoleSpec {
    /// `tenant/user`.
    pub user: String,
    /// `Reader`, `User`, `Creator`, `Administrator`.
    pub role: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionSpec {
    pub name: String,
    /// `WorkloadIdentityFederation` (default) or `ManagedServiceIdentity` (the managed
    /// identity of the Azure VM a job's self-hosted agent runs on).
    pub scheme: Option<String>,
    /// `tenant/app`: the identity behind a workload identity federation connection.
    pub app: Option<String>,
    /// The tenant of a `ManagedServiceIdentity` connection (which names no app).
    pub tenant: Option<String>,
    /// A subscription of the app's tenant, by name.
    pub subscription: Option<String>,
    /// `entra` (default), `devops`, or `legacy` (the one issuer of every organization that
    /// Azure DevOps used before issuers named the organization).
    pub issuer: Option<String>,
    pub description: Option<String>,
    /// Only these pipelines (of this project) may use it; absent: the pipelines that name
    /// it (saving a pipeline authorizes it for the connections it names).
    pub pipelines: Option<Vec<String>>,
    /// Other projects of the organization it is shared with.
    #[serde(default)]
    pub shared_with: Vec<String>,
    /// Per-connection roles.
    #[serde(default)]
    pub roles: Vec<ConnectionRoleSpec>,
}

impl ConnectionSpec {
    /// Whether the connection uses the agent VM's managed identity.
    pub fn managed_identity(&self) -> bool {
        self.scheme.as_deref() == Some(Scheme::ManagedServiceIdentity.as_str())
    }

    /// The tenant the connection's identity lives in: the app's, or the one named.
    pub fn tenant_name(&self) -> &str {
        match &self.app {
            Some(a) => a.split_once('/').map_or("", |(t, _)| t),
            None => self.tenant.as_deref().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PipelineSpec {
    pub name: String,
    /// The pipeline file, relative to the world file's folder (which is its repository).
    pub file: Option<String>,
    /// The pipeline's YAML, inline.
    pub yaml: Option<String>,
}

impl PipelineSpec {
    /// Its YAML: the inline text, or the file and the files beside the world (a pipeline's
    /// templates resolve within them).
    pub fn definition(
        &self,
        files: &std::collections::BTreeMap<String, String>,
    ) -> Result<keyless_model::devops::PipelineDefinition, String> {
        use keyless_model::devops::PipelineDefinition;
        match (&self.file, &self.yaml) {
            (None, Some(y)) => PipelineDefinition::new(
                PipelineDefinition::DEFAULT_PATH,
                [(PipelineDefinition::DEFAULT_PATH.to_string(), y.clone())].into(),
            ),
            (Some(f), None) => {
                let def = PipelineDefinition::new(f, files.clone()).map_err(|e| {
                    format!("{e} (keyless apply reads the file beside the world file)")
                })?;
                Ok(def)
            }
            _ => {
                Err("give either file (a path relative to the world file) or yaml (inline)".into())
            }
        }
    }
}
