//! Personal access tokens, client secrets and federated identity credentials.

use super::found;
use crate::errors::db_err;
use crate::rows::{FicRow, PasswordRow, PatRow, id, json, key};
use crate::{CredentialStore, StoreResult, conflict};
use async_trait::async_trait;
use keyless_model::directory::{FederatedCredential, PasswordCredential, PersonalAccessToken};
use keyless_model::{UnixTime, Uuid};

/// Federated identity credentials allowed per application or managed identity.
pub(crate) const MAX_FICS_PER_PARENT: i64 = 20;

select!($ pats =
    "SELECT id, user_id, name, token_hash, scopes, created_at, expires_at, revoked_at \
     FROM personal_access_tokens ");

select!($ fics =
    "SELECT id, parent_id, name, issuer, subject, audiences, description, \
     claims_matching_expression, created_at FROM federated_credentials ");

for_each_backend! {
    #[async_trait]
    impl CredentialStore for Backend {
        async fn create_pat(&self, p: &PersonalAccessToken) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO personal_access_tokens (id, user_id, name, token_hash, scopes, \
                 created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                id(p.id),
                id(p.user_id),
                &p.name,
                &p.token_hash,
                json(&p.scopes)?,
                p.created_at,
                p.expires_at,
                p.revoked_at,
            );
            Ok(())
        }

        /// Revoked and expired tokens are returned too: the caller decides.
        async fn find_pat_by_hash(&self, token_hash: &str) -> StoreResult<PersonalAccessToken> {
            fetch_one!(self, PatRow, pats!("WHERE token_hash = $1"), token_hash)
        }

        async fn list_pats(&self, user_id: Uuid) -> StoreResult<Vec<PersonalAccessToken>> {
            fetch_all!(
                self,
                PatRow,
                pats!("WHERE user_id = $1 ORDER BY created_at, id"),
                id(user_id),
            )
        }

        /// Revoking twice keeps the first revocation time.
        async fn revoke_pat(&self, pat: Uuid, at: UnixTime) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE personal_access_tokens SET revoked_at = COALESCE(revoked_at, $2) \
                 WHERE id = $1",
                id(pat),
                at,
            ))
        }

        async fn add_password(&self, p: &PasswordCredential) -> StoreResult<()> {
            execute!(
                self,
                "INSERT INTO password_credentials (key_id, application_id, display_name, hint, \
                 salt, secret_hash, start_date_time, end_date_time) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                id(p.key_id),
                id(p.application_id),
                &p.display_name,
                &p.hint,
                &p.salt,
                &p.secret_hash,
                p.start_date_time,
                p.end_date_time,
            );
            Ok(())
        }

        async fn list_passwords(
            &self,
            application_id: Uuid,
        ) -> StoreResult<Vec<PasswordCredential>> {
            fetch_all!(
                self,
                PasswordRow,
                "SELECT key_id, application_id, display_name, hint, salt, secret_hash, \
                 start_date_time, end_date_time FROM password_credentials \
                 WHERE application_id = $1 ORDER BY start_date_time, key_id",
                id(application_id),
            )
        }

        async fn remove_password(&self, application_id: Uuid, key_id: Uuid) -> StoreResult<()> {
            found(execute!(
                self,
                "DELETE FROM password_credentials WHERE application_id = $1 AND key_id = $2",
                id(application_id),
                id(key_id),
            ))
        }

        async fn create_fic(&self, f: &FederatedCredential) -> StoreResult<()> {
            let mut tx = self.begin_write().await?;
            Dialect::lock_fic_parent(&mut tx, f.parent_id).await?;
            refuse_from_count!(
                MAX_FICS_PER_PARENT,
                conflict::FIC_LIMIT,
                in tx,
                "SELECT COUNT(*) FROM federated_credentials WHERE parent_id = $1",
                id(f.parent_id),
            );
            execute!(
                in tx,
                "INSERT INTO federated_credentials (id, parent_id, name, name_key, issuer, \
                 subject, audiences, description, claims_matching_expression, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                id(f.id),
                id(f.parent_id),
                &f.name,
                key(&f.name),
                &f.issuer,
                &f.subject,
                json(&f.audiences)?,
                &f.description,
                &f.claims_matching_expression,
                f.created_at,
            );
            tx.commit().await.map_err(db_err)
        }

        async fn get_fic(&self, parent_id: Uuid, fic: Uuid) -> StoreResult<FederatedCredential> {
            fetch_one!(
                self,
                FicRow,
                fics!("WHERE parent_id = $1 AND id = $2"),
                id(parent_id),
                id(fic),
            )
        }

        async fn find_fic_by_name(
            &self,
            parent_id: Uuid,
            name: &str,
        ) -> StoreResult<FederatedCredential> {
            fetch_one!(
                self,
                FicRow,
                fics!("WHERE parent_id = $1 AND name_key = $2"),
                id(parent_id),
                key(name),
            )
        }

        async fn list_fics(&self, parent_id: Uuid) -> StoreResult<Vec<FederatedCredential>> {
            fetch_all!(
                self,
                FicRow,
                fics!("WHERE parent_id = $1 ORDER BY created_at, name_key"),
                id(parent_id),
            )
        }

        async fn update_fic(&self, f: &FederatedCredential) -> StoreResult<()> {
            found(execute!(
                self,
                "UPDATE federated_credentials SET issuer = $3, subject = $4, audiences = $5, \
                 description = $6, claims_matching_expression = $7 \
                 WHERE parent_id = $1 AND id = $2",
                id(f.parent_id),
                id(f.id),
                &f.issuer,
                &f.subject,
                json(&f.audiences)?,
                &f.description,
                &f.claims_matching_expression,
            ))
        }

        async fn delete_fic(&self, parent_id: Uuid, fic: Uuid) -> StoreResult<()> {
            found(execute!(
                self,
                "DELETE FROM federated_credentials WHERE parent_id = $1 AND id = $2",
                id(parent_id),
                id(fic),
            ))
        }
    }
}
