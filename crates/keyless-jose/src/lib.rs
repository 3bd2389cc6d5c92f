//! Key material, JWTs, JWKS and the local TLS PKI of keyless, all on aws-lc-rs.
//!
//! This crate owns every cryptographic decision of the project so that the rest of the workspace
//! never touches raw crypto APIs:
//! - [`kek`]: the key-encryption key that seals signing keys at rest;
//! - [`signing`]: RSA (RS256) and P-256 (ES256) signing keys with their self-signed certificates,
//!   JWKs in the exact shape Entra and Azure DevOps publish, and JWT signing;
//! - [`jwt`]: parsing and algorithm-pinned verification of incoming JWTs;
//! - [`pki`]: the local CA and the `localhost` leaf certificate served by `keyless serve`.
//!
//! There is one backend (aws-lc-rs) and keys are parsed once: importing an RSA key costs about as
//! much as a signature, so [`SigningKey`] holds the parsed key pair for its whole life.

pub mod jwt;
pub mod kek;
pub mod pki;
pub mod signing;

mod fsutil;
mod x509;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use jwt::{JwtHeader, PublicKey, UnverifiedJwt, VerifiedJwt};
pub use kek::Kek;
pub use pki::LocalPki;
pub use signing::{EcSigningKey, KidStyle, SigningKey, jwks};

/// Errors of key handling, certificates and files. JWT parsing and verification have their own
/// types ([`MalformedJwt`], [`SignatureError`]) because callers map each reason to a distinct
/// protocol error.
#[derive(Debug, thiserror::Error)]
pub enum JoseError {
    /// AES-GCM authentication failed: in practice a different KEK (or a corrupted blob).
    #[error(
        "cannot decrypt signing key: the key-encryption key differs from the one that sealed it (check KEYLESS_KEK or DIR/kek)"
    )]
    KekMismatch,
    /// The sealed blob is shorter than a nonce plus a tag, so it was cut off.
    #[error("cannot decrypt signing key: the sealed key is truncated ({0} bytes)")]
    SealedTruncated(usize),
    #[error("invalid key-encryption key: {0}")]
    InvalidKek(String),
    #[error("invalid key material: {0}")]
    InvalidKey(String),
    #[error("invalid JWT claims: {0}")]
    InvalidClaims(String),
    #[error("invalid JWK: {0}")]
    InvalidJwk(String),
    #[error("certificate error: {0}")]
    Certificate(String),
    #[error("cryptographic operation failed: {0}")]
    Crypto(&'static str),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<rcgen::Error> for JoseError {
    fn from(e: rcgen::Error) -> Self {
        JoseError::Certificate(e.to_string())
    }
}

/// Which part of a compact JWT a parse error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    Header,
    Payload,
    Signature,
}

impl std::fmt::Display for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Segment::Header => "header",
            Segment::Payload => "payload",
            Segment::Signature => "signature",
        })
    }
}

/// Why a token could not even be parsed. Each variant is a distinct reason so that the token
/// endpoint can answer with the matching AADSTS message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedJwt {
    #[error("the JWT is {0} bytes long, over the 16 KiB limit")]
    TooLarge(usize),
    #[error("a compact JWT has 3 dot-separated segments, this one has {0}")]
    SegmentCount(usize),
    #[error("the JWT {0} is not unpadded base64url")]
    Base64(Segment),
    #[error("the JWT {0} is not a JSON object")]
    Json(Segment),
    #[error("the JWT header has no string \"alg\"")]
    MissingAlg,
    /// RFC 7515 4.1.11: a JWS whose `crit` names extensions the recipient does not process is
    /// invalid. keyless processes none, so any `crit` header is refused.
    #[error("the JWT header marks extensions as critical (crit), which keyless does not process")]
    CriticalHeader,
}

/// Why a parsed token was not accepted. A `kid` that names no known key is the caller's business
/// (it knows the key sets), so there is no variant for it here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header's `alg` is not the one algorithm the key is pinned to (covers `none`, `HS256`).
    #[error("unsupported JWT algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    #[error("the JWT signature is invalid")]
    Invalid,
}

/// base64url without padding, the encoding of every JOSE field.
pub fn b64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Lowercase hex SHA-256, used to store PATs, job tokens and client secrets without keeping them.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        bytes.as_ref(),
    ))
}

/// SHA-1, needed only for certificate thumbprints (`x5t`), which the protocols define with SHA-1.
pub fn sha1(bytes: impl AsRef<[u8]>) -> [u8; 20] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes.as_ref());
    let mut out = [0u8; 20];
    out.copy_from_slice(d.as_ref());
    out
}

/// `n` bytes from the system CSPRNG.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    // AWS-LC's RAND_bytes aborts the process instead of returning failure, so the error branch is
    // unreachable; no caller could do anything sensible with it anyway.
    #[allow(clippy::expect_used)]
    aws_lc_rs::rand::fill(&mut buf).expect("the system random generator failed");
    buf
}

/// `prefix` followed by base64url of `n_bytes` random bytes: PATs, job tokens, client secrets.
pub fn random_token(prefix: &str, n_bytes: usize) -> String {
    format!("{prefix}{}", b64url(random_bytes(n_bytes)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn helpers_have_the_expected_shapes() {
        assert_eq!(b64url([0xfb, 0xff]), "-_8");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex::encode(sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(random_bytes(7).len(), 7);
        let t = random_token("kl_", 32);
        assert!(t.starts_with("kl_") && t.len() == 3 + 43);
        assert_ne!(random_token("", 16), random_token("", 16));
    }
}
