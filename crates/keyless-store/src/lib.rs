//! Storage for keyless. The domain talks to [`Store`]; two implementations exist,
//! SQLite (the default, a file in the data directory) and PostgreSQL (for several
//! replicas), chosen once by the database URL in [`open`].
//!
//! Rules the implementations share:
//! - ids are stored as lowercase hyphenated text, times as Unix seconds, JSON as text,
//!   so both dialects run the same SQL;
//! - uniqueness lives in the schema; a violation comes back as [`StoreError::Conflict`]
//!   naming the rule, never as a driver error;
//! - deletes that cascade (an application takes its service principals, secrets,
//!   federated credentials and role assignments with it) run in one transaction; every
//!   cascade is listed in one place, `impls/cascade.rs`;
//! - a create naming a parent that does not exist (a user in an unknown tenant, a project
//!   in an unknown organization…) fails with [`StoreError::NotFound`];
//! - an update or delete of an object that does not exist fails with [`StoreError::NotFound`].
//!
//! Writes that must hold together across aggregates (an automatic connection with its app
//! registration, principal, credential and role assignment; a rename with the subjects that
//! follow it) go through a unit of work: [`Transactional::begin`] returns a [`UnitOfWork`],
//! one database transaction implementing the same aggregate traits, committed by
//! [`UnitOfWork::commit`] and rolled back when dropped. On SQLite it begins with
//! `BEGIN IMMEDIATE` (it holds the write lock until it ends); on PostgreSQL it is a read
//! committed transaction whose notifications are delivered at commit. Reads inside it see
//! its writes, nobody else does before the commit; its end is announced on the change feed.
//! The details are in the documentation of [`UnitOfWork`]'s module (`uow.rs`).
#![forbid(unsafe_code)]

pub mod changes;
mod errors;
mod impls;
mod postgres;
mod rows;
mod sqlite;
mod sqlite_lock;
#[cfg(feature = "testing")]
pub mod testing;
mod traits;
mod uow;
pub use traits::*;
pub use uow::{Transactional, UnitOfWork};

use std::sync::Arc;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or limit rule was broken; the value names the rule (see [`conflict`]).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("database error: {0}")]
    Backend(String),
    /// The database cannot be reached (connection refused or lost, pool timed out, server
    /// shutting down): a transient condition, unlike [`StoreError::Backend`]. Callers answer
    /// it with "try again later" and must not guess from stale state.
    #[error("database unavailable: {0}")]
    Unavailable(String),
}

