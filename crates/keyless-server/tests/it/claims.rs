//! What verifiers judge besides the signature, each over a genuinely signed token: `nbf` on
//! ARM and Graph and an `iat` in the future on the token endpoint, each refusal with its
//! message and leaving nothing changed. `attacks.rs` has these and the other attacks on
//! every verifier in one table.

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use keyless_server::keyring::Issuer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{API, raw};

/// Claims of an access token of the demo service principal for `aud`, valid now.
async fn access_claims(s: &TestServer, aud: &str) -> Value {
    let oid = support::demo_sp_id(s).await;
    support::demo_access_claims(s, aud, &oid)
}

fn rg_path(s: &TestServer) -> String {
    format!(
        "/subscriptions/{}/resourcegroups/rg-claims?{API}",
        s.var("AZURE_SUBSCRIPTION_ID")
    )
}

/// A resource group PUT with `token`; then, with a valid token, whether the group exists.
async fn put_rg_then_exists(s: &TestServer, token: &str, good: &str) -> (support::Raw, bool) {
    let body = serde_json::to_vec(&json!({"location": "westeurope"})).unwrap();
    let auth = format!("Bearer {token}");
    let r = raw(s, Method::PUT, &rg_path(s), Some(&auth), Some(body)).await;
    let (status, _) = s.get_as(good, &rg_path(s)).await;
    (r, status == StatusCode::OK)
}

const ARM: &str = "https://management.azure.com";
const GRAPH: &str = "https://graph.microsoft.com";

#[tokio::test]
async fn arm_refuses_a_token_valid_only_later() {
    let (s, good) = TestServer::start_with_arm_token().await;
    let now = s.state.now();
    let mut c = access_claims(&s, ARM).await;
    c["nbf"] = json!(now + 3600);
    c["exp"] = json!(now + 7200);
    let later = s.sign(Issuer::Tenant(s.tenant()), c).await;
    let (r, exists) = put_rg_then_exists(&s, &later, &good).await;
    let msg = support::assert_error_code(r.status, &r.body, 401, "InvalidAuthenticationToken");
    assert!(
        msg.starts_with("The access token is not valid yet"),
        "{msg}"
    );
    assert!(r.header("www-authenticate").is_some());
    assert!(!exists, "the refused PUT created the group");
    // Within the five minutes of skew the token is good.
    let mut c = access_claims(&s, ARM).await;
    c["nbf"] = json!(now + 200);
    let soon = s.sign(Issuer::Tenant(s.tenant()), c).await;
    s.get_ok_as(&soon, &format!("/subscriptions?{API}")).await;
}

#[tokio::test]
async fn graph_refuses_a_token_valid_only_later() {
    let s = TestServer::start().await;
    let now = s.state.now();
    let mut c = access_claims(&s, GRAPH).await;
    c["nbf"] = json!(now + 3600);
    c["exp"] = json!(now + 7200);
    let later = s.sign(Issuer::Tenant(s.tenant()), c).await;
    let before = s.admin_ok("/v1.0/applications").await["value"].clone();
    s.post_as(
        &later,
        "/v1.0/applications",
        json!({"displayName": "later"}),
    )
    .await
    .expect_error_code(401, "InvalidAuthenticationToken");
    let msg = s
        .get_as(&later, "/v1.0/applications")
        .await
        .expect_error_code(401, "InvalidAuthenticationToken");
    assert!(
        msg.starts_with("The access token is not valid yet"),
        "{msg}"
    );
    let after = s.admin_ok("/v1.0/applications").await["value"].clone();
    assert_eq!(before, after);
}

#[tokio::test]
async fn token_endpoint_refuses_an_assertion_issued_in_the_future() {
    let s = TestServer::start().await;
    let now = s.state.now();
    let mut c = s.id_token_claims().await;
    // nbf and exp say valid now; iat says issued in an hour.
    c["nbf"] = json!(now - 10);
    c["iat"] = json!(now + 3600);
    c["exp"] = json!(now + 300);
    let body = s
        .exchange_signed(Issuer::Tenant(s.tenant()), c)
        .await
        .expect_entra(700024, "invalid_client");
    let d = body["error_description"].as_str().unwrap();
    let from = keyless_model::time_fmt::entra_precise(now + 3600);
    assert!(d.contains(&format!("valid from {from}")), "{d}");
    // Within the minute of skew an iat ahead is accepted.
    let mut c = s.id_token_claims().await;
    c["iat"] = json!(now + 30);
    s.exchange_signed(Issuer::Tenant(s.tenant()), c)
        .await
        .expect_status(StatusCode::OK);
}
