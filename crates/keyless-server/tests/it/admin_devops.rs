//! keyless' own admin API, DevOps and ARM side: organizations, projects, subscriptions,
//! pipelines and jobs, and that a started job's environment works against the pipeline
//! OIDC endpoint and the token endpoint.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support;

use common::{ARM_SCOPE, JWT_BEARER, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{as_member, field_names, is_guid, message};

const PIPELINES: &str = "/keyless/v1/organizations/contoso/projects/web/pipelines";

async fn start_job(s: &TestServer, pipeline: &str, body: Option<Value>) -> (StatusCode, Value) {
    s.admin(Method::POST, &format!("{PIPELINES}/{pipeline}/jobs"), body)
        .await
}

#[tokio::test]
async fn organizations_and_projects_are_created_and_listed() {
    let s = TestServer::start().await;
    let (status, org) = s
        .admin_post(
            "/keyless/v1/organizations",
            json!({"name": "tailspin", "tenant": "contoso"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
    assert!(is_guid(&org["id"]), "{org}");
    assert_eq!(org["tenantId"], s.var("AZURE_TENANT_ID"));
    let (_, orgs) = s.admin_get("/keyless/v1/organizations").await;
    assert_eq!(field_names(&orgs, "name"), ["contoso", "tailspin"]);

    let (status, body) = s
        .admin_post("/keyless/v1/organizations", json!({"name": "Tailspin"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = s
        .admin_post("/keyless/v1/organizations", json!({"name": "bad name"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let projects = "/keyless/v1/organizations/tailspin/projects";
    let (status, p) = s
        .admin_post(projects, json!({"name": "api", "description": "the API"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert!(is_guid(&p["id"]), "{p}");
    assert_eq!(p["organizationId"], org["id"]);
    let (status, list) = s.admin_get(projects).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(field_names(&list, "name"), ["api"]);
    for name in ["", "a/b", "x y"] {
        let (status, body) = s.admin_post(projects, json!({"name": name})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
    }
    let (status, body) = s.admin_post(projects, json!({"name": "API"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = s
        .admin_get("/keyless/v1/organizations/nowhere/projects")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn subscriptions_are_created_and_listed() {
    let s = TestServer::start().await;
    let (status, sub) = s
        .admin_post(
            "/keyless/v1/subscriptions",
            json!({"name": "prod", "tenant": "contoso"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sub}");
    assert!(is_guid(&sub["id"]), "{sub}");
    assert_eq!(sub["state"], "Enabled");
    let (_, list) = s.admin_get("/keyless/v1/subscriptions").await;
    assert_eq!(list["value"].as_array().unwrap().len(), 2, "{list}");

    let (status, body) = s
        .admin_post(
            "/keyless/v1/subscriptions",
            json!({"name": "again", "tenant": "contoso", "id": sub["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    for body in [
        json!({"name": "", "tenant": "contoso"}),
        json!({"name": "x".repeat(65), "tenant": "contoso"}),
        json!({"name": "x"}),
    ] {
        let (status, resp) = s
            .admin_post("/keyless/v1/subscriptions", body.clone())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {resp}");
    }

    // A new subscription grants no one anything: the demo app does not see it.
    let token = s.arm_token().await;
    let (_, subs) = s
        .get_as(&token, &format!("/subscriptions?{}", support::API))
        .await;
    assert_eq!(subs["count"]["value"], 1, "{subs}");
}

#[tokio::test]
async fn pipelines_are_created_and_listed() {
    let s = TestServer::start().await;
    let (status, p) = s
        .admin_post(
            PIPELINES,
            json!({"name": "release", "connections": ["demo-connection"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(
        p["connections"],
        json!([s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")])
    );
    let (status, list) = s.admin_get(PIPELINES).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(field_names(&list, "name"), ["deploy", "release"]);

    let (status, body) = s
        .admin_post(
            PIPELINES,
            json!({"name": "x", "connections": ["no-such-connection"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        message(&body).contains("'no-such-connection' does not exist"),
        "{body}"
    );
    let (status, body) = s.admin_post(PIPELINES, json!({"name": ""})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = s.admin_post(PIPELINES, json!({"name": "RELEASE"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[tokio::test]
async fn started_job_env_works_against_the_oidc_and_token_endpoints() {
    let s = TestServer::start().await;
    let (status, job) = start_job(&s, "deploy", Some(json!({"minutes": 30}))).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let env = &job["env"];
    let uri = env["SYSTEM_OIDCREQUESTURI"].as_str().unwrap();
    assert!(uri.starts_with(&format!("{}/contoso/", s.origin)), "{uri}");
    assert!(uri.ends_with("/oidctoken"), "{uri}");
    assert!(
        env["SYSTEM_ACCESSTOKEN"]
            .as_str()
            .unwrap()
            .starts_with("kls_job_")
    );
    assert_eq!(env["SYSTEM_JOBID"], job["job"]["id"]);
    assert!(job["job"].get("tokenHash").is_none(), "{job}");
    assert_eq!(
        job["job"]["expiresAt"].as_i64().unwrap() - job["job"]["createdAt"].as_i64().unwrap(),
        30 * 60
    );

    let conn = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let (status, body) = sc_support::oidc(&s, env, &conn).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id_token = body["oidcToken"].as_str().unwrap();
    let (status, body) = s
        .token(
            &s.var("AZURE_TENANT_ID"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &s.var("AZURE_CLIENT_ID")),
                ("scope", ARM_SCOPE),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", id_token),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string());

    // The job token ends with the job.
    s.state.clock.advance(31 * 60);
    let (status, body) = sc_support::oidc(&s, env, &conn).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn job_of_a_pipeline_without_the_connection_gets_no_token_for_it() {
    let s = TestServer::start().await;
    let (status, p) = s.admin_post(PIPELINES, json!({"name": "bare"})).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let (status, job) = start_job(&s, "bare", None).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
    let (status, body) = sc_support::oidc(
        &s,
        &job["env"],
        &s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        message(&body).contains("is not referenced by the pipeline 'bare'"),
        "{body}"
    );
}

#[tokio::test]
async fn job_minutes_out_of_range_are_400() {
    let s = TestServer::start().await;
    for minutes in [0, -5, 1441, i64::MAX] {
        let (status, body) = start_job(&s, "deploy", Some(json!({"minutes": minutes}))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{minutes}: {body}");
        assert_eq!(message(&body), "A job runs 1 to 1440 minutes.", "{body}");
    }
    for minutes in [1, 1440] {
        let (status, body) = start_job(&s, "deploy", Some(json!({"minutes": minutes}))).await;
        assert_eq!(status, StatusCode::CREATED, "{minutes}: {body}");
    }
    let (status, body) = start_job(&s, "deploy", Some(json!({"minutes": "ten"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = start_job(&s, "no-such-pipeline", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn members_of_another_tenant_cannot_use_the_organization() {
    let s = TestServer::start().await;
    let (status, _) = s
        .admin_post("/keyless/v1/tenants", json!({"name": "fabrikam"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, u) = s
        .admin_post(
            "/keyless/v1/tenants/fabrikam/users",
            json!({"name": "frank"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    let (status, pat) = s
        .admin_post(
            "/keyless/v1/pats",
            json!({"name": "frank", "user": u["userPrincipalName"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{pat}");
    let frank = pat["token"].as_str().unwrap();
    for (method, path) in [
        (Method::GET, PIPELINES.to_string()),
        (Method::POST, format!("{PIPELINES}/deploy/jobs")),
        (
            Method::POST,
            "/keyless/v1/organizations/contoso/projects".to_string(),
        ),
    ] {
        let body = (method == Method::POST).then(|| json!({"name": "x"}));
        let (status, resp) = s.send(method.clone(), &path, Some(frank), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {resp}");
    }
    // A member of the organization's own tenant in no group of the project does not see it
    // (Azure DevOps' VS800075); once a Contributor, she may start jobs.
    let m = support::new_member(&s, "grace").await;
    let jobs = format!("{PIPELINES}/deploy/jobs");
    let (status, body) = as_member(&s, &m, Method::POST, &jobs, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["message"].as_str().unwrap().starts_with("VS800075: "),
        "{body}"
    );
    let (status, body) = s
        .admin_post(
            "/keyless/v1/organizations/contoso/projects/web/members",
            json!({"user": m.upn, "group": "Contributors"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, job) = as_member(&s, &m, Method::POST, &jobs, None).await;
    assert_eq!(status, StatusCode::CREATED, "{job}");
}
