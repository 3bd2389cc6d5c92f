//! The admin API for directory roles, guests and tenant settings, decided by the directory
//! rules: who may assign roles, invite guests, change settings; guests acting in another
//! tenant (limited or not); each refusal on its own.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::directory::{add_role, in_tenant};
use support::graph::assert_denied;
use support::{find_item, new_member, sorted_names, user_of};

const ROLES: &str = "/keyless/v1/tenants/contoso/roles";

/// Gives the user `name` the directory role `role` in contoso.
async fn grant_in_contoso(s: &TestServer, name: &str, role: &str) {
    add_role(s, "contoso", json!({"user": name}), role).await;
}

async fn bad_request(s: &TestServer, method: Method, path: &str, body: Value, says: &str) {
    s.admin(method, path, Some(body))
        .await
        .expect_message(StatusCode::BAD_REQUEST, says);
}

#[tokio::test]
async fn roles_are_added_listed_and_removed() {
    let s = TestServer::start().await;
    let alice = new_member(&s, "alice").await;
    let body = json!({"user": "alice", "role": "User Administrator"});
    let a = s.admin_created(ROLES, body.clone()).await;
    assert_eq!(a["roleTemplateId"], "fe930be7-5e62-47db-91af-98c3a49a38b1");
    assert_eq!(a["principalId"], alice.id.as_str());
    let (status, _) = s.admin_post(ROLES, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "adding twice is not an error");
    let list = s.admin_ok(ROLES).await;
    find_item(&list, "role", "User Administrator");
    s.admin(Method::DELETE, ROLES, Some(body.clone()))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    bad_request(&s, Method::DELETE, ROLES, body, "does not hold the role").await;
}

