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
    let b = create(
        &s,
        sc_support::manual_body(&s, "prod", &s.var("AZURE_CLIENT_ID"), None),
    )
    .await
    .expect_status(StatusCode::OK);
    let p = &b["authorization"]["parameters"];
    let org = s
        .state
        .shared_store()
        .find_organization("contoso")
        .await
        .unwrap();
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
    let org = s
        .state
        .shared_store()
        .find_organization("contoso")
        .await
        .unwrap();
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
    let (_, b) = create(
        &s,
        sc_support::manual_body(&s, "second", &s.var("AZURE_CLIENT_ID"), None),
    )
    .await;
    let id = b["id"].as_str().unwrap().to_string();
    let list = s
        .admin_get("/contoso/web/_apis/serviceendpoint/endpoints?type=azurerm&api-version=7.1")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(list["count"], 2);
    let (_, list) = s
        .admin_get("/contoso/web/_apis/serviceendpoint/endpoints?endpointNames=second")
        .await;
    assert_eq!(list["count"], 1);
    let one = s
        .admin_get(&format!(
            "/contoso/web/_apis/serviceendpoint/endpoints/{id}"
        ))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(one["name"], "second");
    s.admin_delete(&format!(
        "/contoso/_apis/serviceendpoint/endpoints/{id}?projectIds=x"
    ))
    .await
    .expect_status(StatusCode::NO_CONTENT);
    let e = s
        .admin_get(&format!("/contoso/_apis/serviceendpoint/endpoints/{id}"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(e["$id"], "1");
    assert!(e["message"].as_str().unwrap().contains(&id));
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
        let e = create(&s, body)
            .await
            .expect_status(StatusCode::BAD_REQUEST);
        assert!(e["message"].as_str().unwrap().contains(word), "{word}: {e}");
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
        s.state
            .shared_store()
            .list_connections(project.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn management_calls_need_a_token_and_a_known_project() {
    let s = TestServer::start().await;
    s.anon_get("/contoso/web/_apis/serviceendpoint/endpoints")
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    s.admin_get("/contoso/nope/_apis/serviceendpoint/endpoints")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    s.admin_get("/no-such-org/web/_apis/serviceendpoint/endpoints")
        .await
        .expect_status(StatusCode::NOT_FOUND);
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
    s.admin_post("/v1.0/servicePrincipals", json!({"appId": app["appId"]}))
        .await
        .expect_status(StatusCode::CREATED);
    let (_, conn) = create(
        &s,
        sc_support::manual_body(
            &s,
            "legacy",
            app["appId"].as_str().unwrap(),
            Some("AzureDevOps"),
        ),
    )
    .await;
    let p = &conn["authorization"]["parameters"];
    s
        .admin_post(&format!("/v1.0/applications/{}/federatedIdentityCredentials", app["id"].as_str().unwrap()), json!({"name": "legacy", "issuer": p["workloadIdentityFederationIssuer"], "subject": p["workloadIdentityFederationSubject"], "audiences": ["api://AzureADTokenExchange"]}))
        .await.expect_status(StatusCode::CREATED);
    let pl = s
        .admin_post(
            "/keyless/v1/organizations/contoso/projects/web/pipelines",
            json!({"name": "legacy-deploy", "connections": ["legacy"]}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let job = s
        .admin_post(
            &format!(
                "/keyless/v1/organizations/contoso/projects/web/pipelines/{}/jobs",
                pl["id"]
            ),
            json!({"minutes": 10}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let url = format!(
        "{}?api-version=7.1&serviceConnectionId={}",
        job["env"]["SYSTEM_OIDCREQUESTURI"].as_str().unwrap(),
        conn["id"].as_str().unwrap()
    );
    let resp = s
        .http
        .post(url)
        .bearer_auth(job["env"]["SYSTEM_ACCESSTOKEN"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let id = resp.json::<Value>().await.unwrap()["oidcToken"]
        .as_str()
        .unwrap()
        .to_string();
    let c = support::jwt_claims(&id);
    assert_eq!(c["sub"], "sc://contoso/web/legacy");
    assert_eq!(c["aud"], "api://AzureADTokenExchange");
    assert_eq!(c["nbf"].as_i64().unwrap(), c["iat"].as_i64().unwrap() - 600);
    assert_eq!(c["exp"].as_i64().unwrap(), c["iat"].as_i64().unwrap() + 300);
    s.token(
        &s.var("AZURE_TENANT_ID"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app["appId"].as_str().unwrap()),
            ("scope", common::ARM_SCOPE),
            ("client_assertion_type", common::JWT_BEARER),
            ("client_assertion", &id),
        ],
    )
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
    s.oidc("kls_job_forged", &conn)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    // A personal access token is not a job token.
    s.oidc(&s.var("KEYLESS_TOKEN"), &conn)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn oidc_refuses_expired_jobs() {
    let s = TestServer::start().await;
    s.state.clock.advance(25 * 3600);
    let b = s
        .oidc(
            &s.var("SYSTEM_ACCESSTOKEN"),
            &s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
        )
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    assert!(b["message"].as_str().unwrap().contains("expired"), "{b}");
}

#[tokio::test]
async fn oidc_refuses_unknown_and_unreferenced_connections() {
    let s = TestServer::start().await;
    let job = s.var("SYSTEM_ACCESSTOKEN");
    s.oidc(&job, "6f1b1b1b-0000-4000-8000-000000000001")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let (_, conn) = create(
        &s,
        sc_support::manual_body(&s, "unreferenced", &s.var("AZURE_CLIENT_ID"), None),
    )
    .await;
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
    let (_, pl) = s
        .admin_post(
            "/keyless/v1/organizations/contoso/projects/other/pipelines",
            json!({"name": "p"}),
        )
        .await;
    let (_, job) = s
        .admin(
            Method::POST,
            &format!(
                "/keyless/v1/organizations/contoso/projects/other/pipelines/{}/jobs",
                pl["id"]
            ),
            None,
        )
        .await;
    let other_token = job["env"]["SYSTEM_ACCESSTOKEN"].as_str().unwrap();
    let conn = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    // Its token on this job's URL.
    s.oidc(other_token, &conn)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    // Its own URL, this project's connection.
    let url = format!(
        "{}?api-version=7.1&serviceConnectionId={conn}",
        job["env"]["SYSTEM_OIDCREQUESTURI"].as_str().unwrap()
    );
    let resp = s
        .http
        .post(url)
        .bearer_auth(other_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let b: Value = resp.json().await.unwrap();
    assert!(
        b["message"].as_str().unwrap().contains("another project"),
        "{b}"
    );
}
