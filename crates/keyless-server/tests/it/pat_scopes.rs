//! Personal access token scopes: read, directory, resources, connections, full; each
//! refusal in its plane's envelope; unknown scopes refused at creation.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::message;

async fn pat(s: &TestServer, scopes: Value) -> String {
    let pat = s
        .admin_created(
            "/keyless/v1/pats",
            json!({"name": "scoped", "scopes": scopes}),
        )
        .await;
    assert_eq!(pat["pat"]["scopes"], scopes);
    pat["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_read_token_reads_but_does_not_write() {
    let s = TestServer::start().await;
    let t = pat(&s, json!(["read"])).await;
    s.get_ok_as(&t, "/v1.0/applications").await;
    let resp = s
        .post_as(&t, "/v1.0/applications", json!({"displayName": "x"}))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert_eq!(resp["error"]["code"], "Authorization_RequestDenied");
    assert!(
        message(&resp).contains("needs the scope directory"),
        "{resp}"
    );
    let resp = s
        .post_as(&t, "/keyless/v1/pats", json!({"name": "more"}))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert!(message(&resp).contains("needs the scope full"), "{resp}");
}

#[tokio::test]
async fn area_scopes_cover_their_area_only() {
    let s = TestServer::start().await;
    let dir = pat(&s, json!(["directory"])).await;
    s.post_as(&dir, "/v1.0/applications", json!({"displayName": "x"}))
        .await
        .expect_status(StatusCode::CREATED);
    let resp = s
        .get_as(&dir, "/keyless/v1/subscriptions")
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert!(message(&resp).contains("needs the scope read"), "{resp}");
    let resp = s
        .get_as(&dir, "/contoso/_apis/serviceendpoint/endpoints")
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert!(
        resp["message"].as_str().unwrap().contains("scoped"),
        "DevOps envelope: {resp}"
    );

    let conns = pat(&s, json!(["connections"])).await;
    s.get_ok_as(&conns, "/contoso/_apis/serviceendpoint/endpoints")
        .await;
    s.get_as(&conns, "/v1.0/applications")
        .await
        .expect_status(StatusCode::FORBIDDEN);

    let res = pat(&s, json!(["resources"])).await;
    s.get_ok_as(&res, "/keyless/v1/subscriptions").await;
}

#[tokio::test]
async fn unknown_or_empty_scopes_are_refused_at_creation() {
    let s = TestServer::start().await;
    for (scopes, says) in [
        (json!(["admin"]), "Unknown scope 'admin'"),
        (json!([]), "at least one scope"),
    ] {
        let resp = s
            .admin_post("/keyless/v1/pats", json!({"name": "x", "scopes": scopes}))
            .await
            .expect_status(StatusCode::BAD_REQUEST);
        assert!(message(&resp).contains(says), "{resp}");
    }
}
