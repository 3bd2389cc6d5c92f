-- Service connection security and pipeline permissions, postgres dialect. Keep in step with
-- ../sqlite/0007_connection_security.sql: same columns and index names.
--
-- project_members: a user's explicit groups in a project (group_name is the display name,
-- 'Endpoint Creators'...). connection_roles: a user's per-connection role (Reader, User,
-- Creator, Administrator). connection_shares: the other projects a connection is shared
-- with. connection_pipeline_policy: whether every pipeline may use the connection (no row:
-- yes); connection_pipelines: the pipelines authorized one by one.

CREATE TABLE project_members (
    project_id TEXT NOT NULL REFERENCES projects (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    group_name TEXT NOT NULL,
    CONSTRAINT project_members_pkey PRIMARY KEY (project_id, user_id, group_name)
);
CREATE INDEX project_members_user_ix ON project_members (user_id);

CREATE TABLE connection_roles (
    connection_id TEXT NOT NULL REFERENCES service_connections (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    role          TEXT NOT NULL,
    CONSTRAINT connection_roles_pkey PRIMARY KEY (connection_id, user_id)
);

CREATE TABLE connection_shares (
    connection_id TEXT NOT NULL REFERENCES service_connections (id),
    project_id    TEXT NOT NULL REFERENCES projects (id),
    CONSTRAINT connection_shares_pkey PRIMARY KEY (connection_id, project_id)
);
CREATE INDEX connection_shares_project_ix ON connection_shares (project_id);

CREATE TABLE connection_pipeline_policy (
    connection_id TEXT    NOT NULL PRIMARY KEY REFERENCES service_connections (id),
    all_pipelines BOOLEAN NOT NULL,
    changed_by    TEXT,
    changed_at    BIGINT  NOT NULL
);

CREATE TABLE connection_pipelines (
    connection_id TEXT    NOT NULL REFERENCES service_connections (id),
    pipeline_id   BIGINT  NOT NULL REFERENCES pipelines (id),
    authorized_by TEXT,
    authorized_at BIGINT  NOT NULL,
    CONSTRAINT connection_pipelines_pkey PRIMARY KEY (connection_id, pipeline_id)
);

-- The operation status message of a connection (a draft's instructions, a rename's
-- warning); empty when there is nothing to say.
ALTER TABLE service_connections ADD COLUMN status_message TEXT NOT NULL DEFAULT '';
