//! `keyless doctor`: the troubleshooting checklist for one service connection (what Azure
//! DevOps' troubleshooting pages for service connections ask to check), as
//! pure functions from gathered facts to findings. Each finding is OK, WARN or FAIL; a
//! finding with a catalogue code carries that entry's rendered message and its fix, so the
//! checklist speaks the catalogue's words. The server gathers the facts from the store
//! (`keyless-server/src/devops/doctor.rs`).

use crate::UnixTime;
use crate::catalogue::Rendered;
use crate::devops::{ConnectionState, IssuerGeneration, Scheme};
use crate::directory::{Cloud, FederatedCredential, FederationPolicy};
use crate::federation::policy::{self, Identity};
use crate::federation::{Presented, first_difference, match_credential, nearest_credential};
use serde::Serialize;
use serde_json::{Value, json};

/// A secret that ends within this many days is a warning.
pub const SECRET_WARN_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// `connection`, `identity`, `secret`, `policy`, `cloud`, `credential`, `roles`,
    /// `pipelines`, `organization`, `audit`.
    pub check: &'static str,
    pub status: Status,
    pub code: Option<&'static str>,
    pub finding: String,
    /// The catalogue entry's fix (absent on OK lines).
    pub fix: Option<&'static str>,
    /// Administrator-only detail (the nearest credential's field diff, a denial's detail).
    #[serde(skip_serializing_if = "Value::is_null")]
    pub detail: Value,
}

impl Finding {
    pub fn ok(check: &'static str, finding: impl Into<String>) -> Finding {
        Finding {
            check,
            status: Status::Ok,
            code: None,
            finding: finding.into(),
            fix: None,
            detail: Value::Null,
        }
    }

    /// A WARN or FAIL line from a catalogue entry: its message and its fix.
    pub fn from_catalogue(check: &'static str, status: Status, r: Rendered) -> Finding {
        Finding {
            check,
            status,
            code: Some(r.entry.code),
            finding: r.message,
            fix: Some(r.entry.fix),
            detail: Value::Null,
        }
    }

    pub fn with_detail(mut self, detail: Value) -> Finding {
        self.detail = detail;
        self
    }
}

/// The worst status of a checklist (OK when empty).
pub fn overall(findings: &[Finding]) -> Status {
    findings
        .iter()
        .map(|f| f.status)
        .max()
        .unwrap_or(Status::Ok)
}

/// Check 1: The connection's state: a Draft cannot issue tokens; a Ready connection with a
/// status message needs attention (a rename changed its subject).
pub fn connection_state(
    state: ConnectionState,
    status_message: &str,
    scheme: Scheme,
    generation: IssuerGeneration,
) -> Finding {
    if state == ConnectionState::Draft {
        return Finding::from_catalogue(
            "connection",
            Status::Fail,
            Rendered::new(
                "ConnectionNotReady",
                &[(
                    "detail",
                    &format!("The service connection is a draft. {status_message}"),
                )],
            ),
        );
    }
    if !status_message.is_empty() {
        // The message is one of the two warnings a save leaves: a moved subject or issuer.
        let code = crate::catalogue::identify(status_message)
            .map(|e| e.code)
            .filter(|c| *c == "IssuerChanged")
            .unwrap_or("SubjectChanged");
        let mut f = Finding::from_catalogue("connection", Status::Warn, Rendered::new(code, &[]));
        f.finding = crate::catalogue::sanitize(status_message);
        return f;
    }
    Finding::ok(
        "connection",
        format!(
            "{state}, scheme {scheme}, issuer generation {}.",
            generation.as_str()
        ),
    )
}

/// Check 1: a connection on the legacy issuer (one issuer for every organization) should
/// move to its organization's issuer, which editing and saving it does.
pub fn legacy_issuer(issuer: &str, organization_issuer: &str) -> Finding {
    Finding::from_catalogue(
        "connection",
        Status::Warn,
        Rendered::new(
            "LegacyIssuer",
            &[("issuer", issuer), ("new", organization_issuer)],
        ),
    )
}

/// What is known of the connection's identity in its tenant.
#[derive(Debug, Clone)]
pub struct IdentityFacts {
    pub display_name: String,
    pub principal_enabled: bool,
    /// `None` for a managed identity (no app registration).
    pub app_enabled: Option<bool>,
}

