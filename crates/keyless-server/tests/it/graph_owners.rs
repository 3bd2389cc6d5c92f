//! Application owners: `POST /v1.0/applications/{id}/owners/$ref`, `DELETE
//! …/owners/{ownerId}/$ref`, and ownership deciding who may manage an app.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::graph::{DENIED, create_app, not_found};

const DUPLICATE: &str = "One or more added object references already exist for the following modified properties: 'owners'.";

fn reference(id: &str) -> Value {
    json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")})
}

async fn add_owner(s: &TestServer, token: &str, app: &str, body: Value) -> (StatusCode, Value) {
    s.post_as(
        token,
        &format!("/v1.0/applications/{app}/owners/$ref"),
        body,
    )
    .await
}

async fn remove_owner(s: &TestServer, token: &str, app: &str, owner: &str) -> (StatusCode, Value) {
    s.delete_as(
        token,
        &format!("/v1.0/applications/{app}/owners/{owner}/$ref"),
    )
    .await
}

async fn owner_ids(s: &TestServer, token: &str, app: &str) -> Vec<String> {
    let body = s
        .get_ok_as(token, &format!("/v1.0/applications/{app}/owners"))
        .await;
    crate::common::sorted_unique(&body["value"], "id")
}

async fn add_password(s: &TestServer, token: &str, app: &str) -> (StatusCode, Value) {
    support::graph::add_password(s, token, app, json!({"displayName": "ci"})).await
}

#[tokio::test]
async fn added_owner_manages_credentials_and_removed_owner_no_longer_does() {
    let s = TestServer::start().await;
    let alice = support::new_member(&s, "alice").await;
    let bob = support::new_member(&s, "bob").await;
    let app = create_app(&s, &alice.token, "shared").await;
    let id = app["id"].as_str().unwrap();

    add_password(&s, &bob.token, id)
        .await
        .expect_error(403, "Authorization_RequestDenied", DENIED);

    add_owner(&s, &alice.token, id, reference(&bob.id))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let mut want = vec![alice.id.clone(), bob.id.clone()];
    want.sort();
    assert_eq!(owner_ids(&s, &bob.token, id).await, want);
    add_password(&s, &bob.token, id)
        .await
        .expect_status(StatusCode::OK);
    // The creator is still shown as such.
    s.patch_as(
        &bob.token,
        &format!("/v1.0/applications/{id}"),
        json!({"displayName": "shared-2"}),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);

    remove_owner(&s, &alice.token, id, &bob.id)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(
        owner_ids(&s, &alice.token, id).await,
        vec![alice.id.clone()]
    );
    add_password(&s, &bob.token, id)
        .await
        .expect_error(403, "Authorization_RequestDenied", DENIED);
}

#[tokio::test]
async fn non_owner_without_a_role_cannot_add_or_remove_owners() {
    let s = TestServer::start().await;
    let alice = support::new_member(&s, "alice").await;
    let bob = support::new_member(&s, "bob").await;
    let app = create_app(&s, &alice.token, "alice-app").await;
    let id = app["id"].as_str().unwrap();
    add_owner(&s, &bob.token, id, reference(&bob.id))
        .await
        .expect_error(403, "Authorization_RequestDenied", DENIED);
    remove_owner(&s, &bob.token, id, &alice.id)
        .await
        .expect_error(403, "Authorization_RequestDenied", DENIED);
    assert_eq!(
        owner_ids(&s, &alice.token, id).await,
        vec![alice.id.clone()]
    );
}

#[tokio::test]
async fn adding_an_existing_owner_is_400() {
    let s = TestServer::start().await;
    let alice = support::new_member(&s, "alice").await;
    let app = create_app(&s, &alice.token, "alice-app").await;
    let id = app["id"].as_str().unwrap();
    add_owner(&s, &alice.token, id, reference(&alice.id))
        .await
        .expect_error(400, "Request_BadRequest", DUPLICATE);
}

#[tokio::test]
async fn adding_an_unknown_principal_is_404() {
    let s = TestServer::start().await;
    let alice = support::new_member(&s, "alice").await;
    let app = create_app(&s, &alice.token, "alice-app").await;
    let id = app["id"].as_str().unwrap();
    let ghost = "8c0b1f7e-3a52-4d6e-9f10-2b7c4d5e6f70";
    add_owner(&s, &alice.token, id, reference(ghost))
        .await
        .expect_error(404, "Request_ResourceNotFound", &not_found(ghost));
}

