//! ARM authorization decisions across scopes: inheritance from a resource group, what a
//! Reader may do, a principal without any role, and assignments that die with their scope.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use keyless_model::rbac::{CONTRIBUTOR, READER};
use reqwest::StatusCode;
use serde_json::json;
use support::API;
use support::rbac::{
    assert_refused_to, names, new_name, owner, principal_with, put_assignment, sub_scope,
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

    let demo_rg = format!("{sub}/resourceGroups/demo-rg");
    let (p, arm) = principal_with(&s, "rg-scoped", CONTRIBUTOR, &demo_rg).await;

    // Its own group: read and write.
    arm.get_ok(&rg_path("demo-rg")).await;
    arm.put(
        &rg_path("demo-rg"),
        json!({"location": "westeurope", "tags": {"by": "rg-scoped"}}),
    )
    .await
    .expect_status(StatusCode::OK);

    // Another group: neither.
    let other = format!("{sub}/resourceGroups/other-rg");
    assert_refused_to(
        arm.get(&rg_path("other-rg")).await,
        &p,
        "Microsoft.Resources/subscriptions/resourceGroups/read",
        &other,
    );
    assert_refused_to(
        arm.put(&rg_path("other-rg"), json!({"location": "westeurope"}))
            .await,
        &p,
        "Microsoft.Resources/subscriptions/resourceGroups/write",
        &other,
    );
    // Nor a new group, which would be at subscription level.
    arm.put(&rg_path("new-rg"), json!({"location": "westeurope"}))
        .await
        .expect_error_code(403, "AuthorizationFailed");

    // The subscription is visible (it holds a role inside it) ...
    let subs = arm.get_ok(&format!("/subscriptions?{API}")).await;
    assert_eq!(subs["count"]["value"], 1, "{subs}");
    arm.get_ok(&format!("{sub}?{API}")).await;
    // ... but listing its resource groups shows nothing beyond the assigned one.
    let list = arm.get_ok(&format!("{sub}/resourcegroups?{API}")).await;
    assert_eq!(names(&list), ["demo-rg"]);
}

#[tokio::test]
async fn reader_may_read_but_not_write() {
    let s = TestServer::start().await;
    let (p, arm) = principal_with(&s, "reader", READER, &sub_scope(&s)).await;
    let rg = format!("{}/resourcegroups/demo-rg?{API}", sub_scope(&s));
    arm.get_ok(&rg).await;
    assert_refused_to(
        arm.delete(&rg).await,
        &p,
        "Microsoft.Resources/subscriptions/resourceGroups/delete",
        &format!("{}/resourceGroups/demo-rg", sub_scope(&s)),
    );
}

#[tokio::test]
async fn principal_without_a_role_sees_nothing_and_may_do_nothing() {
    let s = TestServer::start().await;
    let p = support::new_principal(&s, "no-role").await;
    let token = support::arm_token_of(&s, &p).await;
    let arm = s.client(&token);
    let subs = arm.get_ok(&format!("/subscriptions?{API}")).await;
    assert_eq!(subs["value"], json!([]));
    assert_eq!(subs["count"], json!({"type": "Total", "value": 0}));

    let sub = sub_scope(&s);
    arm.get(&format!("{sub}?{API}")).await.expect_error(
        404,
        "SubscriptionNotFound",
        &format!(
            "The subscription '{}' could not be found.",
            s.var("AZURE_SUBSCRIPTION_ID")
        ),
    );
    let mine = format!("{sub}/resourcegroups/mine?{API}");
    assert_refused_to(
        arm.put(&mine, json!({"location": "westeurope"})).await,
        &p,
        "Microsoft.Resources/subscriptions/resourceGroups/write",
        &format!("{sub}/resourceGroups/mine"),
    );
    arm.get(&format!("{sub}/resourcegroups?{API}"))
        .await
        .expect_error_code(403, "AuthorizationFailed");
}

#[tokio::test]
async fn deleting_a_resource_group_removes_the_assignments_at_it() {
    let s = TestServer::start().await;
    let (_, owner_token) = owner(&s).await;
    let owner = s.client(&owner_token);
    let sub = sub_scope(&s);
    let rg_path = format!("{sub}/resourcegroups/temp-rg?{API}");
    let location = json!({"location": "westeurope"});
    owner
        .put(&rg_path, location.clone())
        .await
        .expect_status(StatusCode::CREATED);
    let p = support::new_principal(&s, "temp").await;
    let scope = format!("{sub}/resourceGroups/temp-rg");
    put_assignment(&s, &owner_token, &scope, &new_name(), CONTRIBUTOR, &p.sp_id)
        .await
        .expect_status(StatusCode::CREATED);
    let arm = s.client(&support::arm_token_of(&s, &p).await);
    arm.get_ok(&rg_path).await;

    owner.delete(&rg_path).await.expect_status(StatusCode::OK);
    // Re-creating a group of the same name does not bring the old access back.
    owner
        .put(&rg_path, location)
        .await
        .expect_status(StatusCode::CREATED);
    arm.get(&rg_path)
        .await
        .expect_error_code(403, "AuthorizationFailed");
}