/// Check 2: The identity exists (700016) and is enabled (7000112).
pub fn identity(client_id: &str, tenant: &str, facts: Option<&IdentityFacts>) -> Finding {
    let Some(f) = facts else {
        return Finding::from_catalogue(
            "identity",
            Status::Fail,
            Rendered::new("700016", &[("client_id", client_id), ("tenant", tenant)]),
        );
    };
    if !f.principal_enabled || f.app_enabled == Some(false) {
        return Finding::from_catalogue(
            "identity",
            Status::Fail,
            Rendered::new(
                "7000112",
                &[("app_id", client_id), ("name", &f.display_name)],
            ),
        );
    }
    let kind = if f.app_enabled.is_some() {
        "app registration and service principal"
    } else {
        "managed identity"
    };
    Finding::ok(
        "identity",
        format!(
            "{} ({kind}) exists in the tenant and is enabled.",
            f.display_name
        ),
    )
}

/// Check 2: The secrets of a ServicePrincipal connection's app, as `(start, end)`: every one
/// expired (7000222), or the newest ends within [`SECRET_WARN_DAYS`] (WARN).
pub fn secrets(app_id: &str, windows: &[(UnixTime, UnixTime)], now: UnixTime) -> Finding {
    let live: Vec<UnixTime> = windows
        .iter()
        .filter(|(start, end)| policy::secret_is_live(*start, *end, now))
        .map(|(_, end)| *end)
        .collect();
    let rendered = || Rendered::new("7000222", &[("app_id", app_id)]);
    let Some(last) = live.into_iter().max() else {
        return Finding::from_catalogue("secret", Status::Fail, rendered());
    };
    let days = (last - now) / 86_400;
    if days < SECRET_WARN_DAYS {
        let mut f = Finding::from_catalogue("secret", Status::Warn, rendered());
        f.finding = format!(
            "The newest client secret of app '{app_id}' expires in {days} days ({}).",
            crate::time_fmt::iso(last)
        );
        return f;
    }
    Finding::ok(
        "secret",
        format!(
            "A client secret is valid until {} ({days} days).",
            crate::time_fmt::iso(last)
        ),
    )
}

/// Check 3: The tenant's federation policy: disabled (700223) or the issuer not allowed for this
/// kind of identity (700238).
pub fn policy(policy: &FederationPolicy, managed_identity: bool, issuer: &str) -> Finding {
    // Only the kind of identity matters here: the audience is the multitenant rule's.
    let identity = if managed_identity {
        Identity::ManagedIdentity
    } else {
        Identity::App {
            sign_in_audience: "",
        }
    };
    if let Err(refusal) = policy::tenant_allows(policy, identity, issuer) {
        return Finding::from_catalogue("policy", Status::Fail, refusal.render());
    }
    Finding::ok(
        "policy",
        format!(
            "The tenant's policy allows federation from {issuer} for {}.",
            identity.kind()
        ),
    )
}

/// Check 3: The issuer's cloud (the organization's, or its tenant's for the Entra generation)
/// against the identity's tenant's cloud (900382).
pub fn cloud(issuer_cloud: Cloud, tenant_cloud: Cloud) -> Finding {
    if let Err(refusal) = policy::same_cloud(Some(issuer_cloud), tenant_cloud) {
        let mut f = Finding::from_catalogue("cloud", Status::Fail, refusal.render());
        f.finding = format!(
            "{} The issuer belongs to the {} cloud, the identity's tenant to the {} cloud.",
            f.finding,
            issuer_cloud.as_str(),
            tenant_cloud.as_str()
        );
        return f;
    }
    Finding::ok(
        "cloud",
        format!(
            "Issuer and tenant are both in the {} cloud.",
            issuer_cloud.as_str()
        ),
    )
}

/// Check 4: Whether the identity's credentials match what the connection's ID tokens carry; on
/// a mismatch, the nearest credential's field diff (administrators only).
pub fn credential(
    credentials: &[FederatedCredential],
    presented: &Presented<'_>,
    app_id: &str,
    name: &str,
    expression: impl Fn(&str) -> bool,
) -> Finding {
    match match_credential(credentials, presented, app_id, name, expression) {
        Ok(c) => Finding::ok(
            "credential",
            format!(
                "The federated credential '{}' matches issuer {} and subject {}.",
                c.name, presented.issuer, presented.subject
            ),
        ),
        Err(r) => {
            let detail = nearest_credential(credentials, presented)
                .map(|(near, differs)| {
                    json!({"nearestCredential": {
                        "name": near.name,
                        "differs": differs,
                        "configured": {"issuer": near.issuer, "subject": near.subject, "audiences": near.audiences},
                        "expected": {"issuer": presented.issuer, "subject": presented.subject, "audiences": presented.audiences},
                        "firstDifference": first_difference(near, presented, "expected"),
                    }})
                })
                .unwrap_or(Value::Null);
            Finding::from_catalogue("credential", Status::Fail, r).with_detail(detail)
        }
    }
}

mod access;
pub use access::*;

#[cfg(test)]
mod tests;
