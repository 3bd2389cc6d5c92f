//! Tests panic on failure by design.
#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use super::*;

/// RSA generation takes tens of milliseconds: share one key per style across tests.
pub(crate) fn entra_key() -> &'static (SigningKey, Vec<u8>) {
    static KEY: OnceLock<(SigningKey, Vec<u8>)> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::generate(KidStyle::Entra, "accounts.accesscontrol.windows.net").unwrap()
    })
}

pub(crate) fn ado_key() -> &'static (SigningKey, Vec<u8>) {
    static KEY: OnceLock<(SigningKey, Vec<u8>)> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::generate(KidStyle::AzureDevOps, "vstoken.dev.azure.com").unwrap()
    })
}

fn decode_json(segment: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

#[test]
fn entra_kid_equals_x5t_base64url_sha1_of_cert() {
    let key = &entra_key().0;
    assert_eq!(key.kid(), key.x5t());
    assert_eq!(key.kid().len(), 27);
    assert_eq!(key.x5t(), b64url(crate::sha1(key.cert_der())));
}

#[test]
fn azure_devops_kid_is_uppercase_hex_and_x5t_base64url_of_same_bytes() {
    let key = &ado_key().0;
    assert_eq!(key.kid().len(), 40);
    assert!(
        key.kid()
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    );
    let thumb = hex::decode(key.kid()).unwrap();
    assert_eq!(key.x5t(), b64url(&thumb));
    assert_eq!(thumb, crate::sha1(key.cert_der()));
}

#[test]
fn jwk_has_the_entra_shape() {
    let key = &entra_key().0;
    let jwk = key.jwk(Some("https://login.microsoftonline.com/t/v2.0"));
    let obj = jwk.as_object().unwrap();
    let mut fields: Vec<&str> = obj.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["e", "issuer", "kid", "kty", "n", "use", "x5c", "x5t"]
    );
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["use"], "sig");
    assert_eq!(jwk["e"], "AQAB");
    assert_eq!(jwk["kid"], key.kid());
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(jwk["n"].as_str().unwrap())
            .unwrap()
            .len(),
        256
    );
    assert_eq!(
        STANDARD.decode(jwk["x5c"][0].as_str().unwrap()).unwrap(),
        key.cert_der()
    );
    assert!(key.jwk(None).get("issuer").is_none());
    assert_eq!(jwks(std::slice::from_ref(&jwk)), json!({"keys": [jwk]}));
}

#[test]
fn sign_jwt_writes_the_exact_header() {
    let key = &ado_key().0;
    let token = key.sign_jwt(&json!({"sub": "sc://o/p/c"})).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(
        header,
        format!(
            r#"{{"typ":"JWT","alg":"RS256","x5t":"{}","kid":"{}"}}"#,
            key.x5t(),
            key.kid()
        )
    );
    assert_eq!(decode_json(parts[1]), json!({"sub": "sc://o/p/c"}));
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), 256);
}

#[test]
fn sign_jwt_refuses_non_object_claims() {
    assert!(matches!(
        entra_key().0.sign_jwt(&json!([1])),
        Err(JoseError::InvalidClaims(_))
    ));
}

#[test]
fn from_parts_rebuilds_the_same_key() {
    let (key, pkcs8) = entra_key();
    let again = SigningKey::from_parts(KidStyle::Entra, pkcs8, key.cert_der()).unwrap();
    assert_eq!(again.kid(), key.kid());
    assert_eq!(again.jwk(None), key.jwk(None));
    let as_ado = SigningKey::from_parts(KidStyle::AzureDevOps, pkcs8, key.cert_der()).unwrap();
    assert_eq!(as_ado.x5t(), key.x5t());
    assert_eq!(as_ado.kid(), hex::encode_upper(crate::sha1(key.cert_der())));
}

#[test]
fn from_parts_rejects_a_certificate_of_another_key() {
    let err = SigningKey::from_parts(KidStyle::Entra, &entra_key().1, ado_key().0.cert_der())
        .unwrap_err();
    assert!(err.to_string().contains("does not belong"), "{err}");
    assert!(SigningKey::from_parts(KidStyle::Entra, b"junk", entra_key().0.cert_der()).is_err());
}

#[test]
fn certificate_is_valid_about_two_years() {
    let not_after = entra_key().0.cert_not_after().unwrap();
    let days = (not_after - OffsetDateTime::now_utc()).whole_days();
    assert!((729..=730).contains(&days), "{days}");
}

#[test]
fn debug_shows_no_key_material() {
    let (key, pkcs8) = entra_key();
    let debug = format!("{key:?}");
    assert_eq!(
        debug,
        format!("SigningKey {{ alg: \"RS256\", kid: {:?} }}", key.kid())
    );
    assert!(!debug.contains(&b64url(&pkcs8[..40])));
}

#[test]
fn ec_key_has_p256_jwk_and_es256_header() {
    let (key, pkcs8) = EcSigningKey::generate(KidStyle::Entra, "ec").unwrap();
    let jwk = key.jwk(None);
    assert_eq!(
        (jwk["kty"].as_str(), jwk["crv"].as_str()),
        (Some("EC"), Some("P-256"))
    );
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(jwk["x"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(jwk["y"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    let token = key.sign_jwt(&json!({})).unwrap();
    let header = decode_json(token.split('.').next().unwrap());
    assert_eq!(header["alg"], "ES256");
    let again = EcSigningKey::from_parts(KidStyle::Entra, &pkcs8, key.cert_der()).unwrap();
    assert_eq!(again.jwk(None), jwk);
    assert!(format!("{key:?}").starts_with("EcSigningKey { alg: \"ES256\""));
}
