//! ARM token validation: one test per 401 reason, each with its code, message and
//! `WWW-Authenticate` challenge, plus the api-version rule that follows authentication.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use keyless_server::keyring::Issuer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{API, assert_error, assert_error_code, raw};

const ALLOWED: &str = "'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'";

/// Asserts a 401 with its code, message and the `WWW-Authenticate` challenge naming both.
fn assert_401(s: &TestServer, r: &support::Raw, code: &str, message: &str) {
    assert_error(r.status, &r.body, 401, code, message);
    assert_eq!(
        r.header("www-authenticate").unwrap(),
        format!(
            "Bearer authorization_uri=\"{}\", error=\"invalid_token\", error_description=\"{message}\"",
            s.origin
        )
    );
}

fn subs_path() -> String {
    format!("/subscriptions?{API}")
}

/// Claims of a well-formed access token of the demo tenant, for tampering.
fn claims(s: &TestServer, oid: &str) -> Value {
    support::demo_access_claims(s, "https://management.azure.com", oid)
}

const INVALID: &str = "The access token is invalid.";
const MISSING: &str = "Authentication failed. The 'Authorization' header is missing.";

/// `GET /subscriptions` with the given `Authorization` header.
async fn get_subs(s: &TestServer, authorization: Option<&str>) -> support::Raw {
    raw(s, Method::GET, &subs_path(), authorization, None).await
}

#[tokio::test]
async fn missing_authorization_header_is_authentication_failed() {
    let s = TestServer::start().await;
    for path in [subs_path(), format!("/tenants?{API}")] {
        let r = raw(&s, Method::GET, &path, None, None).await;
        assert_401(&s, &r, "AuthenticationFailed", MISSING);
    }
}

/// A garbage token, a valid token under another scheme, a token without `oid`, one signed
/// with another issuer's key and one with a tampered payload are each 401
/// InvalidAuthenticationToken.
#[tokio::test]
async fn invalid_tokens_are_invalid_authentication_token() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let mut c = claims(&s, "unused");
    c.as_object_mut().unwrap().remove("oid");
    let without_oid = s.sign(Issuer::Tenant(s.tenant()), c).await;
    // The claims name the tenant, but the key is the organization's DevOps issuer key.
    let org = s.store().find_organization("contoso").await.unwrap();
    let c = claims(&s, &support::demo_sp_id(&s).await);
    let other_key = s.sign(Issuer::Organization(org.id), c).await;
    let parts: Vec<&str> = token.split('.').collect();
    let mut c = support::jwt_claims(&token);
    c["oid"] = json!(uuid::Uuid::new_v4().to_string());
    use base64::Engine;
    let payload =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
    let tampered = format!("{}.{payload}.{}", parts[0], parts[2]);
    for authorization in [
        "Bearer not.a.jwt".to_string(),
        format!("Basic {token}"),
        format!("Bearer {without_oid}"),
        format!("Bearer {other_key}"),
        format!("Bearer {tampered}"),
    ] {
        let r = get_subs(&s, Some(&authorization)).await;
        assert_401(&s, &r, "InvalidAuthenticationToken", INVALID);
    }
}

#[tokio::test]
async fn token_for_another_audience_names_the_audience() {
    let s = TestServer::start().await;
    let mut c = claims(&s, &support::demo_sp_id(&s).await);
    c["aud"] = json!("https://graph.microsoft.com");
    let t = s.sign(Issuer::Tenant(s.tenant()), c).await;
    let r = get_subs(&s, Some(&format!("Bearer {t}"))).await;
    assert_401(
        &s,
        &r,
        "InvalidAuthenticationTokenAudience",
        &format!(
            "The access token has been obtained for wrong audience or resource 'https://graph.microsoft.com'. It should exactly match with one of the allowed audiences {ALLOWED}."
        ),
    );
}

#[tokio::test]
async fn each_of_the_four_arm_audiences_is_accepted() {
    let s = TestServer::start().await;
    let oid = support::demo_sp_id(&s).await;
    for aud in [
        "https://management.core.windows.net/",
        "https://management.core.windows.net",
        "https://management.azure.com/",
        "https://management.azure.com",
    ] {
        let mut c = claims(&s, &oid);
        c["aud"] = json!(aud);
        let t = s.sign(Issuer::Tenant(s.tenant()), c).await;
        let (status, body) = s.get_as(&t, &subs_path()).await;
        assert_eq!(status, StatusCode::OK, "{aud}: {body}");
    }
}

#[tokio::test]
async fn expired_token_is_expired_authentication_token() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let exp = support::jwt_claims(&token)["exp"].as_i64().unwrap();
    s.state.clock.advance(2 * 3600);
    let r = get_subs(&s, Some(&format!("Bearer {token}"))).await;
    let msg = assert_error_code(r.status, &r.body, 401, "ExpiredAuthenticationToken");
    let prefix = format!(
        "The access token expiry UTC time '{}' is earlier than current UTC time '",
        keyless_model::time_fmt::iso(exp)
    );
    let now = msg
        .strip_prefix(&prefix)
        .and_then(|r| r.strip_suffix("'."))
        .unwrap_or_else(|| panic!("{msg}"));
    let now = keyless_model::time_fmt::parse_iso(now).unwrap();
    assert!((now - s.state.now()).abs() <= 5, "{msg}");
    assert_401(&s, &r, "ExpiredAuthenticationToken", &msg);
}

#[tokio::test]
async fn token_within_clock_skew_is_still_accepted() {
    let (s, token) = TestServer::start_with_arm_token().await;
    // Lifetime one hour; two minutes past expiry is inside the five-minute skew.
    s.state.clock.advance(3600 + 120);
    s.get_ok_as(&token, &subs_path()).await;
}

#[tokio::test]
async fn missing_api_version_is_400() {
    let (s, token) = TestServer::start_with_arm_token().await;
    s.get_as(&token, "/subscriptions").await.expect_error(
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
    );
}
