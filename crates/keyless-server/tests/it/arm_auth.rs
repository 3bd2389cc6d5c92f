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
    let now = s.state.now();
    json!({
        "aud": "https://management.azure.com",
        "iss": format!("{}/{}/", s.origin, s.var("AZURE_TENANT_ID")),
        "iat": now, "nbf": now, "exp": now + 3600,
        "appid": s.var("AZURE_CLIENT_ID"),
        "oid": oid, "sub": oid,
        "tid": s.var("AZURE_TENANT_ID"),
        "ver": "1.0",
    })
}

#[tokio::test]
async fn missing_authorization_header_is_authentication_failed() {
    let s = TestServer::start().await;
    let r = raw(&s, Method::GET, &subs_path(), None, None).await;
    assert_401(
        &s,
        &r,
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing.",
    );
}

#[tokio::test]
async fn garbage_token_is_invalid_authentication_token() {
    let s = TestServer::start().await;
    let r = raw(
        &s,
        Method::GET,
        &subs_path(),
        Some("Bearer not.a.jwt"),
        None,
    )
    .await;
    assert_401(
        &s,
        &r,
        "InvalidAuthenticationToken",
        "The access token is invalid.",
    );
}

#[tokio::test]
async fn non_bearer_scheme_is_invalid_authentication_token() {
    let s = TestServer::start().await;
    let token = s.arm_token().await;
    let r = raw(
        &s,
        Method::GET,
        &subs_path(),
        Some(&format!("Basic {token}")),
        None,
    )
    .await;
    assert_401(
        &s,
        &r,
        "InvalidAuthenticationToken",
        "The access token is invalid.",
    );
}

#[tokio::test]
async fn token_for_another_audience_names_the_audience() {
    let s = TestServer::start().await;
    let mut c = claims(&s, &support::demo_sp_id(&s).await);
    c["aud"] = json!("https://graph.microsoft.com");
    let t = s.sign(Issuer::Tenant(s.tenant()), c).await;
    let r = raw(
        &s,
        Method::GET,
        &subs_path(),
        Some(&format!("Bearer {t}")),
        None,
    )
    .await;
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
    let s = TestServer::start().await;
    let token = s.arm_token().await;
    let exp = support::jwt_claims(&token)["exp"].as_i64().unwrap();
    s.state.clock.advance(2 * 3600);
    let r = raw(
        &s,
        Method::GET,
        &subs_path(),
        Some(&format!("Bearer {token}")),
        None,
    )
    .await;
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
    let s = TestServer::start().await;
    let token = s.arm_token().await;
    // Lifetime one hour; two minutes past expiry is inside the five-minute skew.
    s.state.clock.advance(3600 + 120);
    s.get_as(&token, &subs_path())
        .await
        .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn token_without_oid_is_invalid_authentication_token() {
    let s = TestServer::start().await;
    let mut c = claims(&s, "unused");
    c.as_object_mut().unwrap().remove("oid");
    let t = s.sign(Issuer::Tenant(s.tenant()), c).await;
    let r = raw(
        &s,
        Method::GET,
        &subs_path(),
        Some(&format!("Bearer {t}")),
        None,
    )
    .await;
    assert_401(
        &s,
        &r,
        "InvalidAuthenticationToken",
        "The access token is invalid.",
    );
}

#[tokio::test]
async fn token_signed_with_another_issuers_key_is_invalid() {
    let s = TestServer::start().await;
    // The claims name the tenant, but the key is the organization's DevOps issuer key.
    let org = s.state.store.find_organization("contoso").await.unwrap();
    let c = claims(&s, &support::demo_sp_id(&s).await);
    let t = s.sign(Issuer::Organization(org.id), c).await;
    let r = raw(
        &s,
        Method::GET,
        &subs_path(),
        Some(&format!("Bearer {t}")),
        None,
    )
    .await;
    assert_401(
        &s,
        &r,
        "InvalidAuthenticationToken",
        "The access token is invalid.",
    );
}

#[tokio::test]
async fn token_with_a_tampered_payload_is_invalid() {
    let s = TestServer::start().await;
    let token = s.arm_token().await;
    let parts: Vec<&str> = token.split('.').collect();
    let mut c = support::jwt_claims(&token);
    c["oid"] = json!(uuid::Uuid::new_v4().to_string());
    use base64::Engine;
    let payload =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
    let forged = format!("{}.{payload}.{}", parts[0], parts[2]);
    let r = raw(
        &s,
        Method::GET,
        &subs_path(),
        Some(&format!("Bearer {forged}")),
        None,
    )
    .await;
    assert_401(
        &s,
        &r,
        "InvalidAuthenticationToken",
        "The access token is invalid.",
    );
}

#[tokio::test]
async fn tenants_without_token_is_401() {
    let s = TestServer::start().await;
    let r = raw(&s, Method::GET, &format!("/tenants?{API}"), None, None).await;
    assert_401(
        &s,
        &r,
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing.",
    );
}

#[tokio::test]
async fn missing_api_version_is_400() {
    let s = TestServer::start().await;
    let token = s.arm_token().await;
    let (status, body) = s.get_as(&token, "/subscriptions").await;
    assert_error(
        status,
        &body,
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
    );
}
