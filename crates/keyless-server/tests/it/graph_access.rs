//! Who may use Microsoft Graph and change what: missing, unknown, expired and revoked
//! personal access tokens; members, owners and administrators; the tenant's
//! app-registration setting; tenant isolation; and what deleting an app takes with it.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Client, Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::graph::{assert_denied, create_app, not_found};

#[tokio::test]
async fn call_without_a_token_is_401() {
    let s = TestServer::start().await;
    for (caller, says) in [
        (s.anonymous(), "keyless pat create"),
        (s.client("kls_pat_unknown"), "not valid"),
    ] {
        unauthenticated(&caller, &[says]).await;
    }
}

/// Asserts Graph's 401 `Unauthenticated` for `GET /v1.0/applications`, its message
/// containing each of `says`.
async fn unauthenticated(caller: &Client<'_>, says: &[&str]) {
    let msg = caller
        .get("/v1.0/applications")
        .await
        .expect_error_code(401, "Unauthenticated");
    for part in says {
        assert!(msg.contains(part), "{part}: {msg}");
    }
}

#[tokio::test]
async fn expired_pat_is_401_and_says_how_to_renew() {
    let s = TestServer::start().await;
    let short = json!({"name": "short", "days": 1});
    let pat = s.admin_created("/keyless/v1/pats", short).await;
    let caller = s.client(pat["token"].as_str().unwrap());
    caller.get_ok("/v1.0/applications").await;
    s.state.clock.advance(2 * 86_400);
    unauthenticated(&caller, &["'short' expired at ", "keyless pat create"]).await;
}

#[tokio::test]
async fn revoked_pat_is_401_and_says_revoked() {
    let s = TestServer::start().await;
    let revoked = json!({"name": "to-revoke"});
    let pat = s.admin_created("/keyless/v1/pats", revoked).await;
    let id = pat["pat"]["id"].as_str().unwrap();
    s.admin_delete(&format!("/keyless/v1/pats/{id}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let caller = s.client(pat["token"].as_str().unwrap());
    unauthenticated(&caller, &["'to-revoke' was revoked"]).await;
}

#[tokio::test]
async fn member_creates_and_changes_own_apps_but_not_others() {
    let s = TestServer::start().await;
    let alice = support::new_member(&s, "alice").await;
    let bob = support::new_member(&s, "bob").await;

    let app = create_app(&s, &alice.token, "alice-app").await;
    let id = app["id"].as_str().unwrap();
    let path = format!("/v1.0/applications/{id}");
    s.patch_as(&alice.token, &path, json!({"displayName": "alice-app-2"}))
        .await
        .expect_status(StatusCode::NO_CONTENT);

    // Bob may read it, not change it.
    s.get_ok_as(&bob.token, &path).await;
    for (method, p, body) in [
        (
            Method::PATCH,
            path.clone(),
            Some(json!({"displayName": "mine"})),
        ),
        (Method::DELETE, path.clone(), None),
        (
            Method::POST,
            format!("{path}/addPassword"),
            Some(json!({"passwordCredential": {}})),
        ),
        (
            Method::POST,
            "/v1.0/servicePrincipals".to_string(),
            Some(json!({"appId": app["appId"]})),
        ),
    ] {
        assert_denied(s.send(method.clone(), &p, Some(&bob.token), body).await);
    }
    // Nor may he change the administrator's demo app.
    let demo = support::demo_app(&s).await;
    assert_denied(
        s.delete_as(&bob.token, &format!("/v1.0/applications/{}", demo.id))
            .await,
    );

    // Alice can delete her own.
    s.delete_as(&alice.token, &path)
        .await
        .expect_status(StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn member_cannot_register_apps_when_the_tenant_forbids_it() {
    let s = TestServer::start().await;
    let alice = support::new_member(&s, "alice").await;
    let forbid = json!({"usersCanRegisterApps": false});
    let settings = support::tenant_settings(&s, &s.var("AZURE_TENANT_ID"), forbid).await;
    assert_eq!(settings["usersCanRegisterApps"], false);
    assert_denied(
        s.post_as(
            &alice.token,
            "/v1.0/applications",
            json!({"displayName": "blocked"}),
        )
        .await,
    );
    // Administrators still may.
    support::graph::admin_app(&s, "allowed").await;
}

#[tokio::test]
async fn objects_of_another_tenant_are_not_found() {
    let s = TestServer::start().await;
    let eve = support::user_of(&s, "fabrikam", "eve").await.token;
    let id = support::demo_app(&s).await.id.to_string();
    s.get_as(&eve, &format!("/v1.0/applications/{id}"))
        .await
        .expect_error(404, "Request_ResourceNotFound", &not_found(&id));
    let list = s.get_ok_as(&eve, "/v1.0/applications").await;
    assert_eq!(list["value"], json!([]));
}

#[tokio::test]
async fn deleting_an_app_removes_its_principal_and_role_assignments() {
    let s = TestServer::start().await;
    let p = support::new_principal(&s, "doomed").await;
    let sub = format!("/subscriptions/{}", s.var("AZURE_SUBSCRIPTION_ID"));
    support::grant(&s, &p.sp_id, keyless_model::rbac::READER, &sub).await;
    let sp_id: uuid::Uuid = p.sp_id.parse().unwrap();
    assert_eq!(
        s.store()
            .list_role_assignments_for_principal(sp_id)
            .await
            .unwrap()
            .len(),
        1
    );
    s.admin_delete(&format!("/v1.0/applications/{}", p.app_object_id))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert!(s.store().get_service_principal(sp_id).await.is_err());
    assert!(
        s.store()
            .list_role_assignments_for_principal(sp_id)
            .await
            .unwrap()
            .is_empty()
    );
    s.admin_get(&format!("/v1.0/servicePrincipals/{}", p.sp_id))
        .await
        .expect_error_code(404, "Request_ResourceNotFound");
    let body = support::secret_token(&s, &p.app_id, &p.secret)
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert_eq!(body["error_codes"], json!([700016]), "{body}");
}
