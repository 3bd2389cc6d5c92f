//! The storage ports, one trait per aggregate. Methods are plain CRUD plus the few
//! lookups the token path needs; rules that span aggregates live in the domain.

use crate::StoreResult;
use async_trait::async_trait;
use keyless_model::arm::{Resource, ResourceGroup, RoleAssignment, Subscription};
use keyless_model::audit::{AuditEntry, AuditFilter};
use keyless_model::devops::{Job, Organization, Pipeline, Project, ServiceConnection};
use keyless_model::directory::{
    Application, FederatedCredential, PasswordCredential, PersonalAccessToken, ServicePrincipal,
    Tenant, TenantSettings, User,
};
use keyless_model::keys::SigningKeyRecord;
use keyless_model::{UnixTime, Uuid};

mod agents;
mod app_owners;
mod connection_security;
mod console_sessions;
mod identities;
mod management;
mod organization;
mod pipeline_security;
mod replicas;
mod roles;
mod runs;
pub use agents::*;
pub use app_owners::*;
pub use connection_security::*;
pub use console_sessions::*;
pub use identities::*;
pub use management::*;
pub use organization::*;
pub use pipeline_security::*;
pub use replicas::*;
pub use roles::*;
pub use runs::*;

#[async_trait]
pub trait DirectoryStore {
    async fn create_tenant(&self, t: &Tenant) -> StoreResult<()>;
    async fn get_tenant(&self, id: Uuid) -> StoreResult<Tenant>;
    /// By name or domain, case-insensitive.
    async fn find_tenant(&self, name_or_domain: &str) -> StoreResult<Tenant>;
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>>;
    async fn update_tenant_settings(&self, id: Uuid, s: &TenantSettings) -> StoreResult<()>;

    async fn create_user(&self, u: &User) -> StoreResult<()>;
    async fn get_user(&self, id: Uuid) -> StoreResult<User>;
    /// Case-insensitive.
    async fn find_user_by_upn(&self, upn: &str) -> StoreResult<User>;
    async fn list_users(&self, tenant_id: Uuid) -> StoreResult<Vec<User>>;
    async fn update_user_display_name(&self, id: Uuid, display_name: &str) -> StoreResult<()>;
    /// Deletes the user with what `impls/cascade.rs` lists, in one transaction; the conflict
    /// [`conflict::USER_OWNS_ORGANIZATION`](crate::conflict::USER_OWNS_ORGANIZATION) while
    /// it owns an organization (nothing is deleted then).
    async fn delete_user(&self, id: Uuid) -> StoreResult<()>;
    async fn update_tenant_display_name(&self, id: Uuid, display_name: &str) -> StoreResult<()>;
    /// Deletes the tenant and its directory as `impls/cascade.rs` lists, in one transaction;
    /// the conflict [`conflict::TENANT_IN_USE`](crate::conflict::TENANT_IN_USE) while
    /// organizations, subscriptions or connections depend on it (nothing is deleted then).
    async fn delete_tenant(&self, id: Uuid) -> StoreResult<()>;

    /// Also records `a.owners` as its owners.
    async fn create_application(&self, a: &Application) -> StoreResult<()>;
    async fn get_application(&self, id: Uuid) -> StoreResult<Application>;
    /// Any tenant: the app id is globally unique.
    async fn find_application_by_app_id(&self, app_id: Uuid) -> StoreResult<Application>;
    /// Case-insensitive display name, within a tenant (world files address apps by name).
    async fn find_application_by_name(
        &self,
        tenant_id: Uuid,
        name: &str,
    ) -> StoreResult<Application>;
    async fn list_applications(&self, tenant_id: Uuid) -> StoreResult<Vec<Application>>;
    async fn update_application(&self, a: &Application) -> StoreResult<()>;
    /// Deletes the app with its service principals (in every tenant), secrets, federated
    /// credentials and the role assignments naming those principals, in one transaction.
    async fn delete_application(&self, id: Uuid) -> StoreResult<()>;

