//! Every cascade of the store, in one place: what a delete takes along. Each delete method
//! runs its plan below in one transaction (a savepoint inside a unit of work), dependents
//! first, then the object itself.
//!
//! The schema cannot say these with `ON DELETE CASCADE`: a role assignment names its
//! principal, a federated credential its parent (an application or a service principal)
//! and an application owner its owner without a foreign key (the column holds ids of several
//! tables), and role assignments follow the ARM scope hierarchy by prefix.
//!
//! | deleted | takes along |
//! |---|---|
//! | application | its service principals (every tenant) with their role assignments, directory roles, federated credentials and ownerships; its owners, federated credentials and secrets |
//! | service principal | its role assignments, directory roles, federated credentials, ownerships |
//! | service connection | its connection roles, shares, pipeline policy and authorized pipelines |
//! | pipeline (no run in progress) | its permission entries, its authorizations on connections, its jobs and runs |
//! | subscription (without resource groups) | the role assignments at or below its scope |
//! | resource group | its resources, the role assignments at or below its scope |
//! | resource | the resources below it, the role assignments at or below its scope |
//! | management group (empty) | the role assignments at or below its scope |
//! | organization identity | the identity's memberships of the organization's projects |
//! | project (no run in progress) | its connections and pipelines with theirs (above), jobs, runs, groups, identities and shares into it |
//! | organization (no run in progress) | its projects with theirs, identities, groups, users' access levels, features, agent pools and agents |
//! | user (owning no organization) | its tokens, guest memberships, groups, connection roles, pipeline entries, role assignments, directory roles and ownerships |
//! | tenant (no organization, subscription or connection depending on it) | its service principals (and its applications' in other tenants) with theirs, applications with theirs, users with theirs, guest memberships, directory roles, management groups with their role assignments, custom roles |

/// Declares the statements deleting what names a service principal, given as `(table, column
/// naming the principal)`: [`SERVICE_PRINCIPAL`] for one principal (`$1` its id), and
/// [`APPLICATION_BY_APP_ID`] for every principal of an application, then the principals
/// themselves (`$1` the application's app id).
macro_rules! principal_dependents {
    ($(($table:literal, $column:literal)),* $(,)?) => {
        /// A service principal's dependents (`$1` its id); then [`SERVICE_PRINCIPAL_ITSELF`].
        pub(super) const SERVICE_PRINCIPAL: &[&str] =
            &[$(concat!("DELETE FROM ", $table, " WHERE ", $column, " = $1")),*];

        /// An application's service principals with their dependents (`$1` its app id); then
        /// [`APPLICATION_BY_OBJECT_ID`]. `NotFound` is decided before, by reading the app id.
        pub(super) const APPLICATION_BY_APP_ID: &[&str] = &[
            $(concat!(
                "DELETE FROM ", $table, " WHERE ", $column,
                " IN (SELECT id FROM service_principals WHERE app_id = $1)"
            ),)*
            "DELETE FROM service_principals WHERE app_id = $1",
        ];

        /// What names the service principals of a tenant and of its applications in other
        /// tenants (`$1` the tenant's id); then [`TENANT_USERS`] and [`TENANT`].
        pub(super) const TENANT_PRINCIPALS: &[&str] = &[
            $(concat!(
                "DELETE FROM ", $table, " WHERE ", $column,
                " IN (SELECT id FROM service_principals WHERE tenant_id = $1 \
                 OR app_id IN (SELECT app_id FROM applications WHERE tenant_id = $1))"
            ),)*
        ];
    };
}

principal_dependents!(
    ("role_assignments", "principal_id"),
    ("directory_role_assignments", "principal_id"),
    ("federated_credentials", "parent_id"),
    ("application_owners", "owner_id"),
);
pub(super) const SERVICE_PRINCIPAL_ITSELF: &str = "DELETE FROM service_principals WHERE id = $1";

/// An application's own dependents, then the application itself (`$1` its object id).
pub(super) const APPLICATION_BY_OBJECT_ID: &[&str] = &[
    "DELETE FROM application_owners WHERE application_id = $1",
    "DELETE FROM federated_credentials WHERE parent_id = $1",
    "DELETE FROM password_credentials WHERE application_id = $1",
    "DELETE FROM applications WHERE id = $1",
];

/// A service connection's dependents (`$1` its id); then [`CONNECTION_ITSELF`].
pub(super) const CONNECTION: &[&str] = &[
    "DELETE FROM connection_roles WHERE connection_id = $1",
    "DELETE FROM connection_shares WHERE connection_id = $1",
    "DELETE FROM connection_pipeline_policy WHERE connection_id = $1",
    "DELETE FROM connection_pipelines WHERE connection_id = $1",
];
pub(super) const CONNECTION_ITSELF: &str = "DELETE FROM service_connections WHERE id = $1";

