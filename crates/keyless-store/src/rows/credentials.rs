//! Rows of the credential tables: personal access tokens, client secrets, federated
//! identity credentials.

use keyless_model::UnixTime;
use keyless_model::directory::{FederatedCredential, PasswordCredential, PersonalAccessToken};

rows! {
    PatRow => PersonalAccessToken in "personal_access_tokens" {
        id: String as uuid,
        user_id: String as uuid,
        name: String,
        token_hash: String,
        scopes: String as json,
        created_at: UnixTime,
        expires_at: UnixTime,
        revoked_at: Option<UnixTime>,
    }

    PasswordRow => PasswordCredential in "password_credentials" {
        key_id: String as uuid,
        application_id: String as uuid,
        display_name: String,
        hint: String,
        salt: String,
        secret_hash: String,
        start_date_time: UnixTime,
        end_date_time: UnixTime,
    }

    FicRow => FederatedCredential in "federated_credentials" {
        id: String as uuid,
        parent_id: String as uuid,
        name: String,
        issuer: String,
        subject: Option<String>,
        audiences: String as json,
        description: Option<String>,
        claims_matching_expression: Option<String>,
        created_at: UnixTime,
    }
}
