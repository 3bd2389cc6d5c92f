//! Token-signing keys: RSA-2048 (RS256, what Entra and Azure DevOps use) and, for completeness,
//! P-256 (ES256). Each key carries the self-signed certificate that its JWK publishes in `x5c`,
//! and its `kid`/`x5t` derived from that certificate in the style of the issuer it emulates.
//!
//! The parsed key pair lives in an `Arc` for the whole life of the key: importing an RSA key
//! costs about as much as signing with it, so it must never happen per token.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::{JoseError, b64url};

/// How `kid` and `x5t` are derived from the certificate (both from its SHA-1 thumbprint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KidStyle {
    /// Entra ID: `kid` = `x5t` = base64url(SHA-1(cert DER)), 27 characters.
    Entra,
    /// The Azure DevOps issuer: `kid` = uppercase hex SHA-1 (40 characters), `x5t` = base64url.
    AzureDevOps,
}

/// What both key types share: identifiers, certificate, and the encoded JWS header, which is the
/// same for every token signed by the key and so is built once.
#[derive(Clone)]
struct KeyMeta {
    kid: String,
    x5t: String,
    cert_der: Vec<u8>,
    header_b64: String,
}

impl KeyMeta {
    fn new(style: KidStyle, alg: &str, cert_der: Vec<u8>) -> Result<KeyMeta, JoseError> {
        let thumb = crate::sha1(&cert_der);
        let x5t = b64url(thumb);
        let kid = match style {
            KidStyle::Entra => x5t.clone(),
            KidStyle::AzureDevOps => hex::encode_upper(thumb),
        };
        // Field order matters to byte-for-byte comparisons with real tokens, and serde_json's
        // map may sort keys, so the header is written by hand (values escaped by serde_json).
        let header = format!(
            "{{\"typ\":\"JWT\",\"alg\":\"{alg}\",\"x5t\":{},\"kid\":{}}}",
            Value::from(x5t.as_str()),
            Value::from(kid.as_str())
        );
        Ok(KeyMeta {
            kid,
            x5t,
            header_b64: b64url(header),
            cert_der,
        })
    }

    fn jwk(&self, mut jwk: Value, issuer: Option<&str>) -> Value {
        jwk["use"] = json!("sig");
        jwk["kid"] = json!(self.kid);
        jwk["x5t"] = json!(self.x5t);
        jwk["x5c"] = json!([STANDARD.encode(&self.cert_der)]);
        if let Some(issuer) = issuer {
            jwk["issuer"] = json!(issuer);
        }
        jwk
    }

    /// `header.payload.` ready to be signed, plus the place to append the signature.
    /// The claims may be a `Value` or any type that serializes to a JSON object (a typed
    /// struct on the token path: no map of owned strings built and dropped per token).
    fn signing_input<C: Serialize + ?Sized>(&self, claims: &C) -> Result<String, JoseError> {
        let payload =
            serde_json::to_vec(claims).map_err(|e| JoseError::InvalidClaims(e.to_string()))?;
        if payload.first() != Some(&b'{') {
            return Err(JoseError::InvalidClaims(
                "JWT claims must be a JSON object".into(),
            ));
        }
        let mut out = String::with_capacity(self.header_b64.len() + payload.len() * 4 / 3 + 400);
        out.push_str(&self.header_b64);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut out);
        Ok(out)
    }
}

/// A self-signed certificate for a signing key, valid two years (JWKS consumers only read the
/// key and thumbprint from it, but real ones carry one and some clients show it).
fn self_signed_cert(
    pkcs8: &[u8],
    alg: &'static rcgen::SignatureAlgorithm,
    common_name: &str,
) -> Result<Vec<u8>, JoseError> {
    let key = rcgen::KeyPair::try_from(pkcs8)?;
    if !key.is_compatible(alg) {
        return Err(JoseError::InvalidKey(
            "the key does not suit the certificate algorithm".into(),
        ));
    }
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::minutes(5);
    params.not_after = now + Duration::days(730);
    params.serial_number = Some(crate::pki::random_serial());
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    Ok(params.self_signed(&key)?.der().to_vec())
}

