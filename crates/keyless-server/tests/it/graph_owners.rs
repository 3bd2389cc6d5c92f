//! Application owners: `POST /v1.0/applications/{id}/owners/$ref`, `DELETE
//! …/owners/{ownerId}/$ref`, and ownership deciding who may manage an app.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer, assert_case_error};
use reqwest::StatusCode;
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

/// A server, the member alice, and her app "alice-app" (its id).
async fn alice_app() -> (TestServer, support::Member, String) {
    let s = TestServer::start().await;
    let alice = support::new_member(&s, "alice").await;
    let app = create_app(&s, &alice.token, "alice-app").await;
    let id = app["id"].as_str().unwrap().to_string();
    (s, alice, id)
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

/// An owner change: adding or removing the principal.
enum Change<'a> {
    Add(&'a str),
    Remove(&'a str),
}

/// Owner changes refused, each with its status, code and message, and the owners
/// unchanged: a non-owner without a role adding or removing, an existing owner added again,
/// an unknown principal added, a principal that is not an owner removed.
#[tokio::test]
async fn refused_owner_changes_change_nothing() {
    let (s, alice, id) = alice_app().await;
    let bob = support::new_member(&s, "bob").await;
    let ghost = "8c0b1f7e-3a52-4d6e-9f10-2b7c4d5e6f70";
    let denied = (403, "Authorization_RequestDenied", DENIED.to_string());
    let cases = [
        (
            "bob adds himself",
            &bob,
            Change::Add(&bob.id),
            denied.clone(),
        ),
        ("bob removes alice", &bob, Change::Remove(&alice.id), denied),
        (
            "alice added again",
            &alice,
            Change::Add(&alice.id),
            (400, "Request_BadRequest", DUPLICATE.to_string()),
        ),
        (
            "an unknown principal added",
            &alice,
            Change::Add(ghost),
            (404, "Request_ResourceNotFound", not_found(ghost)),
        ),
        (
            "bob, not an owner, removed",
            &alice,
            Change::Remove(&bob.id),
            (404, "Request_ResourceNotFound", not_found(&bob.id)),
        ),
    ];
    for (case, who, change, (want, code, message)) in cases {
        let (status, body) = match change {
            Change::Add(p) => add_owner(&s, &who.token, &id, reference(p)).await,
            Change::Remove(p) => remove_owner(&s, &who.token, &id, p).await,
        };
        assert_case_error(case, status, &body, want, code, &message);
    }
    assert_eq!(
        owner_ids(&s, &alice.token, &id).await,
        vec![alice.id.clone()]
    );
}

#[tokio::test]
async fn malformed_reference_bodies_are_400() {
    let (s, alice, id) = alice_app().await;
    let id = id.as_str();
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
async fn any_host_prefix_is_accepted_and_the_last_owner_may_be_removed() {
    let (s, alice, id) = alice_app().await;
    let bob = support::new_member(&s, "bob").await;
    let id = id.as_str();
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
    let (s, alice, id) = alice_app().await;
    let id = id.as_str();
    support::new_tenant(&s, "fabrikam").await;
    let eve = s
        .admin_created("/keyless/v1/tenants/fabrikam/users", json!({"name": "eve"}))
        .await;
    let eve_id = eve["id"].as_str().unwrap();
    // Not invited: no place in contoso, so no owner there.
    add_owner(&s, &alice.token, id, reference(eve_id))
        .await
        .expect_error(404, "Request_ResourceNotFound", &not_found(eve_id));
    let guests = "/keyless/v1/tenants/contoso/guests";
    s.admin_created(guests, json!({"user": eve["userPrincipalName"]}))
        .await;
    let (status, body) = add_owner(&s, &alice.token, id, reference(eve_id)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let owners = s
        .get_ok_as(&alice.token, &format!("/v1.0/applications/{id}/owners"))
        .await;
    let user_type = |who: &str| support::find_item(&owners, "id", who)["userType"].clone();
    assert_eq!(user_type(&alice.id), json!("Member"), "{owners}");
    assert_eq!(user_type(eve_id), json!("Guest"), "{owners}");
}
