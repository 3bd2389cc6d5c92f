//! Graph called by service principals with access tokens for Graph, acting with their
//! directory roles: no role, Directory Readers, Application Administrator, Cloud
//! Application Administrator, Application Developer; audiences; the admin roles API.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::directory::{GRAPH_SCOPE, add_role, graph_token, token_for};
use support::graph::DENIED;
use support::{assert_error, assert_error_code, new_principal};

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
        let (status, resp) = s
            .send(Method::GET, "/v1.0/applications", Some(&token), None)
            .await;
        assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    }
}

#[tokio::test]
async fn arm_tokens_and_forged_tokens_are_refused_by_graph() {
    let s = TestServer::start().await;
    let arm = s.arm_token().await;
    let (status, resp) = s
        .send(Method::GET, "/v1.0/applications", Some(&arm), None)
        .await;
    assert_error_code(status, &resp, 401, "InvalidAuthenticationTokenAudience");
    let (status, resp) = s
        .send(Method::GET, "/v1.0/applications", Some("a.b.c"), None)
        .await;
    assert_error_code(status, &resp, 401, "InvalidAuthenticationToken");
}

#[tokio::test]
async fn a_disabled_or_deleted_principal_cannot_use_its_graph_token() {
    let s = TestServer::start().await;
    let p = new_principal(&s, "soon-disabled").await;
    let tenant = s.var("AZURE_TENANT_ID");
    add_role(&s, &tenant, json!({"app": p.app_id}), "Directory Readers").await;
    let token = graph_token(&s, &p).await;
    let (status, _) = s
        .send(Method::GET, "/v1.0/applications", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .admin(
            Method::PATCH,
            &format!("/v1.0/servicePrincipals/{}", p.sp_id),
            Some(json!({"accountEnabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, resp) = s
        .send(Method::GET, "/v1.0/applications", Some(&token), None)
        .await;
    assert_error_code(status, &resp, 401, "InvalidAuthenticationToken");
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
    let (status, list) = s
        .send(Method::GET, "/v1.0/applications", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list["value"].as_array().unwrap().len() >= 2, "{list}");
    let (status, resp) = s
        .send(
            Method::POST,
            "/v1.0/applications",
            Some(&token),
            Some(json!({"displayName": "nope"})),
        )
        .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
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
            .send(
                Method::POST,
                &format!("{base}/addPassword"),
                Some(&token),
                Some(json!({"passwordCredential": {"displayName": "by-admin"}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{role}: {pw}");
        let (status, fic) = s
            .send(
                Method::POST,
                &format!("{base}/federatedIdentityCredentials"),
                Some(&token),
                Some(json!({"name": "by-admin", "issuer": "https://token.actions.githubusercontent.com",
                    "subject": "repo:contoso/app:ref:refs/heads/main",
                    "audiences": ["api://AzureADTokenExchange"]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{role}: {fic}");
        // Its own app: created by the principal, which becomes its owner.
        let (status, app) = s
            .send(
                Method::POST,
                "/v1.0/applications",
                Some(&token),
                Some(json!({"displayName": "made-by-sp"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{role}: {app}");
        let (status, owners) = s
            .send(
                Method::GET,
                &format!("/v1.0/applications/{}/owners", app["id"].as_str().unwrap()),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{owners}");
        assert_eq!(owners["value"][0]["id"], p.sp_id.as_str(), "{owners}");
        assert_eq!(
            owners["value"][0]["@odata.type"],
            "#microsoft.graph.servicePrincipal"
        );
        let (status, sp) = s
            .send(
                Method::POST,
                "/v1.0/servicePrincipals",
                Some(&token),
                Some(json!({"appId": app["appId"]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{role}: {sp}");
        // Directory roles do not reach the admin API's user management.
        let (status, _) = s
            .send(Method::GET, "/keyless/v1/me", Some(&token), None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn application_developers_register_apps_even_when_users_may_not() {
    let s = TestServer::start().await;
    let tenant = s.var("AZURE_TENANT_ID");
    let (status, _) = s
        .admin(
            Method::PATCH,
            &format!("/keyless/v1/tenants/{tenant}/settings"),
            Some(json!({"usersCanRegisterApps": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
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
    let (status, resp) = s
        .send(
            Method::POST,
            "/v1.0/applications",
            Some(&plain.token),
            Some(body.clone()),
        )
        .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    let (status, app) = s
        .send(
            Method::POST,
            "/v1.0/applications",
            Some(&dev.token),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    // A developer manages only the apps they own.
    let demo = s.var("AZURE_CLIENT_ID");
    let (status, resp) = s
        .send(
            Method::POST,
            &format!("/v1.0/applications(appId='{demo}')/addPassword"),
            Some(&dev.token),
            Some(json!({"passwordCredential": {}})),
        )
        .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
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
    let (status, resp) = s
        .send(Method::POST, &path, Some(&alice.token), Some(fic("first")))
        .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
    let (status, _) = s
        .admin(
            Method::PATCH,
            "/keyless/v1/tenants/contoso/settings",
            Some(json!({"federatedCredentialsOnUnownedApps": "members"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, created) = s
        .send(Method::POST, &path, Some(&alice.token), Some(fic("second")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    // Creating is all the setting allows: changing or deleting stays with owners and roles.
    let (status, resp) = s
        .send(
            Method::DELETE,
            &format!("{path}/second"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_error(status, &resp, 403, "Authorization_RequestDenied", DENIED);
}
