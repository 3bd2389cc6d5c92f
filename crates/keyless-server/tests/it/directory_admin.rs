//! The admin API for directory roles, guests and tenant settings, decided by the directory
//! rules: who may assign roles, invite guests, change settings; guests acting in another
//! tenant (limited or not); each refusal on its own.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::directory::{add_role, in_tenant};
use support::graph::DENIED;
use support::{assert_error, message, new_member};

const ROLES: &str = "/keyless/v1/tenants/contoso/roles";

async fn fabrikam_user(s: &TestServer, name: &str) -> support::Member {
    let (status, t) = s
        .admin(
            Method::POST,
            "/keyless/v1/tenants",
            Some(json!({"name": "fabrikam"})),
        )
        .await;
    assert!(
        status == StatusCode::CREATED || status == StatusCode::CONFLICT,
        "{t}"
    );
    let (status, u) = s
        .admin(
            Method::POST,
            "/keyless/v1/tenants/fabrikam/users",
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    let upn = u["userPrincipalName"].as_str().unwrap().to_string();
    let (status, pat) = s
        .admin(
            Method::POST,
            "/keyless/v1/pats",
            Some(json!({"name": name, "user": upn})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{pat}");
    support::Member {
        id: u["id"].as_str().unwrap().to_string(),
        upn,
        token: pat["token"].as_str().unwrap().to_string(),
    }
}

async fn bad_request(s: &TestServer, method: Method, path: &str, body: Value, says: &str) {
    let (status, resp) = s.admin(method, path, Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{resp}");
    assert!(message(&resp).contains(says), "{resp}");
}

#[tokio::test]
async fn roles_are_added_listed_and_removed() {
    let s = TestServer::start().await;
    let alice = new_member(&s, "alice").await;
    let body = json!({"user": "alice", "role": "User Administrator"});
    let (status, a) = s.admin(Method::POST, ROLES, Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert_eq!(a["roleTemplateId"], "fe930be7-5e62-47db-91af-98c3a49a38b1");
    assert_eq!(a["principalId"], alice.id.as_str());
    let (status, _) = s.admin(Method::POST, ROLES, Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "adding twice is not an error");
    let (status, list) = s.admin(Method::GET, ROLES, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["role"] == "User Administrator"),
        "{list}"
    );
    let (status, _) = s.admin(Method::DELETE, ROLES, Some(body.clone())).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    bad_request(&s, Method::DELETE, ROLES, body, "does not hold the role").await;
}

#[tokio::test]
async fn role_requests_are_validated() {
    let s = TestServer::start().await;
    new_member(&s, "alice").await;
    bad_request(
        &s,
        Method::POST,
        ROLES,
        json!({"user": "alice", "role": "Owner"}),
        "Unknown directory role 'Owner'",
    )
    .await;
    bad_request(
        &s,
        Method::POST,
        ROLES,
        json!({"user": "alice", "app": "demo-deploy", "role": "Directory Readers"}),
        "exactly one of user or app",
    )
    .await;
    bad_request(
        &s,
        Method::POST,
        ROLES,
        json!({"role": "Directory Readers"}),
        "exactly one of user or app",
    )
    .await;
    bad_request(
        &s,
        Method::POST,
        ROLES,
        json!({"user": "nobody", "role": "Directory Readers"}),
        "No user 'nobody@contoso.onmicrosoft.com'",
    )
    .await;
    bad_request(
        &s,
        Method::POST,
        ROLES,
        json!({"app": "no-such-app", "role": "Directory Readers"}),
        "No app 'no-such-app'",
    )
    .await;
    let eve = fabrikam_user(&s, "eve").await;
    bad_request(
        &s,
        Method::POST,
        ROLES,
        json!({"user": eve.upn, "role": "Directory Readers"}),
        "neither a member nor a guest",
    )
    .await;
    let (status, resp) = s
        .admin(
            Method::POST,
            ROLES,
            Some(json!({"user": "alice", "role": 7})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{resp}");
    let (status, _) = s
        .admin(
            Method::POST,
            "/keyless/v1/tenants/nowhere/roles",
            Some(json!({"user": "alice", "role": "Directory Readers"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_privileged_role_and_global_administrators_assign_roles() {
    let s = TestServer::start().await;
    let alice = new_member(&s, "alice").await;
    let bob = new_member(&s, "bob").await;
    let body = json!({"user": "bob", "role": "Application Administrator"});
    let (status, resp) = s
        .send(Method::POST, ROLES, Some(&alice.token), Some(body.clone()))
        .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    add_role(
        &s,
        "contoso",
        json!({"user": "alice"}),
        "User Administrator",
    )
    .await;
    let (status, resp) = s
        .send(Method::POST, ROLES, Some(&alice.token), Some(body.clone()))
        .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    add_role(
        &s,
        "contoso",
        json!({"user": "alice"}),
        "Privileged Role Administrator",
    )
    .await;
    let (status, resp) = s
        .send(Method::POST, ROLES, Some(&alice.token), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{resp}");
    add_role(
        &s,
        "contoso",
        json!({"user": "bob"}),
        "Global Administrator",
    )
    .await;
    let (status, resp) = s
        .send(
            Method::POST,
            ROLES,
            Some(&bob.token),
            Some(json!({"user": "alice", "role": "Directory Readers"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{resp}");
}

#[tokio::test]
async fn only_global_administrators_change_tenant_settings() {
    let s = TestServer::start().await;
    let alice = new_member(&s, "alice").await;
    let path = "/keyless/v1/tenants/contoso/settings";
    let body = json!({"federatedCredentialsOnUnownedApps": "members"});
    let (status, resp) = s
        .send(Method::PATCH, path, Some(&alice.token), Some(body.clone()))
        .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    add_role(
        &s,
        "contoso",
        json!({"user": "alice"}),
        "Global Administrator",
    )
    .await;
    let (status, resp) = s
        .send(Method::PATCH, path, Some(&alice.token), Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(resp["federatedCredentialsOnUnownedApps"], "members");
}

#[tokio::test]
async fn user_administrators_create_users_and_members_do_not() {
    let s = TestServer::start().await;
    let alice = new_member(&s, "alice").await;
    let path = "/keyless/v1/tenants/contoso/users";
    let (status, resp) = s
        .send(
            Method::POST,
            path,
            Some(&alice.token),
            Some(json!({"name": "carol"})),
        )
        .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    add_role(
        &s,
        "contoso",
        json!({"user": "alice"}),
        "User Administrator",
    )
    .await;
    let (status, resp) = s
        .send(
            Method::POST,
            path,
            Some(&alice.token),
            Some(json!({"name": "carol"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{resp}");
    // A User Administrator does not make keyless administrators.
    let (status, resp) = s
        .send(
            Method::POST,
            path,
            Some(&alice.token),
            Some(json!({"name": "dave", "admin": true})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{resp}");
    assert!(message(&resp).contains("keyless administrator"), "{resp}");
}

#[tokio::test]
async fn a_guest_acts_in_the_tenant_that_invited_them() {
    let s = TestServer::start().await;
    let eve = fabrikam_user(&s, "eve").await;
    let apps = "/v1.0/applications";
    // At home eve is a member.
    let (status, _) = s.send(Method::GET, apps, Some(&eve.token), None).await;
    assert_eq!(status, StatusCode::OK);
    // Not invited into contoso: refused; an unknown tenant too.
    let (status, resp) = in_tenant(&s, Method::GET, apps, &eve.token, "contoso", None).await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    let (status, resp) = in_tenant(&s, Method::GET, apps, &eve.token, "nowhere", None).await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    let guests = "/keyless/v1/tenants/contoso/guests";
    let (status, g) = s
        .admin(Method::POST, guests, Some(json!({"user": eve.upn})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{g}");
    // The admin API shows eve the tenants she belongs to: home and contoso, nothing else.
    let (status, tenants) = s
        .send(Method::GET, "/keyless/v1/tenants", Some(&eve.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{tenants}");
    let mut names: Vec<&str> = tenants["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["contoso", "fabrikam"]);
    let (status, _) = s
        .send(
            Method::GET,
            "/keyless/v1/tenants/contoso",
            Some(&eve.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    add_role(
        &s,
        "contoso",
        json!({"user": eve.upn}),
        "Application Developer",
    )
    .await;
    // /me lists every tenant of the person, with the roles held there.
    let (status, me) = s
        .send(Method::GET, "/keyless/v1/me", Some(&eve.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["tenants"][0]["name"], "fabrikam");
    assert_eq!(me["tenants"][0]["userType"], "Member");
    assert_eq!(me["tenants"][1]["name"], "contoso");
    assert_eq!(me["tenants"][1]["userType"], "Guest");
    assert_eq!(
        me["tenants"][1]["directoryRoles"],
        json!(["Application Developer"])
    );
    // (Any directory role reads the directory: take it back for what follows.)
    let (status, _) = s
        .admin(
            Method::DELETE,
            ROLES,
            Some(json!({"user": eve.upn, "role": "Application Developer"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // A limited guest cannot enumerate apps or users, nor register apps.
    let (status, resp) = in_tenant(&s, Method::GET, apps, &eve.token, "contoso", None).await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    let (status, resp) = in_tenant(
        &s,
        Method::GET,
        "/v1.0/servicePrincipals",
        &eve.token,
        "contoso",
        None,
    )
    .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    let (status, resp) = s
        .send(
            Method::GET,
            "/keyless/v1/tenants/contoso/users",
            Some(&eve.token),
            None,
        )
        .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    let (status, resp) = in_tenant(
        &s,
        Method::POST,
        apps,
        &eve.token,
        "contoso",
        Some(json!({"displayName": "guest-app"})),
    )
    .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    // Guests not limited: as members.
    let (status, _) = s
        .admin(
            Method::PATCH,
            "/keyless/v1/tenants/contoso/settings",
            Some(json!({"guestPermissionsLimited": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, list) = in_tenant(&s, Method::GET, apps, &eve.token, "contoso", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["displayName"] == "demo-deploy")
    );
    let (status, app) = in_tenant(
        &s,
        Method::POST,
        apps,
        &eve.token,
        "contoso",
        Some(json!({"displayName": "guest-app"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    // Listed as a guest; removed, refused again.
    let (status, list) = s.admin(Method::GET, guests, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list["value"][0]["user"]["userPrincipalName"],
        eve.upn.as_str()
    );
    let (status, _) = s
        .admin(Method::DELETE, &format!("{guests}/{}", eve.upn), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, resp) = in_tenant(&s, Method::GET, apps, &eve.token, "contoso", None).await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    let (status, _) = s
        .send(
            Method::GET,
            "/keyless/v1/tenants/contoso",
            Some(&eve.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn guest_invitations_are_validated() {
    let s = TestServer::start().await;
    let eve = fabrikam_user(&s, "eve").await;
    let alice = new_member(&s, "alice").await;
    let guests = "/keyless/v1/tenants/contoso/guests";
    bad_request(
        &s,
        Method::POST,
        guests,
        json!({"user": "eve"}),
        "full user principal name",
    )
    .await;
    bad_request(
        &s,
        Method::POST,
        guests,
        json!({"user": alice.upn}),
        "is a member of the tenant",
    )
    .await;
    bad_request(
        &s,
        Method::POST,
        guests,
        json!({"user": "ghost@fabrikam.onmicrosoft.com"}),
        "No user",
    )
    .await;
    bad_request(
        &s,
        Method::DELETE,
        &format!("{guests}/{}", eve.upn),
        Value::Null,
        "is not a guest",
    )
    .await;
    // Members without User Administrator may not invite.
    let (status, resp) = s
        .send(
            Method::POST,
            guests,
            Some(&alice.token),
            Some(json!({"user": eve.upn})),
        )
        .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    let (status, _) = s
        .admin(Method::POST, guests, Some(json!({"user": eve.upn})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = s
        .admin(Method::POST, guests, Some(json!({"user": eve.upn})))
        .await;
    assert_eq!(status, StatusCode::OK, "inviting twice is not an error");
}
