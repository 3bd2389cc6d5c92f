-- Pipeline permission entries, and connections closed to other pipelines by default,
-- postgres dialect. Keep in step with ../sqlite/0017_pipeline_security.sql.
--
-- pipeline_aces: one pipeline's allow or deny of one permission (QueueBuilds...) to a
-- subject ('group:Readers', 'user:{id}').
CREATE TABLE pipeline_aces (
    pipeline_id BIGINT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    subject     TEXT   NOT NULL,
    permission  TEXT   NOT NULL,
    access      TEXT   NOT NULL,
    CONSTRAINT pipeline_aces_pkey PRIMARY KEY (pipeline_id, subject, permission)
);

-- A connection without a policy row used to be open to every pipeline; it is closed now.
-- Connections that exist keep what they had.
INSERT INTO connection_pipeline_policy (connection_id, all_pipelines, changed_by, changed_at)
SELECT id, TRUE, NULL, created_at FROM service_connections
WHERE id NOT IN (SELECT connection_id FROM connection_pipeline_policy);
