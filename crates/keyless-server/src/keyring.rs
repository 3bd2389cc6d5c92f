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

use crate::clock::Clock;
use keyless_jose::{EcSigningKey, JoseError, Kek, KidStyle, PublicKey, SigningKey};
use keyless_model::directory::{AccessTokenAlgorithm, Tenant};
use keyless_model::keys::SigningKeyRecord;
use keyless_model::{UnixTime, Uuid};
use keyless_store::SharedStore;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
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
    crate::entra::mint::ACCESS_TOKEN_LIFETIME + VERIFIER_SKEW;
// Access tokens live an hour and ARM accepts them 300 s past `exp`; should either change,
// this must still cover it.
const _: () = assert!(PUBLISHED_AFTER_RETIREMENT >= 3600 + 300);

/// An unknown kid makes an issuer's keys be re-read at most this often.
const FORCED_REFRESH_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Issuer {
    Tenant(Uuid),
    Organization(Uuid),
}

impl Issuer {
    /// How the store names the issuer: `tenant:{id}` or `organization:{id}`.
    pub fn owner(self) -> String {
        match self {
            Issuer::Tenant(id) => format!("tenant:{id}"),
            Issuer::Organization(id) => format!("organization:{id}"),
        }
    }

    /// The inverse of [`Issuer::owner`].
    pub fn from_owner(owner: &str) -> Option<Issuer> {
        let (kind, id) = owner.split_once(':')?;
        let id = Uuid::parse_str(id).ok()?;
        match kind {
            "tenant" => Some(Issuer::Tenant(id)),
            "organization" => Some(Issuer::Organization(id)),
            _ => None,
        }
    }

    fn style(self) -> KidStyle {
        match self {
            Issuer::Tenant(_) => KidStyle::Entra,
            Issuer::Organization(_) => KidStyle::AzureDevOps,
        }
    }
}

impl std::fmt::Display for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.owner())
    }
}

/// When rotated keys start signing, and how fresh each process keeps its cached key sets.
#[derive(Debug, Clone)]
pub struct KeyPolicy {
    /// Seconds a rotated-in key is published before it signs (`--key-publish-ahead`).
    pub publish_ahead: i64,
    /// A cached key set older than this is re-read from the store at its next use.
    pub refresh_every: Duration,
}

impl Default for KeyPolicy {
    fn default() -> Self {
        KeyPolicy {
            publish_ahead: 300,
            refresh_every: Duration::from_secs(2),
        }
    }
}

enum Signer {
    Rs256(Arc<SigningKey>),
    Es256(EcSigningKey),
}

/// One parsed key of either algorithm, with its public half ready for verification.
pub struct Key {
    signer: Signer,
    public: PublicKey,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("alg", &self.alg())
            .field("kid", &self.kid())
            .finish()
    }
}

impl Key {
    fn rs256(key: SigningKey) -> Key {
        Key {
            public: PublicKey::from_signing_key(&key),
            signer: Signer::Rs256(Arc::new(key)),
        }
    }

    fn es256(key: EcSigningKey) -> Key {
        Key {
            public: PublicKey::from_ec_signing_key(&key),
            signer: Signer::Es256(key),
        }
    }

    pub fn kid(&self) -> &str {
        match &self.signer {
            Signer::Rs256(k) => k.kid(),
            Signer::Es256(k) => k.kid(),
        }
    }

    pub fn alg(&self) -> &'static str {
        self.public.algorithm()
    }

    /// The JWK as the issuer publishes it; `issuer` is omitted when `None`.
    pub fn jwk(&self, issuer: Option<&str>) -> Value {
        match &self.signer {
            Signer::Rs256(k) => k.jwk(issuer),
            Signer::Es256(k) => k.jwk(issuer),
        }
    }

    pub fn sign_jwt(&self, claims: &Value) -> Result<String, JoseError> {
        match &self.signer {
            Signer::Rs256(k) => k.sign_jwt(claims),
            Signer::Es256(k) => k.sign_jwt(claims),
        }
    }

    /// The public key, pinned to the key's one algorithm.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    pub fn rsa(&self) -> Option<&Arc<SigningKey>> {
        match &self.signer {
            Signer::Rs256(k) => Some(k),
            Signer::Es256(_) => None,
        }
    }
}

/// The keys of one issuer at one moment: those that sign, and every one still published.
pub struct KeySet {
    pub issuer: Issuer,
    /// The RS256 key that signs now: pipeline ID tokens, and access tokens unless the
    /// tenant chose ES256.
    pub active: Arc<SigningKey>,
    /// The JWKS, newest first: signing keys, keys about to sign, and retired keys whose
    /// tokens may still be valid.
    pub published: Vec<Arc<Key>>,
    rs256: Arc<Key>,
    /// The ES256 key that signs now, once the tenant's ES256 key has passed its `not_before`.
    es256: Option<Arc<Key>>,
    /// The next clock time at which what signs or what is published changes.
    changes_at: Option<UnixTime>,
}

