//! keyless' own admin API, DevOps and ARM side: organizations, projects, subscriptions,
//! pipelines and jobs, and that a started job's environment works against the pipeline
//! OIDC endpoint and the token endpoint.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support;

use common::{ARM_SCOPE, Expect, JWT_BEARER, TestServer};
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
    let org = s
        .admin_post(
            "/keyless/v1/organizations",
            json!({"name": "tailspin", "tenant": "contoso"}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert!(is_guid(&org["id"]), "{org}");
    assert_eq!(org["tenantId"], s.var("AZURE_TENANT_ID"));
    let (_, orgs) = s.admin_get("/keyless/v1/organizations").await;
    assert_eq!(field_names(&orgs, "name"), ["contoso", "tailspin"]);

    s.admin_post("/keyless/v1/organizations", json!({"name": "Tailspin"}))
        .await
        .expect_status(StatusCode::CONFLICT);
    s.admin_post("/keyless/v1/organizations", json!({"name": "bad name"}))
        .await
        .expect_status(StatusCode::BAD_REQUEST);

    let projects = "/keyless/v1/organizations/tailspin/projects";
    let p = s
        .admin_post(projects, json!({"name": "api", "description": "the API"}))
        .await
        .expect_status(StatusCode::CREATED);
    assert!(is_guid(&p["id"]), "{p}");
    assert_eq!(p["organizationId"], org["id"]);
    let list = s.admin_get(projects).await.expect_status(StatusCode::OK);
    assert_eq!(field_names(&list, "name"), ["api"]);
    for name in ["", "a/b", "x y"] {
        let (status, body) = s.admin_post(projects, json!({"name": name})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
    }
    s.admin_post(projects, json!({"name": "API"}))
        .await
        .expect_status(StatusCode::CONFLICT);
    s.admin_get("/keyless/v1/organizations/nowhere/projects")
        .await
        .expect_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn subscriptions_are_created_and_listed() {
    let s = TestServer::start().await;
    let sub = s
        .admin_post(
            "/keyless/v1/subscriptions",
            json!({"name": "prod", "tenant": "contoso"}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert!(is_guid(&sub["id"]), "{sub}");
    assert_eq!(sub["state"], "Enabled");
    let (_, list) = s.admin_get("/keyless/v1/subscriptions").await;
    assert_eq!(list["value"].as_array().unwrap().len(), 2, "{list}");

    s.admin_post(
        "/keyless/v1/subscriptions",
        json!({"name": "again", "tenant": "contoso", "id": sub["id"]}),
    )
    .await
    .expect_status(StatusCode::CONFLICT);
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
    let p = s
        .admin_post(
            PIPELINES,
            json!({"name": "release", "connections": ["demo-connection"]}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(
        p["connections"],
        json!([s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")])
    );
    let list = s.admin_get(PIPELINES).await.expect_status(StatusCode::OK);
    assert_eq!(field_names(&list, "name"), ["deploy", "release"]);

    let body = s
        .admin_post(
            PIPELINES,
            json!({"name": "x", "connections": ["no-such-connection"]}),
        )
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert!(
        message(&body).contains("'no-such-connection' does not exist"),
        "{body}"
    );
    s.admin_post(PIPELINES, json!({"name": ""}))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    s.admin_post(PIPELINES, json!({"name": "RELEASE"}))
        .await
        .expect_status(StatusCode::CONFLICT);
}

#[tokio::test]
async fn started_job_env_works_against_the_oidc_and_token_endpoints() {
    let s = TestServer::start().await;
    let job = start_job(&s, "deploy", Some(json!({"minutes": 30})))
        .await
        .expect_status(StatusCode::CREATED);
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
    let body = sc_support::oidc(&s, env, &conn)
        .await
        .expect_status(StatusCode::OK);
    let id_token = body["oidcToken"].as_str().unwrap();
    let body = s
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
        .await
        .expect_status(StatusCode::OK);
    assert!(body["access_token"].is_string());

    // The job token ends with the job.
    s.state.clock.advance(31 * 60);
    sc_support::oidc(&s, env, &conn)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn job_of_a_pipeline_without_the_connection_gets_no_token_for_it() {
    let s = TestServer::start().await;
    s.admin_post(PIPELINES, json!({"name": "bare"}))
        .await
        .expect_status(StatusCode::CREATED);
    let job = start_job(&s, "bare", None)
        .await
        .expect_status(StatusCode::CREATED);
    let body = sc_support::oidc(
        &s,
        &job["env"],
        &s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
    )
    .await
    .expect_status(StatusCode::NOT_FOUND);
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
    start_job(&s, "deploy", Some(json!({"minutes": "ten"})))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    start_job(&s, "no-such-pipeline", None)
        .await
        .expect_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn members_of_another_tenant_cannot_use_the_organization() {
    let s = TestServer::start().await;
    s.admin_post("/keyless/v1/tenants", json!({"name": "fabrikam"}))
        .await
        .expect_status(StatusCode::CREATED);
    let u = s
        .admin_post(
            "/keyless/v1/tenants/fabrikam/users",
            json!({"name": "frank"}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let pat = s
        .admin_post(
            "/keyless/v1/pats",
            json!({"name": "frank", "user": u["userPrincipalName"]}),
        )
        .await
        .expect_status(StatusCode::CREATED);
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
    let body = as_member(&s, &m, Method::POST, &jobs, None)
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert!(
        body["message"].as_str().unwrap().starts_with("VS800075: "),
        "{body}"
    );
    s.admin_post(
        "/keyless/v1/organizations/contoso/projects/web/members",
        json!({"user": m.upn, "group": "Contributors"}),
    )
    .await
    .expect_status(StatusCode::CREATED);
    as_member(&s, &m, Method::POST, &jobs, None)
        .await
        .expect_status(StatusCode::CREATED);
}

#[tokio::test]
async fn a_pipeline_whose_authorization_fails_is_not_saved() {
    let s = TestServer::start().await;
    let store = &s.state.shared_store();
    let org = store.find_organization("contoso").await.unwrap();
    let web = store.find_project(org.id, "web").await.unwrap();
    // A connection id that names nothing: the authorization fails after the pipeline's
    // insert, and the unit of work takes the insert back.
    let ghost = uuid::Uuid::new_v4();
    let err = keyless_server::admin::ops::create_pipeline(
        &s.state,
        &web,
        "half-saved",
        vec![ghost],
        &[ghost],
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "NotFound");
    assert!(store.find_pipeline(web.id, "half-saved").await.is_err());
    let (status, list) = s.admin(Method::GET, PIPELINES, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!list.to_string().contains("half-saved"), "{list}");
}
