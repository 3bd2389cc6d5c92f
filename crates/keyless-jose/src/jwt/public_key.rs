//! Public keys to verify JWTs with, from JWKs or from our own signing keys. Each key is tied to
//! exactly one algorithm, which is what pins verification in [`super::UnverifiedJwt::verify`].

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

use crate::JoseError;
use crate::signing::{EcSigningKey, SigningKey};

#[derive(Clone, PartialEq, Eq)]
enum KeyMaterial {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// Uncompressed SEC1 point `0x04 || x || y`.
    P256 {
        point: Vec<u8>,
    },
}

/// A public key to verify with, tied to exactly one algorithm (RS256 for RSA, ES256 for P-256).
#[derive(Clone)]
pub struct PublicKey {
    material: KeyMaterial,
    kid: Option<String>,
    x5t: Option<String>,
    /// The key as aws-lc uses it, built on first use and shared by clones: building an RSA
    /// key from `(n, e)` (its Montgomery constants) cost about half of each verification
    /// when it was done per token. `None` if the material is not a valid key.
    parsed: Arc<OnceLock<Option<ParsedPublicKey>>>,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        (&self.material, &self.kid, &self.x5t) == (&other.material, &other.kid, &other.x5t)
    }
}

impl Eq for PublicKey {}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey")
            .field("alg", &self.algorithm())
            .field("kid", &self.kid)
            .field("x5t", &self.x5t)
            .finish()
    }
}

/// aws-lc wants big-endian integers without leading zeros; some encoders pad `n` with one.
fn strip_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

fn jwk_bytes(jwk: &Value, field: &str) -> Result<Vec<u8>, JoseError> {
    let s = jwk
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| JoseError::InvalidJwk(format!("missing string \"{field}\"")))?;
    // Lenient on padding only: JWKs come from third-party issuers, not from JWS encoders.
    URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| JoseError::InvalidJwk(format!("\"{field}\" is not base64url")))
}

fn jwk_opt_str(jwk: &Value, field: &str) -> Option<String> {
    jwk.get(field).and_then(Value::as_str).map(str::to_owned)
}

impl PublicKey {
    /// An RSA key from its components (big-endian).
    pub fn rsa(n: &[u8], e: &[u8], kid: Option<String>, x5t: Option<String>) -> PublicKey {
        let material = KeyMaterial::Rsa {
            n: strip_leading_zeros(n),
            e: strip_leading_zeros(e),
        };
        PublicKey::new(material, kid, x5t)
    }

    fn new(material: KeyMaterial, kid: Option<String>, x5t: Option<String>) -> PublicKey {
        PublicKey {
            material,
            kid,
            x5t,
            parsed: Arc::default(),
        }
    }

    /// The aws-lc key pinned to this key's one algorithm, parsed once.
    pub(super) fn parsed(&self) -> Option<&ParsedPublicKey> {
        self.parsed
            .get_or_init(|| match &self.material {
                KeyMaterial::Rsa { n, e } => RsaPublicKeyComponents { n, e }
                    .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
                    .ok(),
                KeyMaterial::P256 { point } => {
                    ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point).ok()
                }
            })
            .as_ref()
    }

    /// A key from one JWK of a key set. Keys marked for another use or algorithm are refused.
    pub fn from_jwk(jwk: &Value) -> Result<PublicKey, JoseError> {
        if !jwk.is_object() {
            return Err(JoseError::InvalidJwk("a JWK is a JSON object".into()));
        }
        if let Some(usage) = jwk.get("use")
            && usage.as_str() != Some("sig")
        {
            return Err(JoseError::InvalidJwk(format!(
                "key use is {usage}, not \"sig\""
            )));
        }
        let (kid, x5t) = (jwk_opt_str(jwk, "kid"), jwk_opt_str(jwk, "x5t"));
        let key = match jwk.get("kty").and_then(Value::as_str) {
            Some("RSA") => {
                let key = PublicKey::rsa(&jwk_bytes(jwk, "n")?, &jwk_bytes(jwk, "e")?, kid, x5t);
                if let KeyMaterial::Rsa { n, e } = &key.material
                    && (n.len() < 256 || e.is_empty())
                {
                    return Err(JoseError::InvalidJwk(format!(
                        "RSA modulus has {} bits, at least 2048 are required",
                        n.len() * 8
                    )));
                }
                key
            }
            Some("EC") => {
                if jwk.get("crv").and_then(Value::as_str) != Some("P-256") {
                    return Err(JoseError::InvalidJwk(
                        "only the EC curve P-256 is supported".into(),
                    ));
                }
                let (x, y) = (jwk_bytes(jwk, "x")?, jwk_bytes(jwk, "y")?);
                if x.len() != 32 || y.len() != 32 {
                    return Err(JoseError::InvalidJwk(
                        "P-256 coordinates are 32 bytes".into(),
                    ));
                }
                let point = [&[0x04][..], &x, &y].concat();
                PublicKey::new(KeyMaterial::P256 { point }, kid, x5t)
            }
            Some(other) => {
                return Err(JoseError::InvalidJwk(format!(
                    "unsupported key type \"{other}\""
                )));
            }
            None => return Err(JoseError::InvalidJwk("missing string \"kty\"".into())),
        };
        if let Some(alg) = jwk.get("alg")
            && alg.as_str() != Some(key.algorithm())
        {
            return Err(JoseError::InvalidJwk(format!(
                "key is for alg {alg}, not {}",
                key.algorithm()
            )));
        }
        Ok(key)
    }

    pub fn from_signing_key(key: &SigningKey) -> PublicKey {
        let (kid, x5t) = (Some(key.kid().to_owned()), Some(key.x5t().to_owned()));
        PublicKey::rsa(key.modulus(), key.exponent(), kid, x5t)
    }

    pub fn from_ec_signing_key(key: &EcSigningKey) -> PublicKey {
        PublicKey::new(
            KeyMaterial::P256 {
                point: key.public_point().to_vec(),
            },
            Some(key.kid().to_owned()),
            Some(key.x5t().to_owned()),
        )
    }

    /// The only `alg` this key verifies.
    pub fn algorithm(&self) -> &'static str {
        match self.material {
            KeyMaterial::Rsa { .. } => "RS256",
            KeyMaterial::P256 { .. } => "ES256",
        }
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    pub fn x5t(&self) -> Option<&str> {
        self.x5t.as_deref()
    }

    /// `(n, e)` of an RSA key.
    pub fn rsa_components(&self) -> Option<(&[u8], &[u8])> {
        match &self.material {
            KeyMaterial::Rsa { n, e } => Some((n, e)),
            KeyMaterial::P256 { .. } => None,
        }
    }
}
