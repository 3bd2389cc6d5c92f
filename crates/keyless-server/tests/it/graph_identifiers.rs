//! Microsoft Graph: an application's `identifierUris` and `api` are stored, shown, changed by
//! PATCH, and refused when malformed or (for URIs) already used in the tenant.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn create(s: &TestServer, body: Value) -> (StatusCode, Value) {
    s.admin_post("/v1.0/applications", body).await
}

#[tokio::test]
async fn identifier_uris_and_api_round_trip() {
    let s = TestServer::start().await;
    let app = create(
        &s,
        json!({
            "displayName": "orders-api",
            "identifierUris": ["api://orders"],
            "api": {"requestedAccessTokenVersion": 2, "oauth2PermissionScopes": [{"value": "read"}]},
        }),
    )
    .await.expect_status(StatusCode::CREATED);
    assert_eq!(app["identifierUris"], json!(["api://orders"]));
    assert_eq!(app["api"]["requestedAccessTokenVersion"], 2);
    assert_eq!(app["api"]["oauth2PermissionScopes"][0]["value"], "read");
    assert_eq!(app["api"]["preAuthorizedApplications"], json!([]));
    let path = format!("/v1.0/applications/{}", app["id"].as_str().unwrap());
    s
        .admin_patch(&path, json!({"identifierUris": ["api://orders", "https://orders.contoso.example"], "api": {"requestedAccessTokenVersion": null}}))
        .await.expect_status(StatusCode::NO_CONTENT);
    let got = s.admin_ok(&path).await;
    assert_eq!(
        got["identifierUris"],
        json!(["api://orders", "https://orders.contoso.example"])
    );
    assert_eq!(got["api"]["requestedAccessTokenVersion"], Value::Null);
    assert_eq!(got["api"]["oauth2PermissionScopes"], json!([]));
}

#[tokio::test]
async fn malformed_values_are_refused_and_change_nothing() {
    let s = TestServer::start().await;
    let cases = [
        (
            json!({"identifierUris": ["orders"]}),
            "is not an absolute URI",
        ),
        (
            json!({"identifierUris": ["api://a b"]}),
            "is not an absolute URI",
        ),
        (
            json!({"identifierUris": ["api://x", "api://x"]}),
            "values must be unique",
        ),
        (json!({"identifierUris": "api://x"}), ""),
        (
            json!({"api": {"requestedAccessTokenVersion": 3}}),
            "use 1, 2 or null",
        ),
        (
            json!({"api": {"oauth2PermissionScopes": ["read"]}}),
            "use a list of objects",
        ),
    ];
    for (extra, says) in cases {
        let mut body = json!({"displayName": "bad"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (st, b) = create(&s, body.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}: {b}");
        assert!(b.to_string().contains(says), "{body}: {b}");
    }
    let (_, list) = s
        .admin_get("/v1.0/applications?$filter=displayName eq 'bad'")
        .await;
    assert_eq!(list["value"], json!([]), "{list}");
}

#[tokio::test]
async fn a_uri_is_used_once_per_tenant() {
    let s = TestServer::start().await;
    create(
        &s,
        json!({"displayName": "one", "identifierUris": ["api://shared"]}),
    )
    .await
    .expect_status(StatusCode::CREATED);
    create(
        &s,
        json!({"displayName": "two", "identifierUris": ["API://SHARED"]}),
    )
    .await
    .expect_error(
        400,
        "Request_BadRequest",
        "Another object with the same value for property identifierUris already exists.",
    );
    let two = create(&s, json!({"displayName": "two"}))
        .await
        .expect_status(StatusCode::CREATED);
    let path = format!("/v1.0/applications/{}", two["id"].as_str().unwrap());
    s.admin_patch(&path, json!({"identifierUris": ["api://shared"]}))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    let (_, got) = s.admin_get(&path).await;
    assert_eq!(got["identifierUris"], json!([]));
}
