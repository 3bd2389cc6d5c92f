//! `GET …/connections/{connection}/doctor` and `GET /keyless/v1/organizations/{org}/doctor`:
//! role assignments, pipeline permissions, organization membership, the audit log's
//! denials, and who may run it.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::doctor_support;
use crate::sc_support;
use crate::support;

use common::{Expect, TestServer};
use doctor_support::*;
use reqwest::StatusCode;
use sc_support::*;
use serde_json::json;

#[tokio::test]
async fn no_role_at_the_scope_warns_with_authorization_failed() {
    let s = TestServer::start().await;
    let c = demo_conn(&s).await;
    let sp = s
        .store()
        .find_service_principal(c.tenant_id, c.client_id)
        .await
        .unwrap();
    support::unassign_all(&s, sp.id).await;
    let v = doctor(&s).await;
    expect(&v, "roles", "WARN", "AuthorizationFailed");
    assert_eq!(v["status"], "WARN", "{v:#}");
}

#[tokio::test]
async fn a_referencing_pipeline_not_authorized_warns() {
    let s = TestServer::start().await;
    let id = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let path = format!(
        "/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{id}?api-version=7.1-preview.1"
    );
    let b = s.admin_ok(&path).await;
    authorize_pipeline(&s, &path, &b["pipelines"][0]["id"], false)
        .await
        .expect_status(StatusCode::OK);
    let v = doctor(&s).await;
    expect(&v, "pipelines", "WARN", "PipelineNotAuthorized");
}

#[tokio::test]
async fn azure_devops_use_without_organization_membership_warns() {
    let s = TestServer::start().await;
    // The identity asks for an Azure DevOps token: doctor checks its organization access.
    let assertion = s.id_token().await;
    let devops = "499b84ac-1321-427f-aa17-267ca6975798/.default";
    s.exchange_for(&s.var("AZURE_CLIENT_ID"), devops, &assertion)
        .await
        .expect_status(StatusCode::OK);
    expect(&doctor(&s).await, "organization", "WARN", "TF401444");
    let c = demo_conn(&s).await;
    let (st, b) = s
        .admin_put(
            &format!(
                "/keyless/v1/organizations/contoso/identities/{}",
                c.client_id
            ),
            json!({"accessLevel": "Basic"}),
        )
        .await;
    assert!(st.is_success(), "{b}");
    expect(&doctor(&s).await, "organization", "WARN", "VS800075");
}

#[tokio::test]
async fn denials_after_the_last_grant_warn_with_the_nearest_credential() {
    let s = TestServer::start().await;
    let good = demo_fic(&s).await;
    let mut bad = good.clone();
    bad.subject = good.subject.as_ref().map(|x| x.to_uppercase());
    s.store().update_fic(&bad).await.unwrap();
    let assertion = s.id_token().await;
    s.exchange(&assertion)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    s.store().update_fic(&good).await.unwrap();
    let v = doctor(&s).await;
    expect(&v, "credential", "OK", "-");
    expect(&v, "audit", "WARN", "7002138");
    let audit = finding(&v, "audit");
    assert!(audit["detail"]["nearestCredential"].is_object(), "{v:#}");
    // A later success resolves it.
    s.exchange(&s.id_token().await)
        .await
        .expect_status(StatusCode::OK);
    expect(&doctor(&s).await, "audit", "OK", "7002138");
}

#[tokio::test]
async fn only_administrators_of_the_connection_may_run_it() {
    let s = TestServer::start().await;
    doctor_as(&s, None, "demo-connection")
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    let alice = member(&s, "alice").await;
    doctor_as(&s, Some(&alice.token), "demo-connection")
        .await
        .expect_status(StatusCode::FORBIDDEN);
    doctor_as(&s, Some(&s.var("KEYLESS_TOKEN")), "no-such-connection")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    doctor_as(&s, Some(&s.var("KEYLESS_TOKEN")), "not-a-guid-%00")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    // The connection's Administrator may.
    let c = demo_conn(&s).await;
    let (st, b) = s
        .admin_put(&format!("/contoso/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/{}_{}", c.project_id, c.id), json!([{"roleName": "Administrator", "userId": alice.upn}]))
        .await;
    assert!(st.is_success(), "{b}");
    doctor_as(&s, Some(&alice.token), &c.id.to_string())
        .await
        .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn the_organization_summary_lists_administered_connections() {
    let s = TestServer::start().await;
    set_policy(&s, |p| p.enabled = false).await;
    let v = s.admin_ok("/keyless/v1/organizations/contoso/doctor").await;
    assert_eq!(v["status"], "FAIL", "{v:#}");
    assert_eq!(v["value"][0]["connection"]["name"], "demo-connection");
    assert_eq!(v["value"][0]["problems"][0]["code"], "700223", "{v:#}");
    // A member who administers nothing sees an empty summary.
    let alice = member(&s, "alice").await;
    let v = s
        .get_ok_as(&alice.token, "/keyless/v1/organizations/contoso/doctor")
        .await;
    assert_eq!(v["count"], 0, "{v:#}");
}
