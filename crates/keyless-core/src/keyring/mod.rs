//! Signing keys of every issuer, parsed once and held in memory, shared through the store by
//! every replica, and rotated.
//!
//! An issuer is a tenant's token service (`tenant:{id}`, Entra kid style) or an
//! organization's Azure DevOps-generation pipeline issuer (`organization:{id}`, DevOps kid
//! style). Keys are sealed with the key-encryption key before they reach the store and never
//! leave a process in clear.
//!
//! Lifecycle of a key (times from the store, compared with [`Clock`]):
//! - **created**: it is in the JWKS at once;
//! - **signing** from `not_before`: the first key of an issuer signs at once; a rotated-in key
//!   `publish_ahead` later, so verifiers that cached the JWKS already know it;
//! - **retired** at its successor's `not_before`: it no longer signs but stays in the JWKS
//!   for [`PUBLISHED_AFTER_RETIREMENT`], until every token it signed has expired;
//! - then it leaves the JWKS and [`KeyRing::maintain`] deletes it.
//!
//! Replicas: creation and rotation go through the store's per-owner lock
//! ([`KeyStore::create_signing_key_if_absent`], [`KeyStore::rotate_signing_key`]), so one key
//! wins and everybody uses it. Each process re-reads an issuer's keys when its cached set is
//! older than [`KeyPolicy::refresh_every`] (at the first use after that; stale sets keep
//! serving while the database is away), when the clock passes a `not_before` or a retirement,
//! and when a token names a kid it does not know (at most once a second per issuer).
//!
//! [`KeyStore::create_signing_key_if_absent`]: keyless_store::KeyStore::create_signing_key_if_absent
//! [`KeyStore::rotate_signing_key`]: keyless_store::KeyStore::rotate_signing_key
//!
//! Files: `key.rs` (issuers, keys, key sets, key states), `load.rs` (reading, opening,
//! generating and creating keys), `rotation.rs` (rotation, scheduled maintenance, listing);
//! the cache and the lookups the planes use are here.

mod kek_rotation;
mod key;
mod load;
mod rotation;

pub use kek_rotation::{Resealed, Rotation, rotate_kek};
pub use key::{Issuer, Key, KeyPolicy, KeySet, KeyState};
pub use rotation::Maintenance;

use crate::clock::Clock;
use keyless_jose::Kek;
use keyless_jose::kek::Purpose;
use keyless_model::UnixTime;
use keyless_model::directory::{AccessTokenAlgorithm, Tenant};
use keyless_store::SharedStore;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

pub const RS256: &str = "RS256";
pub const ES256: &str = "ES256";

/// Verifiers' clock tolerance on `exp` (the ARM plane allows 300 s, see `bearer.rs`).
const VERIFIER_SKEW: i64 = 300;

/// How long a retired key stays published: the longest lifetime of a token it can have
/// signed (access tokens, 1 h; pipeline ID tokens live 5 min) plus the verifiers' skew.
pub const PUBLISHED_AFTER_RETIREMENT: i64 =
    keyless_model::federation::ACCESS_TOKEN_LIFETIME + VERIFIER_SKEW;
// Access tokens live an hour and ARM accepts them 300 s past `exp`; should either change,
// this must still cover it.
const _: () = assert!(PUBLISHED_AFTER_RETIREMENT >= 3600 + 300);

/// An unknown kid makes an issuer's keys be re-read at most this often.
const FORCED_REFRESH_EVERY: Duration = Duration::from_secs(1);

struct Cached {
    set: Arc<KeySet>,
    /// The last attempt to read the store (successful or not).
    checked: Instant,
    /// The clock time after which the set must be recomputed (`None` after a failed read:
    /// then only `refresh_every` triggers the next attempt).
    due: Option<UnixTime>,
    /// The last refresh caused by an unknown kid.
    forced: Option<Instant>,
}

