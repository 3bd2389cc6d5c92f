-- The audit log, SQLite dialect. Keep in step with ../postgres/0002_audit.sql: same columns
-- and index names. `seq` is the insertion order, breaking ties between entries of the same
-- second (newest first means highest `seq` first); `id` is the entry's own id. `detail` is
-- a JSON document as text.

CREATE TABLE audit_log (
    seq            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id             TEXT    NOT NULL,
    at             INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    decision       TEXT    NOT NULL,
    code           TEXT,
    tenant_id      TEXT,
    client_id      TEXT,
    connection_id  TEXT,
    issuer         TEXT,
    subject        TEXT,
    audience       TEXT,
    correlation_id TEXT,
    trace_id       TEXT,
    detail         TEXT    NOT NULL
) STRICT;
CREATE UNIQUE INDEX audit_log_id_uq ON audit_log (id);
CREATE INDEX audit_log_at_ix ON audit_log (at);
CREATE INDEX audit_log_tenant_at_ix ON audit_log (tenant_id, at);
CREATE INDEX audit_log_client_at_ix ON audit_log (client_id, at);
CREATE INDEX audit_log_connection_at_ix ON audit_log (connection_id, at);
