//! Incoming JWTs (client assertions, federated tokens, access tokens): strict parsing, then
//! verification with the algorithm pinned by the key.
//!
//! The types make the trust boundary visible: an [`UnverifiedJwt`] only lets callers *peek* at
//! claims (to find the issuer and key to check against); a [`VerifiedJwt`] exists only after the
//! signature checked out. The algorithm is never taken from the token: an RSA key accepts only
//! RS256 and a P-256 key only ES256, which rules out `alg: none` and RSA/HMAC confusion.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::{MalformedJwt, Segment, SignatureError};

mod public_key;

pub use public_key::PublicKey;

/// Larger tokens are refused before any decoding (real assertions are 1-3 KiB).
pub const MAX_JWT_LEN: usize = 16 * 1024;

/// The JOSE header fields keyless looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtHeader {
    pub alg: String,
    pub kid: Option<String>,
    pub x5t: Option<String>,
    pub typ: Option<String>,
}

/// A structurally valid JWT whose signature has NOT been checked. Nothing read from it may be
/// trusted; it only serves to pick the key to verify with. `Debug` leaves out the token itself,
/// which may be a replayable credential.
#[derive(Clone)]
pub struct UnverifiedJwt {
    token: String,
    /// Byte offset of the second dot: the signing input is `token[..signing_input_len]`.
    signing_input_len: usize,
    header: JwtHeader,
    raw_header: Map<String, Value>,
    claims: Map<String, Value>,
    signature: Vec<u8>,
}

impl std::fmt::Debug for UnverifiedJwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnverifiedJwt")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

fn decode_segment(segment: &str, which: Segment) -> Result<Vec<u8>, MalformedJwt> {
    // Real JWTs are unpadded base64url (JWS compact serialization); padding or stray bits are malformed.
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| MalformedJwt::Base64(which))
}

fn decode_object(segment: &str, which: Segment) -> Result<Map<String, Value>, MalformedJwt> {
    let bytes = decode_segment(segment, which)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(MalformedJwt::Json(which)),
    }
}

/// An optional header field that, when present, must be a string.
fn optional_str(header: &Map<String, Value>, name: &str) -> Result<Option<String>, MalformedJwt> {
    match header.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(MalformedJwt::Json(Segment::Header)),
    }
}

/// The accessors of the decoded header and claims, which both token types have.
macro_rules! decoded_parts {
    () => {
        pub fn header(&self) -> &JwtHeader {
            &self.header
        }

        /// Every header field, for the rare caller that needs more than [`JwtHeader`].
        pub fn raw_header(&self) -> &Map<String, Value> {
            &self.raw_header
        }

        /// The claims; peeked, not trusted, while the token is unverified.
        pub fn claims(&self) -> &Map<String, Value> {
            &self.claims
        }
    };
}

impl UnverifiedJwt {
    /// Splits and decodes a compact JWS. A header `kid`, `x5t` or `typ` that is not a string is
    /// reported as [`MalformedJwt::Json`] on the header.
    pub fn parse(token: &str) -> Result<UnverifiedJwt, MalformedJwt> {
        if token.len() > MAX_JWT_LEN {
            return Err(MalformedJwt::TooLarge(token.len()));
        }
        let parts: Vec<&str> = token.split('.').collect();
        let [header_b64, payload_b64, signature_b64] = parts[..] else {
            return Err(MalformedJwt::SegmentCount(parts.len()));
        };
        let raw_header = decode_object(header_b64, Segment::Header)?;
        let claims = decode_object(payload_b64, Segment::Payload)?;
        let signature = decode_segment(signature_b64, Segment::Signature)?;
        if raw_header.contains_key("crit") {
            return Err(MalformedJwt::CriticalHeader);
        }
        let alg = match raw_header.get("alg") {
            Some(Value::String(alg)) => alg.clone(),
            _ => return Err(MalformedJwt::MissingAlg),
        };
        let header = JwtHeader {
            alg,
            kid: optional_str(&raw_header, "kid")?,
            x5t: optional_str(&raw_header, "x5t")?,
            typ: optional_str(&raw_header, "typ")?,
        };
        Ok(UnverifiedJwt {
            token: token.to_owned(),
            signing_input_len: header_b64.len() + 1 + payload_b64.len(),
            header,
            raw_header,
            claims,
            signature,
        })
    }

