//! Tenant policy, clouds and identity rules at the token endpoint: each code at its trigger.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use keyless_server::keyring::Issuer;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn settings(s: &TestServer, patch: Value) {
    support::tenant_settings(s, &s.var("AZURE_TENANT_ID"), patch).await;
}

/// Exchanges a new ID token of the demo job; asserts the exchange answers 200.
async fn exchange_ok(s: &TestServer) {
    s.exchange(&s.id_token().await)
        .await
        .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn federation_disabled_by_policy_is_700223() {
    let s = TestServer::start().await;
    settings(&s, json!({"federation": {"enabled": false}})).await;
    let id = s.id_token().await;
    s.exchange(&id).await.expect_entra(700223, "invalid_client");
}

#[tokio::test]
async fn issuer_not_allowed_for_apps_is_700238_and_allowed_one_passes() {
    let s = TestServer::start().await;
    settings(&s, json!({"federation": {"enabled": true, "allowedIssuersForApps": ["https://token.actions.githubusercontent.com"]}})).await;
    let id = s.id_token().await;
    let b = s.exchange(&id).await.expect_entra(700238, "invalid_client");
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
    exchange_ok(&s).await;
}

#[tokio::test]
async fn managed_identity_list_does_not_restrict_apps() {
    let s = TestServer::start().await;
    settings(
        &s,
        json!({"federation": {"enabled": true, "allowedIssuersForManagedIdentities": []}}),
    )
    .await;
    exchange_ok(&s).await;
}

#[tokio::test]
async fn cross_cloud_assertion_is_900382() {
    let s = TestServer::start().await;
    let gov = json!({"name": "gov", "cloud": "usgov"});
    let gov = s.admin_created("/keyless/v1/tenants", gov).await;
    let gov_id: uuid::Uuid = gov["id"].as_str().unwrap().parse().unwrap();
    let iss = format!("{}/{gov_id}/v2.0", s.origin);
    signed_with_issuer(&s, Issuer::Tenant(gov_id), iss)
        .await
        .expect_entra(900382, "invalid_request");
}

/// The pipeline's ID token claims with the issuer `iss`, signed with `issuer`'s key and
/// exchanged for the demo app.
async fn signed_with_issuer(s: &TestServer, issuer: Issuer, iss: String) -> (StatusCode, Value) {
    let mut c = s.id_token_claims().await;
    c["iss"] = json!(iss);
    s.exchange_signed(issuer, c).await
}

/// An organization has a cloud of its own: its Azure DevOps-generation issuer is refused by a
/// tenant of another cloud, and the organization's cloud is part of what the API shows.
#[tokio::test]
async fn organization_of_another_cloud_is_900382() {
    let s = TestServer::start().await;
    let govorg = json!({"name": "govorg", "cloud": "usgov"});
    let org = s.admin_created("/keyless/v1/organizations", govorg).await;
    assert_eq!(org["cloud"], "usgov");
    let org_id: uuid::Uuid = org["id"].as_str().unwrap().parse().unwrap();
    let iss = format!("{}/{org_id}", s.origin);
    signed_with_issuer(&s, Issuer::Organization(org_id), iss)
        .await
        .expect_entra(900382, "invalid_request");
}

#[tokio::test]
async fn organization_cloud_must_be_known() {
    let s = TestServer::start().await;
    let moon = json!({"name": "moon", "cloud": "lunar"});
    let (status, b) = s.admin_post("/keyless/v1/organizations", moon).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{b}");
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
    s.exchange(&s.id_token().await)
        .await
        .expect_entra(70052, "invalid_client");
}

#[tokio::test]
async fn identity_without_credentials_is_70025() {
    let s = TestServer::start().await;
    let app = support::demo_app(&s).await;
    for f in s.store().list_fics(app.id).await.unwrap() {
        delete_fic(&s, &app, f.id).await;
    }
    let b = s
        .exchange(&s.id_token().await)
        .await
        .expect_entra(70025, "invalid_client");
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
    let store = &s.store();
    let f = store.find_fic_by_name(app.id, "demo-connection").await;
    delete_fic(&s, &app, f.unwrap().id).await;
    s.exchange(&id).await.expect_entra(70025, "invalid_client");
}

async fn delete_fic(s: &TestServer, app: &keyless_model::directory::Application, fic: uuid::Uuid) {
    let app = app.id;
    s.admin_delete(&format!(
        "/v1.0/applications/{app}/federatedIdentityCredentials/{fic}"
    ))
    .await
    .expect_status(StatusCode::NO_CONTENT);
}
