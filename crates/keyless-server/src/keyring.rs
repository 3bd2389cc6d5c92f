//! Signing keys of every issuer, parsed once and held in memory.
//!
//! An issuer is a tenant's token service (`tenant:{id}`, Entra kid style) or an
//! organization's Azure DevOps-generation pipeline issuer (`organization:{id}`, DevOps kid
//! style). Keys are created on first use, sealed with the key-encryption key before they
//! reach the store, and never leave this process in clear. Creation is serialised per
//! process; a racing replica's insert loses on the unique kid and reloads.

use keyless_jose::{Kek, KidStyle, SigningKey};
use keyless_model::Uuid;
use keyless_model::keys::SigningKeyRecord;
use keyless_store::SharedStore;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tokio::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Issuer {
    Tenant(Uuid),
    Organization(Uuid),
}

impl Issuer {
    fn owner(self) -> String {
        match self {
            Issuer::Tenant(id) => format!("tenant:{id}"),
            Issuer::Organization(id) => format!("organization:{id}"),
        }
    }
    fn style(self) -> KidStyle {
        match self {
            Issuer::Tenant(_) => KidStyle::Entra,
            Issuer::Organization(_) => KidStyle::AzureDevOps,
        }
    }
}

/// The keys of one issuer: the one that signs, and every one still published.
pub struct KeySet {
    pub active: Arc<SigningKey>,
    pub published: Vec<Arc<SigningKey>>,
}

impl KeySet {
    pub fn by_kid(&self, kid: &str) -> Option<&Arc<SigningKey>> {
        self.published.iter().find(|k| k.kid() == kid)
    }
}

pub struct KeyRing {
    store: SharedStore,
    kek: Kek,
    sets: RwLock<HashMap<Issuer, Arc<KeySet>>>,
    create: Mutex<()>,
}

impl KeyRing {
    pub fn new(store: SharedStore, kek: Kek) -> KeyRing {
        KeyRing {
            store,
            kek,
            sets: RwLock::new(HashMap::new()),
            create: Mutex::new(()),
        }
    }

    fn cached(&self, issuer: Issuer) -> Option<Arc<KeySet>> {
        self.sets.read().ok()?.get(&issuer).cloned()
    }

    /// The issuer's keys, loading or creating them on first use.
    pub async fn get(&self, issuer: Issuer) -> anyhow::Result<Arc<KeySet>> {
        if let Some(set) = self.cached(issuer) {
            return Ok(set);
        }
        let _guard = self.create.lock().await;
        if let Some(set) = self.cached(issuer) {
            return Ok(set);
        }
        let set = match self.load(issuer).await? {
            Some(set) => set,
            None => {
                self.create_key(issuer).await?;
                self.load(issuer)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("signing key vanished after creation"))?
            }
        };
        let set = Arc::new(set);
        if let Ok(mut sets) = self.sets.write() {
            sets.insert(issuer, set.clone());
        }
        Ok(set)
    }

    async fn load(&self, issuer: Issuer) -> anyhow::Result<Option<KeySet>> {
        let records = self.store.list_signing_keys(&issuer.owner()).await?;
        let mut published = Vec::new();
        let mut active = None;
        for r in records {
            let pkcs8 = self.kek.open(&r.sealed_private_key)?;
            let key = Arc::new(SigningKey::from_parts(issuer.style(), &pkcs8, &r.cert_der)?);
            if active.is_none() && r.retired_at.is_none() {
                active = Some(key.clone());
            }
            published.push(key);
        }
        Ok(active.map(|active| KeySet { active, published }))
    }

    async fn create_key(&self, issuer: Issuer) -> anyhow::Result<()> {
        let style = issuer.style();
        let owner = issuer.owner();
        let (key, pkcs8) =
            tokio::task::spawn_blocking(move || SigningKey::generate(style, "keyless signing key"))
                .await??;
        let record = SigningKeyRecord {
            kid: key.kid().to_string(),
            owner,
            alg: "RS256".into(),
            cert_der: key.cert_der().to_vec(),
            sealed_private_key: self.kek.seal(&pkcs8)?,
            created_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            retired_at: None,
        };
        match self.store.insert_signing_key(&record).await {
            Ok(()) | Err(keyless_store::StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
