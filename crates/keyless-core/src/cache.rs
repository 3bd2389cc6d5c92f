//! The grant cache: in-memory copies of the rows every token request reads (tenant, client,
//! federated credentials, secrets, issuer's organization; and for a job's ID-token request
//! its organization, project, pipeline, connection, sharing and pipeline permissions), so
//! the token paths do not wait on the database for rows that rarely change. The job itself
//! is always read: jobs start and finish all day. The ARM plane's RBAC context comes from
//! here too: the caller's role assignments, custom roles, subscriptions' management groups.
//!
//! Each map names the watched tables its reads touch. An entry is used only while (1) the
//! store's change feed is live, (2) none of its map's tables has changed since the entry
//! was read (their generation, taken *before* the read), and (3) it is younger than
//! [`MAX_AGE`]. (1) and (2) make a change made through any replica take effect as soon as
//! it is announced, while a write to another table (a role assignment, say) leaves the
//! token path's entries alone; (3) bounds what a change announced a moment before its
//! commit, or a lost notification, can leave behind: one second. Errors (not found,
//! database down) are never cached.

use keyless_model::Uuid;
use keyless_model::arm::{CustomRole, RoleAssignment, Subscription};
use keyless_model::devops::{
    Organization, Pipeline, PipelinePermissions, Project, ServiceConnection,
};
use keyless_model::directory::{
    Application, FederatedCredential, PasswordCredential, ServicePrincipal, Tenant,
};
use keyless_store::changes::{ChangeFeed, Tables};
use keyless_store::{SharedStore, StoreError, StoreResult};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest an entry is trusted, whatever the change feed says.
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// Entries per map before expired ones are swept (and, if that is not enough, all dropped):
/// bounds memory whatever the number of clients.
const CAPACITY: usize = 20_000;

struct Entry<V> {
    value: V,
    read_at: Instant,
    generation: u64,
}

/// One map of cached values, keyed by what the store was asked.
struct Cached<K, V> {
    /// The watched tables that `load` reads.
    tables: Tables,
    entries: Mutex<HashMap<K, Entry<V>>>,
}

impl<K: Eq + Hash + Clone, V: Clone> Cached<K, V> {
    fn reading(tables: Tables) -> Self {
        Cached {
            tables,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The cached value for `key`, or what `load` reads (kept if it succeeds).
    async fn get<E, F>(&self, feed: &ChangeFeed, key: &K, load: F) -> Result<V, E>
    where
        F: Future<Output = Result<V, E>>,
    {
        if !feed.is_live() {
            return load.await;
        }
        let generation = feed.generation_of(self.tables);
        if let Some(v) = self.lookup(key, generation) {
            return Ok(v);
        }
        let value = load.await?;
        self.keep(key.clone(), value.clone(), generation);
        Ok(value)
    }

    fn lookup(&self, key: &K, generation: u64) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let e = entries.get(key)?;
        (e.generation == generation && e.read_at.elapsed() < MAX_AGE).then(|| e.value.clone())
    }

    fn keep(&self, key: K, value: V, generation: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, e| e.generation == generation && e.read_at.elapsed() < MAX_AGE);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                value,
                read_at: Instant::now(),
                generation,
            },
        );
    }

    /// Whether `get` would answer `key` without reading the store.
    #[cfg(test)]
    fn serves(&self, feed: &ChangeFeed, key: &K) -> bool {
        feed.is_live() && self.lookup(key, feed.generation_of(self.tables)).is_some()
    }
}

/// A list read once and handed to every request that hits the entry (no copy per request).
async fn shared<T>(list: impl Future<Output = StoreResult<Vec<T>>>) -> StoreResult<Arc<Vec<T>>> {
    list.await.map(Arc::new)
}

/// A client of the token endpoint in one tenant: its service principal, and its app
/// registration unless it is a managed identity.
pub type Client = (ServicePrincipal, Option<Application>);

/// Read-through access to the store for the rows of the token path. Cloning is cheap.
#[derive(Clone)]
pub struct GrantCache {
    store: SharedStore,
    maps: Arc<Maps>,
}

