//! Tests panic on failure by design.
#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;
use crate::JoseError;
use crate::signing::KidStyle;
use crate::signing::tests::{ado_key, entra_key};
use MalformedJwt as M;
use Segment as S;

fn b64(v: &Value) -> String {
    crate::b64url(serde_json::to_vec(v).unwrap())
}

/// A token with an arbitrary header, carrying a genuine RS256 signature by the Entra test key.
fn craft(header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", b64(header), b64(claims));
    let sig = entra_key().0.sign_bytes(input.as_bytes());
    format!("{input}.{}", crate::b64url(sig))
}

/// Why `token` does not parse.
fn parse_err(token: &str) -> MalformedJwt {
    UnverifiedJwt::parse(token).unwrap_err()
}

/// Parses `token` (which must parse) and checks its signature with `key`.
fn verify(token: &str, key: &PublicKey) -> Result<VerifiedJwt, SignatureError> {
    UnverifiedJwt::parse(token).unwrap().verify(key)
}

/// Parses `token` (which must parse) and checks its signature with one of `keys`.
fn verify_any(token: &str, keys: &[PublicKey]) -> Result<VerifiedJwt, SignatureError> {
    UnverifiedJwt::parse(token).unwrap().verify_any(keys)
}

fn entra_public() -> PublicKey {
    PublicKey::from_signing_key(&entra_key().0)
}

fn claims() -> Value {
    json!({"iss": "https://issuer", "sub": "app", "aud": "api://AzureADTokenExchange",
           "exp": 1_900_000_000, "nbf": 1_800_000_000.7, "iat": "1800000000"})
}

#[test]
fn sign_then_verify_round_trip() {
    let token = entra_key().0.sign_jwt(&claims()).unwrap();
    let jwt = UnverifiedJwt::parse(&token).unwrap();
    assert_eq!(jwt.header().alg, "RS256");
    assert_eq!(jwt.header().typ.as_deref(), Some("JWT"));
    assert_eq!(jwt.header().kid.as_deref(), Some(entra_key().0.kid()));
    assert_eq!(jwt.peek_str("iss"), Some("https://issuer"));
    assert!(!format!("{jwt:?}").contains(token.split('.').nth(2).unwrap()));
    let verified = jwt.verify(&entra_public()).unwrap();
    assert_eq!(verified.iss(), Some("https://issuer"));
    assert_eq!(verified.sub(), Some("app"));
    assert_eq!(verified.aud(), ["api://AzureADTokenExchange"]);
    assert_eq!(verified.exp(), Some(1_900_000_000));
    assert_eq!(verified.nbf(), Some(1_800_000_000), "floats are floored");
    assert_eq!(verified.iat(), None, "a string is not a NumericDate");
}

#[test]
fn aud_array_is_a_list() {
    let token = entra_key()
        .0
        .sign_jwt(&json!({"aud": ["a", 1, "b"]}))
        .unwrap();
    let verified = verify(&token, &entra_public()).unwrap();
    assert_eq!(verified.aud(), ["a", "b"]);
    assert_eq!(verified.exp(), None);
}

#[test]
fn tampered_payload_is_invalid() {
    let token = entra_key().0.sign_jwt(&claims()).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64(&json!({"sub": "admin"})),
        parts[2]
    );
    let err = verify(&forged, &entra_public()).unwrap_err();
    assert_eq!(err, SignatureError::Invalid);
}

#[test]
fn wrong_key_is_invalid() {
    let token = entra_key().0.sign_jwt(&claims()).unwrap();
    let other = PublicKey::from_signing_key(&ado_key().0);
    assert_eq!(verify(&token, &other).unwrap_err(), SignatureError::Invalid);
}

fn alg_rejected(alg: &str) {
    let token = craft(&json!({"alg": alg, "typ": "JWT"}), &claims());
    let err = verify(&token, &entra_public()).unwrap_err();
    assert_eq!(err, SignatureError::UnsupportedAlgorithm(alg.to_owned()));
}

#[test]
fn alg_none_is_unsupported() {
    alg_rejected("none");
    // The classic form: no signature at all.
    let token = format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&claims()));
    let err = verify(&token, &entra_public()).unwrap_err();
    assert_eq!(err, SignatureError::UnsupportedAlgorithm("none".into()));
}