#[tokio::test]
async fn role_requests_are_validated() {
    let s = TestServer::start().await;
    new_member(&s, "alice").await;
    for (body, says) in [
        (
            json!({"user": "alice", "role": "Owner"}),
            "Unknown directory role 'Owner'",
        ),
        (
            json!({"user": "alice", "app": "demo-deploy", "role": "Directory Readers"}),
            "exactly one of user or app",
        ),
        (
            json!({"role": "Directory Readers"}),
            "exactly one of user or app",
        ),
        (
            json!({"user": "nobody", "role": "Directory Readers"}),
            "No user 'nobody@contoso.onmicrosoft.com'",
        ),
        (
            json!({"app": "no-such-app", "role": "Directory Readers"}),
            "No app 'no-such-app'",
        ),
    ] {
        bad_request(&s, Method::POST, ROLES, body, says).await;
    }
    let eve = user_of(&s, "fabrikam", "eve").await;
    let foreign = json!({"user": eve.upn, "role": "Directory Readers"});
    bad_request(
        &s,
        Method::POST,
        ROLES,
        foreign,
        "neither a member nor a guest",
    )
    .await;
    for (path, body, want) in [
        (
            ROLES,
            json!({"user": "alice", "role": 7}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/keyless/v1/tenants/nowhere/roles",
            json!({"user": "alice", "role": "Directory Readers"}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, resp) = s.admin_post(path, body).await;
        assert_eq!(status, want, "{path}: {resp}");
    }
}

#[tokio::test]
async fn only_privileged_role_and_global_administrators_assign_roles() {
    let s = TestServer::start().await;
    let alice = new_member(&s, "alice").await;
    let bob = new_member(&s, "bob").await;
    let body = json!({"user": "bob", "role": "Application Administrator"});
    assert_denied(s.post_as(&alice.token, ROLES, body.clone()).await);
    grant_in_contoso(&s, "alice", "User Administrator").await;
    assert_denied(s.post_as(&alice.token, ROLES, body.clone()).await);
    grant_in_contoso(&s, "alice", "Privileged Role Administrator").await;
    grant_in_contoso(&s, "bob", "Global Administrator").await;
    // Both may now: alice as Privileged Role Administrator, bob as Global Administrator.
    for (who, body) in [
        (&alice, body),
        (&bob, json!({"user": "alice", "role": "Directory Readers"})),
    ] {
        let (status, resp) = s.post_as(&who.token, ROLES, body).await;
        assert_eq!(status, StatusCode::CREATED, "{}: {resp}", who.upn);
    }
}

#[tokio::test]
async fn only_global_administrators_change_tenant_settings() {
    let s = TestServer::start().await;
    let alice = new_member(&s, "alice").await;
    let path = "/keyless/v1/tenants/contoso/settings";
    let body = json!({"federatedCredentialsOnUnownedApps": "members"});
    assert_denied(s.patch_as(&alice.token, path, body.clone()).await);
    grant_in_contoso(&s, "alice", "Global Administrator").await;
    let resp = s
        .patch_as(&alice.token, path, body)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(resp["federatedCredentialsOnUnownedApps"], "members");
}

#[tokio::test]
async fn user_administrators_create_users_and_members_do_not() {
    let s = TestServer::start().await;
    let alice = new_member(&s, "alice").await;
    let path = "/keyless/v1/tenants/contoso/users";
    assert_denied(
        s.post_as(&alice.token, path, json!({"name": "carol"}))
            .await,
    );
    grant_in_contoso(&s, "alice", "User Administrator").await;
    s.post_as(&alice.token, path, json!({"name": "carol"}))
        .await
        .expect_status(StatusCode::CREATED);
    // A User Administrator does not make keyless administrators.
    s.post_as(&alice.token, path, json!({"name": "dave", "admin": true}))
        .await
        .expect_message(StatusCode::FORBIDDEN, "keyless administrator");
}

#[tokio::test]
async fn a_guest_acts_in_the_tenant_that_invited_them() {
    let s = TestServer::start().await;
    let eve = user_of(&s, "fabrikam", "eve").await;
    let apps = "/v1.0/applications";
    // At home eve is a member.
    s.get_ok_as(&eve.token, apps).await;
    // Not invited into contoso: refused; an unknown tenant too.
    assert_denied(in_tenant(&s, Method::GET, apps, &eve.token, "contoso", None).await);
    assert_denied(in_tenant(&s, Method::GET, apps, &eve.token, "nowhere", None).await);
    let guests = "/keyless/v1/tenants/contoso/guests";
    s.admin_created(guests, json!({"user": eve.upn})).await;
    // The admin API shows eve the tenants she belongs to: home and contoso, nothing else.
    let tenants = s.get_ok_as(&eve.token, "/keyless/v1/tenants").await;
    assert_eq!(sorted_names(&tenants, "name"), ["contoso", "fabrikam"]);
    s.get_ok_as(&eve.token, "/keyless/v1/tenants/contoso").await;
    let eve_user = json!({"user": eve.upn});
    add_role(&s, "contoso", eve_user, "Application Developer").await;
    // /me lists every tenant of the person, with the roles held there.
    let me = s.get_ok_as(&eve.token, "/keyless/v1/me").await;
    assert_eq!(me["tenants"][0]["name"], "fabrikam");
    assert_eq!(me["tenants"][0]["userType"], "Member");
    assert_eq!(me["tenants"][1]["name"], "contoso");
    assert_eq!(me["tenants"][1]["userType"], "Guest");
    assert_eq!(
        me["tenants"][1]["directoryRoles"],
        json!(["Application Developer"])
    );
    // (Any directory role reads the directory: take it back for what follows.)
    s.admin(
        Method::DELETE,
        ROLES,
        Some(json!({"user": eve.upn, "role": "Application Developer"})),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
    // A limited guest cannot enumerate apps or users, nor register apps.
    let guest_app = json!({"displayName": "guest-app"});
    for (method, path, body) in [
        (Method::GET, apps, None),
        (Method::GET, "/v1.0/servicePrincipals", None),
        (Method::POST, apps, Some(guest_app.clone())),
    ] {
        assert_denied(in_tenant(&s, method, path, &eve.token, "contoso", body).await);
    }
    assert_denied(
        s.get_as(&eve.token, "/keyless/v1/tenants/contoso/users")
            .await,
    );
    // Guests not limited: as members.
    let unlimited = json!({"guestPermissionsLimited": false});
    support::tenant_settings(&s, "contoso", unlimited).await;
    let list = in_tenant(&s, Method::GET, apps, &eve.token, "contoso", None)
        .await
        .expect_status(StatusCode::OK);
    find_item(&list, "displayName", "demo-deploy");
    in_tenant(
        &s,
        Method::POST,
        apps,
        &eve.token,
        "contoso",
        Some(guest_app),
    )
    .await
    .expect_status(StatusCode::CREATED);
    // Listed as a guest; removed, refused again.
    let list = s.admin_ok(guests).await;
    assert_eq!(
        list["value"][0]["user"]["userPrincipalName"],
        eve.upn.as_str()
    );
    s.admin_delete(&format!("{guests}/{}", eve.upn))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert_denied(in_tenant(&s, Method::GET, apps, &eve.token, "contoso", None).await);
    s.get_as(&eve.token, "/keyless/v1/tenants/contoso")
        .await
        .expect_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn guest_invitations_are_validated() {
    let s = TestServer::start().await;
    let eve = user_of(&s, "fabrikam", "eve").await;
    let alice = new_member(&s, "alice").await;
    let guests = "/keyless/v1/tenants/contoso/guests";
    for (body, says) in [
        (json!({"user": "eve"}), "full user principal name"),
        (json!({"user": alice.upn}), "is a member of the tenant"),
        (json!({"user": "ghost@fabrikam.onmicrosoft.com"}), "No user"),
    ] {
        bad_request(&s, Method::POST, guests, body, says).await;
    }
    bad_request(
        &s,
        Method::DELETE,
        &format!("{guests}/{}", eve.upn),
        Value::Null,
        "is not a guest",
    )
    .await;
    // Members without User Administrator may not invite.
    assert_denied(
        s.post_as(&alice.token, guests, json!({"user": eve.upn}))
            .await,
    );
    s.admin_created(guests, json!({"user": eve.upn})).await;
    let (status, _) = s.admin_post(guests, json!({"user": eve.upn})).await;
    assert_eq!(status, StatusCode::OK, "inviting twice is not an error");
}
