-- Service principals and managed identities added to an organization as users (the
-- DevOps REST API refuses their Entra tokens otherwise: TF401444), and their project groups
-- (a project is invisible to them without one: VS800075). Keep in step with the other
-- backend's 0011: same columns and index names.
CREATE TABLE organization_identities (
    organization_id TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    principal_id    TEXT    NOT NULL REFERENCES service_principals (id) ON DELETE CASCADE,
    access_level    TEXT    NOT NULL,
    created_at      BIGINT NOT NULL,
    CONSTRAINT organization_identities_pkey PRIMARY KEY (organization_id, principal_id)
);
CREATE INDEX organization_identities_principal_ix ON organization_identities (principal_id);

CREATE TABLE project_identities (
    project_id   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    principal_id TEXT NOT NULL REFERENCES service_principals (id) ON DELETE CASCADE,
    group_name   TEXT NOT NULL,
    CONSTRAINT project_identities_pkey PRIMARY KEY (project_id, principal_id)
);
CREATE INDEX project_identities_principal_ix ON project_identities (principal_id);
