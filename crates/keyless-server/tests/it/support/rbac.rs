//! Role assignment helpers of the ARM RBAC tests: paths, bodies, the principals involved
//! and the exact `AuthorizationFailed` text.
#![allow(dead_code, clippy::unwrap_used)]

use super::{AUTHZ_API, Principal};
use crate::common::TestServer;
use keyless_model::rbac::OWNER;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const WRITE: &str = "Microsoft.Authorization/roleAssignments/write";

pub fn sub_scope(s: &TestServer) -> String {
    format!("/subscriptions/{}", s.var("AZURE_SUBSCRIPTION_ID"))
}

pub fn assignments(scope: &str) -> String {
    format!("{scope}/providers/Microsoft.Authorization/roleAssignments")
}

pub fn assignment(scope: &str, name: &str) -> String {
    format!("{}/{name}?{AUTHZ_API}", assignments(scope))
}

pub fn role_id(s: &TestServer, role: uuid::Uuid) -> String {
    format!(
        "{}/providers/Microsoft.Authorization/roleDefinitions/{role}",
        sub_scope(s)
    )
}

pub fn body(s: &TestServer, role: uuid::Uuid, principal: &str) -> Value {
    json!({"properties": {
        "roleDefinitionId": role_id(s, role),
        "principalId": principal,
        "principalType": "ServicePrincipal",
    }})
}

pub fn new_name() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn authorization_failed(client: &str, oid: &str, action: &str, scope: &str) -> String {
    format!(
        "The client '{client}' with object id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."
    )
}

/// A second principal holding Owner on the demo subscription, and its ARM token.
pub async fn owner(s: &TestServer) -> (Principal, String) {
    let p = super::new_principal(s, "owner-app").await;
    super::grant(s, &p.sp_id, OWNER, &sub_scope(s)).await;
    let token = super::arm_token_of(s, &p).await;
    (p, token)
}

pub fn names(list: &Value) -> Vec<String> {
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect()
}

/// `PUT` the assignment `name` at `scope` of `role` to `principal`, with `token`.
pub async fn put_assignment(
    s: &TestServer,
    token: &str,
    scope: &str,
    name: &str,
    role: uuid::Uuid,
    principal: &str,
) -> (StatusCode, Value) {
    s.put_as(token, &assignment(scope, name), body(s, role, principal))
        .await
}

/// Asserts a 403 `AuthorizationFailed` of the principal `p` for `action` at `scope`.
#[track_caller]
pub fn assert_refused_to(
    (status, body): (StatusCode, Value),
    p: &Principal,
    action: &str,
    scope: &str,
) {
    assert_authorization_failed(status, &body, &p.app_id, &p.sp_id, action, scope);
}

/// A new principal `name`, given `role` at `scope`, and a caller with its ARM token.
pub async fn principal_with<'a>(
    s: &'a TestServer,
    name: &str,
    role: uuid::Uuid,
    scope: &str,
) -> (Principal, crate::common::Client<'a>) {
    let p = super::new_principal(s, name).await;
    super::grant(s, &p.sp_id, role, scope).await;
    let token = super::arm_token_of(s, &p).await;
    (p, s.client(&token))
}

/// Asserts a 403 `AuthorizationFailed` naming the client, principal, action and scope.
pub fn assert_authorization_failed(
    status: StatusCode,
    body: &Value,
    client: &str,
    oid: &str,
    action: &str,
    scope: &str,
) {
    let message = authorization_failed(client, oid, action, scope);
    super::assert_error(status, body, 403, "AuthorizationFailed", &message);
}
