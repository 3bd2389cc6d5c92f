//! Signing keys as stored: the private key sealed with the key-encryption key, never clear.

use crate::UnixTime;
use serde::{Deserialize, Serialize};

/// Who signs with a key: a tenant's token service or an organization's pipeline issuer.
/// Stored as the string `tenant:{id}` / `organization:{id}`.
pub type IssuerKeyOwner = String;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub owner: IssuerKeyOwner,
    /// `RS256` (or `ES256` for access tokens by tenant choice).
    pub alg: String,
    /// The self-signed certificate published as `x5c` (DER).
    pub cert_der: Vec<u8>,
    /// PKCS#8 private key sealed with AES-256-GCM under the key-encryption key.
    pub sealed_private_key: Vec<u8>,
    pub created_at: UnixTime,
    /// When the key starts signing. It is published from `created_at` on, so verifiers that
    /// cached the key set see a new key before any token names it (publish-before-sign).
    #[serde(default)]
    pub not_before: UnixTime,
    /// `None` while it is the newest key of its algorithm; otherwise when it stops signing
    /// (possibly in the future: the `not_before` of its successor). It stays published until
    /// every token it signed has expired, then it is deleted.
    pub retired_at: Option<UnixTime>,
}
