//! The audit log: one entry per authorization decision (a token request, an OIDC exchange,
//! an ARM call), kept for operators to answer "why was this denied?".

use crate::{UnixTime, Uuid};
use serde::{Deserialize, Serialize};

/// One decision or change. `kind` is `"token"`, `"oidc"`, `"arm"`, `"job"`, `"endpoints"`,
/// `"devops"` (an identity's Entra token presented to the Azure DevOps REST API) or
/// `"change"` (a change, appended in its own transaction); `decision` is `"granted"` or
/// `"denied"`; `code` is the catalogue code of a denial (e.g. `"700213"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: UnixTime,
    pub kind: String,
    pub decision: String,
    pub code: Option<String>,
    pub tenant_id: Option<Uuid>,
    pub client_id: Option<String>,
    pub connection_id: Option<Uuid>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub audience: Option<String>,
    pub correlation_id: Option<String>,
    pub trace_id: Option<String>,
    /// Free-form: for a federated credential mismatch, the nearest credential and the
    /// differing fields side by side; for ARM, the action and the scope.
    pub detail: serde_json::Value,
}

impl AuditEntry {
    /// An entry with every optional field empty and a null detail, filled in by the caller.
    pub fn new(id: Uuid, at: UnixTime, kind: &str, decision: &str) -> AuditEntry {
        AuditEntry {
            id,
            at,
            kind: kind.to_owned(),
            decision: decision.to_owned(),
            code: None,
            tenant_id: None,
            client_id: None,
            connection_id: None,
            issuer: None,
            subject: None,
            audience: None,
            correlation_id: None,
            trace_id: None,
            detail: serde_json::Value::Null,
        }
    }
}

/// What to read back from the audit log. Every field set must match (AND); `client_id` and
/// `code` compare exactly. `since` is inclusive and `until` exclusive: `since <= at < until`.
/// `before` names an entry: only entries older than it in the log's order (earlier `at`, or
/// the same `at` and appended before it) match, so the last id of one page asks for the next
/// page with neither a gap nor a repeat; an id not in the log matches nothing (pruning
/// removes an entry only with every older one). Entries come newest first, at most `limit`
/// of them (the store caps it at [`AuditFilter::MAX_LIMIT`]). Fields missing when
/// deserializing take their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditFilter {
    pub since: Option<UnixTime>,
    pub until: Option<UnixTime>,
    pub tenant_id: Option<Uuid>,
    pub client_id: Option<String>,
    pub connection_id: Option<Uuid>,
    pub decision: Option<String>,
    pub code: Option<String>,
    pub kind: Option<String>,
    pub before: Option<Uuid>,
    pub limit: u32,
}

impl AuditFilter {
    /// The limit when none is given.
    pub const DEFAULT_LIMIT: u32 = 100;
    /// The most entries one query returns, whatever `limit` says.
    pub const MAX_LIMIT: u32 = 1000;
}

impl Default for AuditFilter {
    fn default() -> Self {
        Self {
            since: None,
            until: None,
            tenant_id: None,
            client_id: None,
            connection_id: None,
            decision: None,
            code: None,
            kind: None,
            before: None,
            limit: Self::DEFAULT_LIMIT,
        }
    }
}
