//! Signing keys (sealed private keys and their certificates).

use crate::errors::db_err;
use crate::rows::{SigningKeyRow, all};
use crate::{KeyStore, StoreResult};
use async_trait::async_trait;
use keyless_model::keys::SigningKeyRecord;

for_each_backend! {
    #[async_trait]
    impl KeyStore for Backend {
        async fn insert_signing_key(&self, k: &SigningKeyRecord) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO signing_keys (kid, owner, alg, cert_der, sealed_private_key, \
                 created_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&k.kid)
            .bind(&k.owner)
            .bind(&k.alg)
            .bind(&k.cert_der)
            .bind(&k.sealed_private_key)
            .bind(k.created_at)
            .bind(k.retired_at)
            .execute(&self.0)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn list_signing_keys(&self, owner: &str) -> StoreResult<Vec<SigningKeyRecord>> {
            all(sqlx::query_as::<_, SigningKeyRow>(
                "SELECT kid, owner, alg, cert_der, sealed_private_key, created_at, retired_at \
                 FROM signing_keys WHERE owner = $1 ORDER BY created_at DESC, kid DESC",
            )
            .bind(owner)
            .fetch_all(&self.0)
            .await
            .map_err(db_err)?)
        }
    }
}
