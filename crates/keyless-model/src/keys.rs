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
    /// `None` while active; set when the key stops signing (it stays published until expired).
    pub retired_at: Option<UnixTime>,
}
