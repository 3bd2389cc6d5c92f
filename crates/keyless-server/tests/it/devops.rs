//! Service endpoints REST shapes and the job's OIDC token endpoint.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn create(s: &TestServer, body: Value) -> (StatusCode, Value) {
    s.admin_post(
        "/contoso/_apis/serviceendpoint/endpoints?api-version=7.1",
        body,
    )
    .await
}

#[tokio::test]
async fn manual_connection_reports_entra_issuer_and_subject() {
    let s = TestServer::start().await;
    let b = create(&s, sc_support::demo_manual_body(&s, "prod"))
        .await
        .expect_status(StatusCode::OK);
    let p = &b["authorization"]["parameters"];
    let org = s.store().find_organization("contoso").await.unwrap();
    assert_eq!(
        p["workloadIdentityFederationIssuer"],
        format!("{}/{}/v2.0", s.origin, s.var("AZURE_TENANT_ID"))
    );
    assert_eq!(p["workloadIdentityFederationIssuerType"], "EntraID");
    let sub = p["workloadIdentityFederationSubject"].as_str().unwrap();
    assert!(sub.starts_with("/eid1/c/pub/t/"), "{sub}");
    assert!(
        sub.ends_with(&format!(
            "/a/rISbSSETf0KqFyZ8ppdXmA/sc/{}/{}",
            org.id,
            b["id"].as_str().unwrap()
        )),
        "{sub}"
    );
    assert_eq!(b["operationStatus"]["state"], "Ready");
    assert_eq!(b["isReady"], true);
    assert_eq!(b["owner"], "library");
}

#[tokio::test]
async fn devops_generation_uses_organization_issuer_and_sc_subject() {
    let s = TestServer::start().await;
    let b = create(
        &s,
        sc_support::manual_body(&s, "legacy", &s.var("AZURE_CLIENT_ID"), Some("AzureDevOps")),
    )
    .await
    .expect_status(StatusCode::OK);
    let org = s.store().find_organization("contoso").await.unwrap();
    let p = &b["authorization"]["parameters"];
    assert_eq!(
        p["workloadIdentityFederationIssuer"],
        format!("{}/{}", s.origin, org.id)
    );
    assert_eq!(
        p["workloadIdentityFederationSubject"],
        "sc://contoso/web/legacy"
    );
}

