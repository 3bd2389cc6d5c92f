//! The values of the key ring: issuers, parsed keys of either algorithm, an issuer's key set
//! at one moment, and where a stored key is in its life.

use super::PUBLISHED_AFTER_RETIREMENT;
use keyless_jose::{EcSigningKey, JoseError, KidStyle, PublicKey, SigningKey};
use keyless_model::directory::AccessTokenAlgorithm;
use keyless_model::keys::SigningKeyRecord;
use keyless_model::{UnixTime, Uuid};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

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

    pub(super) fn style(self) -> KidStyle {
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

pub(super) enum Signer {
    Rs256(Arc<SigningKey>),
    Es256(EcSigningKey),
}

/// One parsed key of either algorithm, with its public half ready for verification.
pub struct Key {
    pub(super) signer: Signer,
    pub(super) public: PublicKey,
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
    pub(super) fn rs256(key: SigningKey) -> Key {
        Key {
            public: PublicKey::from_signing_key(&key),
            signer: Signer::Rs256(Arc::new(key)),
        }
    }

    pub(super) fn es256(key: EcSigningKey) -> Key {
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

    pub fn sign_jwt<C: serde::Serialize + ?Sized>(&self, claims: &C) -> Result<String, JoseError> {
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
    pub(super) rs256: Arc<Key>,
    /// The ES256 key that signs now, once the tenant's ES256 key has passed its `not_before`.
    pub(super) es256: Option<Arc<Key>>,
    /// The next clock time at which what signs or what is published changes.
    pub(super) changes_at: Option<UnixTime>,
}

impl KeySet {
    /// An RS256 key by kid (assertions are RS256 only). Verify with its long-lived
    /// [`Key::public_key`], whose parsed form is built once, not per token.
    pub fn by_kid(&self, kid: &str) -> Option<&Arc<Key>> {
        self.published
            .iter()
            .find(|k| k.rsa().is_some() && k.kid() == kid)
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

    pub(super) fn has_alg(&self, alg: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyring::RS256;

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
