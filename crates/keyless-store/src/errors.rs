//! Driver errors → [`StoreError`]. A uniqueness violation is recognised by the index that
//! was violated and becomes the matching [`conflict`] rule; nothing else about the driver
//! leaks out except as [`StoreError::Backend`] text.
//!
//! PostgreSQL names the violated index or constraint. SQLite does not: its message lists the
//! indexed columns (`UNIQUE constraint failed: users.upn_key`), so each rule carries both.

use crate::{StoreError, conflict};
use sqlx::error::ErrorKind;

struct Rule {
    /// The index (or constraint) name, as PostgreSQL reports it.
    index: &'static str,
    /// What follows `UNIQUE constraint failed: ` in SQLite's message.
    sqlite_columns: &'static str,
    conflict: &'static str,
}

const fn rule(index: &'static str, sqlite_columns: &'static str, c: &'static str) -> Rule {
    Rule {
        index,
        sqlite_columns,
        conflict: c,
    }
}

/// Every unique index in `migrations/*/*.sql` except plain primary keys, which fall back to
/// [`conflict::DUPLICATE_ID`].
const RULES: &[Rule] = &[
    rule("tenants_name_uq", "tenants.name_key", conflict::TENANT_NAME),
    rule(
        "tenants_domain_uq",
        "tenants.domain_key",
        conflict::TENANT_NAME,
    ),
    rule("users_upn_uq", "users.upn_key", conflict::USER_UPN),
    rule(
        "applications_app_id_uq",
        "applications.app_id",
        conflict::APP_ID,
    ),
    rule(
        "service_principals_tenant_app_uq",
        "service_principals.tenant_id, service_principals.app_id",
        conflict::SERVICE_PRINCIPAL,
    ),
    rule(
        "federated_credentials_name_uq",
        "federated_credentials.parent_id, federated_credentials.name_key",
        conflict::FIC_NAME,
    ),
    rule(
        "federated_credentials_issuer_subject_uq",
        "federated_credentials.parent_id, federated_credentials.issuer, federated_credentials.subject",
        conflict::FIC_ISSUER_SUBJECT,
    ),
    rule(
        "role_assignments_uq",
        "role_assignments.scope, role_assignments.role_definition_id, role_assignments.principal_id",
        conflict::ROLE_ASSIGNMENT_EXISTS,
    ),
    rule(
        "organizations_name_uq",
        "organizations.name_key",
        conflict::ORGANIZATION_NAME,
    ),
    rule(
        "projects_name_uq",
        "projects.organization_id, projects.name_key",
        conflict::PROJECT_NAME,
    ),
    rule(
        "service_connections_name_uq",
        "service_connections.project_id, service_connections.name_key",
        conflict::CONNECTION_NAME,
    ),
    rule(
        "pipelines_name_uq",
        "pipelines.project_id, pipelines.name_key",
        conflict::PIPELINE_NAME,
    ),
    rule(
        "agent_pools_name_uq",
        "agent_pools.organization_id, agent_pools.name_key",
        conflict::POOL_NAME,
    ),
    rule(
        "agents_name_uq",
        "agents.pool_id, agents.name_key",
        conflict::AGENT_NAME,
    ),
    rule(
        "signing_keys_pkey",
        "signing_keys.kid",
        conflict::SIGNING_KEY,
    ),
    // Management group names are unique across tenants (the key) and, for the parent's
    // foreign key, per tenant too: either index may report a duplicate first.
    rule(
        "management_groups_pkey",
        "management_groups.name_key",
        conflict::MANAGEMENT_GROUP,
    ),
    rule(
        "management_groups_tenant_name_uq",
        "management_groups.tenant_id, management_groups.name_key",
        conflict::MANAGEMENT_GROUP,
    ),
    rule(
        "custom_roles_name_uq",
        "custom_roles.tenant_id, custom_roles.name_key",
        conflict::ROLE_NAME,
    ),
    rule(
        "directory_role_assignments_pkey",
        "directory_role_assignments.tenant_id, directory_role_assignments.principal_id, directory_role_assignments.role_template_id",
        conflict::DIRECTORY_ROLE_EXISTS,
    ),
    rule(
        "guest_memberships_pkey",
        "guest_memberships.tenant_id, guest_memberships.user_id",
        conflict::GUEST_EXISTS,
    ),
    // The audit log's primary key is its insertion sequence; the entry id is unique beside it.
    rule("audit_log_id_uq", "audit_log.id", conflict::DUPLICATE_ID),
];

/// Maps any sqlx error to a [`StoreError`].
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(db) => match db.kind() {
            ErrorKind::UniqueViolation => {
                StoreError::Conflict(unique_rule(db.constraint(), db.message()))
            }
            // A create naming a parent that does not exist (a user in an unknown tenant…).
            ErrorKind::ForeignKeyViolation => StoreError::NotFound,
            _ if db.code().is_some_and(|c| is_unavailable_code(&c)) => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Backend(e.to_string()),
        },
        // The server is not there (or went away): nothing about the request is wrong.
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Backend(e.to_string()),
    }
}

/// PostgreSQL SQLSTATEs of a server that cannot serve now: class 08 (connection exception),
/// 57P01-57P03 (shutting down, crashed, starting up), 53300 (too many connections), 53100
/// (disk full). SQLite result codes, extended ones by their primary code: 5 and 6
/// (`SQLITE_BUSY`, `SQLITE_LOCKED` after the busy timeout), 13 (`SQLITE_FULL`: the disk or
/// the `max_page_count` cap is full). A full database refuses writes while reads go on.
fn is_unavailable_code(code: &str) -> bool {
    // SQLSTATEs have five characters; SQLite's codes, extended ones included, fewer digits.
    if code.len() < 5
        && let Ok(n) = code.parse::<u32>()
    {
        return matches!(n & 0xff, 5 | 6 | 13);
    }
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300" | "53100")
}

fn unique_rule(constraint: Option<&str>, message: &str) -> &'static str {
    let found = match constraint {
        Some(name) => RULES.iter().find(|r| r.index == name),
        None => message
            .strip_prefix("UNIQUE constraint failed: ")
            .and_then(|cols| RULES.iter().find(|r| r.sqlite_columns == cols.trim())),
    };
    match found {
        Some(r) => r.conflict,
        None => {
            // Primary keys (ids chosen by callers) and the token-hash indexes.
            tracing::debug!(
                ?constraint,
                message,
                "unique violation treated as a duplicate id"
            );
            conflict::DUPLICATE_ID
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_names_and_sqlite_columns_map_to_the_same_rule() {
        assert_eq!(
            unique_rule(Some("users_upn_uq"), "duplicate key value"),
            conflict::USER_UPN
        );
        assert_eq!(
            unique_rule(None, "UNIQUE constraint failed: users.upn_key"),
            conflict::USER_UPN
        );
        assert_eq!(
            unique_rule(None, "UNIQUE constraint failed: tenants.id"),
            conflict::DUPLICATE_ID
        );
        assert_eq!(
            unique_rule(Some("tenants_pkey"), ""),
            conflict::DUPLICATE_ID
        );
    }

    #[test]
    fn a_missing_server_is_unavailable_not_a_backend_error() {
        assert!(matches!(
            db_err(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            db_err(sqlx::Error::Io(refused)),
            StoreError::Unavailable(_)
        ));
        assert!(is_unavailable_code("08006") && is_unavailable_code("57P01"));
        assert!(!is_unavailable_code("23505") && !is_unavailable_code("42P01"));
        assert!(matches!(
            db_err(sqlx::Error::Protocol("odd".into())),
            StoreError::Backend(_)
        ));
    }
}
