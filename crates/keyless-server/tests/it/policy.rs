//! Tenant policy, clouds and identity rules at the token endpoint: each code at its trigger.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use keyless_server::keyring::Issuer;
use reqwest::StatusCode;
use serde_json::json;

async fn settings(s: &TestServer, patch: serde_json::Value) {
    s.admin_patch(
        &format!("/keyless/v1/tenants/{}/settings", s.var("AZURE_TENANT_ID")),
        patch,
    )
    .await
    .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn federation_disabled_by_policy_is_700223() {
    let s = TestServer::start().await;
    settings(&s, json!({"federation": {"enabled": false}})).await;
    let id = s.id_token().await;
    let (st, b) = s.exchange(&id).await;
    TestServer::assert_entra(st, &b, 700223, "invalid_client");
}

#[tokio::test]
async fn issuer_not_allowed_for_apps_is_700238_and_allowed_one_passes() {
    let s = TestServer::start().await;
    settings(&s, json!({"federation": {"enabled": true, "allowedIssuersForApps": ["https://token.actions.githubusercontent.com"]}})).await;
    let id = s.id_token().await;
    let (st, b) = s.exchange(&id).await;
    TestServer::assert_entra(st, &b, 700238, "invalid_client");
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .contains("app registration")
    );
    let issuer = format!("{}/{}/v2.0", s.origin, s.var("AZURE_TENANT_ID"));
    settings(
        &s,
        json!({"federation": {"enabled": true, "allowedIssuersForApps": [issuer]}}),
    )
    .await;
    s.exchange(&s.id_token().await)
        .await
        .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn managed_identity_list_does_not_restrict_apps() {
    let s = TestServer::start().await;
    settings(
        &s,
        json!({"federation": {"enabled": true, "allowedIssuersForManagedIdentities": []}}),
    )
    .await;
    s.exchange(&s.id_token().await)
        .await
        .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn cross_cloud_assertion_is_900382() {
    let s = TestServer::start().await;
    let gov = s
        .admin_post(
            "/keyless/v1/tenants",
            json!({"name": "gov", "cloud": "usgov"}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let gov_id: uuid::Uuid = gov["id"].as_str().unwrap().parse().unwrap();
    let mut c = s.id_token_claims().await;
    c["iss"] = json!(format!("{}/{gov_id}/v2.0", s.origin));
    let t = s.sign(Issuer::Tenant(gov_id), c).await;
    let (st, b) = s.exchange(&t).await;
    TestServer::assert_entra(st, &b, 900382, "invalid_request");
}

/// An organization has a cloud of its own: its Azure DevOps-generation issuer is refused by a
/// tenant of another cloud, and the organization's cloud is part of what the API shows.
#[tokio::test]
async fn organization_of_another_cloud_is_900382() {
    let s = TestServer::start().await;
    let org = s
        .admin_post(
            "/keyless/v1/organizations",
            json!({"name": "govorg", "cloud": "usgov"}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(org["cloud"], "usgov");
    let org_id: uuid::Uuid = org["id"].as_str().unwrap().parse().unwrap();
    let mut c = s.id_token_claims().await;
    c["iss"] = json!(format!("{}/{org_id}", s.origin));
    let t = s.sign(Issuer::Organization(org_id), c).await;
    let (st, b) = s.exchange(&t).await;
    TestServer::assert_entra(st, &b, 900382, "invalid_request");
}

#[tokio::test]
async fn organization_cloud_must_be_known() {
    let s = TestServer::start().await;
    let b = s
        .admin_post(
            "/keyless/v1/organizations",
            json!({"name": "moon", "cloud": "lunar"}),
        )
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert!(b.to_string().contains("public, usgov or china"), "{b}");
    let (_, list) = s.admin_get("/keyless/v1/organizations").await;
    assert!(!list.to_string().contains("moon"), "{list}");
}

#[tokio::test]
async fn multitenant_app_with_entra_issued_token_is_70052() {
    let s = TestServer::start().await;
    let app = support::demo_app(&s).await;
    s.admin_patch(
        &format!("/v1.0/applications/{}", app.id),
        json!({"signInAudience": "AzureADMultipleOrgs"}),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
    let (st, b) = s.exchange(&s.id_token().await).await;
    TestServer::assert_entra(st, &b, 70052, "invalid_client");
}

#[tokio::test]
async fn identity_without_credentials_is_70025() {
    let s = TestServer::start().await;
    let app = support::demo_app(&s).await;
    for f in s.state.shared_store().list_fics(app.id).await.unwrap() {
        s.admin_delete(&format!(
            "/v1.0/applications/{}/federatedIdentityCredentials/{}",
            app.id, f.id
        ))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    }
    let (st, b) = s.exchange(&s.id_token().await).await;
    TestServer::assert_entra(st, &b, 70025, "invalid_client");
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .contains("demo-deploy")
    );
}

#[tokio::test]
async fn deleting_the_credential_takes_effect_at_once() {
    let s = TestServer::start().await;
    let id = s.id_token().await;
    s.exchange(&id).await.expect_status(StatusCode::OK);
    let app = support::demo_app(&s).await;
    let f = s
        .state
        .shared_store()
        .find_fic_by_name(app.id, "demo-connection")
        .await
        .unwrap();
    s.admin_delete(&format!(
        "/v1.0/applications/{}/federatedIdentityCredentials/{}",
        app.id, f.id
    ))
    .await;
    let (st, b) = s.exchange(&id).await;
    TestServer::assert_entra(st, &b, 70025, "invalid_client");
}
