//! Rows of the credential tables: personal access tokens, client secrets, federated
//! identity credentials.

use super::{IntoModel, from_json, uuid};
use crate::StoreResult;
use keyless_model::UnixTime;
use keyless_model::directory::{FederatedCredential, PasswordCredential, PersonalAccessToken};

#[derive(sqlx::FromRow)]
pub(crate) struct PatRow {
    id: String,
    user_id: String,
    name: String,
    token_hash: String,
    scopes: String,
    created_at: UnixTime,
    expires_at: UnixTime,
    revoked_at: Option<UnixTime>,
}

impl IntoModel for PatRow {
    type Model = PersonalAccessToken;
    fn into_model(self) -> StoreResult<PersonalAccessToken> {
        Ok(PersonalAccessToken {
            id: uuid("personal_access_tokens.id", &self.id)?,
            user_id: uuid("personal_access_tokens.user_id", &self.user_id)?,
            scopes: from_json("personal_access_tokens.scopes", &self.scopes)?,
            name: self.name,
            token_hash: self.token_hash,
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PasswordRow {
    key_id: String,
    application_id: String,
    display_name: String,
    hint: String,
    salt: String,
    secret_hash: String,
    start_date_time: UnixTime,
    end_date_time: UnixTime,
}

impl IntoModel for PasswordRow {
    type Model = PasswordCredential;
    fn into_model(self) -> StoreResult<PasswordCredential> {
        Ok(PasswordCredential {
            key_id: uuid("password_credentials.key_id", &self.key_id)?,
            application_id: uuid("password_credentials.application_id", &self.application_id)?,
            display_name: self.display_name,
            hint: self.hint,
            salt: self.salt,
            secret_hash: self.secret_hash,
            start_date_time: self.start_date_time,
            end_date_time: self.end_date_time,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FicRow {
    id: String,
    parent_id: String,
    name: String,
    issuer: String,
    subject: Option<String>,
    audiences: String,
    description: Option<String>,
    claims_matching_expression: Option<String>,
    created_at: UnixTime,
}

impl IntoModel for FicRow {
    type Model = FederatedCredential;
    fn into_model(self) -> StoreResult<FederatedCredential> {
        Ok(FederatedCredential {
            id: uuid("federated_credentials.id", &self.id)?,
            parent_id: uuid("federated_credentials.parent_id", &self.parent_id)?,
            audiences: from_json("federated_credentials.audiences", &self.audiences)?,
            name: self.name,
            issuer: self.issuer,
            subject: self.subject,
            description: self.description,
            claims_matching_expression: self.claims_matching_expression,
            created_at: self.created_at,
        })
    }
}
