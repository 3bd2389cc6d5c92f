//! Service principals as users of an organization (`/keyless/v1/organizations/{org}/identities`):
//! add, change, list, remove, and every refusal leaving nothing behind.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{demo_sp_id, message, new_principal};

const LIST: &str = "/keyless/v1/organizations/contoso/identities";

fn one(principal: &str) -> String {
    format!("{LIST}/{principal}")
}

async fn list(s: &TestServer) -> Value {
    s.admin_ok(LIST).await
}

#[tokio::test]
async fn add_change_list_and_remove() {
    let s = TestServer::start().await;
    let sp = demo_sp_id(&s).await;
    // By client id: the principal of that app in the organization's tenant.
    let b = s
        .admin_put(
            &one(&s.var("AZURE_CLIENT_ID")),
            json!({"accessLevel": "stakeholder", "projects": {"WEB": "readers"}}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(b["principalId"], sp.as_str());
    assert_eq!(b["accessLevel"], "Stakeholder");
    assert_eq!(b["projects"], json!({"web": "Readers"}));

    // By object id, changing the level and the groups (an empty map leaves every project).
    let b = s
        .admin_put(&one(&sp), json!({"projects": {}}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(b["accessLevel"], "Basic");
    assert_eq!(b["projects"], json!({}));
    let all = list(&s).await;
    assert_eq!(all["count"], 1);
    assert_eq!(all["value"][0]["principalId"], sp.as_str());

    s.admin_delete(&one(&sp))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let b = s
        .admin_delete(&one(&sp))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert!(
        message(&b).contains("is not a user of the organization"),
        "{b}"
    );
    assert_eq!(list(&s).await["count"], 0);
}

#[tokio::test]
async fn refusals_change_nothing() {
    let s = TestServer::start().await;
    let sp = demo_sp_id(&s).await;
    let cases = [
        (
            json!({"accessLevel": "Owner"}),
            StatusCode::BAD_REQUEST,
            "accessLevel must be one of Basic, Stakeholder",
        ),
        (
            json!({"projects": {"web": "Owners"}}),
            StatusCode::BAD_REQUEST,
            "must be one of Readers, Contributors, Project Administrators",
        ),
        (
            json!({"projects": {"nowhere": "Readers"}}),
            StatusCode::NOT_FOUND,
            "nowhere",
        ),
        (json!({"colour": "blue"}), StatusCode::BAD_REQUEST, "colour"),
    ];
    for (body, status, text) in cases {
        let (st, b) = s.admin_put(&one(&sp), body.clone()).await;
        assert_eq!(st, status, "{body}: {b}");
        assert!(message(&b).contains(text), "{body}: {b}");
    }
    let b = s
        .admin_put(&one(&uuid::Uuid::new_v4().to_string()), json!({}))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert!(
        message(&b).contains("No service principal or managed identity"),
        "{b}"
    );
    s.admin_put(&one("not-an-id"), json!({}))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(list(&s).await["count"], 0);
}

/// A principal of another tenant cannot be added, and an organization without a tenant has
/// no principals to add.
#[tokio::test]
async fn principals_come_from_the_organization_tenant() {
    let s = TestServer::start().await;
    s.admin_created("/keyless/v1/organizations", json!({"name": "loose"}))
        .await;
    let sp = demo_sp_id(&s).await;
    let b = s
        .admin_put(
            &format!("/keyless/v1/organizations/loose/identities/{sp}"),
            json!({}),
        )
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert!(message(&b).contains("not connected to a tenant"), "{b}");

    // An app of the same tenant made through Graph is fine.
    let p = new_principal(&s, "reporting").await;
    let b = s
        .admin_put(&one(&p.app_id), json!({}))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(b["principalId"], p.sp_id.as_str());
}

#[tokio::test]
async fn needs_a_caller_who_may_manage_the_organization() {
    let s = TestServer::start().await;
    s.anon_get(LIST)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
}
