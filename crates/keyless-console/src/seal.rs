//! The secrets of a session as the store keeps them: the user's personal access token and
//! the session's CSRF token, sealed with AES-256-GCM under a key derived from the session
//! id (SHA-256 of a fixed label and the id), with a random 96-bit nonce and the id's hash
//! as associated data: `nonce (12) || ciphertext || tag (16)`.
//!
//! The id lives only in the browser's cookie and the store keeps only its hash, so a row
//! (a backup, a replica's disk) opens nothing without the cookie, and no key-encryption
//! key is involved. Each key seals one blob only (one per session id).

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::digest;

/// Bound into every key: bump its version if the plaintext's format ever changes.
const LABEL: &[u8] = b"keyless-console-session-v1\0";

/// A session's secrets. No `Debug`: it holds the user's token.
pub struct Secrets {
    pub pat: String,
    pub csrf: String,
}

fn key(id: &str) -> Option<LessSafeKey> {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(LABEL);
    ctx.update(id.as_bytes());
    let bytes = ctx.finish();
    let key = UnboundKey::new(&AES_256_GCM, bytes.as_ref()).ok()?;
    Some(LessSafeKey::new(key))
}

/// `secrets` sealed for the session `id` whose hash is `id_hash`; `None` only if the
/// cipher fails (it does not for these sizes).
pub fn seal(id: &str, id_hash: &str, secrets: &Secrets) -> Option<Vec<u8>> {
    let key = key(id)?;
    let mut out = keyless_jose::random_bytes(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(&out).ok()?;
    // The CSRF token is base64url (never a newline): what follows the first newline is
    // the personal access token, whatever it holds.
    let mut buf = format!("{}\n{}", secrets.csrf, secrets.pat).into_bytes();
    key.seal_in_place_append_tag(nonce, Aad::from(id_hash.as_bytes()), &mut buf)
        .ok()?;
    out.extend_from_slice(&buf);
    Some(out)
}

/// The secrets in `sealed`, if it was sealed for the session `id` and the hash `id_hash`
/// and not changed since; `None` otherwise.
pub fn open(id: &str, id_hash: &str, sealed: &[u8]) -> Option<Secrets> {
    if sealed.len() < NONCE_LEN {
        return None;
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buf = body.to_vec();
    let plain = key(id)?
        .open_in_place(nonce, Aad::from(id_hash.as_bytes()), &mut buf)
        .ok()?;
    let (csrf, pat) = std::str::from_utf8(plain).ok()?.split_once('\n')?;
    Some(Secrets {
        pat: pat.to_string(),
        csrf: csrf.to_string(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ID: &str = "k8Jd1m0xq3w6B4dGZzq2JbXgq9l0x1uYtA7nq0eRkzA";

    fn secrets() -> Secrets {
        Secrets {
            pat: "kl_pat_with\nnewline".into(),
            csrf: "csrf-token".into(),
        }
    }

    fn hash(id: &str) -> String {
        keyless_jose::sha256_hex(id.as_bytes())
    }

    #[test]
    fn round_trip() {
        let sealed = seal(ID, &hash(ID), &secrets()).unwrap();
        assert_eq!(
            sealed.len(),
            12 + "csrf-token\nkl_pat_with\nnewline".len() + 16
        );
        let text = String::from_utf8_lossy(&sealed);
        assert!(!text.contains("kl_pat") && !text.contains("csrf-token"));
        let opened = open(ID, &hash(ID), &sealed).unwrap();
        assert_eq!(opened.pat, "kl_pat_with\nnewline");
        assert_eq!(opened.csrf, "csrf-token");
        // A random nonce: sealing twice gives two different blobs.
        assert_ne!(sealed, seal(ID, &hash(ID), &secrets()).unwrap());
    }

    #[test]
    fn another_id_opens_nothing() {
        let sealed = seal(ID, &hash(ID), &secrets()).unwrap();
        let other = "x8Jd1m0xq3w6B4dGZzq2JbXgq9l0x1uYtA7nq0eRkzA";
        assert!(open(other, &hash(ID), &sealed).is_none());
        assert!(open(other, &hash(other), &sealed).is_none());
        assert!(open("", &hash(ID), &sealed).is_none());
    }

    #[test]
    fn tampered_bytes_open_nothing() {
        let sealed = seal(ID, &hash(ID), &secrets()).unwrap();
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert!(open(ID, &hash(ID), &bad).is_none(), "byte {i} flipped");
        }
        assert!(open(ID, &hash(ID), &sealed[..sealed.len() - 1]).is_none());
        assert!(open(ID, &hash(ID), &sealed[..11]).is_none());
        assert!(open(ID, &hash(ID), &[]).is_none());
    }

    #[test]
    fn the_blob_is_bound_to_the_id_hash() {
        let sealed = seal(ID, &hash(ID), &secrets()).unwrap();
        // The right key but another row's hash as associated data: refused.
        assert!(open(ID, &hash("another id"), &sealed).is_none());
        assert!(open(ID, "", &sealed).is_none());
    }
}