/// Refuses a certificate that does not certify this key: its public key must appear in it.
fn check_cert_matches(cert_der: &[u8], public_key: &[u8]) -> Result<(), JoseError> {
    if cert_der.windows(public_key.len()).any(|w| w == public_key) {
        Ok(())
    } else {
        Err(JoseError::InvalidKey(
            "the certificate does not belong to this private key".into(),
        ))
    }
}

/// `kid()`, `x5t()` and `cert_der()` of a key, read from its `meta` ([`KeyMeta`]).
macro_rules! meta_accessors {
    () => {
        pub fn kid(&self) -> &str {
            &self.meta.kid
        }

        pub fn x5t(&self) -> &str {
            &self.meta.x5t
        }

        pub fn cert_der(&self) -> &[u8] {
            &self.meta.cert_der
        }
    };
}

/// An RS256 signing key. Cloning shares the parsed key.
#[derive(Clone)]
pub struct SigningKey {
    key: Arc<RsaKeyPair>,
    meta: KeyMeta,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &"RS256")
            .field("kid", &self.meta.kid)
            .finish()
    }
}

impl SigningKey {
    /// A new RSA-2048 key and its certificate. Also returns the PKCS#8 DER of the private key,
    /// to be sealed with the KEK and stored next to the certificate.
    pub fn generate(
        style: KidStyle,
        common_name: &str,
    ) -> Result<(SigningKey, Vec<u8>), JoseError> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| JoseError::Crypto("RSA key generation failed"))?;
        let pkcs8 = pair
            .as_der()
            .map_err(|_| JoseError::Crypto("cannot encode the RSA key"))?
            .as_ref()
            .to_vec();
        let cert_der = self_signed_cert(&pkcs8, &rcgen::PKCS_RSA_SHA256, common_name)?;
        Ok((SigningKey::from_pair(style, pair, cert_der)?, pkcs8))
    }

    /// Rebuilds a stored key from its PKCS#8 DER and certificate DER.
    pub fn from_parts(
        style: KidStyle,
        pkcs8_der: &[u8],
        cert_der: &[u8],
    ) -> Result<SigningKey, JoseError> {
        let pair = RsaKeyPair::from_pkcs8(pkcs8_der)
            .map_err(|e| JoseError::InvalidKey(format!("not an RSA PKCS#8 key: {e}")))?;
        SigningKey::from_pair(style, pair, cert_der.to_vec())
    }

    fn from_pair(
        style: KidStyle,
        pair: RsaKeyPair,
        cert_der: Vec<u8>,
    ) -> Result<SigningKey, JoseError> {
        if pair.public_modulus_len() < 256 {
            return Err(JoseError::InvalidKey(
                "RSA keys must be at least 2048 bits".into(),
            ));
        }
        let public = pair.public_key();
        check_cert_matches(&cert_der, public.as_ref())?;
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        let meta = KeyMeta::new(style, "RS256", cert_der)?;
        Ok(SigningKey {
            key: Arc::new(pair),
            meta,
            n,
            e,
        })
    }

    meta_accessors!();

    /// Big-endian modulus, no leading zero.
    pub fn modulus(&self) -> &[u8] {
        &self.n
    }

    /// Big-endian public exponent, no leading zero.
    pub fn exponent(&self) -> &[u8] {
        &self.e
    }

    /// When the certificate expires (the signal for rotation).
    pub fn cert_not_after(&self) -> Option<OffsetDateTime> {
        crate::x509::validity(&self.meta.cert_der).map(|(_, not_after)| not_after)
    }

    /// The JWK as Entra and Azure DevOps publish it; `issuer` is omitted when `None`.
    pub fn jwk(&self, issuer: Option<&str>) -> Value {
        let base = json!({"kty": "RSA", "n": b64url(&self.n), "e": b64url(&self.e)});
        self.meta.jwk(base, issuer)
    }

    /// A compact RS256 JWS with header `{"typ":"JWT","alg":"RS256","x5t":…,"kid":…}`.
    pub fn sign_jwt<C: Serialize + ?Sized>(&self, claims: &C) -> Result<String, JoseError> {
        let mut out = self.meta.signing_input(claims)?;
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                out.as_bytes(),
                &mut sig,
            )
            .map_err(|_| JoseError::Crypto("RSA signing failed"))?;
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(sig, &mut out);
        Ok(out)
    }
}