    async fn create_service_principal(&self, sp: &ServicePrincipal) -> StoreResult<()>;
    async fn get_service_principal(&self, id: Uuid) -> StoreResult<ServicePrincipal>;
    async fn find_service_principal(
        &self,
        tenant_id: Uuid,
        app_id: Uuid,
    ) -> StoreResult<ServicePrincipal>;
    async fn list_service_principals(&self, tenant_id: Uuid) -> StoreResult<Vec<ServicePrincipal>>;
    async fn update_service_principal(&self, sp: &ServicePrincipal) -> StoreResult<()>;
    /// Deletes the principal and the role assignments naming it, in one transaction.
    async fn delete_service_principal(&self, id: Uuid) -> StoreResult<()>;
}

#[async_trait]
pub trait CredentialStore {
    async fn create_pat(&self, p: &PersonalAccessToken) -> StoreResult<()>;
    async fn find_pat_by_hash(&self, token_hash: &str) -> StoreResult<PersonalAccessToken>;
    async fn list_pats(&self, user_id: Uuid) -> StoreResult<Vec<PersonalAccessToken>>;
    async fn revoke_pat(&self, id: Uuid, at: UnixTime) -> StoreResult<()>;

    async fn add_password(&self, p: &PasswordCredential) -> StoreResult<()>;
    async fn list_passwords(&self, application_id: Uuid) -> StoreResult<Vec<PasswordCredential>>;
    async fn remove_password(&self, application_id: Uuid, key_id: Uuid) -> StoreResult<()>;

    /// Enforces, atomically: name unique per parent, issuer+subject unique per parent,
    /// at most 20 per parent (`conflict::FIC_*`).
    async fn create_fic(&self, f: &FederatedCredential) -> StoreResult<()>;
    async fn get_fic(&self, parent_id: Uuid, id: Uuid) -> StoreResult<FederatedCredential>;
    async fn find_fic_by_name(
        &self,
        parent_id: Uuid,
        name: &str,
    ) -> StoreResult<FederatedCredential>;
    async fn list_fics(&self, parent_id: Uuid) -> StoreResult<Vec<FederatedCredential>>;
    /// Updates issuer, subject, audiences, description, expression (the name is immutable).
    async fn update_fic(&self, f: &FederatedCredential) -> StoreResult<()>;
    async fn delete_fic(&self, parent_id: Uuid, id: Uuid) -> StoreResult<()>;
}

#[async_trait]
pub trait ArmStore {
    async fn create_subscription(&self, s: &Subscription) -> StoreResult<()>;
    async fn get_subscription(&self, id: Uuid) -> StoreResult<Subscription>;
    async fn list_subscriptions(&self) -> StoreResult<Vec<Subscription>>;
    async fn rename_subscription(&self, id: Uuid, display_name: &str) -> StoreResult<()>;
    /// Deletes a subscription and the role assignments at or below it, in one transaction;
    /// the conflict [`conflict::SUBSCRIPTION_NOT_EMPTY`](crate::conflict::SUBSCRIPTION_NOT_EMPTY)
    /// while it holds resource groups (nothing is deleted then).
    async fn delete_subscription(&self, id: Uuid) -> StoreResult<()>;

    /// Creates or replaces location/tags; returns `true` when it was created.
    async fn put_resource_group(&self, rg: &ResourceGroup) -> StoreResult<bool>;
    /// Case-insensitive name.
    async fn get_resource_group(
        &self,
        subscription_id: Uuid,
        name: &str,
    ) -> StoreResult<ResourceGroup>;
    async fn list_resource_groups(&self, subscription_id: Uuid) -> StoreResult<Vec<ResourceGroup>>;
    /// Deletes the group, its resources and every role assignment at or below its scope,
    /// in one transaction.
    async fn delete_resource_group(&self, subscription_id: Uuid, name: &str) -> StoreResult<()>;

    /// Creates the resource (`true`) or replaces the location, tags and properties of the
    /// one with the same key ([`Resource::key`]), which keeps its id spelling and creation
    /// time (`false`). `NotFound` when the resource group (`subscription_id`,
    /// `resource_group`, case-insensitive) does not exist.
    async fn put_resource(&self, r: &Resource) -> StoreResult<bool>;
    /// By key: the id in any case, with or without a trailing `/`.
    async fn get_resource(&self, id: &str) -> StoreResult<Resource>;
    /// In creation order (`created_at`, then insertion order); the group's name is
    /// case-insensitive, `None` lists the whole subscription.
    async fn list_resources(
        &self,
        subscription_id: Uuid,
        resource_group: Option<&str>,
    ) -> StoreResult<Vec<Resource>>;
    /// Every resource below `parent_id` (key starting with the parent's key and `/`, at any
    /// depth), in creation order. The parent itself need not exist.
    async fn list_child_resources(&self, parent_id: &str) -> StoreResult<Vec<Resource>>;
    /// Deletes the resource, the resources below it and every role assignment at or below
    /// its scope, in one transaction.
    async fn delete_resource(&self, id: &str) -> StoreResult<()>;

