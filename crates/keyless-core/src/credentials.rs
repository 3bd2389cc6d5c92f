//! Application credentials as every plane handles them: client secrets in Entra's shape
//! (generated here, stored as a salted hash, compared in constant time) and federated
//! credential conflicts in Graph's words (Graph, automatic connections and world files
//! write credentials).

use crate::envelope::ApiError;
use keyless_model::Uuid;
use keyless_model::directory::PasswordCredential;
use keyless_store::{StoreError, conflict};

const SECRET_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~";

/// A 40-character secret in Entra's shape (`xxx8Q~…`): 34 random characters after the marker
/// carry ~200 bits, so a salted SHA-256 is enough (no slow hash needed).
pub fn generate_secret() -> String {
    let bytes = keyless_jose::random_bytes(37);
    let pick = |b: &u8| SECRET_ALPHABET[*b as usize % SECRET_ALPHABET.len()] as char;
    let head: String = bytes[..3].iter().map(pick).collect();
    let tail: String = bytes[3..].iter().map(pick).collect();
    format!("{head}8Q~{tail}")
}

fn hash(salt: &str, secret: &str) -> String {
    keyless_jose::sha256_hex(format!("{salt}{secret}").as_bytes())
}

/// Constant-time comparison of the presented secret's hash with the stored one.
pub fn secret_matches(p: &PasswordCredential, secret: &str) -> bool {
    let a = hash(&p.salt, secret);
    let b = &p.secret_hash;
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Builds a stored secret and returns it with the clear text (shown once).
pub fn new_password(
    application_id: Uuid,
    display_name: &str,
    start: i64,
    end: i64,
) -> (PasswordCredential, String) {
    let secret = generate_secret();
    let salt = keyless_jose::b64url(keyless_jose::random_bytes(16));
    let p = PasswordCredential {
        key_id: Uuid::new_v4(),
        application_id,
        display_name: display_name.to_string(),
        hint: secret.chars().take(3).collect(),
        secret_hash: hash(&salt, &secret),
        salt,
        start_date_time: start,
        end_date_time: end,
    };
    (p, secret)
}

/// Store conflicts in Graph's words.
pub fn fic_conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(c) if c == conflict::FIC_ISSUER_SUBJECT => graph_bad(
            "FederatedIdentityCredential with the same issuer and subject already exists for this application.",
        ),
        StoreError::Conflict(c) if c == conflict::FIC_NAME => graph_bad(
            "FederatedIdentityCredential with the same name already exists for this application.",
        ),
        StoreError::Conflict(c) if c == conflict::FIC_LIMIT => graph_bad(
            "The maximum number of federated identity credentials (20) for this application has been reached.",
        ),
        e => e.into(),
    }
}

fn graph_bad(detail: &str) -> ApiError {
    ApiError::detail("Request_BadRequest", detail)
}