#[tokio::test]
async fn malformed_reference_bodies_are_400() {
    let s = TestServer::start().await;
    let alice = support::new_member(&s, "alice").await;
    let app = create_app(&s, &alice.token, "alice-app").await;
    let id = app["id"].as_str().unwrap();
    for body in [
        json!("not an object"),
        json!({}),
        json!({"@odata.id": 7}),
        json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/not-a-guid"}),
    ] {
        let (status, got) = add_owner(&s, &alice.token, id, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} → {got}");
        assert_eq!(got["error"]["code"], "Request_BadRequest", "{got}");
    }
    let not_json = support::raw(
        &s,
        reqwest::Method::POST,
        &format!("/v1.0/applications/{id}/owners/$ref"),
        Some(&format!("Bearer {}", alice.token)),
        Some(b"{not json".to_vec()),
    )
    .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let got = not_json.body;
    assert_eq!(got["error"]["code"], "Request_BadRequest", "{got}");
}

#[tokio::test]
async fn removing_a_principal_that_is_not_an_owner_is_404() {
    let s = TestServer::start().await;
    let alice = support::new_member(&s, "alice").await;
    let bob = support::new_member(&s, "bob").await;
    let app = create_app(&s, &alice.token, "alice-app").await;
    let id = app["id"].as_str().unwrap();
    remove_owner(&s, &alice.token, id, &bob.id)
        .await
        .expect_error(404, "Request_ResourceNotFound", &not_found(&bob.id));
}

#[tokio::test]
async fn any_host_prefix_is_accepted_and_the_last_owner_may_be_removed() {
    let s = TestServer::start().await;
    let alice = support::new_member(&s, "alice").await;
    let bob = support::new_member(&s, "bob").await;
    let app = create_app(&s, &alice.token, "alice-app").await;
    let id = app["id"].as_str().unwrap();
    let body = json!({"@odata.id": format!("http://127.0.0.1:1/v1.0/directoryObjects/{}", bob.id)});
    add_owner(&s, &alice.token, id, body)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    remove_owner(&s, &bob.token, id, &alice.id)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    remove_owner(&s, &bob.token, id, &bob.id)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    // No owner left: the app admin's business now (the creator is a plain member).
    assert!(owner_ids(&s, &s.var("KEYLESS_TOKEN"), id).await.is_empty());
    add_password(&s, &alice.token, id).await.expect_error(
        403,
        "Authorization_RequestDenied",
        DENIED,
    );
}

#[tokio::test]
async fn a_guest_may_be_an_owner_and_shows_as_a_guest() {
    let s = TestServer::start().await;
    let alice = support::new_member(&s, "alice").await;
    let app = create_app(&s, &alice.token, "alice-app").await;
    let id = app["id"].as_str().unwrap();
    let (status, _) = s
        .admin(
            Method::POST,
            "/keyless/v1/tenants",
            Some(json!({"name": "fabrikam"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, eve) = s
        .admin(
            Method::POST,
            "/keyless/v1/tenants/fabrikam/users",
            Some(json!({"name": "eve"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{eve}");
    let eve_id = eve["id"].as_str().unwrap();
    // Not invited: no place in contoso, so no owner there.
    add_owner(&s, &alice.token, id, reference(eve_id))
        .await
        .expect_error(404, "Request_ResourceNotFound", &not_found(eve_id));
    let (status, body) = s
        .admin(
            Method::POST,
            "/keyless/v1/tenants/contoso/guests",
            Some(json!({"user": eve["userPrincipalName"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = add_owner(&s, &alice.token, id, reference(eve_id)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, owners) = s
        .send(
            Method::GET,
            &format!("/v1.0/applications/{id}/owners"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{owners}");
    let user_type = |who: &str| support::find_item(&owners, "id", who)["userType"].clone();
    assert_eq!(user_type(&alice.id), json!("Member"), "{owners}");
    assert_eq!(user_type(eve_id), json!("Guest"), "{owners}");
}