struct Maps {
    /// By `id:{uuid}` or `name:{lowercase name or domain}`.
    tenants: Cached<String, Tenant>,
    /// By (tenant, client id).
    clients: Cached<(Uuid, Uuid), Client>,
    /// By parent object id (application or managed identity's principal).
    fics: Cached<Uuid, Arc<Vec<FederatedCredential>>>,
    /// By application object id.
    passwords: Cached<Uuid, Arc<Vec<PasswordCredential>>>,
    organizations: Cached<Uuid, Organization>,
    /// By lowercase name.
    organizations_named: Cached<String, Organization>,
    /// By (organization, lowercase name or id as given).
    projects: Cached<(Uuid, String), Project>,
    pipelines: Cached<i64, Pipeline>,
    connections: Cached<Uuid, ServiceConnection>,
    /// By connection: the projects it is shared with.
    shares: Cached<Uuid, Arc<Vec<Uuid>>>,
    /// By connection.
    pipeline_permissions: Cached<Uuid, PipelinePermissions>,
    /// By principal object id.
    role_assignments: Cached<Uuid, Arc<Vec<RoleAssignment>>>,
    custom_roles: Cached<Uuid, CustomRole>,
    subscriptions: Cached<Uuid, Subscription>,
    /// By subscription: the group it sits under (`None`: the tenant root).
    subscription_groups: Cached<Uuid, Option<String>>,
    /// By group name as asked: it and its ancestors, nearest first.
    group_ancestors: Cached<String, Arc<Vec<String>>>,
}

/// The watched tables each map's reads touch (see the store calls below).
const TENANTS: Tables = Tables::of(&["tenants"]);
const CLIENTS: Tables = Tables::of(&["service_principals", "applications"]);
const FICS: Tables = Tables::of(&["federated_credentials"]);
const PASSWORDS: Tables = Tables::of(&["password_credentials"]);
const ORGANIZATIONS: Tables = Tables::of(&["organizations"]);
const PROJECTS: Tables = Tables::of(&["projects"]);
const PIPELINES: Tables = Tables::of(&["pipelines"]);
const CONNECTIONS: Tables = Tables::of(&["service_connections"]);
const SHARES: Tables = Tables::of(&["connection_shares"]);
const PIPELINE_PERMISSIONS: Tables =
    Tables::of(&["connection_pipeline_policy", "connection_pipelines"]);
const ROLE_ASSIGNMENTS: Tables = Tables::of(&["role_assignments"]);
const CUSTOM_ROLES: Tables = Tables::of(&["custom_roles"]);
const SUBSCRIPTIONS: Tables = Tables::of(&["subscriptions"]);
/// A subscription's row joined with its group's.
const SUBSCRIPTION_GROUPS: Tables = Tables::of(&["subscriptions", "management_groups"]);
const GROUP_ANCESTORS: Tables = Tables::of(&["management_groups"]);

impl Default for Maps {
    fn default() -> Self {
        Maps {
            tenants: Cached::reading(TENANTS),
            clients: Cached::reading(CLIENTS),
            fics: Cached::reading(FICS),
            passwords: Cached::reading(PASSWORDS),
            organizations: Cached::reading(ORGANIZATIONS),
            organizations_named: Cached::reading(ORGANIZATIONS),
            projects: Cached::reading(PROJECTS),
            pipelines: Cached::reading(PIPELINES),
            connections: Cached::reading(CONNECTIONS),
            shares: Cached::reading(SHARES),
            pipeline_permissions: Cached::reading(PIPELINE_PERMISSIONS),
            role_assignments: Cached::reading(ROLE_ASSIGNMENTS),
            custom_roles: Cached::reading(CUSTOM_ROLES),
            subscriptions: Cached::reading(SUBSCRIPTIONS),
            subscription_groups: Cached::reading(SUBSCRIPTION_GROUPS),
            group_ancestors: Cached::reading(GROUP_ANCESTORS),
        }
    }
}

impl GrantCache {
    pub fn new(store: SharedStore) -> GrantCache {
        GrantCache {
            store,
            maps: Arc::default(),
        }
    }

    fn feed(&self) -> &ChangeFeed {
        self.store.change_feed()
    }

    pub async fn tenant(&self, id: Uuid) -> StoreResult<Tenant> {
        let key = format!("id:{id}");
        self.maps
            .tenants
            .get(self.feed(), &key, self.store.get_tenant(id))
            .await
    }

    /// By name or domain, compared case-insensitively as the store does.
    pub async fn tenant_named(&self, name: &str) -> StoreResult<Tenant> {
        let key = format!("name:{}", name.to_lowercase());
        self.maps
            .tenants
            .get(self.feed(), &key, self.store.find_tenant(name))
            .await
    }

