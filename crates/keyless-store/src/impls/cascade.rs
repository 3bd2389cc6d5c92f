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
