-- keyless schema, PostgreSQL dialect. Keep in step with ../sqlite/0001_initial.sql: same
-- tables, columns and index names. Ids are lowercase hyphenated text, times Unix seconds,
-- JSON documents text, booleans BOOLEAN. `*_key` columns hold the lowercased name that
-- case-insensitive lookups and uniqueness use. Unique index names are mapped to conflict
-- rules in src/errors.rs.

CREATE TABLE tenants (
    id           TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL,
    name_key     TEXT    NOT NULL,
    domain       TEXT    NOT NULL,
    domain_key   TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    cloud        TEXT    NOT NULL,
    settings     TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL
);
CREATE UNIQUE INDEX tenants_name_uq ON tenants (name_key);
CREATE UNIQUE INDEX tenants_domain_uq ON tenants (domain_key);

CREATE TABLE users (
    id                  TEXT    NOT NULL PRIMARY KEY,
    tenant_id           TEXT    NOT NULL REFERENCES tenants (id),
    user_principal_name TEXT    NOT NULL,
    upn_key             TEXT    NOT NULL,
    display_name        TEXT    NOT NULL,
    user_type           TEXT    NOT NULL,
    is_admin            BOOLEAN NOT NULL,
    created_at          BIGINT  NOT NULL
);
CREATE UNIQUE INDEX users_upn_uq ON users (upn_key);
CREATE INDEX users_tenant_ix ON users (tenant_id);

CREATE TABLE personal_access_tokens (
    id         TEXT    NOT NULL PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id),
    name       TEXT    NOT NULL,
    token_hash TEXT    NOT NULL,
    scopes     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX personal_access_tokens_hash_uq ON personal_access_tokens (token_hash);
CREATE INDEX personal_access_tokens_user_ix ON personal_access_tokens (user_id);

CREATE TABLE applications (
    id               TEXT    NOT NULL PRIMARY KEY,
    app_id           TEXT    NOT NULL,
    tenant_id        TEXT    NOT NULL REFERENCES tenants (id),
    display_name     TEXT    NOT NULL,
    name_key         TEXT    NOT NULL,
    sign_in_audience TEXT    NOT NULL,
    enabled          BOOLEAN NOT NULL,
    created_by       TEXT,
    created_at       BIGINT  NOT NULL
);
CREATE UNIQUE INDEX applications_app_id_uq ON applications (app_id);
CREATE INDEX applications_tenant_name_ix ON applications (tenant_id, name_key);

CREATE TABLE service_principals (
    id                     TEXT    NOT NULL PRIMARY KEY,
    app_id                 TEXT    NOT NULL,
    tenant_id              TEXT    NOT NULL REFERENCES tenants (id),
    display_name           TEXT    NOT NULL,
    account_enabled        BOOLEAN NOT NULL,
    service_principal_type TEXT    NOT NULL,
    alternative_names      TEXT    NOT NULL,
    created_at             BIGINT  NOT NULL
);
CREATE UNIQUE INDEX service_principals_tenant_app_uq ON service_principals (tenant_id, app_id);
CREATE INDEX service_principals_app_ix ON service_principals (app_id);

CREATE TABLE password_credentials (
    key_id         TEXT    NOT NULL PRIMARY KEY,
    application_id TEXT    NOT NULL REFERENCES applications (id),
    display_name   TEXT    NOT NULL,
    hint           TEXT    NOT NULL,
    salt           TEXT    NOT NULL,
    secret_hash    TEXT    NOT NULL,
    start_date_time BIGINT  NOT NULL,
    end_date_time  BIGINT  NOT NULL
);
CREATE INDEX password_credentials_app_ix ON password_credentials (application_id);