/// An ES256 (P-256) signing key with the same surface as [`SigningKey`]. No Azure issuer uses
/// ES256; it exists to emulate third-party issuers and to test algorithm pinning.
#[derive(Clone)]
pub struct EcSigningKey {
    key: Arc<EcdsaKeyPair>,
    meta: KeyMeta,
}

impl fmt::Debug for EcSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcSigningKey")
            .field("alg", &"ES256")
            .field("kid", &self.meta.kid)
            .finish()
    }
}

impl EcSigningKey {
    pub fn generate(
        style: KidStyle,
        common_name: &str,
    ) -> Result<(EcSigningKey, Vec<u8>), JoseError> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| JoseError::Crypto("P-256 key generation failed"))?;
        let pkcs8 = pair
            .to_pkcs8v1()
            .map_err(|_| JoseError::Crypto("cannot encode the P-256 key"))?
            .as_ref()
            .to_vec();
        let cert_der = self_signed_cert(&pkcs8, &rcgen::PKCS_ECDSA_P256_SHA256, common_name)?;
        Ok((EcSigningKey::from_parts(style, &pkcs8, &cert_der)?, pkcs8))
    }

    pub fn from_parts(
        style: KidStyle,
        pkcs8_der: &[u8],
        cert_der: &[u8],
    ) -> Result<EcSigningKey, JoseError> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8_der)
            .map_err(|e| JoseError::InvalidKey(format!("not a P-256 PKCS#8 key: {e}")))?;
        check_cert_matches(cert_der, pair.public_key().as_ref())?;
        let meta = KeyMeta::new(style, "ES256", cert_der.to_vec())?;
        Ok(EcSigningKey {
            key: Arc::new(pair),
            meta,
        })
    }

    meta_accessors!();

    /// The public point, uncompressed: `0x04 || x || y`.
    pub fn public_point(&self) -> &[u8] {
        self.key.public_key().as_ref()
    }

    pub fn jwk(&self, issuer: Option<&str>) -> Value {
        let point = self.public_point();
        let (x, y) = point
            .get(1..)
            .unwrap_or_default()
            .split_at(point.len().saturating_sub(1) / 2);
        self.meta.jwk(
            json!({"kty": "EC", "crv": "P-256", "x": b64url(x), "y": b64url(y)}),
            issuer,
        )
    }

    /// A compact ES256 JWS (signature is the 64-byte `r || s`, as JWS requires, not DER).
    pub fn sign_jwt<C: Serialize + ?Sized>(&self, claims: &C) -> Result<String, JoseError> {
        let mut out = self.meta.signing_input(claims)?;
        let sig = self
            .key
            .sign(&SystemRandom::new(), out.as_bytes())
            .map_err(|_| JoseError::Crypto("ECDSA signing failed"))?;
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(sig.as_ref(), &mut out);
        Ok(out)
    }
}

/// A JWK Set: `{"keys":[…]}`.
pub fn jwks(keys: &[Value]) -> Value {
    json!({ "keys": keys })
}

impl SigningKey {
    /// RS256 over arbitrary bytes. Tokens are signed with [`SigningKey::sign_jwt`]; this
    /// exists so tests can build genuinely signed tokens with hostile headers.
    pub fn sign_bytes(&self, input: &[u8]) -> Vec<u8> {
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        if self
            .key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input, &mut sig)
            .is_err()
        {
            sig.clear();
        }
        sig
    }
}

#[cfg(test)]
pub(crate) mod tests;
