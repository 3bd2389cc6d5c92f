//! The checks after the token exchange: role assignments at the connection's scope,
//! pipeline permissions, the identity as a user of the organization, and the audit log's
//! last denials.

use super::{Finding, Status};
use crate::audit::AuditEntry;
use crate::catalogue::Rendered;
use serde_json::json;

/// At most this many denials are listed.
pub const MAX_DENIALS: usize = 5;

/// The connection's identity as ARM sees it.
#[derive(Debug, Clone)]
pub struct RoleFacts<'a> {
    pub client_id: &'a str,
    pub object_id: &'a str,
    /// The connection's scope (`/subscriptions/…`, a resource group, a management group).
    pub scope: &'a str,
    /// The action a pipeline's first call needs there (reading the scope).
    pub action: &'a str,
    /// `(role name, assignment scope)` of the assignments at the scope or above it.
    pub covering: &'a [(String, String)],
    /// Whether RBAC allows `action` at `scope` (`rbac::is_allowed`).
    pub allowed: bool,
}

/// Check 5: The identity's effective access at the connection's scope; no role there is a
/// warning (a pipeline would get AuthorizationFailed).
pub fn roles(f: &RoleFacts<'_>) -> Finding {
    let list = f
        .covering
        .iter()
        .map(|(role, at)| format!("{role} at {at}"))
        .collect::<Vec<_>>()
        .join(", ");
    if f.allowed {
        return Finding::ok("roles", format!("Roles at {}: {list}.", f.scope));
    }
    let mut finding = Finding::from_catalogue(
        "roles",
        Status::Warn,
        Rendered::new(
            "AuthorizationFailed",
            &[
                ("client", f.client_id),
                ("oid", f.object_id),
                ("action", f.action),
                ("scope", f.scope),
            ],
        ),
    );
    if !list.is_empty() {
        finding.finding = format!("{} Roles it has there: {list}.", finding.finding);
    }
    finding
}

/// What pipeline permissions say and which pipelines reference the connection.
#[derive(Debug, Clone)]
pub struct PipelineFacts<'a> {
    pub organization: &'a str,
    pub project: &'a str,
    pub connection: &'a str,
    pub connection_id: &'a str,
    pub all_pipelines: bool,
    pub authorized: &'a [i64],
    /// `(id, name)` of the pipelines whose steps reference the connection.
    pub referencing: &'a [(i64, String)],
}

