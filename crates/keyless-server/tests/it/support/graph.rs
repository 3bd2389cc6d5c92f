//! Graph helpers: creating an application as a given caller, and Graph's exact texts.
#![allow(dead_code, clippy::unwrap_used)]

use crate::common::Expect;
use crate::common::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const DENIED: &str = "Insufficient privileges to complete the operation.";

pub async fn create_app(s: &TestServer, token: &str, name: &str) -> Value {
    s.post_as(token, "/v1.0/applications", json!({"displayName": name}))
        .await
        .expect_status(StatusCode::CREATED)
}

/// An app `name` created by the administrator.
pub async fn admin_app(s: &TestServer, name: &str) -> Value {
    create_app(s, &s.var("KEYLESS_TOKEN"), name).await
}

/// `POST /v1.0/applications/{app}/addPassword` with `credential` as `token`.
pub async fn add_password(
    s: &TestServer,
    token: &str,
    app: &str,
    credential: Value,
) -> (StatusCode, Value) {
    let path = format!("/v1.0/applications/{app}/addPassword");
    s.post_as(token, &path, json!({"passwordCredential": credential}))
        .await
}

/// PATCHes the Graph object at `path` as the administrator (204, no body) and reads it
/// back.
pub async fn patched(s: &TestServer, path: &str, patch: Value) -> Value {
    s.admin_patch(path, patch)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.admin_ok(path).await
}

pub fn not_found(id: &str) -> String {
    format!(
        "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
    )
}

/// A response refused by the directory rules: 403 `Authorization_RequestDenied`.
#[track_caller]
pub fn assert_denied((status, body): (reqwest::StatusCode, Value)) {
    super::assert_error(status, &body, 403, "Authorization_RequestDenied", DENIED);
}
