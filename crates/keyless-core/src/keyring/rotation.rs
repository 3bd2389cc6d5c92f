//! Rotation (on demand and on schedule), deletion of keys whose tokens have all expired,
//! and the listing of every stored key with its state.

use super::{ES256, Issuer, KeyRing, KeyState, PUBLISHED_AFTER_RETIREMENT, RS256};
use keyless_model::keys::SigningKeyRecord;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What one pass of [`KeyRing::maintain`] did.
#[derive(Debug, Default)]
pub struct Maintenance {
    /// Keys rotated in because their predecessor was older than the rotation period.
    pub rotated: Vec<SigningKeyRecord>,
    /// Retired keys deleted because no token they signed can still be valid.
    pub deleted: u64,
}

impl KeyRing {
    /// Rotates every line of keys of the issuer (RS256, and ES256 if it has one): a new key
    /// published now, signing after the policy's `publish_ahead`, the old one retired then.
    /// Returns the new current keys (another replica's, should it have rotated first). Each
    /// rotation is audited (kind `change`, by `by`) in its own transaction.
    pub async fn rotate(
        &self,
        issuer: Issuer,
        by: Option<uuid::Uuid>,
    ) -> anyhow::Result<Vec<SigningKeyRecord>> {
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
            rotated.push(self.rotate_line(issuer, alg, &current.kid, by).await?);
        }
        let set = Arc::new(self.load_or_create(issuer).await?);
        self.remember(set, true, false);
        Ok(rotated)
    }

    /// Every issuer that has keys, rotated (see [`KeyRing::rotate`]).
    pub async fn rotate_all(
        &self,
        by: Option<uuid::Uuid>,
    ) -> anyhow::Result<Vec<SigningKeyRecord>> {
        let mut rotated = Vec::new();
        for issuer in self.issuers_with_keys().await? {
            rotated.extend(self.rotate(issuer, by).await?);
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
                let new = self.rotate_line(issuer, &alg, &r.kid, None).await?;
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
    /// decides under its lock; the winner is returned). The rotation and its entry (the new
    /// kid and the one it replaces, never key material) commit together; when another
    /// writer rotated first nothing is written and there is no entry.
    async fn rotate_line(
        &self,
        issuer: Issuer,
        alg: &str,
        replaces: &str,
        by: Option<uuid::Uuid>,
    ) -> anyhow::Result<SigningKeyRecord> {
        let record = self
            .generate(issuer, alg, self.policy.publish_ahead)
            .await?;
        let uow = keyless_store::Transactional::begin(&*self.store).await?;
        let current = uow.rotate_signing_key(&record, replaces).await?;
        if current.kid != record.kid {
            return Ok(current);
        }
        let object =
            serde_json::json!({"issuer": record.owner, "kid": record.kid, "replaces": replaces});
        let rec =
            crate::audit::admin_change(self.clock.now(), None, by, "rotateSigningKey", object);
        crate::audit::commit(uow, &[rec]).await?;
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
