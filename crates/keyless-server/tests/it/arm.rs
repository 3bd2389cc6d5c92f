//! The ARM plane's read side: subscriptions, tenants, cloud metadata and role definitions,
//! and requests ARM does not serve. Token validation is in `arm_auth.rs`, resource groups
//! in `arm_resource_groups.rs`, role assignments and RBAC in `arm_role_assignments.rs` and
//! `arm_rbac.rs`.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{API, raw};

fn subs_path() -> String {
    format!("/subscriptions?{API}")
}

#[tokio::test]
async fn subscriptions_list_shows_the_demo_subscription_with_count() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let r = raw(
        &s,
        Method::GET,
        &subs_path(),
        Some(&format!("Bearer {token}")),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.header("x-ms-request-id").is_some());
    assert!(r.header("x-ms-correlation-request-id").is_some());
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    assert_eq!(r.body["count"], json!({"type": "Total", "value": 1}));
    let v = &r.body["value"][0];
    assert_eq!(v["id"], format!("/subscriptions/{sub}"));
    assert_eq!(v["subscriptionId"], sub);
    assert_eq!(v["tenantId"], s.var("AZURE_TENANT_ID"));
    assert_eq!(v["displayName"], "demo-subscription");
    assert_eq!(v["state"], "Enabled");
    assert_eq!(v["authorizationSource"], "RoleBased");
    assert!(v["subscriptionPolicies"]["quotaId"].is_string(), "{v}");
    assert!(
        v["subscriptionPolicies"]["locationPlacementId"].is_string(),
        "{v}"
    );
}

#[tokio::test]
async fn get_subscription_returns_it() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let body = s
        .get_ok_as(&token, &format!("/subscriptions/{sub}?{API}"))
        .await;
    assert_eq!(body["subscriptionId"], sub);
    assert_eq!(body["state"], "Enabled");
}

#[tokio::test]
async fn unknown_subscription_is_subscription_not_found() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let id = "00000000-1111-2222-3333-444444444444";
    s.get_as(&token, &format!("/subscriptions/{id}?{API}"))
        .await
        .expect_error(
            404,
            "SubscriptionNotFound",
            &format!("The subscription '{id}' could not be found."),
        );
}

#[tokio::test]
async fn malformed_subscription_id_is_invalid_subscription_id() {
    let (s, token) = TestServer::start_with_arm_token().await;
    for path in [
        format!("/subscriptions/not-a-guid?{API}"),
        format!("/subscriptions/not-a-guid/resourcegroups/rg?{API}"),
    ] {
        s.get_as(&token, &path).await.expect_error(
            400,
            "InvalidSubscriptionId",
            "The provided subscription identifier 'not-a-guid' is malformed or invalid.",
        );
    }
}

#[tokio::test]
async fn tenants_lists_the_callers_tenant() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let body = s.get_ok_as(&token, &format!("/tenants?{API}")).await;
    let tenants = body["value"].as_array().unwrap();
    assert_eq!(tenants.len(), 1, "{body}");
    assert_eq!(tenants[0]["tenantId"], s.var("AZURE_TENANT_ID"));
    assert_eq!(
        tenants[0]["id"],
        format!("/tenants/{}", s.var("AZURE_TENANT_ID"))
    );
    assert_eq!(tenants[0]["defaultDomain"], "contoso.onmicrosoft.com");
}

#[tokio::test]
async fn metadata_endpoints_serve_the_cli_cloud_registration() {
    let s = TestServer::start().await;
    let body = s.anon_ok(common::METADATA).await;
    assert_eq!(
        body["authentication"]["audiences"][0],
        "https://management.core.windows.net/"
    );
    assert!(body["name"].is_string());
    assert!(body["authentication"]["loginEndpoint"].is_string());
    assert_eq!(body["resourceManager"], format!("{}/", s.origin));
    assert!(body["suffixes"].is_object());
}

#[tokio::test]
async fn role_definitions_filter_by_name_returns_reader_with_its_real_id() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let body = s
        .get_ok_as(&token, &format!(
                "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions?$filter=roleName%20eq%20%27Reader%27&{}",
                support::AUTHZ_API
            ))
.await;
    let v = body["value"].as_array().unwrap();
    assert_eq!(v.len(), 1, "{body}");
    assert_eq!(v[0]["name"], "acdd72a7-3385-48ef-bd42-f606fba81ae7");
    assert_eq!(
        v[0]["id"],
        format!(
            "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
        )
    );
    assert_eq!(v[0]["properties"]["roleName"], "Reader");
    assert_eq!(v[0]["properties"]["type"], "BuiltInRole");
    assert_eq!(
        v[0]["properties"]["permissions"][0]["actions"],
        json!(["*/read"])
    );
}

#[tokio::test]
async fn role_definition_get_by_id_and_unknown_id() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let path = |id: &str| {
        format!(
            "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{id}?{}",
            support::AUTHZ_API
        )
    };
    let owner = keyless_model::rbac::OWNER.to_string();
    let body = s.get_ok_as(&token, &path(&owner)).await;
    assert_eq!(body["properties"]["roleName"], "Owner");
    let unknown = "11111111-2222-3333-4444-555555555555";
    s.get_as(&token, &path(unknown)).await.expect_error(
        404,
        "RoleDefinitionDoesNotExist",
        &format!("The specified role definition with ID '{unknown}' does not exist."),
    );
}

#[tokio::test]
async fn unsupported_method_and_path_are_4xx() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    s.send(
        Method::POST,
        &format!("/subscriptions/{sub}?{API}"),
        Some(&token),
        None,
    )
    .await
    .expect_error_code(400, "BadRequest");
    s.get_as(&token, &format!("/subscriptions/{sub}/bogus?{API}"))
        .await
        .expect_error_code(404, "NotFound");
}