#[tokio::test]
async fn list_get_delete() {
    let s = TestServer::start().await;
    let (_, b) = create(&s, sc_support::demo_manual_body(&s, "second")).await;
    let id = b["id"].as_str().unwrap().to_string();
    let web = "/contoso/web/_apis/serviceendpoint/endpoints";
    let list = s
        .admin_ok(&format!("{web}?type=azurerm&api-version=7.1"))
        .await;
    assert_eq!(list["count"], 2);
    let (_, list) = s.admin_get(&format!("{web}?endpointNames=second")).await;
    assert_eq!(list["count"], 1);
    let one = s.admin_ok(&format!("{web}/{id}")).await;
    assert_eq!(one["name"], "second");
    let org = "/contoso/_apis/serviceendpoint/endpoints";
    s.admin_delete(&format!("{org}/{id}?projectIds=x"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let e = s
        .admin_get(&format!("{org}/{id}"))
        .await
        .expect_message(StatusCode::NOT_FOUND, &id);
    assert_eq!(e["$id"], "1");
}

#[tokio::test]
async fn invalid_create_bodies_are_400_and_create_nothing() {
    let s = TestServer::start().await;
    let client = s.var("AZURE_CLIENT_ID");
    let mut cases = vec![];
    let mut b = sc_support::manual_body(&s, "x1", &client, None);
    b["authorization"]["parameters"]["tenantid"] = json!("not-a-guid");
    cases.push((b, "tenantid"));
    let mut b = sc_support::manual_body(&s, "x2", &client, None);
    b["authorization"]["parameters"]
        .as_object_mut()
        .unwrap()
        .remove("serviceprincipalid");
    cases.push((b, "serviceprincipalid"));
    let mut b = sc_support::manual_body(&s, "x3", &client, None);
    b["authorization"]["scheme"] = json!("UsernamePassword");
    cases.push((b, "UsernamePassword"));
    let mut b = sc_support::manual_body(&s, "x4", &client, None);
    b["type"] = json!("github");
    cases.push((b, "github"));
    let mut b = sc_support::manual_body(&s, "x5", &client, None);
    b["data"]["creationMode"] = json!("Automatic");
    b["data"]["scopeLevel"] = json!("Galaxy");
    cases.push((b, "scopeLevel"));
    let b = sc_support::manual_body(&s, "", &client, None);
    cases.push((b, "name"));
    let mut b = sc_support::manual_body(&s, "x6", &client, Some("Nope"));
    b["name"] = json!("x6");
    cases.push((b, "IssuerType"));
    for (body, word) in cases {
        create(&s, body)
            .await
            .expect_message(StatusCode::BAD_REQUEST, word);
    }
    let (st, _) = s
        .send(
            Method::POST,
            "/contoso/_apis/serviceendpoint/endpoints",
            Some(&s.var("KEYLESS_TOKEN")),
            None,
        )
        .await;
    assert!(st.is_client_error());
    let project = support::contoso_project(&s, "web").await;
    assert_eq!(
        s.store().list_connections(project.id).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn management_calls_need_a_token_and_a_known_project() {
    let s = TestServer::start().await;
    let admin = s.var("KEYLESS_TOKEN");
    for (bearer, path, want) in [
        (None, "/contoso/web", StatusCode::UNAUTHORIZED),
        (Some(&admin), "/contoso/nope", StatusCode::NOT_FOUND),
        (Some(&admin), "/no-such-org/web", StatusCode::NOT_FOUND),
    ] {
        let path = format!("{path}/_apis/serviceendpoint/endpoints");
        let (status, body) = s
            .send(Method::GET, &path, bearer.map(String::as_str), None)
            .await;
        assert_eq!(status, want, "{path}: {body}");
    }
}

#[tokio::test]
async fn entra_generation_id_token_claims() {
    let s = TestServer::start().await;
    let c = support::jwt_claims(&s.id_token().await);
    assert_eq!(c["aud"], "fb60f99c-7a34-4190-8149-302f77469936");
    assert_eq!(c["azp"], "499b84ac-1321-427f-aa17-267ca6975798");
    assert_eq!(
        c["iss"],
        format!("{}/{}/v2.0", s.origin, s.var("AZURE_TENANT_ID"))
    );
    assert_eq!(c["ver"], "2.0");
    assert_eq!(c["tid"], s.var("AZURE_TENANT_ID"));
}

/// The whole manual workload identity path with the Azure DevOps issuer: create an app, a
/// connection, copy its issuer and subject onto a federated credential, reference it from a
/// pipeline, run a job and exchange its ID token.
#[tokio::test]
async fn devops_generation_chain_end_to_end() {
    let s = TestServer::start().await;
    let (_, app) = s
        .admin_post("/v1.0/applications", json!({"displayName": "legacy-app"}))
        .await;
    let app_id = app["appId"].as_str().unwrap();
    s.admin_created("/v1.0/servicePrincipals", json!({"appId": app_id}))
        .await;
    let body = sc_support::manual_body(&s, "legacy", app_id, Some("AzureDevOps"));
    let (_, conn) = create(&s, body).await;
    let p = &conn["authorization"]["parameters"];
    let fics = format!(
        "/v1.0/applications/{}/federatedIdentityCredentials",
        app["id"].as_str().unwrap()
    );
    s.admin_created(&fics, json!({"name": "legacy", "issuer": p["workloadIdentityFederationIssuer"], "subject": p["workloadIdentityFederationSubject"], "audiences": ["api://AzureADTokenExchange"]}))
        .await;
    let minutes = Some(json!({"minutes": 10}));
    let env = sc_support::job_by_id(&s, "web", "legacy-deploy", &["legacy"], minutes).await;
    let id = sc_support::job_id_token(&s, &env, conn["id"].as_str().unwrap()).await;
    let c = support::jwt_claims(&id);
    assert_eq!(c["sub"], "sc://contoso/web/legacy");
    assert_eq!(c["aud"], "api://AzureADTokenExchange");
    assert_eq!(c["nbf"].as_i64().unwrap(), c["iat"].as_i64().unwrap() - 600);
    assert_eq!(c["exp"].as_i64().unwrap(), c["iat"].as_i64().unwrap() + 600);
    s.exchange_for(app_id, common::ARM_SCOPE, &id)
        .await
        .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn oidc_requires_a_valid_job_token() {
    let s = TestServer::start().await;
    let conn = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let url = format!(
        "{}?api-version=7.1&serviceConnectionId={conn}",
        s.var("SYSTEM_OIDCREQUESTURI")
    );
    let resp = s.http.post(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("SYSTEM_ACCESSTOKEN")
    );
    // A forged job token, and a personal access token, which is not a job token.
    for token in ["kls_job_forged".to_string(), s.var("KEYLESS_TOKEN")] {
        let (status, body) = s.oidc(&token, &conn).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token}: {body}");
    }
}

#[tokio::test]
async fn oidc_refuses_expired_jobs() {
    let s = TestServer::start().await;
    s.state.clock.advance(25 * 3600);
    let conn = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    s.oidc(&s.var("SYSTEM_ACCESSTOKEN"), &conn)
        .await
        .expect_message(StatusCode::UNAUTHORIZED, "expired");
}

#[tokio::test]
async fn oidc_refuses_unknown_and_unreferenced_connections() {
    let s = TestServer::start().await;
    let job = s.var("SYSTEM_ACCESSTOKEN");
    s.oidc(&job, "6f1b1b1b-0000-4000-8000-000000000001")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let (_, conn) = create(&s, sc_support::demo_manual_body(&s, "unreferenced")).await;
    let b = s
        .oidc(&job, conn["id"].as_str().unwrap())
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let m = b["message"].as_str().unwrap();
    assert!(m.contains("unreferenced") && m.contains("deploy"), "{m}");
}

#[tokio::test]
async fn non_guid_connection_id_yields_a_pipeline_token() {
    let s = TestServer::start().await;
    let b = s
        .oidc(&s.var("SYSTEM_ACCESSTOKEN"), "not-a-guid")
        .await
        .expect_status(StatusCode::OK);
    let c = support::jwt_claims(b["oidcToken"].as_str().unwrap());
    assert_eq!(c["sub"], "p://contoso/web/deploy");
    assert!(c["def_id"].is_string());
}

/// A job of another project can neither use this job's URL nor this project's connection.
#[tokio::test]
async fn job_token_of_another_project_is_refused() {
    let s = TestServer::start().await;
    support::add_contoso_project(&s, "other").await;
    let env = sc_support::job_by_id(&s, "other", "p", &[], None).await;
    let other_token = env["SYSTEM_ACCESSTOKEN"].as_str().unwrap();
    let conn = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    // Its token on this job's URL.
    s.oidc(other_token, &conn)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    // Its own URL, this project's connection.
    sc_support::oidc(&s, &env, &conn)
        .await
        .expect_message(StatusCode::NOT_FOUND, "another project");
}