    /// The client's service principal in `tenant` (not found: no such principal) and its
    /// app registration, if it has one.
    pub async fn client(&self, tenant: Uuid, client_id: Uuid) -> StoreResult<Client> {
        let load = async {
            let principal = self.store.find_service_principal(tenant, client_id).await?;
            let app = match self.store.find_application_by_app_id(client_id).await {
                Ok(a) => Some(a),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e),
            };
            Ok((principal, app))
        };
        self.maps
            .clients
            .get(self.feed(), &(tenant, client_id), load)
            .await
    }

    pub async fn fics(&self, parent: Uuid) -> StoreResult<Arc<Vec<FederatedCredential>>> {
        let load = shared(self.store.list_fics(parent));
        self.maps.fics.get(self.feed(), &parent, load).await
    }

    pub async fn passwords(&self, app: Uuid) -> StoreResult<Arc<Vec<PasswordCredential>>> {
        let load = shared(self.store.list_passwords(app));
        self.maps.passwords.get(self.feed(), &app, load).await
    }

    pub async fn organization(&self, id: Uuid) -> StoreResult<Organization> {
        self.maps
            .organizations
            .get(self.feed(), &id, self.store.get_organization(id))
            .await
    }

    /// By id, or by name compared case-insensitively as the store does.
    pub async fn organization_named(&self, name_or_id: &str) -> StoreResult<Organization> {
        if let Ok(id) = Uuid::parse_str(name_or_id) {
            return self.organization(id).await;
        }
        let key = name_or_id.to_lowercase();
        self.maps
            .organizations_named
            .get(self.feed(), &key, self.store.find_organization(name_or_id))
            .await
    }

    /// A project of `org` by id or name (not found if the id is another organization's).
    pub async fn project(&self, org: Uuid, name_or_id: &str) -> StoreResult<Project> {
        let load = async {
            match Uuid::parse_str(name_or_id) {
                Ok(id) => self.store.get_project(id).await.and_then(|p| {
                    if p.organization_id == org {
                        Ok(p)
                    } else {
                        Err(StoreError::NotFound)
                    }
                }),
                Err(_) => self.store.find_project(org, name_or_id).await,
            }
        };
        let key = (org, name_or_id.to_lowercase());
        self.maps.projects.get(self.feed(), &key, load).await
    }

    pub async fn pipeline(&self, id: i64) -> StoreResult<Pipeline> {
        self.maps
            .pipelines
            .get(self.feed(), &id, self.store.get_pipeline(id))
            .await
    }

    pub async fn connection(&self, id: Uuid) -> StoreResult<ServiceConnection> {
        self.maps
            .connections
            .get(self.feed(), &id, self.store.get_connection(id))
            .await
    }

    pub async fn connection_shares(&self, connection: Uuid) -> StoreResult<Arc<Vec<Uuid>>> {
        let load = shared(self.store.list_connection_shares(connection));
        self.maps.shares.get(self.feed(), &connection, load).await
    }

    pub async fn role_assignments_of(
        &self,
        principal: Uuid,
    ) -> StoreResult<Arc<Vec<RoleAssignment>>> {
        let load = shared(self.store.list_role_assignments_for_principal(principal));
        self.maps
            .role_assignments
            .get(self.feed(), &principal, load)
            .await
    }

    pub async fn custom_role(&self, id: Uuid) -> StoreResult<CustomRole> {
        self.maps
            .custom_roles
            .get(self.feed(), &id, self.store.get_custom_role(id))
            .await
    }

    pub async fn subscription(&self, id: Uuid) -> StoreResult<Subscription> {
        self.maps
            .subscriptions
            .get(self.feed(), &id, self.store.get_subscription(id))
            .await
    }

    pub async fn subscription_group(&self, subscription: Uuid) -> StoreResult<Option<String>> {
        let load = self.store.get_subscription_management_group(subscription);
        self.maps
            .subscription_groups
            .get(self.feed(), &subscription, load)
            .await
    }

    pub async fn group_ancestors(&self, group: &str) -> StoreResult<Arc<Vec<String>>> {
        let load = shared(self.store.management_group_ancestors(group));
        self.maps
            .group_ancestors
            .get(self.feed(), &group.to_string(), load)
            .await
    }

    pub async fn pipeline_permissions(&self, connection: Uuid) -> StoreResult<PipelinePermissions> {
        self.maps
            .pipeline_permissions
            .get(
                self.feed(),
                &connection,
                self.store.get_pipeline_permissions(connection),
            )
            .await
    }
}

#[cfg(test)]
mod tests;