impl KeySet {
    /// An RS256 key by kid (assertions are RS256 only).
    pub fn by_kid(&self, kid: &str) -> Option<&Arc<SigningKey>> {
        self.published
            .iter()
            .filter_map(|k| k.rsa())
            .find(|k| k.kid() == kid)
    }

    /// A published key of either algorithm by kid.
    pub fn find(&self, kid: &str) -> Option<&Arc<Key>> {
        self.published.iter().find(|k| k.kid() == kid)
    }

    /// The key that signs access tokens for `alg` now. ES256 falls back to RS256 until the
    /// tenant's ES256 key has been published for the overlap.
    pub fn access_token_signer(&self, alg: AccessTokenAlgorithm) -> &Arc<Key> {
        match (alg, &self.es256) {
            (AccessTokenAlgorithm::Es256, Some(k)) => k,
            _ => &self.rs256,
        }
    }

    fn has_alg(&self, alg: &str) -> bool {
        self.published.iter().any(|k| k.alg() == alg)
    }
}

/// Where a stored key is in its life at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// Published, not signing yet.
    Pending,
    Signing,
    /// Retired, still published until its tokens have expired.
    Retired,
    /// No longer published; deleted by the next maintenance.
    Expired,
}

impl KeyState {
    pub fn of(r: &SigningKeyRecord, now: UnixTime) -> KeyState {
        match r.retired_at {
            Some(t) if t + PUBLISHED_AFTER_RETIREMENT <= now => KeyState::Expired,
            Some(t) if t <= now => KeyState::Retired,
            _ if r.not_before > now => KeyState::Pending,
            _ => KeyState::Signing,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Pending => "pending",
            KeyState::Signing => "signing",
            KeyState::Retired => "retired",
            KeyState::Expired => "expired",
        }
    }
}

