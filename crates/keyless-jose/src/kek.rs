//! The key-encryption key (KEK): seals signing keys before they reach the database.
//!
//! The KEK comes from `KEYLESS_KEK` (base64) or from the file `DIR/kek`, created on first start.
//! Sealing is AES-256-GCM with a fresh random 96-bit nonce per blob, stored in front of the
//! ciphertext: `nonce (12) || ciphertext || tag (16)`. Random nonces are safe here because a KEK
//! seals only a handful of keys in its life, far from the 2^32 messages where collisions matter.

use std::fmt;
use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use crate::{JoseError, fsutil};

/// What a blob is for, bound to it as the AEAD's associated data: a blob sealed for one
/// purpose fails to open for another under the same KEK (a connection secret never opens
/// as a signing key, nor the reverse). Bump a label's version if its plaintext format ever
/// changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// An issuer's private signing key (PKCS#8).
    SigningKey,
    /// A secret connection's client secret.
    ConnectionSecret,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::SigningKey => b"keyless-signing-key-v1",
            Purpose::ConnectionSecret => b"keyless-connection-secret-v1",
        }
    }
}
const KEY_LEN: usize = 32;
const TAG_LEN: usize = 16;

/// A 32-byte AES-256-GCM key. Only the prepared cipher key is kept, never the raw bytes, and
/// `Debug` prints nothing of it.
pub struct Kek {
    key: LessSafeKey,
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kek(<redacted>)")
    }
}

