//! Renaming an organization: `sc://` subjects start with its name, so the credentials keyless
//! created follow in the same transaction and manual connections are flagged; refusals change
//! nothing.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use sc_support::*;
use serde_json::{Value, json};

const ORG: &str = "/keyless/v1/organizations/contoso";

fn app_of(c: &Value) -> uuid::Uuid {
    c["data"]["appObjectId"].as_str().unwrap().parse().unwrap()
}

async fn legacy_automatic(s: &TestServer, name: &str) -> Value {
    let mut body = automatic_body(s, name, "WorkloadIdentityFederation");
    body["authorization"]["parameters"]["workloadIdentityFederationIssuerType"] =
        json!("AzureDevOps");
    create_as(s, &s.var("KEYLESS_TOKEN"), body)
        .await
        .expect_status(StatusCode::OK)
}

async fn legacy_manual(s: &TestServer, name: &str) -> Value {
    let body = manual_body(s, name, &s.var("AZURE_CLIENT_ID"), Some("AzureDevOps"));
    create_as(s, &s.var("KEYLESS_TOKEN"), body)
        .await
        .expect_status(StatusCode::OK)
}

async fn rename(s: &TestServer, body: Value) -> (StatusCode, Value) {
    s.admin_patch(ORG, body).await
}

async fn get_in(s: &TestServer, org: &str, id: &str) -> Value {
    s.admin_ok(&format!("/{org}/_apis/serviceendpoint/endpoints/{id}"))
        .await
}

#[tokio::test]
async fn the_credential_keyless_created_follows_the_new_name() {
    let s = TestServer::start().await;
    let auto = legacy_automatic(&s, "owned").await;
    let id = auto["id"].as_str().unwrap();
    let r = rename(&s, json!({"name": "northwind"}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r["organization"]["name"], "northwind");
    assert_eq!(r["credentialsUpdated"], 1);
    assert_eq!(r["connectionsNeedingAttention"], json!([]));
    let fics = s.state.store.list_fics(app_of(&auto)).await.unwrap();
    assert_eq!(fics[0].subject.as_deref(), Some("sc://northwind/web/owned"));
    let c = get_in(&s, "northwind", id).await;
    assert_eq!(
        c["authorization"]["parameters"]["workloadIdentityFederationSubject"],
        "sc://northwind/web/owned"
    );
    assert_eq!(c["isOutdated"], false);
    // The whole chain still works under the new name.
    let (_, v) = s
        .post_as(
            &s.var("KEYLESS_TOKEN"),
            &format!("/northwind/_apis/serviceendpoint/endpointproxy?endpointId={id}"),
            json!({}),
        )
        .await;
    assert_eq!(v["statusCode"], "ok", "{v}");
    // The old name is gone.
    s.admin_get("/contoso/_apis/serviceendpoint/endpoints")
        .await
        .expect_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn manual_connections_get_the_subject_changed_warning() {
    let s = TestServer::start().await;
    let manual = legacy_manual(&s, "theirs").await;
    let id = manual["id"].as_str().unwrap();
    let r = rename(&s, json!({"name": "northwind"}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r["credentialsUpdated"], 0);
    assert_eq!(r["connectionsNeedingAttention"], json!([id]));
    let c = get_in(&s, "northwind", id).await;
    assert_eq!(c["isOutdated"], true);
    let msg = c["operationStatus"]["statusMessage"].as_str().unwrap();
    assert!(
        msg.contains("from 'sc://contoso/web/theirs' to 'sc://northwind/web/theirs'"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_name_in_use_is_a_conflict_and_changes_nothing() {
    let s = TestServer::start().await;
    let auto = legacy_automatic(&s, "owned").await;
    let manual = legacy_manual(&s, "theirs").await;
    s.admin_created("/keyless/v1/organizations", json!({"name": "fabrikam"}))
        .await;
    let e = rename(&s, json!({"name": "Fabrikam"}))
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(
        e.to_string()
            .contains("An organization named 'Fabrikam' already exists."),
        "{e}"
    );
    let fics = s.state.store.list_fics(app_of(&auto)).await.unwrap();
    assert_eq!(fics[0].subject.as_deref(), Some("sc://contoso/web/owned"));
    let m = get_in(&s, "contoso", manual["id"].as_str().unwrap()).await;
    assert_eq!(m["isOutdated"], false);
}

#[tokio::test]
async fn a_bad_name_is_refused() {
    let s = TestServer::start().await;
    rename(&s, json!({"name": "no spaces"}))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_malformed_body_is_refused() {
    let s = TestServer::start().await;
    rename(&s, json!({"name": "northwind", "tenant": "x"}))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    rename(&s, json!({"name": 5}))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn only_administrators_rename() {
    let s = TestServer::start().await;
    let eve = member(&s, "eve").await;
    s.patch_as(&eve.token, ORG, json!({"name": "eve"}))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    s.admin_ok("/contoso/_apis/serviceendpoint/endpoints").await;
}

#[tokio::test]
async fn an_unknown_organization_is_not_found() {
    let s = TestServer::start().await;
    s.admin_patch("/keyless/v1/organizations/ghost", json!({"name": "spirit"}))
        .await
        .expect_status(StatusCode::NOT_FOUND);
}