    /// `conflict::ROLE_ASSIGNMENT_EXISTS` when (scope, role, principal) exists under
    /// another id; `conflict::DUPLICATE_ID` when the id is taken.
    async fn create_role_assignment(&self, a: &RoleAssignment) -> StoreResult<()>;
    async fn get_role_assignment(&self, id: Uuid) -> StoreResult<RoleAssignment>;
    async fn list_role_assignments_for_principal(
        &self,
        principal_id: Uuid,
    ) -> StoreResult<Vec<RoleAssignment>>;
    /// Assignments whose scope equals `scope` or lies below it (canonical, lowercase scopes).
    async fn list_role_assignments_under(&self, scope: &str) -> StoreResult<Vec<RoleAssignment>>;
    async fn delete_role_assignment(&self, id: Uuid) -> StoreResult<()>;
}

#[async_trait]
pub trait DevopsStore {
    async fn create_organization(&self, o: &Organization) -> StoreResult<()>;
    async fn get_organization(&self, id: Uuid) -> StoreResult<Organization>;
    /// Case-insensitive.
    async fn find_organization(&self, name: &str) -> StoreResult<Organization>;
    async fn list_organizations(&self) -> StoreResult<Vec<Organization>>;

    async fn create_project(&self, p: &Project) -> StoreResult<()>;
    async fn get_project(&self, id: Uuid) -> StoreResult<Project>;
    /// Case-insensitive name within an organization.
    async fn find_project(&self, organization_id: Uuid, name: &str) -> StoreResult<Project>;
    async fn list_projects(&self, organization_id: Uuid) -> StoreResult<Vec<Project>>;
    /// `conflict::ORGANIZATION_NAME` when another organization has the name (any case).
    /// Connections and credentials naming the organization are the caller's to update, in
    /// the same unit of work.
    async fn rename_organization(&self, id: Uuid, name: &str) -> StoreResult<()>;
    /// `conflict::PROJECT_NAME` when another project of the organization has the name.
    async fn rename_project(&self, id: Uuid, name: &str) -> StoreResult<()>;
    /// Deletes the project with what `impls/cascade.rs` lists, in one transaction; the
    /// conflict [`conflict::PROJECT_RUNNING`](crate::conflict::PROJECT_RUNNING) while one of
    /// its runs is not completed (nothing is deleted then).
    async fn delete_project(&self, id: Uuid) -> StoreResult<()>;
    /// Deletes the organization, its projects and what they hold, as `impls/cascade.rs`
    /// lists, in one transaction; the conflict
    /// [`conflict::ORGANIZATION_RUNNING`](crate::conflict::ORGANIZATION_RUNNING) while a run
    /// of one of its pipelines is not completed (nothing is deleted then).
    async fn delete_organization(&self, id: Uuid) -> StoreResult<()>;

    async fn create_connection(&self, c: &ServiceConnection) -> StoreResult<()>;
    async fn get_connection(&self, id: Uuid) -> StoreResult<ServiceConnection>;
    async fn find_connection(&self, project_id: Uuid, name: &str)
    -> StoreResult<ServiceConnection>;
    async fn list_connections(&self, project_id: Uuid) -> StoreResult<Vec<ServiceConnection>>;
    async fn update_connection(&self, c: &ServiceConnection) -> StoreResult<()>;
    async fn delete_connection(&self, id: Uuid) -> StoreResult<()>;