pub struct KeyRing {
    store: SharedStore,
    kek: Kek,
    clock: Clock,
    policy: KeyPolicy,
    sets: RwLock<HashMap<Issuer, Cached>>,
    /// One load, creation or rotation at a time in this process (other processes are kept
    /// out by the store's lock).
    write: Mutex<()>,
}

impl KeyRing {
    /// Seals a secret keyless must keep (a service connection's client secret) under the
    /// key-encryption key, labelled as a connection secret (never openable as a signing key).
    pub fn seal_secret(&self, plaintext: &[u8]) -> Result<Vec<u8>, keyless_jose::JoseError> {
        self.kek.seal_for(Purpose::ConnectionSecret, plaintext)
    }
    pub fn open_secret(&self, sealed: &[u8]) -> Result<Vec<u8>, keyless_jose::JoseError> {
        self.kek.open_for(Purpose::ConnectionSecret, sealed)
    }

    /// Re-seals under the connection-secret label every connection secret still sealed
    /// under the signing-key label (which versions before the separate label used), one
    /// update per connection; returns how many. Run at every start: idempotent, and a
    /// secret that opens under neither label is left as it is (doctor reports it).
    pub async fn reseal_connection_secrets(&self) -> Result<usize, keyless_store::StoreError> {
        use base64::Engine as _;
        use keyless_model::devops::data::ConnectionData as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut resealed = 0;
        for org in self.store.list_organizations().await? {
            for project in self.store.list_projects(org.id).await? {
                for mut c in self.store.list_connections(project.id).await? {
                    let Some(sealed) = c.data.sealed_secret().and_then(|s| b64.decode(s).ok())
                    else {
                        continue;
                    };
                    if self.open_secret(&sealed).is_ok() {
                        continue;
                    }
                    let Ok(clear) = self.kek.open_for(Purpose::SigningKey, &sealed) else {
                        continue;
                    };
                    let again = self
                        .seal_secret(&clear)
                        .map_err(|e| keyless_store::StoreError::Backend(e.to_string()))?;
                    c.data.set_sealed_secret(b64.encode(again));
                    self.store.update_connection(&c).await?;
                    resealed += 1;
                }
            }
        }
        Ok(resealed)
    }

    /// A key ring with the default policy and its own clock.
    pub fn new(store: SharedStore, kek: Kek) -> KeyRing {
        KeyRing::with_policy(store, kek, Clock::default(), KeyPolicy::default())
    }

    pub fn with_policy(store: SharedStore, kek: Kek, clock: Clock, policy: KeyPolicy) -> KeyRing {
        KeyRing {
            store,
            kek,
            clock,
            policy,
            sets: RwLock::new(HashMap::new()),
            write: Mutex::new(()),
        }
    }

