//! Input that used to be bent into something acceptable is refused instead: a Graph
//! `$filter` whose string literal is unbalanced, and a personal access token lifetime
//! outside its range. Each refusal is a 400 in its plane's envelope and changes nothing.

use crate::common;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn graph_filters_with_unbalanced_quotes_are_400() {
    let s = TestServer::start().await;
    let cases = [
        "/v1.0/applications?$filter=appId eq 'abc",
        "/v1.0/applications?$filter=displayName eq abc'",
        "/v1.0/applications?$filter=displayName eq 'a'b'",
        "/v1.0/applications?$filter=startswith(displayName,'demo)",
        "/v1.0/servicePrincipals?$filter=appId eq 'abc",
        "/v1.0/servicePrincipals?$filter=appId eq abc",
    ];
    for path in cases {
        let msg = s
            .admin_get(path)
            .await
            .expect_error_code(400, "Request_BadRequest");
        assert!(msg.starts_with("Invalid filter clause"), "{path}: {msg}");
    }
    // Balanced literals, with a doubled quote inside, still filter.
    let app = s
        .admin_created("/v1.0/applications", json!({"displayName": "O'Neil"}))
        .await;
    let found = s
        .admin_ok("/v1.0/applications?$filter=displayName eq 'O''Neil'")
        .await;
    assert_eq!(found["value"][0]["id"], app["id"], "{found}");
}

#[tokio::test]
async fn pat_lifetimes_out_of_range_are_refused() {
    let s = TestServer::start().await;
    let before = s.admin_ok("/keyless/v1/pats").await;
    for days in [
        json!(-5),
        json!(0),
        json!(3651),
        json!(1_000_000_000_000_000_i64),
    ] {
        let body = s
            .admin_post("/keyless/v1/pats", json!({"name": "t", "days": days}))
            .await
            .expect_message(StatusCode::BAD_REQUEST, "1 to 3650 days");
        assert_eq!(body["error"]["code"], "BadRequest", "{days}: {body}");
    }
    assert_eq!(s.admin_ok("/keyless/v1/pats").await, before);
    for days in [1, 3650] {
        s.admin_created("/keyless/v1/pats", json!({"name": "t", "days": days}))
            .await;
    }
}