impl Kek {
    fn from_bytes(bytes: &[u8]) -> Result<Kek, JoseError> {
        if bytes.len() != KEY_LEN {
            return Err(JoseError::InvalidKek(format!(
                "it decodes to {} bytes, a key-encryption key is exactly {KEY_LEN} bytes \
                 (generate one with `openssl rand -base64 32`)",
                bytes.len()
            )));
        }
        let key = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| JoseError::Crypto("cannot build an AES-256-GCM key"))?;
        Ok(Kek {
            key: LessSafeKey::new(key),
        })
    }

    /// Parses a KEK given as base64 (for `KEYLESS_KEK`). Standard and url-safe alphabets, with or
    /// without padding, are all accepted: people paste whatever their tool printed.
    pub fn from_base64(s: &str) -> Result<Kek, JoseError> {
        let s = s.trim();
        let bytes = [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(s).ok())
            .ok_or_else(|| JoseError::InvalidKek("it is not valid base64".into()))?;
        Kek::from_bytes(&bytes)
    }

    /// A new random KEK, as the base64 text `DIR/kek` and `KEYLESS_KEK` hold.
    pub fn generate_base64() -> String {
        STANDARD.encode(crate::random_bytes(KEY_LEN))
    }

    /// Reads the KEK stored at `path`, or creates it (owner-only permissions) with 32 random
    /// bytes. Two processes starting at once agree on one key: the loser of the creation race
    /// reads the winner's file.
    pub fn load_or_create(path: &Path) -> Result<Kek, JoseError> {
        if !path.exists() {
            let encoded = format!("{}\n", STANDARD.encode(crate::random_bytes(KEY_LEN)));
            fsutil::create_new(path, encoded.as_bytes(), true)?;
        }
        let text = fsutil::read_to_string(path)?;
        Kek::from_base64(&text).map_err(|e| match e {
            JoseError::InvalidKek(why) => {
                JoseError::InvalidKek(format!("{}: {why}", path.display()))
            }
            other => other,
        })
    }

    /// [`Kek::seal_for`] a signing key.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, JoseError> {
        self.seal_for(Purpose::SigningKey, plaintext)
    }

    /// [`Kek::open_for`] a signing key.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, JoseError> {
        self.open_for(Purpose::SigningKey, sealed)
    }

    /// Encrypts and authenticates `plaintext` for `purpose`: `nonce || ciphertext || tag`.
    pub fn seal_for(&self, purpose: Purpose, plaintext: &[u8]) -> Result<Vec<u8>, JoseError> {
        let nonce_bytes = crate::random_bytes(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&nonce_bytes)
            .map_err(|_| JoseError::Crypto("bad nonce length"))?;
        let mut in_out = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(nonce, Aad::from(purpose.label()), &mut in_out)
            .map_err(|_| JoseError::Crypto("AES-256-GCM sealing failed"))?;
        let mut sealed = nonce_bytes;
        sealed.extend_from_slice(&in_out);
        Ok(sealed)
    }

    /// Reverses [`Kek::seal_for`] with the same purpose. A wrong KEK, a wrong purpose and a
    /// corrupted blob are indistinguishable to GCM; the error names the likely cause (a
    /// changed `KEYLESS_KEK` or `DIR/kek`).
    pub fn open_for(&self, purpose: Purpose, sealed: &[u8]) -> Result<Vec<u8>, JoseError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(JoseError::SealedTruncated(sealed.len()));
        }
        let (nonce_bytes, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce_bytes)
            .map_err(|_| JoseError::Crypto("bad nonce length"))?;
        let mut in_out = ciphertext.to_vec();
        let plaintext = self
            .key
            .open_in_place(nonce, Aad::from(purpose.label()), &mut in_out)
            .map_err(|_| JoseError::KekMismatch)?;
        Ok(plaintext.to_vec())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn kek() -> Kek {
        Kek::from_base64(&STANDARD.encode(crate::random_bytes(32))).unwrap()
    }

    #[test]
    fn a_blob_opens_only_for_its_purpose() {
        let k = kek();
        let secret = k.seal_for(Purpose::ConnectionSecret, b"s3cret").unwrap();
        assert_eq!(
            k.open_for(Purpose::ConnectionSecret, &secret).unwrap(),
            b"s3cret"
        );
        assert!(k.open(&secret).is_err());
        let key = k.seal(b"pkcs8").unwrap();
        assert!(k.open_for(Purpose::ConnectionSecret, &key).is_err());
    }

    #[test]
    fn seal_open_round_trip() {
        let k = kek();
        let sealed = k.seal(b"pkcs8 bytes").unwrap();
        assert_eq!(sealed.len(), 12 + 11 + 16);
        assert_eq!(k.open(&sealed).unwrap(), b"pkcs8 bytes");
        // A fresh nonce each time: sealing twice never gives the same blob.
        assert_ne!(k.seal(b"x").unwrap(), k.seal(b"x").unwrap());
    }

    #[test]
    fn wrong_kek_fails_with_a_clear_message() {
        let sealed = kek().seal(b"secret").unwrap();
        let err = kek().open(&sealed).unwrap_err();
        assert!(matches!(err, JoseError::KekMismatch));
        assert!(
            err.to_string().contains("check KEYLESS_KEK or DIR/kek"),
            "{err}"
        );
    }

    #[test]
    fn truncated_ciphertext_fails() {
        let k = kek();
        let sealed = k.seal(b"secret").unwrap();
        assert!(matches!(
            k.open(&sealed[..20]),
            Err(JoseError::SealedTruncated(20))
        ));
        assert!(matches!(
            k.open(&sealed[..sealed.len() - 1]),
            Err(JoseError::KekMismatch)
        ));
    }

    #[test]
    fn from_base64_rejects_wrong_lengths_and_accepts_common_encodings() {
        let err = Kek::from_base64(&STANDARD.encode([1u8; 16])).unwrap_err();
        assert!(err.to_string().contains("16 bytes"), "{err}");
        assert!(Kek::from_base64("not base64 !").is_err());
        let raw = [0xfbu8; 32];
        for s in [
            STANDARD.encode(raw),
            URL_SAFE_NO_PAD.encode(raw),
            format!(" {}\n", STANDARD.encode(raw)),
        ] {
            let sealed = Kek::from_base64(&s).unwrap().seal(b"m").unwrap();
            assert_eq!(Kek::from_bytes(&raw).unwrap().open(&sealed).unwrap(), b"m");
        }
    }

    #[test]
    fn load_or_create_persists_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("kek");
        let sealed = Kek::load_or_create(&path).unwrap().seal(b"m").unwrap();
        assert_eq!(
            Kek::load_or_create(&path).unwrap().open(&sealed).unwrap(),
            b"m"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", kek()), "Kek(<redacted>)");
    }
}