#[test]
fn alg_hs256_is_unsupported() {
    alg_rejected("HS256");
}

#[test]
fn alg_rs384_is_unsupported() {
    alg_rejected("RS384");
}

#[test]
fn crafted_rs256_header_verifies() {
    // Guards the helper above: the same construction with RS256 passes.
    let token = craft(&json!({"alg": "RS256"}), &claims());
    assert!(verify(&token, &entra_public()).is_ok());
}

#[test]
fn malformed_too_large() {
    let token = "a".repeat(MAX_JWT_LEN + 1);
    assert_eq!(parse_err(&token), M::TooLarge(MAX_JWT_LEN + 1));
}

#[test]
fn malformed_segment_count() {
    assert_eq!(parse_err("a.b"), M::SegmentCount(2));
    assert_eq!(parse_err("a.b.c.d.e"), M::SegmentCount(5));
    assert_eq!(parse_err(""), M::SegmentCount(1));
}

#[test]
fn malformed_base64() {
    let token = entra_key().0.sign_jwt(&json!({"a": 1})).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let padded = format!("{}.{}=.{}", parts[0], parts[1], parts[2]);
    let standard_alphabet = format!("{}.{}.{}+", parts[0], parts[1], parts[2]);
    let bad_header = format!("*{}.{}.{}", parts[0], parts[1], parts[2]);
    assert_eq!(parse_err(&padded), M::Base64(S::Payload));
    assert_eq!(parse_err(&standard_alphabet), M::Base64(S::Signature));
    assert_eq!(parse_err(&bad_header), M::Base64(S::Header));
}

#[test]
fn malformed_json() {
    let payload = b64(&json!({}));
    let array_header = format!("{}.{payload}.", b64(&json!(["alg"])));
    let text_payload = format!(
        "{}.{}.",
        b64(&json!({"alg": "RS256"})),
        crate::b64url("not json")
    );
    let numeric_kid = format!("{}.{payload}.", b64(&json!({"alg": "RS256", "kid": 7})));
    for (token, segment) in [
        (array_header, S::Header),
        (text_payload, S::Payload),
        (numeric_kid, S::Header),
    ] {
        assert_eq!(parse_err(&token), M::Json(segment), "{token}");
    }
}

#[test]
fn malformed_missing_alg() {
    let payload = b64(&json!({}));
    for header in [
        json!({"typ": "JWT"}),
        json!({"alg": null}),
        json!({"alg": 256}),
    ] {
        let token = format!("{}.{payload}.", b64(&header));
        assert_eq!(parse_err(&token), M::MissingAlg);
    }
}

/// Any `crit` header is refused, even over a genuine signature: keyless processes no JWS
/// extension, and RFC 7515 makes such a token invalid.
#[test]
fn critical_headers_are_refused() {
    for crit in [
        json!(["exp"]),
        json!(["b64"]),
        json!([]),
        json!("x"),
        json!(null),
    ] {
        let token = craft(
            &json!({"alg": "RS256", "kid": entra_key().0.kid(), "crit": crit, "exp": 1}),
            &claims(),
        );
        assert_eq!(parse_err(&token), M::CriticalHeader, "{crit}");
    }
}

#[test]
fn jwk_of_a_generated_key_reparses_and_verifies() {
    let key = &ado_key().0;
    let public = PublicKey::from_jwk(&key.jwk(Some("https://vstoken.dev.azure.com/org"))).unwrap();
    assert_eq!(public, PublicKey::from_signing_key(key));
    assert_eq!(
        (public.kid(), public.x5t()),
        (Some(key.kid()), Some(key.x5t()))
    );
    let token = key.sign_jwt(&claims()).unwrap();
    assert!(verify(&token, &public).is_ok());
}

#[test]
fn jwk_with_leading_zero_modulus_still_verifies() {
    let mut jwk = entra_key().0.jwk(None);
    let n = [&[0u8][..], entra_key().0.modulus()].concat();
    jwk["n"] = json!(crate::b64url(n));
    let token = entra_key().0.sign_jwt(&claims()).unwrap();
    assert!(verify(&token, &PublicKey::from_jwk(&jwk).unwrap()).is_ok());
}