    /// The clock key lifetimes are judged by (the server's, shared with [`crate::AppState`]).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn policy(&self) -> &KeyPolicy {
        &self.policy
    }

    fn cached(&self, issuer: Issuer) -> Option<(Arc<KeySet>, bool)> {
        let sets = self.sets.read().ok()?;
        let c = sets.get(&issuer)?;
        let stale = c.checked.elapsed() >= self.policy.refresh_every
            || c.due.is_some_and(|t| self.clock.now() >= t);
        Some((c.set.clone(), stale))
    }

    /// Caches `set` as just read from the store (`fresh`), or as kept after a failed read.
    fn remember(&self, set: Arc<KeySet>, fresh: bool, forced: bool) {
        if let Ok(mut sets) = self.sets.write() {
            let now = Instant::now();
            let previous_forced = sets.get(&set.issuer).and_then(|c| c.forced);
            sets.insert(
                set.issuer,
                Cached {
                    due: if fresh { set.changes_at } else { None },
                    set,
                    checked: now,
                    forced: if forced { Some(now) } else { previous_forced },
                },
            );
        }
    }

    /// The issuer's keys, loading or creating them on first use and re-reading them when
    /// the cached set is stale (if the store cannot be read then, the cached set serves).
    pub async fn get(&self, issuer: Issuer) -> anyhow::Result<Arc<KeySet>> {
        if let Some((set, stale)) = self.cached(issuer) {
            if !stale {
                return Ok(set);
            }
            // One refresh at a time; the others keep using the cached set meanwhile.
            let Ok(_guard) = self.write.try_lock() else {
                return Ok(set);
            };
            return match self.load(issuer, Some(&set)).await {
                Ok(Some(fresh)) => {
                    let fresh = Arc::new(fresh);
                    self.remember(fresh.clone(), true, false);
                    Ok(fresh)
                }
                Ok(None) => {
                    // Every key of the issuer was deleted: start a new line.
                    let fresh = Arc::new(self.load_or_create(issuer).await?);
                    self.remember(fresh.clone(), true, false);
                    Ok(fresh)
                }
                Err(e) => {
                    tracing::warn!(%issuer, error = %e, "cannot refresh signing keys; using the cached ones");
                    // Try again after another refresh period, not on every request.
                    self.remember(set.clone(), false, false);
                    Ok(set)
                }
            };
        }
        let _guard = self.write.lock().await;
        if let Some((set, false)) = self.cached(issuer) {
            return Ok(set);
        }
        let set = Arc::new(self.load_or_create(issuer).await?);
        self.remember(set.clone(), true, false);
        Ok(set)
    }

    /// The issuer's keys, re-read from the store first when none has this kid (another
    /// replica may have rotated), at most once a second per issuer.
    pub async fn refresh_for_kid(&self, issuer: Issuer, kid: &str) -> anyhow::Result<Arc<KeySet>> {
        let set = self.get(issuer).await?;
        if set.find(kid).is_some() || self.forced_recently(issuer) {
            return Ok(set);
        }
        let _guard = self.write.lock().await;
        // Someone may have refreshed while we waited.
        if let Some((set, _)) = self.cached(issuer)
            && (set.find(kid).is_some() || self.forced_recently(issuer))
        {
            return Ok(set);
        }
        let fresh = Arc::new(self.load_or_create(issuer).await?);
        self.remember(fresh.clone(), true, true);
        Ok(fresh)
    }

    fn forced_recently(&self, issuer: Issuer) -> bool {
        self.sets
            .read()
            .ok()
            .and_then(|sets| sets.get(&issuer).and_then(|c| c.forced))
            .is_some_and(|t| t.elapsed() < FORCED_REFRESH_EVERY)
    }

    /// A published key of either algorithm to verify a token naming `kid` with.
    pub async fn verification_key(
        &self,
        issuer: Issuer,
        kid: &str,
    ) -> anyhow::Result<Option<Arc<Key>>> {
        let set = self.refresh_for_kid(issuer, kid).await?;
        Ok(set.find(kid).cloned())
    }

    /// The key that signs the tenant's access tokens now, by its `accessTokenAlgorithm`. The
    /// first ES256 use creates the tenant's ES256 key; until it has been published for the
    /// overlap, RS256 keeps signing.
    pub async fn access_token_signer(&self, tenant: &Tenant) -> anyhow::Result<Arc<Key>> {
        let issuer = Issuer::Tenant(tenant.id);
        let alg = tenant.settings.access_token_algorithm;
        let set = self.get(issuer).await?;
        if alg == AccessTokenAlgorithm::Es256 && !set.has_alg(ES256) {
            let _guard = self.write.lock().await;
            let current = self.load_or_create(issuer).await?;
            let set = if current.has_alg(ES256) {
                current
            } else {
                self.create_key(issuer, ES256, self.policy.publish_ahead)
                    .await?;
                self.load_or_create(issuer).await?
            };
            let set = Arc::new(set);
            self.remember(set.clone(), true, false);
            return Ok(set.access_token_signer(alg).clone());
        }
        Ok(set.access_token_signer(alg).clone())
    }
}
