-- Management groups, subscription placement and custom role definitions, PostgreSQL
-- dialect. Keep in step with ../sqlite/0005_management.sql: same columns and index names.
--
-- A management group is identified by its name, unique across every tenant (as in Azure)
-- and compared case-insensitively: `name_key` is the lowercase name, the primary key, and
-- what lookups use; `name` keeps the spelling of the create. `parent_key` is the parent's
-- `name_key` (NULL: a root); the foreign key on (tenant_id, parent_key) makes the parent
-- exist in the same tenant, which is why (tenant_id, name_key) is unique as well. Cycles
-- are refused by the update (src/impls/management.rs), not by the schema.
--
-- `subscriptions.management_group` is the `name_key` of the group a subscription sits
-- under (NULL: the tenant root). `custom_roles` keeps its permission lists and assignable
-- scopes as JSON arrays in text; role names are unique per tenant, case-insensitively.

CREATE TABLE management_groups (
    name         TEXT    NOT NULL,
    name_key     TEXT    NOT NULL,
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    display_name TEXT    NOT NULL,
    parent_key   TEXT,
    created_at   BIGINT  NOT NULL,
    -- Named: the conflict mapping (src/errors.rs) recognises them.
    CONSTRAINT management_groups_pkey PRIMARY KEY (name_key),
    CONSTRAINT management_groups_tenant_name_uq UNIQUE (tenant_id, name_key),
    FOREIGN KEY (tenant_id, parent_key) REFERENCES management_groups (tenant_id, name_key)
);
CREATE INDEX management_groups_parent_ix ON management_groups (parent_key);

ALTER TABLE subscriptions
    ADD COLUMN management_group TEXT REFERENCES management_groups (name_key);
CREATE INDEX subscriptions_management_group_ix ON subscriptions (management_group);

CREATE TABLE custom_roles (
    id                TEXT    NOT NULL PRIMARY KEY,
    tenant_id         TEXT    NOT NULL REFERENCES tenants (id),
    role_name         TEXT    NOT NULL,
    name_key          TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    actions           TEXT    NOT NULL,
    not_actions       TEXT    NOT NULL,
    data_actions      TEXT    NOT NULL,
    not_data_actions  TEXT    NOT NULL,
    assignable_scopes TEXT    NOT NULL,
    created_at        BIGINT  NOT NULL
);
CREATE UNIQUE INDEX custom_roles_name_uq ON custom_roles (tenant_id, name_key);

-- "Is this role still assigned?" before a custom role is deleted.
CREATE INDEX role_assignments_role_ix ON role_assignments (role_definition_id);