/// What one pass of [`KeyRing::maintain`] did.
#[derive(Debug, Default)]
pub struct Maintenance {
    /// Keys rotated in because their predecessor was older than the rotation period.
    pub rotated: Vec<SigningKeyRecord>,
    /// Retired keys deleted because no token they signed can still be valid.
    pub deleted: u64,
}

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
    /// key-encryption key.
    pub fn seal_secret(&self, plaintext: &[u8]) -> Result<Vec<u8>, keyless_jose::JoseError> {
        self.kek.seal(plaintext)
    }
    pub fn open_secret(&self, sealed: &[u8]) -> Result<Vec<u8>, keyless_jose::JoseError> {
        self.kek.open(sealed)
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

    /// Rotates every line of keys of the issuer (RS256, and ES256 if it has one): a new key
    /// published now, signing after the policy's `publish_ahead`, the old one retired then.
    /// Returns the new current keys (another replica's, should it have rotated first).
    pub async fn rotate(&self, issuer: Issuer) -> anyhow::Result<Vec<SigningKeyRecord>> {
        let _guard = self.write.lock().await;
        let records = self.store.list_signing_keys(&issuer.owner()).await?;
        let mut rotated = Vec::new();
        for alg in [RS256, ES256] {
            let current = records
                .iter()
                .find(|r| r.alg == alg && r.retired_at.is_none());
            let Some(current) = current else {
                if alg == RS256 {
                    // Nothing to rotate yet: the first key signs at once.
                    rotated.push(self.create_key(issuer, RS256, 0).await?);
                }
                continue;
            };
            rotated.push(self.rotate_line(issuer, alg, &current.kid).await?);
        }
        let set = Arc::new(self.load_or_create(issuer).await?);
        self.remember(set, true, false);
        Ok(rotated)
    }

    /// Every issuer that has keys, rotated (see [`KeyRing::rotate`]).
    pub async fn rotate_all(&self) -> anyhow::Result<Vec<SigningKeyRecord>> {
        let mut rotated = Vec::new();
        for issuer in self.issuers_with_keys().await? {
            rotated.extend(self.rotate(issuer).await?);
        }
        Ok(rotated)
    }

    async fn issuers_with_keys(&self) -> anyhow::Result<Vec<Issuer>> {
        let mut issuers: Vec<Issuer> = self
            .store
            .list_all_signing_keys()
            .await?
            .iter()
            .filter_map(|r| Issuer::from_owner(&r.owner))
            .collect();
        issuers.sort();
        issuers.dedup();
        Ok(issuers)
    }

    /// The scheduled work of every replica (idempotent, safe to run on all at once): rotates
    /// each line of keys whose current key has signed for `rotation_days` (0: never), and
    /// deletes retired keys whose tokens have all expired.
    pub async fn maintain(&self, rotation_days: i64) -> anyhow::Result<Maintenance> {
        let now = self.clock.now();
        let mut done = Maintenance::default();
        if rotation_days > 0 {
            let due_before = now - rotation_days * 86_400;
            // The current key of each (owner, alg): the newest that is not retired.
            let mut current: BTreeMap<(String, String), SigningKeyRecord> = BTreeMap::new();
            for r in self.store.list_all_signing_keys().await? {
                if r.retired_at.is_none() {
                    current.entry((r.owner.clone(), r.alg.clone())).or_insert(r);
                }
            }
            for ((owner, alg), r) in current {
                let Some(issuer) = Issuer::from_owner(&owner) else {
                    continue;
                };
                if r.not_before > due_before {
                    continue;
                }
                let _guard = self.write.lock().await;
                let new = self.rotate_line(issuer, &alg, &r.kid).await?;
                tracing::info!(%issuer, alg, old = r.kid, new = new.kid, "signing key rotated on schedule");
                done.rotated.push(new);
                let set = Arc::new(self.load_or_create(issuer).await?);
                self.remember(set, true, false);
            }
        }
        done.deleted = self
            .store
            .delete_retired_signing_keys(now - PUBLISHED_AFTER_RETIREMENT)
            .await?;
        if done.deleted > 0 {
            tracing::info!(deleted = done.deleted, "expired signing keys deleted");
        }
        Ok(done)
    }

    /// A new key for one line, replacing `replaces` if it is still current (the store
    /// decides under its lock; the winner is returned).
    async fn rotate_line(
        &self,
        issuer: Issuer,
        alg: &str,
        replaces: &str,
    ) -> anyhow::Result<SigningKeyRecord> {
        let record = self
            .generate(issuer, alg, self.policy.publish_ahead)
            .await?;
        Ok(self.store.rotate_signing_key(&record, replaces).await?)
    }

    async fn load_or_create(&self, issuer: Issuer) -> anyhow::Result<KeySet> {
        let previous = self.cached(issuer).map(|(set, _)| set);
        if let Some(set) = self.load(issuer, previous.as_deref()).await? {
            return Ok(set);
        }
        self.create_key(issuer, RS256, 0).await?;
        self.load(issuer, previous.as_deref())
            .await?
            .ok_or_else(|| anyhow::anyhow!("signing key of {issuer} vanished after creation"))
    }

    /// The issuer's key set as the store has it now, reusing the keys `previous` already
    /// parsed. `None` when there is no RS256 key to sign with.
    async fn load(
        &self,
        issuer: Issuer,
        previous: Option<&KeySet>,
    ) -> anyhow::Result<Option<KeySet>> {
        let now = self.clock.now();
        let records = self.store.list_signing_keys(&issuer.owner()).await?;
        let mut live: Vec<(SigningKeyRecord, Arc<Key>)> = Vec::new();
        for r in records {
            if KeyState::of(&r, now) == KeyState::Expired {
                continue;
            }
            let key = match previous.and_then(|p| p.find(&r.kid)) {
                Some(k) => k.clone(),
                None => Arc::new(self.open(issuer, &r)?),
            };
            live.push((r, key));
        }
        let signer = |alg: &str, pending_ok: bool| -> Option<Arc<Key>> {
            let of_alg = || live.iter().filter(move |(r, _)| r.alg == alg);
            let by_start = |(r, _): &&(SigningKeyRecord, Arc<Key>)| (r.not_before, r.created_at);
            of_alg()
                .filter(|(r, _)| KeyState::of(r, now) == KeyState::Signing)
                .max_by_key(by_start)
                // A retired key whose successor is not due yet (clocks of replicas differ).
                .or_else(|| {
                    of_alg()
                        .filter(|(r, _)| r.not_before <= now)
                        .max_by_key(by_start)
                })
                // Only keys waiting for their `not_before`: better than not signing at all.
                .or_else(|| of_alg().filter(|_| pending_ok).min_by_key(by_start))
                .map(|(_, k)| k.clone())
        };
        let Some(rs256) = signer(RS256, true) else {
            return Ok(None);
        };
        let es256 = signer(ES256, false);
        let changes_at = live
            .iter()
            .flat_map(|(r, _)| {
                [
                    Some(r.not_before),
                    r.retired_at,
                    r.retired_at.map(|t| t + PUBLISHED_AFTER_RETIREMENT),
                ]
            })
            .flatten()
            .filter(|t| *t > now)
            .min();
        let active = rs256
            .rsa()
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("an RS256 key of {issuer} is not RSA"))?;
        Ok(Some(KeySet {
            issuer,
            active,
            published: live.into_iter().map(|(_, k)| k).collect(),
            rs256,
            es256,
            changes_at,
        }))
    }

    fn open(&self, issuer: Issuer, r: &SigningKeyRecord) -> anyhow::Result<Key> {
        let pkcs8 = self.kek.open(&r.sealed_private_key)?;
        Ok(match r.alg.as_str() {
            RS256 => Key::rs256(SigningKey::from_parts(issuer.style(), &pkcs8, &r.cert_der)?),
            ES256 => Key::es256(EcSigningKey::from_parts(
                issuer.style(),
                &pkcs8,
                &r.cert_der,
            )?),
            other => anyhow::bail!("signing key {} has an unknown algorithm {other:?}", r.kid),
        })
    }

    /// A new key sealed for the store, signing `delay` seconds from now.
    async fn generate(
        &self,
        issuer: Issuer,
        alg: &str,
        delay: i64,
    ) -> anyhow::Result<SigningKeyRecord> {
        let style = issuer.style();
        let (kid, cert_der, pkcs8) = match alg {
            RS256 => {
                let (key, pkcs8) = tokio::task::spawn_blocking(move || {
                    SigningKey::generate(style, "keyless signing key")
                })
                .await??;
                (key.kid().to_string(), key.cert_der().to_vec(), pkcs8)
            }
            ES256 => {
                let (key, pkcs8) = EcSigningKey::generate(style, "keyless signing key")?;
                (key.kid().to_string(), key.cert_der().to_vec(), pkcs8)
            }
            other => anyhow::bail!("cannot generate a key for algorithm {other:?}"),
        };
        let now = self.clock.now();
        Ok(SigningKeyRecord {
            kid,
            owner: issuer.owner(),
            alg: alg.to_string(),
            cert_der,
            sealed_private_key: self.kek.seal(&pkcs8)?,
            created_at: now,
            not_before: now + delay.max(0),
            retired_at: None,
        })
    }

    /// The first key of a line, unless another process created one first.
    async fn create_key(
        &self,
        issuer: Issuer,
        alg: &str,
        delay: i64,
    ) -> anyhow::Result<SigningKeyRecord> {
        let record = self.generate(issuer, alg, delay).await?;
        let current = self.store.create_signing_key_if_absent(&record).await?;
        if current.kid == record.kid {
            tracing::info!(%issuer, alg, kid = record.kid, "signing key created");
        }
        Ok(current)
    }

    /// Every stored key with where it is in its life, for the admin listing.
    pub async fn list(&self) -> anyhow::Result<Vec<(SigningKeyRecord, KeyState)>> {
        let now = self.clock.now();
        Ok(self
            .store
            .list_all_signing_keys()
            .await?
            .into_iter()
            .map(|r| {
                let state = KeyState::of(&r, now);
                (r, state)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(not_before: UnixTime, retired_at: Option<UnixTime>) -> SigningKeyRecord {
        SigningKeyRecord {
            kid: "k".into(),
            owner: "tenant:x".into(),
            alg: RS256.into(),
            cert_der: vec![],
            sealed_private_key: vec![],
            created_at: 0,
            not_before,
            retired_at,
        }
    }

    #[test]
    fn a_key_is_pending_then_signing_then_retired_then_expired() {
        let now = 10_000;
        assert_eq!(KeyState::of(&record(now + 1, None), now), KeyState::Pending);
        assert_eq!(KeyState::of(&record(now, None), now), KeyState::Signing);
        // Retirement scheduled for its successor's start: still signing until then.
        let r = record(0, Some(now + 300));
        assert_eq!(KeyState::of(&r, now), KeyState::Signing);
        assert_eq!(KeyState::of(&r, now + 300), KeyState::Retired);
        let last_published = now + 300 + PUBLISHED_AFTER_RETIREMENT - 1;
        assert_eq!(KeyState::of(&r, last_published), KeyState::Retired);
        assert_eq!(KeyState::of(&r, last_published + 1), KeyState::Expired);
        // A key rotated out before it ever signed.
        let r = record(now + 100, Some(now + 50));
        assert_eq!(KeyState::of(&r, now), KeyState::Pending);
    }

    #[test]
    fn owners_round_trip() {
        let id = Uuid::new_v4();
        for issuer in [Issuer::Tenant(id), Issuer::Organization(id)] {
            assert_eq!(Issuer::from_owner(&issuer.owner()), Some(issuer));
            assert_eq!(issuer.to_string(), issuer.owner());
        }
        assert_eq!(Issuer::from_owner("planet:mars"), None);
        assert_eq!(Issuer::from_owner("tenant:not-a-guid"), None);
        assert_eq!(Issuer::from_owner("tenant"), None);
    }
}
