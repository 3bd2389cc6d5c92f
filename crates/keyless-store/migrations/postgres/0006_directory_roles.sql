-- Directory roles and guest memberships, PostgreSQL dialect. Keep in step with
-- ../sqlite/0006_directory_roles.sql: same columns and index names.
--
-- `directory_role_assignments`: a role (its Entra template id) held by a user or a service
-- principal (`principal_type` 'User' or 'ServicePrincipal') in one tenant; one row per
-- (tenant, principal, role). No foreign key on `principal_id`: it names either table.
-- Deleting a service principal (or its application) deletes its rows (src/impls/directory.rs).
--
-- `guest_memberships`: a user of one tenant invited into another as a guest.

CREATE TABLE directory_role_assignments (
    tenant_id        TEXT    NOT NULL REFERENCES tenants (id),
    principal_id     TEXT    NOT NULL,
    principal_type   TEXT    NOT NULL,
    role_template_id TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    CONSTRAINT directory_role_assignments_pkey PRIMARY KEY (tenant_id, principal_id, role_template_id)
);
CREATE INDEX directory_role_assignments_principal_ix ON directory_role_assignments (principal_id);

CREATE TABLE guest_memberships (
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    user_id    TEXT    NOT NULL REFERENCES users (id),
    created_at BIGINT  NOT NULL,
    CONSTRAINT guest_memberships_pkey PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX guest_memberships_user_ix ON guest_memberships (user_id);