    decoded_parts!();

    /// A string claim, peeked, not trusted (e.g. `iss` to choose the key set).
    pub fn peek_str(&self, claim: &str) -> Option<&str> {
        self.claims.get(claim).and_then(Value::as_str)
    }

    /// `base64url(header) "." base64url(payload)`, the bytes the signature covers.
    pub fn signing_input(&self) -> &[u8] {
        self.token
            .as_bytes()
            .get(..self.signing_input_len)
            .unwrap_or_default()
    }

    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    fn check(&self, key: &PublicKey) -> Result<(), SignatureError> {
        if self.header.alg != key.algorithm() {
            return Err(SignatureError::UnsupportedAlgorithm(
                self.header.alg.clone(),
            ));
        }
        // The parsed key carries the algorithm (RS256 with a 2048-8192-bit modulus, or
        // ES256); a key that does not parse verifies nothing.
        let parsed = key.parsed().ok_or(SignatureError::Invalid)?;
        parsed
            .verify_sig(self.signing_input(), self.signature.as_slice())
            .map_err(|_| SignatureError::Invalid)
    }

    /// Checks the signature with `key`; `alg` must be the key's one algorithm.
    pub fn verify(self, key: &PublicKey) -> Result<VerifiedJwt, SignatureError> {
        self.check(key)?;
        Ok(self.into_verified())
    }

    /// For tokens without a usable `kid`: accepts the first of `keys` that verifies. Fails with
    /// `UnsupportedAlgorithm` if no key is of the token's algorithm, `Invalid` otherwise
    /// (including when `keys` is empty).
    pub fn verify_any(self, keys: &[PublicKey]) -> Result<VerifiedJwt, SignatureError> {
        let mut candidates = keys
            .iter()
            .filter(|k| k.algorithm() == self.header.alg)
            .peekable();
        if candidates.peek().is_none() && !keys.is_empty() {
            return Err(SignatureError::UnsupportedAlgorithm(
                self.header.alg.clone(),
            ));
        }
        if candidates.any(|k| self.check(k).is_ok()) {
            Ok(self.into_verified())
        } else {
            Err(SignatureError::Invalid)
        }
    }

    fn into_verified(self) -> VerifiedJwt {
        VerifiedJwt {
            header: self.header,
            raw_header: self.raw_header,
            claims: self.claims,
        }
    }
}

/// A JWT whose signature checked out: its claims are what the key holder wrote. Time claims,
/// issuer and audience are still for the caller to judge.
#[derive(Debug, Clone)]
pub struct VerifiedJwt {
    header: JwtHeader,
    raw_header: Map<String, Value>,
    claims: Map<String, Value>,
}

/// A NumericDate: a JSON number (integer or not, floored); strings do not count.
fn numeric_date(v: Option<&Value>) -> Option<i64> {
    let n = v?.as_number()?;
    n.as_i64().or_else(|| {
        let f = n.as_f64()?.floor();
        // The range check makes the cast exact; it rejects u64 values beyond i64::MAX too.
        (-9.0e18..=9.0e18).contains(&f).then_some(f as i64)
    })
}

impl VerifiedJwt {
    decoded_parts!();

    pub fn into_claims(self) -> Map<String, Value> {
        self.claims
    }

    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims.get(name)
    }

    /// A claim that is a JSON string; `None` if absent or of another type.
    pub fn str_claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    pub fn iss(&self) -> Option<&str> {
        self.str_claim("iss")
    }

    pub fn sub(&self) -> Option<&str> {
        self.str_claim("sub")
    }

    /// `aud` as a list: a single string or an array of strings (non-strings are skipped).
    pub fn aud(&self) -> Vec<String> {
        match self.claims.get("aud") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn exp(&self) -> Option<i64> {
        numeric_date(self.claims.get("exp"))
    }

    pub fn nbf(&self) -> Option<i64> {
        numeric_date(self.claims.get("nbf"))
    }

    pub fn iat(&self) -> Option<i64> {
        numeric_date(self.claims.get("iat"))
    }
}

#[cfg(test)]
mod tests;