/// The names of the rules a [`StoreError::Conflict`] can carry.
pub mod conflict {
    pub const TENANT_NAME: &str = "tenant name or domain already exists";
    pub const USER_UPN: &str = "user principal name already exists";
    pub const APP_ID: &str = "application id already exists";
    pub const SERVICE_PRINCIPAL: &str =
        "the application already has a service principal in this tenant";
    pub const FIC_NAME: &str = "a federated identity credential with this name already exists";
    pub const FIC_ISSUER_SUBJECT: &str = "issuer and subject combination already exists";
    pub const FIC_LIMIT: &str = "at most 20 federated identity credentials per identity";
    pub const ORGANIZATION_NAME: &str = "organization name already exists";
    pub const PROJECT_NAME: &str = "project name already exists in this organization";
    pub const CONNECTION_NAME: &str =
        "a service connection with this name already exists in this project";
    pub const PIPELINE_NAME: &str = "a pipeline with this name already exists in this project";
    pub const SUBSCRIPTION_NOT_EMPTY: &str =
        "the subscription still has resource groups: delete them first";
    pub const PIPELINE_RUNNING: &str =
        "the pipeline has a run in progress: cancel it or let it end first";
    pub const PROJECT_RUNNING: &str =
        "a pipeline of the project has a run in progress: cancel it or let it end first";
    pub const ORGANIZATION_RUNNING: &str =
        "a pipeline of the organization has a run in progress: cancel it or let it end first";
    pub const USER_OWNS_ORGANIZATION: &str =
        "the user owns an organization: give it another owner first";
    pub const TENANT_IN_USE: &str = "organizations, subscriptions or service connections still depend on the tenant: delete them first";
    pub const ROLE_ASSIGNMENT_EXISTS: &str = "the role assignment already exists";
    pub const DUPLICATE_ID: &str = "an object with this id already exists";
    pub const SIGNING_KEY: &str = "signing key already exists";
    pub const MANAGEMENT_GROUP: &str = "a management group with this name already exists";
    pub const MANAGEMENT_GROUP_CYCLE: &str =
        "a management group cannot be moved under itself or one of its descendants";
    pub const MANAGEMENT_GROUP_NOT_EMPTY: &str =
        "the management group still has child groups or subscriptions";
    pub const ROLE_NAME: &str = "a custom role with this name already exists in this tenant";
    pub const ROLE_IN_USE: &str = "the role is still assigned";
    pub const DIRECTORY_ROLE_EXISTS: &str = "the principal already holds this directory role";
    pub const GUEST_EXISTS: &str = "the user is already a guest of this tenant";
    pub const POOL_NAME: &str = "an agent pool with this name already exists in this organization";
    pub const AGENT_NAME: &str = "an agent with this name already exists in this pool";
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Declares `Aggregates`, implemented by every type that implements all the given traits.
macro_rules! aggregates {
    ($($store:ident),+ $(,)?) => {
        /// The storage of every aggregate: what the shared store and a unit of work both offer.
        pub trait Aggregates: $($store +)+ Send + Sync {}
        impl<T> Aggregates for T where T: $($store +)+ Send + Sync {}
    };
}

aggregates!(
    DirectoryStore,
    ApplicationOwnerStore,
    CredentialStore,
    ArmStore,
    ManagementStore,
    DirectoryRoleStore,
    DevopsStore,
    OrganizationIdentityStore,
    OrganizationPeopleStore,
    ConnectionSecurityStore,
    PipelineSecurityStore,
    RunStore,
    AgentStore,
    ReplicaStore,
    ConsoleSessionStore,
    KeyStore,
    AuditStore,
);

/// Every aggregate's storage in one object, shared by all request handlers.
pub trait Store: Aggregates + changes::ChangeSource + Transactional {}
impl<T> Store for T where T: Aggregates + changes::ChangeSource + Transactional {}

pub type SharedStore = Arc<dyn Store>;

/// Opens (creating if needed) the database named by `url` and runs its migrations.
/// `sqlite://path` (or a bare path) selects SQLite; `postgres://…` selects PostgreSQL.
///
/// SQLite: `sqlite://path`, `sqlite:path`, `sqlite::memory:` or a bare filesystem path; the
/// file (and its directory) is created if missing, in WAL mode with a 5 s busy timeout and
/// foreign keys on. PostgreSQL: `postgres://…` or `postgresql://…`; replicas opening the
/// same database together are safe (the migrator holds an advisory lock).
/// Copies the SQLite database at `url` to the new file `dest` while it may be in use: a
/// consistent snapshot (`VACUUM INTO`), owner-only. PostgreSQL databases are backed up with
/// `pg_dump`.
pub async fn backup(url: &str, dest: &std::path::Path) -> StoreResult<()> {
    refuse_postgres(url, "pg_dump")?;
    sqlite::backup(url, dest).await
}

/// Replaces the SQLite database at `url` with the backup `src` (checked first); the server
/// must be stopped: refused, changing nothing, while a keyless process has the database
/// open. PostgreSQL databases are restored with `pg_restore` or `psql`.
pub async fn restore(src: &std::path::Path, url: &str) -> StoreResult<()> {
    refuse_postgres(url, "pg_restore (or psql for a plain dump)")?;
    sqlite::restore(src, url).await
}

fn refuse_postgres(url: &str, tool: &str) -> StoreResult<()> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if matches!(scheme.as_deref(), Some("postgres" | "postgresql")) {
        return Err(StoreError::Backend(format!(
            "keyless backs up and restores SQLite databases; for PostgreSQL use {tool}"
        )));
    }
    Ok(())
}

pub async fn open(url: &str) -> StoreResult<SharedStore> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("postgres" | "postgresql") => Ok(Arc::new(postgres::open(url).await?)),
        Some(s) if s != "sqlite" && !s.contains(['/', '\\']) => Err(StoreError::Backend(format!(
            "unsupported database URL scheme {s:?}: use sqlite://path or postgres://…"
        ))),
        _ => Ok(Arc::new(sqlite::open(url).await?)),
    }
}
