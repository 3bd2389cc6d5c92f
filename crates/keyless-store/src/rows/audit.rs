//! Rows of the audit log.

use keyless_model::UnixTime;
use keyless_model::audit::AuditEntry;

rows! {
    AuditRow => AuditEntry in "audit_log" {
        id: String as uuid,
        at: UnixTime,
        kind: String,
        decision: String,
        code: Option<String>,
        tenant_id: Option<String> as opt_uuid,
        client_id: Option<String>,
        connection_id: Option<String> as opt_uuid,
        issuer: Option<String>,
        subject: Option<String>,
        audience: Option<String>,
        correlation_id: Option<String>,
        trace_id: Option<String>,
        detail: String as json,
    }
}
