//! Reading an issuer's keys from the store (reusing keys already parsed), opening sealed
//! keys, and generating and creating new ones under the store's per-issuer lock.

use super::{ES256, Issuer, Key, KeyRing, KeySet, KeyState, PUBLISHED_AFTER_RETIREMENT, RS256};
use keyless_jose::{EcSigningKey, SigningKey};
use keyless_model::keys::SigningKeyRecord;
use std::sync::Arc;

impl KeyRing {
    pub(super) async fn load_or_create(&self, issuer: Issuer) -> anyhow::Result<KeySet> {
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
    pub(super) async fn load(
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

    pub(super) fn open(&self, issuer: Issuer, r: &SigningKeyRecord) -> anyhow::Result<Key> {
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
    pub(super) async fn generate(
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
    pub(super) async fn create_key(
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
}