/// A pipeline's dependents (`$1` its id as text: both dialects cast it); then
/// [`PIPELINE_ITSELF`], unless [`PIPELINE_RUNNING`] counts a run.
pub(super) const PIPELINE: &[&str] = &[
    "DELETE FROM pipeline_aces WHERE pipeline_id = CAST($1 AS BIGINT)",
    "DELETE FROM connection_pipelines WHERE pipeline_id = CAST($1 AS BIGINT)",
    "DELETE FROM jobs WHERE pipeline_id = CAST($1 AS BIGINT)",
    "DELETE FROM runs WHERE pipeline_id = CAST($1 AS BIGINT)",
];
pub(super) const PIPELINE_ITSELF: &str = "DELETE FROM pipelines WHERE id = CAST($1 AS BIGINT)";
/// The pipeline's runs not completed (`$1` its id as text).
pub(super) const PIPELINE_RUNNING: &str =
    "SELECT COUNT(*) FROM runs WHERE pipeline_id = CAST($1 AS BIGINT) AND state <> 'completed'";

/// Every resource of a group: `$1` the subscription id, `$2` the group's name key. Runs
/// before the group is deleted (the foreign key).
pub(super) const RESOURCES_OF_GROUP: &str =
    "DELETE FROM resources WHERE subscription_id = $1 AND resource_group_key = $2";

/// Every resource below a resource: `$1` the length of `$2`, `$2` its key followed by `/`.
pub(super) const RESOURCES_BELOW: &str = "DELETE FROM resources WHERE substr(key, 1, $1) = $2";

/// The role assignments at or below a scope: `$1` the scope, `$2` the length of `$3`, `$3`
/// the scope followed by `/` (see `arm::scope_and_prefix`).
pub(super) const ASSIGNMENTS_AT_OR_BELOW: &str =
    "DELETE FROM role_assignments WHERE scope = $1 OR substr(scope, 1, $2) = $3";

/// An organization identity's project memberships: `$1` the principal, `$2` the
/// organization.
pub(super) const ORGANIZATION_IDENTITY: &str = "DELETE FROM project_identities \
     WHERE principal_id = $1 AND project_id IN (SELECT id FROM projects WHERE organization_id = $2)";

/// Declares the statements deleting what a set of projects holds, for a project (`$1` its
/// id) and for every project of an organization (`$1` the organization's id): connections
/// with their roles, shares, policy and authorized pipelines; pipelines with their
/// permission entries, jobs and runs; the projects' groups and identities. The projects
/// themselves follow.
macro_rules! project_dependents {
    ($(($name:ident, $projects:literal)),* $(,)?) => {$(
        pub(super) const $name: &[&str] = &[
            concat!("DELETE FROM connection_roles WHERE connection_id IN \
                     (SELECT id FROM service_connections WHERE project_id IN (", $projects, "))"),
            concat!("DELETE FROM connection_shares WHERE project_id IN (", $projects, ") \
                     OR connection_id IN \
                     (SELECT id FROM service_connections WHERE project_id IN (", $projects, "))"),
            concat!("DELETE FROM connection_pipeline_policy WHERE connection_id IN \
                     (SELECT id FROM service_connections WHERE project_id IN (", $projects, "))"),
            concat!("DELETE FROM connection_pipelines WHERE connection_id IN \
                     (SELECT id FROM service_connections WHERE project_id IN (", $projects, ")) \
                     OR pipeline_id IN (SELECT id FROM pipelines WHERE project_id IN (", $projects, "))"),
            concat!("DELETE FROM pipeline_aces WHERE pipeline_id IN \
                     (SELECT id FROM pipelines WHERE project_id IN (", $projects, "))"),
            concat!("DELETE FROM jobs WHERE project_id IN (", $projects, ") OR pipeline_id IN \
                     (SELECT id FROM pipelines WHERE project_id IN (", $projects, "))"),
            concat!("DELETE FROM runs WHERE project_id IN (", $projects, ") OR pipeline_id IN \
                     (SELECT id FROM pipelines WHERE project_id IN (", $projects, "))"),
            concat!("DELETE FROM pipelines WHERE project_id IN (", $projects, ")"),
            concat!("DELETE FROM service_connections WHERE project_id IN (", $projects, ")"),
            concat!("DELETE FROM project_members WHERE project_id IN (", $projects, ")"),
            concat!("DELETE FROM project_identities WHERE project_id IN (", $projects, ")"),
        ];
    )*};
}

project_dependents!(
    (PROJECT, "$1"),
    (
        ORGANIZATION_PROJECTS,
        "SELECT id FROM projects WHERE organization_id = $1"
    ),
);
pub(super) const PROJECT_ITSELF: &str = "DELETE FROM projects WHERE id = $1";
/// The project's runs not completed (`$1` its id).
pub(super) const PROJECT_RUNNING: &str =
    "SELECT COUNT(*) FROM runs WHERE project_id = $1 AND state <> 'completed'";

