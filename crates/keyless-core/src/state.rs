//! What every handler shares: the store, the signing keys, the clock and the origin.

use crate::audit::AuditLog;
use crate::cache::GrantCache;
use crate::clock::Clock;
use crate::keyring::KeyRing;
use keyless_store::SharedStore;
use std::sync::{Arc, OnceLock, Weak};

/// Builds the full router for a state (`keyless_server::router`), set at startup.
pub type RouterFn = fn(AppState) -> axum::Router;

/// The full router for in-process calls: its builder, installed once, and the router it
/// built on first use, kept for every later call (building it is the expensive part).
#[derive(Default)]
struct LoopbackInner {
    build: OnceLock<RouterFn>,
    built: OnceLock<axum::Router>,
}

/// A state's way to the full router. The states inside the kept router hold it weakly, so
/// that the router does not keep itself (and the store it holds) alive.
#[derive(Clone)]
pub struct Loopback(Link);

#[derive(Clone)]
enum Link {
    Owner(Arc<LoopbackInner>),
    Inside(Weak<LoopbackInner>),
}

impl Default for Loopback {
    fn default() -> Self {
        Loopback(Link::Owner(Arc::default()))
    }
}

impl Loopback {
    fn inner(&self) -> Option<Arc<LoopbackInner>> {
        match &self.0 {
            Link::Owner(inner) => Some(inner.clone()),
            Link::Inside(weak) => weak.upgrade(),
        }
    }
    /// Installs the router builder (the first call wins).
    pub fn install(&self, f: RouterFn) {
        if let Some(inner) = self.inner() {
            let _ = inner.build.set(f);
        }
    }
    /// The full router for `state`, built on the first call and the same one afterwards;
    /// `None` before the composition root installed it.
    pub fn router(&self, state: &AppState) -> Option<axum::Router> {
        let inner = self.inner()?;
        let build = *inner.build.get()?;
        let router = inner.built.get_or_init(|| {
            let mut inside = state.clone();
            inside.loopback = Loopback(Link::Inside(Arc::downgrade(&inner)));
            build(inside)
        });
        Some(router.clone())
    }
}

#[derive(Clone)]
pub struct AppState {
    /// The whole store: planes see it through their view (`crate::view`).
    pub(crate) store: SharedStore,
    pub keys: Arc<KeyRing>,
    pub clock: Clock,
    /// The public origin (`https://host:port`), no trailing slash.
    pub origin: Arc<str>,
    pub audit: AuditLog,
    /// The token path's reads of directory rows (see `cache.rs`).
    pub cache: GrantCache,
    /// Test-only fault injection of automatic connection creation (never armed when served).
    pub faults: crate::faults::Faults,
    /// The whole router, for operations that run the chain in process through the routes
    /// clients use (verify). Set once by the composition root; a plane never names another.
    pub loopback: Loopback,
    /// Seconds a pipeline job's ID token is valid after it is issued (`exp - iat`): 600 as
    /// in Azure DevOps; a server setting (`--id-token-lifetime`) shortens it for tests.
    pub id_token_lifetime: i64,
    /// This serving process among the replicas on the database (its heartbeat's row).
    pub replica: keyless_model::Uuid,
    /// When this process started (Unix seconds, on [`Self::clock`]).
    pub started_at: keyless_model::UnixTime,
}

/// Azure DevOps' ID-token lifetime: ten minutes.
pub const DEFAULT_ID_TOKEN_LIFETIME: i64 = 600;

impl AppState {
    /// `audit_retention_days` of 0 keeps the audit log forever. The clock is the key
    /// ring's, so that moving it (tests) moves key lifetimes too.
    pub fn new(
        store: SharedStore,
        keys: Arc<KeyRing>,
        origin: &str,
        audit_retention_days: i64,
    ) -> AppState {
        let started_at = keys.clock().now();
        AppState {
            audit: AuditLog::start(store.clone(), audit_retention_days),
            cache: GrantCache::new(store.clone()),
            store,
            clock: keys.clock().clone(),
            keys,
            origin: Arc::from(origin.trim_end_matches('/')),
            faults: Default::default(),
            loopback: Loopback::default(),
            id_token_lifetime: DEFAULT_ID_TOKEN_LIFETIME,
            replica: keyless_model::Uuid::new_v4(),
            started_at,
        }
    }
    /// Every aggregate of the store, for this shared layer and the composition root.
    pub fn shared_store(&self) -> &SharedStore {
        &self.store
    }
    pub fn now(&self) -> keyless_model::UnixTime {
        self.clock.now()
    }
}