/// Check 6: Open to all pipelines, or which are authorized; a pipeline that references the
/// connection but is not authorized is a warning (`PipelineNotAuthorized`).
pub fn pipelines(f: &PipelineFacts<'_>) -> Vec<Finding> {
    let names = |list: &mut dyn Iterator<Item = &(i64, String)>| {
        list.map(|(id, n)| format!("{n} ({id})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if f.all_pipelines {
        let using = names(&mut f.referencing.iter());
        return vec![Finding::ok(
            "pipelines",
            if using.is_empty() {
                "Open to all pipelines; no pipeline references it.".to_string()
            } else {
                format!("Open to all pipelines; referenced by {using}.")
            },
        )];
    }
    let missing: Vec<&(i64, String)> = f
        .referencing
        .iter()
        .filter(|(id, _)| !f.authorized.contains(id))
        .collect();
    if missing.is_empty() {
        let ids = f
            .authorized
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        return vec![Finding::ok(
            "pipelines",
            format!(
                "Restricted to authorized pipelines: [{ids}]; every pipeline that references it is authorized."
            ),
        )];
    }
    missing
        .into_iter()
        .map(|(id, name)| {
            Finding::from_catalogue(
                "pipelines",
                Status::Warn,
                Rendered::new(
                    "PipelineNotAuthorized",
                    &[
                        ("pipeline", name),
                        ("connection", f.connection),
                        ("id", f.connection_id),
                        ("organization", f.organization),
                        ("project", f.project),
                        ("pipelineId", &id.to_string()),
                    ],
                ),
            )
        })
        .collect()
}

/// The identity as a user of the organization.
#[derive(Debug, Clone)]
pub struct OrganizationFacts<'a> {
    /// The connection is used to call Azure DevOps itself (not only ARM).
    pub devops_use: bool,
    pub tenant: &'a str,
    pub object_id: &'a str,
    /// The identity's access level when it is a user of the organization.
    pub access_level: Option<&'a str>,
    /// `(project name, group)` of the organization's projects it is a member of.
    pub projects: &'a [(String, String)],
    /// The connection's project: `(id, name)`.
    pub project: (&'a str, &'a str),
}

/// Check 7: Whether the identity is a user of the organization (TF401444) and a member of the
/// connection's project (VS800075); warnings only for Azure DevOps-type use.
pub fn organization(f: &OrganizationFacts<'_>) -> Finding {
    let Some(level) = f.access_level else {
        if f.devops_use {
            return Finding::from_catalogue(
                "organization",
                Status::Warn,
                Rendered::new("TF401444", &[("tenant", f.tenant), ("object", f.object_id)]),
            );
        }
        return Finding::ok(
            "organization",
            "The identity is not a user of the organization (needed only to call Azure DevOps REST APIs).",
        );
    };
    let list = f
        .projects
        .iter()
        .map(|(p, g)| format!("{p} ({g})"))
        .collect::<Vec<_>>()
        .join(", ");
    let in_project = f
        .projects
        .iter()
        .any(|(p, _)| p.eq_ignore_ascii_case(f.project.1));
    if f.devops_use && !in_project {
        let mut finding = Finding::from_catalogue(
            "organization",
            Status::Warn,
            Rendered::new("VS800075", &[("project", f.project.0)]),
        );
        finding.finding = format!(
            "{} The identity is a user of the organization ({level}) but not a member of the project {}; its projects: [{list}].",
            finding.finding, f.project.1
        );
        return finding;
    }
    Finding::ok(
        "organization",
        format!("The identity is a user of the organization ({level}); projects: [{list}]."),
    )
}

/// Check 8: The last denials recorded for the connection (newest first, as the audit log returns
/// them): a denial with no later grant of the same kind is a warning with its code and fix;
/// one followed by a grant was resolved since.
pub fn denials(entries: &[AuditEntry]) -> Vec<Finding> {
    let resolved = |i: usize, kind: &str| {
        entries[..i]
            .iter()
            .any(|e| e.decision == "granted" && e.kind == kind)
    };
    let denied: Vec<(usize, &AuditEntry)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.decision == "denied")
        .take(MAX_DENIALS)
        .collect();
    if denied.is_empty() {
        return vec![Finding::ok(
            "audit",
            "No denials recorded for this connection.",
        )];
    }
    denied
        .into_iter()
        .map(|(i, e)| {
            let entry = e.code.as_deref().and_then(crate::catalogue::find);
            let code = e.code.as_deref().unwrap_or("-");
            let mut text = format!(
                "{} {} denied with {code}",
                crate::time_fmt::iso(e.at),
                e.kind
            );
            if let Some(s) = &e.subject {
                text.push_str(&format!(" for subject {s}"));
            }
            if let Some(org) = e.detail["organization"].as_str() {
                text.push_str(&format!(" in organization {org}"));
                if let Some(p) = e.detail["project"].as_str() {
                    text.push_str(&format!(", project {p}"));
                }
            }
            let detail = match e.detail.get("nearestCredential") {
                Some(near) => {
                    text.push_str(&format!(
                        "; nearest credential '{}' differs in {}",
                        near["name"].as_str().unwrap_or(""),
                        near["differs"]
                    ));
                    json!({"nearestCredential": near})
                }
                None => serde_json::Value::Null,
            };
            let resolved = resolved(i, &e.kind);
            if resolved {
                text.push_str(" (granted since)");
            }
            Finding {
                check: "audit",
                status: if resolved { Status::Ok } else { Status::Warn },
                code: entry.map(|x| x.code),
                finding: text,
                fix: if resolved { None } else { entry.map(|x| x.fix) },
                detail,
            }
        })
        .collect()
}
