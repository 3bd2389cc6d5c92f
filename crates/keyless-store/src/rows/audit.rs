//! Rows of the audit log.

use super::{IntoModel, from_json, opt_uuid, uuid};
use crate::StoreResult;
use keyless_model::UnixTime;
use keyless_model::audit::AuditEntry;

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    id: String,
    at: UnixTime,
    kind: String,
    decision: String,
    code: Option<String>,
    tenant_id: Option<String>,
    client_id: Option<String>,
    connection_id: Option<String>,
    issuer: Option<String>,
    subject: Option<String>,
    audience: Option<String>,
    correlation_id: Option<String>,
    trace_id: Option<String>,
    detail: String,
}

impl IntoModel for AuditRow {
    type Model = AuditEntry;
    fn into_model(self) -> StoreResult<AuditEntry> {
        Ok(AuditEntry {
            id: uuid("audit_log.id", &self.id)?,
            tenant_id: opt_uuid("audit_log.tenant_id", self.tenant_id)?,
            connection_id: opt_uuid("audit_log.connection_id", self.connection_id)?,
            detail: from_json("audit_log.detail", &self.detail)?,
            at: self.at,
            kind: self.kind,
            decision: self.decision,
            code: self.code,
            client_id: self.client_id,
            issuer: self.issuer,
            subject: self.subject,
            audience: self.audience,
            correlation_id: self.correlation_id,
            trace_id: self.trace_id,
        })
    }
}
