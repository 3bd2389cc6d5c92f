//! KL301–KL305, and KL203 from a connection's real type: facts about each connection,
//! fetched from a server by the caller.

use super::ref_at;
use crate::diag::{Code, Diagnostic};
use crate::refs::{ConnectionKind, ConnectionRef};

/// `operationStatus.state` of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    Ready,
    Draft,
    Failed,
}

/// What the server says of one connection name. `None` where the caller could not tell
/// (a field the caller may not read, or no pipeline named).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectionFacts {
    pub exists: bool,
    /// The connection's type.
    pub kind: Option<ConnectionKind>,
    pub state: Option<ConnectionState>,
    /// `authorization.scheme` (`WorkloadIdentityFederation`, `ServicePrincipal`).
    pub scheme: Option<String>,
    pub secret_expired: Option<bool>,
    pub tenant_forbids_federation: Option<bool>,
    /// Whether the pipeline may use it.
    pub authorized: Option<bool>,
}

/// The facts of the connections a pipeline names, in one organization and project.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveFacts {
    pub organization: String,
    pub project: String,
    /// The pipeline the authorization facts are about.
    pub pipeline: Option<String>,
    /// By connection name (or id) as the pipeline writes it; looked up case-insensitively.
    pub connections: Vec<(String, ConnectionFacts)>,
}

/// The scheme of a workload identity federation connection.
pub const FEDERATION: &str = "WorkloadIdentityFederation";

impl LiveFacts {
    pub fn get(&self, name: &str) -> Option<&ConnectionFacts> {
        let name = name.trim();
        self.connections
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, f)| f)
    }

    fn doctor(&self, name: &str) -> String {
        format!(
            "keyless doctor {} {} {}",
            quote(&self.organization),
            quote(&self.project),
            quote(name)
        )
    }
}

/// A shell word: as is when it is plain, in single quotes otherwise.
fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@/".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Whether a task finding (KL101–KL105) is beside the point because the server says the
/// connection it is about does not use workload identity federation.
pub fn federation_irrelevant(d: &Diagnostic, refs: &[ConnectionRef], facts: &LiveFacts) -> bool {
    let task_code = matches!(
        d.code,
        Code::TaskWithoutFederation
            | Code::TaskVersionWithoutFederation
            | Code::InputWithoutFederation
            | Code::TaskFederationPending
    );
    if !task_code {
        return false;
    }
    let Some(r) = ref_at(d, refs) else {
        return false;
    };
    facts
        .get(&r.name.value)
        .is_some_and(|f| f.exists && f.scheme.as_deref().is_some_and(|s| s != FEDERATION))
}

fn kind_of_type(kind: ConnectionKind) -> Option<&'static str> {
    match kind {
        ConnectionKind::AzureRm => Some("azurerm"),
        ConnectionKind::AzureDevOps => Some("azuredevops"),
        _ => None,
    }
}

pub fn check(refs: &[ConnectionRef], facts: &LiveFacts) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in refs.iter().filter(|r| !r.runtime) {
        let name = r.name.value.trim();
        let Some(f) = facts.get(name) else { continue };
        let at = r.name.loc.clone();
        let site = r.site.describe();
        let doctor = facts.doctor(name);
        if !f.exists {
            out.push(
                Diagnostic::new(
                    Code::ConnectionNotFound,
                    at,
                    format!(
                        "service connection '{name}' ({site}) does not exist in project {} of {}",
                        facts.project, facts.organization
                    ),
                )
                .with_fix(format!(
                    "Correct the name or create the connection; keyless doctor --all {} lists the connections",
                    quote(&facts.organization)
                )),
            );
            continue;
        }
        if let (Some(actual), Some(_)) = (f.kind, kind_of_type(r.kind))
            && kind_of_type(actual).is_some()
            && actual != r.kind
        {
            out.push(
                Diagnostic::new(
                    Code::ConnectionTypeMismatch,
                    at.clone(),
                    format!(
                        "service connection '{name}' is an {} connection, but {site} takes an {} connection",
                        actual.describe(),
                        r.kind.describe()
                    ),
                )
                .with_fix(format!(
                    "Name an {} connection here; {doctor}",
                    r.kind.describe()
                )),
            );
        }
        let pipeline = facts.pipeline.as_deref().unwrap_or("this pipeline");
        // Each fact that stops the connection: whether it holds, its code, message and fix.
        let stops = [
            (
                f.state == Some(ConnectionState::Draft),
                Code::ConnectionDraft,
                format!(
                    "service connection '{name}' ({site}) is a draft: it cannot issue tokens until its identity's owner adds the federated credential and it is verified"
                ),
                doctor.clone(),
            ),
            (
                f.secret_expired == Some(true),
                Code::ConnectionSecretExpired,
                format!(
                    "service connection '{name}' ({site}) authenticates with a client secret that has expired"
                ),
                format!(
                    "Renew the secret or convert the connection to workload identity federation; {doctor}"
                ),
            ),
            (
                f.tenant_forbids_federation == Some(true),
                Code::TenantForbidsFederation,
                format!(
                    "the tenant of service connection '{name}' ({site}) does not allow workload identity federation from this organization's issuer"
                ),
                format!(
                    "Ask the tenant's administrator to allow it, or use a managed identity; {doctor}"
                ),
            ),
            (
                f.authorized == Some(false),
                Code::ConnectionNotAuthorized,
                format!(
                    "pipeline '{pipeline}' is not authorized to use service connection '{name}' ({site})"
                ),
                format!("Authorize the pipeline on the connection; {doctor}"),
            ),
        ];
        for (holds, code, message, fix) in stops {
            if holds {
                out.push(Diagnostic::new(code, at.clone(), message).with_fix(fix));
            }
        }
    }
    out
}
