//! ARM authorization decisions across scopes: inheritance from a resource group, what a
//! Reader may do, a principal without any role, and assignments that die with their scope.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use keyless_model::rbac::{CONTRIBUTOR, READER};
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::API;
use support::rbac::{
    assert_authorization_failed, names, new_name, owner, put_assignment, sub_scope,
};

#[tokio::test]
async fn assignment_at_a_resource_group_covers_that_group_only() {
    let (s, admin) = TestServer::start_with_arm_token().await;
    let sub = sub_scope(&s);
    let rg_path = |name: &str| format!("{sub}/resourcegroups/{name}?{API}");
    s.put_as(
        &admin,
        &rg_path("other-rg"),
        json!({"location": "westeurope"}),
    )
    .await
    .expect_status(StatusCode::CREATED);

    let p = support::new_principal(&s, "rg-scoped").await;
    support::grant(
        &s,
        &p.sp_id,
        CONTRIBUTOR,
        &format!("{sub}/resourceGroups/demo-rg"),
    )
    .await;
    let token = support::arm_token_of(&s, &p).await;
    let tok = Some(token.as_str());

    // Its own group: read and write.
    s.send(Method::GET, &rg_path("demo-rg"), tok, None)
        .await
        .expect_status(StatusCode::OK);
    s.send(
        Method::PUT,
        &rg_path("demo-rg"),
        tok,
        Some(json!({"location": "westeurope", "tags": {"by": "rg-scoped"}})),
    )
    .await
    .expect_status(StatusCode::OK);

    // Another group: neither.
    let other = format!("{sub}/resourceGroups/other-rg");
    let (status, resp) = s.send(Method::GET, &rg_path("other-rg"), tok, None).await;
    assert_authorization_failed(
        status,
        &resp,
        &p.app_id,
        &p.sp_id,
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        &other,
    );
    let (status, resp) = s
        .send(
            Method::PUT,
            &rg_path("other-rg"),
            tok,
            Some(json!({"location": "westeurope"})),
        )
        .await;
    assert_authorization_failed(
        status,
        &resp,
        &p.app_id,
        &p.sp_id,
        "Microsoft.Resources/subscriptions/resourceGroups/write",
        &other,
    );
    // Nor a new group, which would be at subscription level.
    s.send(
        Method::PUT,
        &rg_path("new-rg"),
        tok,
        Some(json!({"location": "westeurope"})),
    )
    .await
    .expect_error_code(403, "AuthorizationFailed");

    // The subscription is visible (it holds a role inside it) ...
    let subs = s
        .send(Method::GET, &format!("/subscriptions?{API}"), tok, None)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(subs["count"]["value"], 1, "{subs}");
    s.send(Method::GET, &format!("{sub}?{API}"), tok, None)
        .await
        .expect_status(StatusCode::OK);
    // ... but listing its resource groups shows nothing beyond the assigned one.
    let list = s
        .send(
            Method::GET,
            &format!("{sub}/resourcegroups?{API}"),
            tok,
            None,
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(names(&list), ["demo-rg"]);
}

#[tokio::test]
async fn reader_may_read_but_not_write() {
    let s = TestServer::start().await;
    let p = support::new_principal(&s, "reader").await;
    support::grant(&s, &p.sp_id, READER, &sub_scope(&s)).await;
    let token = support::arm_token_of(&s, &p).await;
    let rg = format!("{}/resourcegroups/demo-rg?{API}", sub_scope(&s));
    s.get_as(&token, &rg).await.expect_status(StatusCode::OK);
    let (status, resp) = s.delete_as(&token, &rg).await;
    assert_authorization_failed(
        status,
        &resp,
        &p.app_id,
        &p.sp_id,
        "Microsoft.Resources/subscriptions/resourceGroups/delete",
        &format!("{}/resourceGroups/demo-rg", sub_scope(&s)),
    );
}

#[tokio::test]
async fn principal_without_a_role_sees_nothing_and_may_do_nothing() {
    let s = TestServer::start().await;
    let p = support::new_principal(&s, "no-role").await;
    let token = support::arm_token_of(&s, &p).await;
    let tok = Some(token.as_str());
    let subs = s
        .send(Method::GET, &format!("/subscriptions?{API}"), tok, None)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(subs["value"], json!([]));
    assert_eq!(subs["count"], json!({"type": "Total", "value": 0}));

    let sub = sub_scope(&s);
    s.send(Method::GET, &format!("{sub}?{API}"), tok, None)
        .await
        .expect_error(
            404,
            "SubscriptionNotFound",
            &format!(
                "The subscription '{}' could not be found.",
                s.var("AZURE_SUBSCRIPTION_ID")
            ),
        );
    let (status, resp) = s
        .send(
            Method::PUT,
            &format!("{sub}/resourcegroups/mine?{API}"),
            tok,
            Some(json!({"location": "westeurope"})),
        )
        .await;
    assert_authorization_failed(
        status,
        &resp,
        &p.app_id,
        &p.sp_id,
        "Microsoft.Resources/subscriptions/resourceGroups/write",
        &format!("{sub}/resourceGroups/mine"),
    );
    s.send(
        Method::GET,
        &format!("{sub}/resourcegroups?{API}"),
        tok,
        None,
    )
    .await
    .expect_error_code(403, "AuthorizationFailed");
}

#[tokio::test]
async fn deleting_a_resource_group_removes_the_assignments_at_it() {
    let s = TestServer::start().await;
    let (_, owner_token) = owner(&s).await;
    let sub = sub_scope(&s);
    let rg_path = format!("{sub}/resourcegroups/temp-rg?{API}");
    s.put_as(&owner_token, &rg_path, json!({"location": "westeurope"}))
        .await
        .expect_status(StatusCode::CREATED);
    let p = support::new_principal(&s, "temp").await;
    let scope = format!("{sub}/resourceGroups/temp-rg");
    put_assignment(&s, &owner_token, &scope, &new_name(), CONTRIBUTOR, &p.sp_id)
        .await
        .expect_status(StatusCode::CREATED);
    let token = support::arm_token_of(&s, &p).await;
    s.get_as(&token, &rg_path)
        .await
        .expect_status(StatusCode::OK);

    s.delete_as(&owner_token, &rg_path)
        .await
        .expect_status(StatusCode::OK);
    // Re-creating a group of the same name does not bring the old access back.
    s.put_as(&owner_token, &rg_path, json!({"location": "westeurope"}))
        .await
        .expect_status(StatusCode::CREATED);
    s.get_as(&token, &rg_path)
        .await
        .expect_error_code(403, "AuthorizationFailed");
}
