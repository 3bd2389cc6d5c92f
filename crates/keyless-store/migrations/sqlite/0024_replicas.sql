-- Serving processes, sqlite dialect. Keep in step with ../postgres/0024_replicas.sql.
--
-- replicas: one row per `keyless serve` process on this database (id chosen at its start),
-- with its version, its start and its last heartbeat (Unix seconds). A row not beaten for a
-- day is deleted by the next heartbeat of any replica.
CREATE TABLE replicas (
    id         TEXT    NOT NULL PRIMARY KEY,
    version    TEXT    NOT NULL,
    started_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX replicas_seen_ix ON replicas (seen_at);
