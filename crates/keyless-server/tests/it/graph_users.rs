//! `/v1.0/users`: members and guests of the tenant acted on; limited guests and principals
//! without a role cannot enumerate them.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::Method;
use serde_json::json;
use support::directory::{add_role, graph_token, in_tenant};
use support::graph::DENIED;
use support::{new_member, new_principal};

#[tokio::test]
async fn members_list_members_and_guests() {
    let s = TestServer::start().await;
    let alice = new_member(&s, "alice").await;
    s.admin_created("/keyless/v1/tenants", json!({"name": "fabrikam"}))
        .await;
    let eve = s
        .admin_created("/keyless/v1/tenants/fabrikam/users", json!({"name": "eve"}))
        .await;
    let upn = eve["userPrincipalName"].as_str().unwrap();
    s.admin_created("/keyless/v1/tenants/contoso/guests", json!({"user": upn}))
        .await;
    let list = s.get_ok_as(&alice.token, "/v1.0/users").await;
    let users = list["value"].as_array().unwrap();
    let find = |upn: &str| {
        users
            .iter()
            .find(|u| u["userPrincipalName"] == upn)
            .cloned()
    };
    assert_eq!(find(&alice.upn).unwrap()["userType"], "Member");
    assert_eq!(find(upn).unwrap()["userType"], "Guest");
    let one = s
        .get_ok_as(&alice.token, &format!("/v1.0/users/{upn}"))
        .await;
    assert_eq!(one["id"], eve["id"]);
    s.get_as(&alice.token, "/v1.0/users/nobody@contoso.onmicrosoft.com")
        .await
        .expect_error_code(404, "Request_ResourceNotFound");
    // The guest, limited, cannot enumerate contoso's users; at home they can.
    let pat = s
        .admin_created("/keyless/v1/pats", json!({"name": "eve", "user": upn}))
        .await;
    let token = pat["token"].as_str().unwrap();
    in_tenant(&s, Method::GET, "/v1.0/users", token, "contoso", None)
        .await
        .expect_error(403, "Authorization_RequestDenied", DENIED);
    s.get_ok_as(token, "/v1.0/users").await;
}

#[tokio::test]
async fn principals_need_a_role_to_read_users() {
    let s = TestServer::start().await;
    let p = new_principal(&s, "user-reader").await;
    let token = graph_token(&s, &p).await;
    s.get_as(&token, "/v1.0/users")
        .await
        .expect_error(403, "Authorization_RequestDenied", DENIED);
    add_role(&s, "contoso", json!({"app": p.app_id}), "Directory Readers").await;
    let list = s.get_ok_as(&token, "/v1.0/users").await;
    assert!(!list["value"].as_array().unwrap().is_empty());
}
