//! Signing keys (sealed private keys and their certificates), their creation under a lock
//! shared by every process on the database, and their rotation.

use super::found;
use crate::errors::db_err;
use crate::rows::{IntoModel, SigningKeyRow};
use crate::{KeyStore, StoreResult};
use async_trait::async_trait;
use keyless_model::UnixTime;
use keyless_model::keys::SigningKeyRecord;

select!($ keys =
    "SELECT kid, owner, alg, cert_der, sealed_private_key, created_at, not_before, \
     retired_at FROM signing_keys ");

const INSERT: &str = "INSERT INTO signing_keys (kid, owner, alg, cert_der, sealed_private_key, \
                      created_at, not_before, retired_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// The key of `owner` and `alg` that is not retired (the newest, should there be several).
const CURRENT: &str = keys!(
    "WHERE owner = $1 AND alg = $2 AND retired_at IS NULL \
     ORDER BY created_at DESC, kid DESC LIMIT 1"
);

/// Inserts the key `$k` [`on!`] `self` or `in tx`.
macro_rules! insert_key {
    ($($on:ident)+, $k:ident) => {
        execute!(
            $($on)+,
            INSERT,
            &$k.kid,
            &$k.owner,
            &$k.alg,
            &$k.cert_der,
            &$k.sealed_private_key,
            $k.created_at,
            $k.not_before,
            $k.retired_at,
        )
    };
}

/// Opens a write transaction on `$store` holding the lock of the keys of `$k`'s owner: the
/// transaction, and the current key of that owner and `$k`'s algorithm.
macro_rules! lock_current {
    ($store:ident, $k:ident) => {{
        let mut tx = $store.begin_write().await?;
        Dialect::lock_signing_keys(&mut tx, &$k.owner).await?;
        let current = fetch!(
            in tx,
            query_as::<_, SigningKeyRow>,
            fetch_optional,
            CURRENT,
            &$k.owner,
            &$k.alg,
        )?
        .map(IntoModel::into_model)
        .transpose()?;
        (tx, current)
    }};
}

/// Inserts the key `$k` in the write transaction `$tx` and commits it; the key.
macro_rules! insert_and_commit {
    ($tx:ident, $k:ident) => {{
        insert_key!(in $tx, $k);
        $tx.commit().await.map_err(db_err)?;
        Ok($k.clone())
    }};
}

for_each_backend! {
    #[async_trait]
    impl KeyStore for Backend {
        async fn insert_signing_key(&self, k: &SigningKeyRecord) -> StoreResult<()> {
            insert_key!(self, k);
            Ok(())
        }

        async fn list_signing_keys(&self, owner: &str) -> StoreResult<Vec<SigningKeyRecord>> {
            fetch_all!(
                self,
                SigningKeyRow,
                keys!("WHERE owner = $1 ORDER BY created_at DESC, kid DESC"),
                owner,
            )
        }

        async fn list_all_signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
            fetch_all!(self, SigningKeyRow, keys!("ORDER BY owner, created_at DESC, kid DESC"))
        }

        async fn create_signing_key_if_absent(
            &self,
            k: &SigningKeyRecord,
        ) -> StoreResult<SigningKeyRecord> {
            let (mut tx, current) = lock_current!(self, k);
            if let Some(current) = current {
                tx.commit().await.map_err(db_err)?;
                return Ok(current);
            }
            insert_and_commit!(tx, k)
        }

        async fn rotate_signing_key(
            &self,
            k: &SigningKeyRecord,
            replaces: &str,
        ) -> StoreResult<SigningKeyRecord> {
            let (mut tx, current) = lock_current!(self, k);
            if let Some(current) = current {
                if current.kid != replaces {
                    // Another writer rotated first: its key is the answer.
                    tx.commit().await.map_err(db_err)?;
                    return Ok(current);
                }
                execute!(
                    in tx,
                    "UPDATE signing_keys SET retired_at = $3 \
                     WHERE owner = $1 AND alg = $2 AND retired_at IS NULL",
                    &k.owner,
                    &k.alg,
                    k.not_before,
                );
            }
            insert_and_commit!(tx, k)
        }

        async fn retire_signing_key(&self, kid: &str, at: UnixTime) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE signing_keys SET retired_at = COALESCE(retired_at, $2) WHERE kid = $1",
                kid,
                at,
            ))
        }

        async fn reseal_signing_key(&self, kid: &str, sealed_private_key: &[u8]) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE signing_keys SET sealed_private_key = $2 WHERE kid = $1",
                kid,
                sealed_private_key,
            ))
        }

        async fn delete_retired_signing_keys(&self, before: UnixTime) -> StoreResult<u64> {
            Ok(execute!(self, "DELETE FROM signing_keys WHERE retired_at < $1", before))
        }

        async fn ping(&self) -> StoreResult<()> {
            execute!(self, "SELECT 1");
            Ok(())
        }
    }
}
