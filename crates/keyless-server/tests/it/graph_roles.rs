//! Graph called by service principals with access tokens for Graph, acting with their
//! directory roles: no role, Directory Readers, Application Administrator, Cloud
//! Application Administrator, Application Developer; audiences; the admin roles API.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use serde_json::json;
use support::directory::{GRAPH_SCOPE, add_role, graph_token, token_for};
use support::graph::DENIED;
use support::new_principal;

/// Asserts that `GET /v1.0/applications` with `token` is refused: 401
/// InvalidAuthenticationToken.
async fn applications_refuse(s: &TestServer, token: &str) {
    s.get_as(token, "/v1.0/applications")
        .await
        .expect_error_code(401, "InvalidAuthenticationToken");
}

#[tokio::test]
async fn the_token_endpoint_issues_graph_tokens_for_every_graph_name() {
    let s = TestServer::start().await;
    let p = new_principal(&s, "graph-caller").await;
    let tenant = s.var("AZURE_TENANT_ID");
    for scope in [
        GRAPH_SCOPE.to_string(),
        "00000003-0000-0000-c000-000000000000/.default".to_string(),
        format!("{}//.default", s.origin),
    ] {
        let token = token_for(&s, &tenant, &p, &scope).await;
        // Without a role the principal reads nothing, but it is authenticated.
        s.get_as(&token, "/v1.0/applications").await.expect_error(
            403,
            "Authorization_RequestDenied",
            DENIED,
        );
    }
}

#[tokio::test]
async fn arm_tokens_and_forged_tokens_are_refused_by_graph() {
    let (s, arm) = TestServer::start_with_arm_token().await;
    s.get_as(&arm, "/v1.0/applications")
        .await
        .expect_error_code(401, "InvalidAuthenticationTokenAudience");
    applications_refuse(&s, "a.b.c").await;
}

#[tokio::test]
async fn a_disabled_or_deleted_principal_cannot_use_its_graph_token() {
    let s = TestServer::start().await;
    let p = new_principal(&s, "soon-disabled").await;
    let tenant = s.var("AZURE_TENANT_ID");
    add_role(&s, &tenant, json!({"app": p.app_id}), "Directory Readers").await;
    let token = graph_token(&s, &p).await;
    s.get_ok_as(&token, "/v1.0/applications").await;
    support::disable_sp(&s, &p.sp_id).await;
    applications_refuse(&s, &token).await;
}

#[tokio::test]
async fn directory_readers_read_but_do_not_write() {
    let s = TestServer::start().await;
    let p = new_principal(&s, "reader").await;
    add_role(
        &s,
        &s.var("AZURE_TENANT_ID"),
        json!({"app": "reader"}),
        "Directory Readers",
    )
    .await;
    let token = graph_token(&s, &p).await;
    let list = s.get_ok_as(&token, "/v1.0/applications").await;
    assert!(list["value"].as_array().unwrap().len() >= 2, "{list}");
    s.post_as(&token, "/v1.0/applications", json!({"displayName": "nope"}))
        .await
        .expect_error(403, "Authorization_RequestDenied", DENIED);
}

#[tokio::test]
async fn application_administrators_manage_every_app() {
    for role in [
        "Application Administrator",
        "Cloud Application Administrator",
    ] {
        let s = TestServer::start().await;
        let p = new_principal(&s, "app-admin").await;
        add_role(
            &s,
            &s.var("AZURE_TENANT_ID"),
            json!({"app": p.app_id}),
            role,
        )
        .await;
        let token = graph_token(&s, &p).await;
        // Another's app (the demo app, made by the administrator): secrets and credentials.
        let demo = s.var("AZURE_CLIENT_ID");
        let base = format!("/v1.0/applications(appId='{demo}')");
        let (status, pw) = s
            .post_as(
                &token,
                &format!("{base}/addPassword"),
                json!({"passwordCredential": {"displayName": "by-admin"}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{role}: {pw}");
        let (status, fic) = s
            .post_as(
                &token,
                &format!("{base}/federatedIdentityCredentials"),
                json!({"name": "by-admin", "issuer": "https://token.actions.githubusercontent.com",
                    "subject": "repo:contoso/app:ref:refs/heads/main",
                    "audiences": ["api://AzureADTokenExchange"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{role}: {fic}");
        // Its own app: created by the principal, which becomes its owner.
        let (status, app) = s
            .post_as(
                &token,
                "/v1.0/applications",
                json!({"displayName": "made-by-sp"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{role}: {app}");
        let owners = s
            .get_ok_as(
                &token,
                &format!("/v1.0/applications/{}/owners", app["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(owners["value"][0]["id"], p.sp_id.as_str(), "{owners}");
        assert_eq!(
            owners["value"][0]["@odata.type"],
            "#microsoft.graph.servicePrincipal"
        );
        let (status, sp) = s
            .post_as(
                &token,
                "/v1.0/servicePrincipals",
                json!({"appId": app["appId"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{role}: {sp}");
        // Directory roles do not reach the admin API's user management.
        s.get_as(&token, "/keyless/v1/me")
            .await
            .expect_status(StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn application_developers_register_apps_even_when_users_may_not() {
    let s = TestServer::start().await;
    let tenant = s.var("AZURE_TENANT_ID");
    support::tenant_settings(&s, &tenant, json!({"usersCanRegisterApps": false})).await;
    let dev = support::new_member(&s, "dev").await;
    let plain = support::new_member(&s, "plain").await;
    add_role(
        &s,
        &tenant,
        json!({"user": dev.upn}),
        "Application Developer",
    )
    .await;
    let body = json!({"displayName": "dev-app"});
    s.post_as(&plain.token, "/v1.0/applications", body.clone())
        .await
        .expect_error(403, "Authorization_RequestDenied", DENIED);
    s.post_as(&dev.token, "/v1.0/applications", body)
        .await
        .expect_status(StatusCode::CREATED);
    // A developer manages only the apps they own.
    let demo = s.var("AZURE_CLIENT_ID");
    s.post_as(
        &dev.token,
        &format!("/v1.0/applications(appId='{demo}')/addPassword"),
        json!({"passwordCredential": {}}),
    )
    .await
    .expect_error(403, "Authorization_RequestDenied", DENIED);
}

#[tokio::test]
async fn members_add_federated_credentials_to_others_apps_only_when_the_tenant_says_so() {
    let s = TestServer::start().await;
    let alice = support::new_member(&s, "alice").await;
    let demo = s.var("AZURE_CLIENT_ID");
    let path = format!("/v1.0/applications(appId='{demo}')/federatedIdentityCredentials");
    let fic = |name: &str| {
        json!({"name": name, "issuer": "https://token.actions.githubusercontent.com",
            "subject": format!("repo:contoso/{name}:ref:refs/heads/main"),
            "audiences": ["api://AzureADTokenExchange"]})
    };
    s.post_as(&alice.token, &path, fic("first"))
        .await
        .expect_error(403, "Authorization_RequestDenied", DENIED);
    let members = json!({"federatedCredentialsOnUnownedApps": "members"});
    support::tenant_settings(&s, "contoso", members).await;
    s.post_as(&alice.token, &path, fic("second"))
        .await
        .expect_status(StatusCode::CREATED);
    // Creating is all the setting allows: changing or deleting stays with owners and roles.
    s.delete_as(&alice.token, &format!("{path}/second"))
        .await
        .expect_error(403, "Authorization_RequestDenied", DENIED);
}