-- parent_id is an application's object id or a managed identity's principal id: no FK.
CREATE TABLE federated_credentials (
    id                         TEXT    NOT NULL PRIMARY KEY,
    parent_id                  TEXT    NOT NULL,
    name                       TEXT    NOT NULL,
    name_key                   TEXT    NOT NULL,
    issuer                     TEXT    NOT NULL,
    subject                    TEXT,
    audiences                  TEXT    NOT NULL,
    description                TEXT,
    claims_matching_expression TEXT,
    created_at                 BIGINT  NOT NULL
);
CREATE UNIQUE INDEX federated_credentials_name_uq ON federated_credentials (parent_id, name_key);
-- A NULL subject (flexible credential) never collides.
CREATE UNIQUE INDEX federated_credentials_issuer_subject_uq
    ON federated_credentials (parent_id, issuer, subject);

CREATE TABLE subscriptions (
    id           TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    display_name TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL
);

CREATE TABLE resource_groups (
    subscription_id TEXT    NOT NULL REFERENCES subscriptions (id),
    name            TEXT    NOT NULL,
    name_key        TEXT    NOT NULL,
    location        TEXT    NOT NULL,
    tags            TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    PRIMARY KEY (subscription_id, name_key)
);

-- scope is stored lowercase, so the uniqueness below is case-insensitive.
CREATE TABLE role_assignments (
    id                 TEXT    NOT NULL PRIMARY KEY,
    scope              TEXT    NOT NULL,
    role_definition_id TEXT    NOT NULL,
    principal_id       TEXT    NOT NULL,
    principal_type     TEXT    NOT NULL,
    created_by         TEXT,
    created_at         BIGINT  NOT NULL
);
CREATE UNIQUE INDEX role_assignments_uq
    ON role_assignments (scope, role_definition_id, principal_id);
CREATE INDEX role_assignments_principal_ix ON role_assignments (principal_id);

CREATE TABLE organizations (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    name_key   TEXT    NOT NULL,
    tenant_id  TEXT,
    created_at BIGINT  NOT NULL
);
CREATE UNIQUE INDEX organizations_name_uq ON organizations (name_key);

CREATE TABLE projects (
    id              TEXT    NOT NULL PRIMARY KEY,
    organization_id TEXT    NOT NULL REFERENCES organizations (id),
    name            TEXT    NOT NULL,
    name_key        TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE UNIQUE INDEX projects_name_uq ON projects (organization_id, name_key);

CREATE TABLE service_connections (
    id                TEXT    NOT NULL PRIMARY KEY,
    organization_id   TEXT    NOT NULL REFERENCES organizations (id),
    project_id        TEXT    NOT NULL REFERENCES projects (id),
    name              TEXT    NOT NULL,
    name_key          TEXT    NOT NULL,
    endpoint_type     TEXT    NOT NULL,
    scheme            TEXT    NOT NULL,
    tenant_id         TEXT    NOT NULL,
    client_id         TEXT    NOT NULL,
    issuer_generation TEXT    NOT NULL,
    creation_mode     TEXT    NOT NULL,
    state             TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    data              TEXT    NOT NULL,
    created_by        TEXT,
    created_at        BIGINT  NOT NULL
);
CREATE UNIQUE INDEX service_connections_name_uq ON service_connections (project_id, name_key);

CREATE TABLE pipelines (
    id          BIGINT  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    project_id  TEXT    NOT NULL REFERENCES projects (id),
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL,
    connections TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX pipelines_name_uq ON pipelines (project_id, name_key);

CREATE TABLE jobs (
    id          TEXT    NOT NULL PRIMARY KEY,
    plan_id     TEXT    NOT NULL,
    pipeline_id BIGINT  NOT NULL REFERENCES pipelines (id),
    project_id  TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    finished_at BIGINT
);
CREATE UNIQUE INDEX jobs_token_hash_uq ON jobs (token_hash);

CREATE TABLE signing_keys (
    kid                TEXT    NOT NULL,
    owner              TEXT    NOT NULL,
    alg                TEXT    NOT NULL,
    cert_der           BYTEA   NOT NULL,
    sealed_private_key BYTEA   NOT NULL,
    created_at         BIGINT  NOT NULL,
    retired_at         BIGINT,
    -- Named: the conflict mapping (src/errors.rs) recognises it.
    CONSTRAINT signing_keys_pkey PRIMARY KEY (kid)
);
CREATE INDEX signing_keys_owner_ix ON signing_keys (owner, created_at);