    /// Assigns the id (ignores `p.id`) and returns it.
    async fn create_pipeline(&self, p: &Pipeline) -> StoreResult<i64>;
    async fn get_pipeline(&self, id: i64) -> StoreResult<Pipeline>;
    async fn find_pipeline(&self, project_id: Uuid, name: &str) -> StoreResult<Pipeline>;
    async fn list_pipelines(&self, project_id: Uuid) -> StoreResult<Vec<Pipeline>>;
    async fn update_pipeline(&self, p: &Pipeline) -> StoreResult<()>;
    /// Deletes a pipeline with what `impls/cascade.rs` lists, in one transaction; the
    /// conflict [`conflict::PIPELINE_RUNNING`](crate::conflict::PIPELINE_RUNNING) while one
    /// of its runs is not completed (nothing is deleted then).
    async fn delete_pipeline(&self, id: i64) -> StoreResult<()>;

    async fn create_job(&self, j: &Job) -> StoreResult<()>;
    async fn get_job(&self, id: Uuid) -> StoreResult<Job>;
    async fn find_job_by_token_hash(&self, token_hash: &str) -> StoreResult<Job>;
    async fn finish_job(&self, id: Uuid, at: UnixTime) -> StoreResult<()>;
}

#[async_trait]
pub trait KeyStore {
    /// A plain insert (`conflict::SIGNING_KEY` when the kid exists). Creation and rotation go
    /// through [`KeyStore::create_signing_key_if_absent`] and [`KeyStore::rotate_signing_key`],
    /// which hold the owner's lock.
    async fn insert_signing_key(&self, k: &SigningKeyRecord) -> StoreResult<()>;
    /// Newest first (by `created_at`, then kid).
    async fn list_signing_keys(&self, owner: &str) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Every owner's keys, by owner, then newest first.
    async fn list_all_signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Inserts `k` unless its owner already has a key of the same `alg` that is not retired;
    /// returns the one that is current afterwards (`k`, or the newest existing one). Writers
    /// of one owner's keys are serialised across processes (PostgreSQL: an advisory lock;
    /// SQLite: `BEGIN IMMEDIATE`), so replicas starting together create one key, not several.
    async fn create_signing_key_if_absent(
        &self,
        k: &SigningKeyRecord,
    ) -> StoreResult<SigningKeyRecord>;
    /// Rotation, under the same lock: when `replaces` is still the newest non-retired key of
    /// `k.owner` and `k.alg`, retires every non-retired key of that owner and algorithm at
    /// `k.not_before`, inserts `k` and returns it. When another writer rotated first (the
    /// current key is not `replaces`), changes nothing and returns the current key; when the
    /// owner has no current key of that algorithm, inserts `k` and returns it.
    async fn rotate_signing_key(
        &self,
        k: &SigningKeyRecord,
        replaces: &str,
    ) -> StoreResult<SigningKeyRecord>;
    /// Sets `retired_at` of a key that is not retired yet (an earlier retirement is kept).
    /// `NotFound` when no key has this kid.
    async fn retire_signing_key(&self, kid: &str, at: UnixTime) -> StoreResult<()>;
    /// Replaces the sealed private key of `kid` (a key-encryption key rotation); nothing
    /// else of the key changes. `NotFound` when no key has this kid.
    async fn reseal_signing_key(&self, kid: &str, sealed_private_key: &[u8]) -> StoreResult<()>;
    /// Deletes the keys retired before `before` (the caller passes now minus the longest
    /// token lifetime, so no token they signed can still be valid); returns how many.
    async fn delete_retired_signing_keys(&self, before: UnixTime) -> StoreResult<u64>;
    /// One round trip to the database, for readiness probes.
    async fn ping(&self) -> StoreResult<()>;
}

#[async_trait]
pub trait AuditStore {
    /// Appends the entries in one transaction (all or none), in order: among entries of the
    /// same second, a later one in the slice reads back first. An empty slice does nothing.
    /// A reused id fails with `conflict::DUPLICATE_ID` and appends nothing.
    async fn append_audit(&self, entries: &[AuditEntry]) -> StoreResult<()>;
    /// The entries matching every set field of the filter, newest first (by `at`, then by
    /// insertion order), at most `min(limit, AuditFilter::MAX_LIMIT)` of them; with `before`,
    /// only those after the named entry in that order.
    async fn query_audit(&self, f: &AuditFilter) -> StoreResult<Vec<AuditEntry>>;
    /// Deletes the entries with `at < before`; returns how many were deleted.
    async fn prune_audit(&self, before: UnixTime) -> StoreResult<u64>;
}