/// What an organization holds besides its projects' contents (`$1` its id); then
/// [`ORGANIZATION_ITSELF`].
pub(super) const ORGANIZATION: &[&str] = &[
    "DELETE FROM projects WHERE organization_id = $1",
    "DELETE FROM organization_identities WHERE organization_id = $1",
    "DELETE FROM organization_members WHERE organization_id = $1",
    "DELETE FROM organization_users WHERE organization_id = $1",
    "DELETE FROM organization_features WHERE organization_id = $1",
    "DELETE FROM agents WHERE pool_id IN (SELECT id FROM agent_pools WHERE organization_id = $1)",
    "DELETE FROM agent_pools WHERE organization_id = $1",
];
pub(super) const ORGANIZATION_ITSELF: &str = "DELETE FROM organizations WHERE id = $1";
/// The organization's runs not completed (`$1` its id).
pub(super) const ORGANIZATION_RUNNING: &str = "SELECT COUNT(*) FROM runs WHERE state <> 'completed' \
     AND project_id IN (SELECT id FROM projects WHERE organization_id = $1)";

/// Declares the statements deleting what names a user, given as `(table, column naming the
/// user)`: [`USER`] for one user (`$1` its id) and [`TENANT_USERS`] for every user of a
/// tenant (`$1` the tenant's id).
macro_rules! user_dependents {
    ($(($table:literal, $column:literal)),* $(,)?) => {
        /// A user's dependents (`$1` its id); then [`USER_ITSELF`].
        pub(super) const USER: &[&str] = &[
            $(concat!("DELETE FROM ", $table, " WHERE ", $column, " = $1"),)*
            "DELETE FROM pipeline_aces WHERE subject = 'user:' || $1",
        ];

        /// The dependents of every user of a tenant (`$1` its id).
        pub(super) const TENANT_USERS: &[&str] = &[
            $(concat!(
                "DELETE FROM ", $table, " WHERE ", $column,
                " IN (SELECT id FROM users WHERE tenant_id = $1)"
            ),)*
            "DELETE FROM pipeline_aces WHERE subject IN \
             (SELECT 'user:' || id FROM users WHERE tenant_id = $1)",
        ];
    };
}

user_dependents!(
    ("personal_access_tokens", "user_id"),
    ("guest_memberships", "user_id"),
    ("project_members", "user_id"),
    ("connection_roles", "user_id"),
    ("organization_members", "user_id"),
    ("organization_users", "user_id"),
    ("role_assignments", "principal_id"),
    ("directory_role_assignments", "principal_id"),
    ("application_owners", "owner_id"),
);
pub(super) const USER_ITSELF: &str = "DELETE FROM users WHERE id = $1";
/// The organizations the user owns (`$1` its id): a user who owns one is not deleted.
pub(super) const USER_OWNS: &str = "SELECT COUNT(*) FROM organizations WHERE owner_id = $1";

/// What depends on a tenant from outside its directory (`$1` its id): organizations
/// connected to it, its subscriptions, connections naming it, organizations owned by its
/// users. A tenant with any of them is not deleted.
pub(super) const TENANT_IN_USE: &str = "SELECT \
     (SELECT COUNT(*) FROM organizations WHERE tenant_id = $1) \
     + (SELECT COUNT(*) FROM subscriptions WHERE tenant_id = $1) \
     + (SELECT COUNT(*) FROM service_connections WHERE tenant_id = $1) \
     + (SELECT COUNT(*) FROM organizations \
        WHERE owner_id IN (SELECT id FROM users WHERE tenant_id = $1))";

/// A tenant's directory (`$1` its id), after [`TENANT_PRINCIPALS`] and [`TENANT_USERS`]:
/// service principals (its own, and those of its applications in other tenants),
/// applications with their owners, credentials and secrets, users, guest memberships,
/// directory roles, custom roles, the role assignments at its management groups and the
/// groups; then [`TENANT_ITSELF`].
pub(super) const TENANT: &[&str] = &[
    "DELETE FROM service_principals WHERE tenant_id = $1 \
     OR app_id IN (SELECT app_id FROM applications WHERE tenant_id = $1)",
    "DELETE FROM application_owners WHERE application_id IN \
     (SELECT id FROM applications WHERE tenant_id = $1)",
    "DELETE FROM federated_credentials WHERE parent_id IN \
     (SELECT id FROM applications WHERE tenant_id = $1)",
    "DELETE FROM password_credentials WHERE application_id IN \
     (SELECT id FROM applications WHERE tenant_id = $1)",
    "DELETE FROM applications WHERE tenant_id = $1",
    "DELETE FROM users WHERE tenant_id = $1",
    "DELETE FROM guest_memberships WHERE tenant_id = $1",
    "DELETE FROM directory_role_assignments WHERE tenant_id = $1",
    "DELETE FROM role_assignments WHERE scope IN (SELECT \
     '/providers/microsoft.management/managementgroups/' || name_key \
     FROM management_groups WHERE tenant_id = $1)",
    "DELETE FROM management_groups WHERE tenant_id = $1",
    "DELETE FROM custom_roles WHERE tenant_id = $1",
];
pub(super) const TENANT_ITSELF: &str = "DELETE FROM tenants WHERE id = $1";
