//! Multitenant apps (`AzureADMultipleOrgs`) get a service principal in another tenant and
//! sign in there; single-tenant apps do not (Graph refuses the principal, the token
//! endpoint answers AADSTS700016); apps of one tenant are invisible from another.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::directory::{GRAPH_SCOPE, in_tenant};
use support::new_principal;

async fn fabrikam(s: &TestServer) -> String {
    let t = s
        .admin_created("/keyless/v1/tenants", json!({"name": "fabrikam"}))
        .await;
    t["id"].as_str().unwrap().to_string()
}

async fn token_in(
    s: &TestServer,
    tenant: &str,
    p: &support::Principal,
) -> (StatusCode, serde_json::Value) {
    s.token(
        tenant,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &p.app_id),
            ("scope", GRAPH_SCOPE),
            ("client_secret", &p.secret),
        ],
    )
    .await
}

#[tokio::test]
async fn a_multitenant_app_signs_in_where_it_has_a_principal() {
    let s = TestServer::start().await;
    let other = fabrikam(&s).await;
    let p = new_principal(&s, "multi").await;
    let admin = s.var("KEYLESS_TOKEN");
    s.admin_patch(
        &format!("/v1.0/applications/{}", p.app_object_id),
        json!({"signInAudience": "AzureADMultipleOrgs"}),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
    // No principal in fabrikam yet: 700016 there.
    let (status, body) = token_in(&s, &other, &p).await;
    TestServer::assert_entra(status, &body, 700016, "unauthorized_client");
    // The app itself is not visible from fabrikam; its principal can be made there.
    in_tenant(
        &s,
        Method::GET,
        &format!("/v1.0/applications(appId='{}')", p.app_id),
        &admin,
        "fabrikam",
        None,
    )
    .await
    .expect_error_code(404, "Request_ResourceNotFound");
    let sp = in_tenant(
        &s,
        Method::POST,
        "/v1.0/servicePrincipals",
        &admin,
        "fabrikam",
        Some(json!({"appId": p.app_id})),
    )
    .await
    .expect_status(StatusCode::CREATED);
    assert_ne!(sp["id"], p.sp_id.as_str());
    let body = token_in(&s, &other, &p).await.expect_status(StatusCode::OK);
    let claims = support::jwt_claims(body["access_token"].as_str().unwrap());
    assert_eq!(claims["tid"], other.as_str());
    assert_eq!(claims["oid"], sp["id"]);
}

#[tokio::test]
async fn a_single_tenant_app_gets_no_principal_elsewhere() {
    let s = TestServer::start().await;
    let other = fabrikam(&s).await;
    let p = new_principal(&s, "single").await;
    let msg = in_tenant(
        &s,
        Method::POST,
        "/v1.0/servicePrincipals",
        &s.var("KEYLESS_TOKEN"),
        "fabrikam",
        Some(json!({"appId": p.app_id})),
    )
    .await
    .expect_error_code(400, "Request_BadRequest");
    assert!(msg.contains("single-tenant"), "{msg}");
    let (status, body) = token_in(&s, &other, &p).await;
    TestServer::assert_entra(status, &body, 700016, "unauthorized_client");
}
