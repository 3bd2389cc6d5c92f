//! Personal access tokens, client secrets and federated identity credentials.

use super::found;
use crate::errors::db_err;
use crate::rows::{FicRow, PasswordRow, PatRow, all, id, json, key, one};
use crate::{CredentialStore, StoreError, StoreResult, conflict};
use async_trait::async_trait;
use keyless_model::directory::{FederatedCredential, PasswordCredential, PersonalAccessToken};
use keyless_model::{UnixTime, Uuid};

/// Federated identity credentials allowed per application or managed identity.
pub(crate) const MAX_FICS_PER_PARENT: i64 = 20;

macro_rules! pats {
    ($rest:literal) => {
        concat!(
            "SELECT id, user_id, name, token_hash, scopes, created_at, expires_at, revoked_at \
             FROM personal_access_tokens ",
            $rest
        )
    };
}

macro_rules! fics {
    ($rest:literal) => {
        concat!(
            "SELECT id, parent_id, name, issuer, subject, audiences, description, \
             claims_matching_expression, created_at FROM federated_credentials ",
            $rest
        )
    };
}

for_each_backend! {
    #[async_trait]
    impl CredentialStore for Backend {
        async fn create_pat(&self, p: &PersonalAccessToken) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO personal_access_tokens (id, user_id, name, token_hash, scopes, \
                 created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id(p.id))
            .bind(id(p.user_id))
            .bind(&p.name)
            .bind(&p.token_hash)
            .bind(json(&p.scopes)?)
            .bind(p.created_at)
            .bind(p.expires_at)
            .bind(p.revoked_at)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        /// Revoked and expired tokens are returned too: the caller decides.
        async fn find_pat_by_hash(&self, token_hash: &str) -> StoreResult<PersonalAccessToken> {
            one(sqlx::query_as::<_, PatRow>(pats!("WHERE token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(&mut *self.conn().await?)
                .await
                .map_err(db_err)?)
        }

        async fn list_pats(&self, user_id: Uuid) -> StoreResult<Vec<PersonalAccessToken>> {
            all(
                sqlx::query_as::<_, PatRow>(pats!("WHERE user_id = $1 ORDER BY created_at, id"))
                    .bind(id(user_id))
                    .fetch_all(&mut *self.conn().await?)
                    .await
                    .map_err(db_err)?,
            )
        }

        /// Revoking twice keeps the first revocation time.
        async fn revoke_pat(&self, pat: Uuid, at: UnixTime) -> StoreResult<()> {
            found(
                sqlx::query(
                    "UPDATE personal_access_tokens SET revoked_at = COALESCE(revoked_at, $2) \
                 WHERE id = $1",
                )
                .bind(id(pat))
                .bind(at)
                .execute(&mut *self.conn().await?)
                .await
                .map_err(db_err)?
                .rows_affected(),
            )
        }

        async fn add_password(&self, p: &PasswordCredential) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO password_credentials (key_id, application_id, display_name, hint, \
                 salt, secret_hash, start_date_time, end_date_time) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id(p.key_id))
            .bind(id(p.application_id))
            .bind(&p.display_name)
            .bind(&p.hint)
            .bind(&p.salt)
            .bind(&p.secret_hash)
            .bind(p.start_date_time)
            .bind(p.end_date_time)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db_err)?;
            Ok(())
        }

        async fn list_passwords(
            &self,
            application_id: Uuid,
        ) -> StoreResult<Vec<PasswordCredential>> {
            all(sqlx::query_as::<_, PasswordRow>(
                "SELECT key_id, application_id, display_name, hint, salt, secret_hash, \
                 start_date_time, end_date_time FROM password_credentials \
                 WHERE application_id = $1 ORDER BY start_date_time, key_id",
            )
            .bind(id(application_id))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db_err)?)
        }

        async fn remove_password(&self, application_id: Uuid, key_id: Uuid) -> StoreResult<()> {
            found(
                sqlx::query(
                    "DELETE FROM password_credentials WHERE application_id = $1 AND key_id = $2",
                )
                .bind(id(application_id))
                .bind(id(key_id))
                .execute(&mut *self.conn().await?)
                .await
                .map_err(db_err)?
                .rows_affected(),
            )
        }

        async fn create_fic(&self, f: &FederatedCredential) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            Dialect::lock_fic_parent(&mut tx, f.parent_id).await?;
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM federated_credentials WHERE parent_id = $1",
            )
            .bind(id(f.parent_id))
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
            if count >= MAX_FICS_PER_PARENT {
                return Err(StoreError::Conflict(conflict::FIC_LIMIT));
            }
            sqlx::query(
                "INSERT INTO federated_credentials (id, parent_id, name, name_key, issuer, \
                 subject, audiences, description, claims_matching_expression, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id(f.id))
            .bind(id(f.parent_id))
            .bind(&f.name)
            .bind(key(&f.name))
            .bind(&f.issuer)
            .bind(&f.subject)
            .bind(json(&f.audiences)?)
            .bind(&f.description)
            .bind(&f.claims_matching_expression)
            .bind(f.created_at)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            tx.commit().await.map_err(db_err)
        }

        async fn get_fic(&self, parent_id: Uuid, fic: Uuid) -> StoreResult<FederatedCredential> {
            one(
                sqlx::query_as::<_, FicRow>(fics!("WHERE parent_id = $1 AND id = $2"))
                    .bind(id(parent_id))
                    .bind(id(fic))
                    .fetch_optional(&mut *self.conn().await?)
                    .await
                    .map_err(db_err)?,
            )
        }

        async fn find_fic_by_name(
            &self,
            parent_id: Uuid,
            name: &str,
        ) -> StoreResult<FederatedCredential> {
            one(
                sqlx::query_as::<_, FicRow>(fics!("WHERE parent_id = $1 AND name_key = $2"))
                    .bind(id(parent_id))
                    .bind(key(name))
                    .fetch_optional(&mut *self.conn().await?)
                    .await
                    .map_err(db_err)?,
            )
        }

        async fn list_fics(&self, parent_id: Uuid) -> StoreResult<Vec<FederatedCredential>> {
            all(sqlx::query_as::<_, FicRow>(fics!(
                "WHERE parent_id = $1 ORDER BY created_at, name_key"
            ))
            .bind(id(parent_id))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db_err)?)
        }

        async fn update_fic(&self, f: &FederatedCredential) -> StoreResult<()> {
            found(
                sqlx::query(
                    "UPDATE federated_credentials SET issuer = $3, subject = $4, audiences = $5, \
                 description = $6, claims_matching_expression = $7 \
                 WHERE parent_id = $1 AND id = $2",
                )
                .bind(id(f.parent_id))
                .bind(id(f.id))
                .bind(&f.issuer)
                .bind(&f.subject)
                .bind(json(&f.audiences)?)
                .bind(&f.description)
                .bind(&f.claims_matching_expression)
                .execute(&mut *self.conn().await?)
                .await
                .map_err(db_err)?
                .rows_affected(),
            )
        }

        async fn delete_fic(&self, parent_id: Uuid, fic: Uuid) -> StoreResult<()> {
            found(
                sqlx::query("DELETE FROM federated_credentials WHERE parent_id = $1 AND id = $2")
                    .bind(id(parent_id))
                    .bind(id(fic))
                    .execute(&mut *self.conn().await?)
                    .await
                    .map_err(db_err)?
                    .rows_affected(),
            )
        }
    }
}