#[test]
fn from_jwk_rejects_bad_keys() {
    let good = entra_key().0.jwk(None);
    let mut cases = Vec::new();
    for (field, value) in [
        ("kty", json!("oct")),
        ("use", json!("enc")),
        ("alg", json!("RS512")),
        ("n", json!(5)),
    ] {
        let mut jwk = good.clone();
        jwk[field] = value;
        cases.push(jwk);
    }
    let mut no_e = good.clone();
    no_e.as_object_mut().unwrap().remove("e");
    cases.push(no_e);
    cases.push(json!({"kty": "RSA", "n": crate::b64url([0xc3u8; 128]), "e": "AQAB"}));
    cases.push(json!({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}));
    cases.push(json!("RSA"));
    for jwk in cases {
        assert!(
            matches!(PublicKey::from_jwk(&jwk), Err(JoseError::InvalidJwk(_))),
            "{jwk}"
        );
    }
}

#[test]
fn es256_verifies_and_keys_are_pinned_to_their_algorithm() {
    let (ec, _) = crate::EcSigningKey::generate(KidStyle::Entra, "ec").unwrap();
    let ec_public = PublicKey::from_jwk(&ec.jwk(None)).unwrap();
    assert_eq!(ec_public, PublicKey::from_ec_signing_key(&ec));
    let es_token = ec.sign_jwt(&claims()).unwrap();
    assert!(verify(&es_token, &ec_public).is_ok());
    let err = verify(&es_token, &entra_public()).unwrap_err();
    assert_eq!(err, SignatureError::UnsupportedAlgorithm("ES256".into()));
    let rs_token = entra_key().0.sign_jwt(&claims()).unwrap();
    let err = verify(&rs_token, &ec_public).unwrap_err();
    assert_eq!(err, SignatureError::UnsupportedAlgorithm("RS256".into()));
}

#[test]
fn verify_any_tries_each_key_of_the_algorithm() {
    let token = entra_key().0.sign_jwt(&claims()).unwrap();
    let keys = [PublicKey::from_signing_key(&ado_key().0), entra_public()];
    assert!(verify_any(&token, &keys).is_ok());
    let err = verify_any(&token, &keys[..1]).unwrap_err();
    assert_eq!(err, SignatureError::Invalid);
    assert_eq!(
        verify_any(&token, &[]).unwrap_err(),
        SignatureError::Invalid
    );
    let hs = craft(&json!({"alg": "HS256"}), &claims());
    let err = verify_any(&hs, &keys).unwrap_err();
    assert_eq!(err, SignatureError::UnsupportedAlgorithm("HS256".into()));
}

#[test]
fn a_parsed_key_is_reused_and_still_checks_every_signature() {
    let key = entra_public();
    let copy = key.clone();
    let good = entra_key().0.sign_jwt(&claims()).unwrap();
    // The clone shares the parsed key and verifies as the original does, again and again.
    for _ in 0..3 {
        assert!(verify(&good, &copy).is_ok());
    }
    assert!(key.parsed().is_some());
    let other = entra_key().0.sign_jwt(&json!({"iss": "x"})).unwrap();
    let (head, _) = good.rsplit_once('.').unwrap();
    let (_, sig) = other.rsplit_once('.').unwrap();
    let spliced = format!("{head}.{sig}");
    assert_eq!(verify(&spliced, &key).err(), Some(SignatureError::Invalid));
}

#[test]
fn an_rsa_key_below_2048_bits_or_not_a_key_verifies_nothing() {
    let token = entra_key().0.sign_jwt(&claims()).unwrap();
    // 1024-bit modulus: the pinned algorithm takes 2048 to 8192 bits only.
    let small = PublicKey::rsa(&[0xc5; 128], &[1, 0, 1], None, None);
    assert_eq!(verify(&token, &small).err(), Some(SignatureError::Invalid));
    // An even "modulus" is no RSA key at all.
    let broken = PublicKey::rsa(&[0xc4; 256], &[1, 0, 1], None, None);
    assert_eq!(verify(&token, &broken).err(), Some(SignatureError::Invalid));
}
