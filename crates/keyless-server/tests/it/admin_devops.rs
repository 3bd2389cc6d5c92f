//! keyless' own admin API, DevOps and ARM side: organizations, projects, subscriptions,
//! pipelines and jobs, and that a started job's environment works against the pipeline
//! OIDC endpoint and the token endpoint.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{admin_created_guid, as_member, field_names, message};

const PIPELINES: &str = "/keyless/v1/organizations/contoso/projects/web/pipelines";

async fn start_job(s: &TestServer, pipeline: &str, body: Option<Value>) -> (StatusCode, Value) {
    s.admin(Method::POST, &format!("{PIPELINES}/{pipeline}/jobs"), body)
        .await
}

#[tokio::test]
async fn organizations_and_projects_are_created_and_listed() {
    let s = TestServer::start().await;
    let orgs = "/keyless/v1/organizations";
    let org = admin_created_guid(&s, orgs, json!({"name": "tailspin", "tenant": "contoso"})).await;
    assert_eq!(org["tenantId"], s.var("AZURE_TENANT_ID"));
    let (_, list) = s.admin_get(orgs).await;
    assert_eq!(field_names(&list, "name"), ["contoso", "tailspin"]);

    let projects = "/keyless/v1/organizations/tailspin/projects";
    let p = admin_created_guid(
        &s,
        projects,
        json!({"name": "api", "description": "the API"}),
    )
    .await;
    assert_eq!(p["organizationId"], org["id"]);
    let list = s.admin_ok(projects).await;
    assert_eq!(field_names(&list, "name"), ["api"]);
    for (path, name, want) in [
        (orgs, "Tailspin", StatusCode::CONFLICT),
        (orgs, "bad name", StatusCode::BAD_REQUEST),
        (projects, "", StatusCode::BAD_REQUEST),
        (projects, "a/b", StatusCode::BAD_REQUEST),
        (projects, "x y", StatusCode::BAD_REQUEST),
        (projects, "API", StatusCode::CONFLICT),
    ] {
        let (status, body) = s.admin_post(path, json!({"name": name})).await;
        assert_eq!(status, want, "{path} {name}: {body}");
    }
    s.admin_get_expect(
        "/keyless/v1/organizations/nowhere/projects",
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn subscriptions_are_created_and_listed() {
    let s = TestServer::start().await;
    let subs = "/keyless/v1/subscriptions";
    let sub = admin_created_guid(&s, subs, json!({"name": "prod", "tenant": "contoso"})).await;
    assert_eq!(sub["state"], "Enabled");
    let (_, list) = s.admin_get(subs).await;
    assert_eq!(list["value"].as_array().unwrap().len(), 2, "{list}");

    for (body, want) in [
        (
            json!({"name": "again", "tenant": "contoso", "id": sub["id"]}),
            StatusCode::CONFLICT,
        ),
        (
            json!({"name": "", "tenant": "contoso"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"name": "x".repeat(65), "tenant": "contoso"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"name": "x"}), StatusCode::BAD_REQUEST),
    ] {
        let (status, resp) = s.admin_post(subs, body.clone()).await;
        assert_eq!(status, want, "{body}: {resp}");
    }

    // A new subscription grants no one anything: the demo app does not see it.
    let token = s.arm_token().await;
    let (_, subs) = s
        .get_as(&token, &format!("/subscriptions?{}", support::API))
        .await;
    assert_eq!(subs["count"]["value"], 1, "{subs}");
}

/// `DELETE /keyless/v1/subscriptions/{id}`: keyless administrators only; kept while it holds
/// resource groups; each refusal changes nothing.
#[tokio::test]
async fn subscriptions_are_deleted_by_administrators_when_empty() {
    let s = TestServer::start().await;
    let subs = "/keyless/v1/subscriptions";
    let sub = admin_created_guid(&s, subs, json!({"name": "prod", "tenant": "contoso"})).await;
    let id: uuid::Uuid = sub["id"].as_str().unwrap().parse().unwrap();
    let path = format!("{subs}/{id}");
    let count = |v: Value| v["value"].as_array().unwrap().len();
    assert_eq!(count(s.admin_ok(subs).await), 2);

    let (status, body) = s.send(Method::DELETE, &path, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["typeKey"], "VssUnauthorizedException", "{body}");
    let m = support::new_member(&s, "erin").await;
    let (status, body) = s.delete_as(&m.token, &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(message(&body).contains("keyless administrator"), "{body}");
    assert_eq!(body["$id"], "1", "{body}");
    assert_eq!(count(s.admin_ok(subs).await), 2);

    let rg = keyless_model::arm::ResourceGroup {
        subscription_id: id,
        name: "web-rg".into(),
        location: "westeurope".into(),
        tags: Default::default(),
        created_at: s.state.now(),
    };
    s.store().put_resource_group(&rg).await.unwrap();
    let (status, body) = s.admin_delete(&path).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        message(&body).contains("still has resource groups"),
        "{body}"
    );
    assert_eq!(body["error"]["code"], "Conflict", "{body}");
    assert_eq!(count(s.admin_ok(subs).await), 2);
    assert_eq!(s.store().list_resource_groups(id).await.unwrap().len(), 1);

    s.store().delete_resource_group(id, "web-rg").await.unwrap();
    s.admin_delete(&path)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(count(s.admin_ok(subs).await), 1);
    s.admin_delete(&path)
        .await
        .expect_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pipelines_are_created_and_listed() {
    let s = TestServer::start().await;
    let body = common::pipeline_body("release", &["demo-connection"]);
    let p = s.admin_created(PIPELINES, body).await;
    assert_eq!(
        p["connections"],
        json!([s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")])
    );
    let list = s.admin_ok(PIPELINES).await;
    assert_eq!(field_names(&list, "name"), ["deploy", "release"]);

    for (body, want, says) in [
        (
            json!({"name": "", "yaml": common::pipeline_yaml(&[])}),
            StatusCode::BAD_REQUEST,
            "1 to 128 characters",
        ),
        (
            json!({"name": "RELEASE", "yaml": common::pipeline_yaml(&[])}),
            StatusCode::CONFLICT,
            "",
        ),
        (
            json!({"name": "x"}),
            StatusCode::BAD_REQUEST,
            "Give the pipeline's YAML",
        ),
        (
            json!({"name": "x", "connections": ["demo-connection"]}),
            StatusCode::BAD_REQUEST,
            "connections",
        ),
    ] {
        s.admin_post(PIPELINES, body)
            .await
            .expect_message(want, says);
    }
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
    let body = s.exchange(id_token).await.expect_status(StatusCode::OK);
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
    s.admin_created(PIPELINES, common::pipeline_body("bare", &[]))
        .await;
    let job = start_job(&s, "bare", None)
        .await
        .expect_status(StatusCode::CREATED);
    let conn = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    sc_support::oidc(&s, &job["env"], &conn)
        .await
        .expect_message(
            StatusCode::NOT_FOUND,
            "is not referenced by the pipeline 'bare'",
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
    for (pipeline, body, want) in [
        (
            "deploy",
            Some(json!({"minutes": "ten"})),
            StatusCode::BAD_REQUEST,
        ),
        ("no-such-pipeline", None, StatusCode::NOT_FOUND),
    ] {
        let (status, resp) = start_job(&s, pipeline, body).await;
        assert_eq!(status, want, "{pipeline}: {resp}");
    }
}

#[tokio::test]
async fn members_of_another_tenant_cannot_use_the_organization() {
    let s = TestServer::start().await;
    let frank = support::user_of(&s, "fabrikam", "frank").await.token;
    for (method, path) in [
        (Method::GET, PIPELINES.to_string()),
        (Method::POST, format!("{PIPELINES}/deploy/jobs")),
        (
            Method::POST,
            "/keyless/v1/organizations/contoso/projects".to_string(),
        ),
    ] {
        let body = (method == Method::POST).then(|| json!({"name": "x"}));
        let (status, resp) = s.send(method.clone(), &path, Some(&frank), body).await;
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
    let members = "/keyless/v1/organizations/contoso/projects/web/members";
    s.admin_created(members, json!({"user": m.upn, "group": "Contributors"}))
        .await;
    as_member(&s, &m, Method::POST, &jobs, None)
        .await
        .expect_status(StatusCode::CREATED);
}

#[tokio::test]
async fn a_pipeline_whose_authorization_fails_is_not_saved() {
    let s = TestServer::start().await;
    let store = &s.store();
    let org = store.find_organization("contoso").await.unwrap();
    let web = store.find_project(org.id, "web").await.unwrap();
    // A connection id that names nothing: the authorization fails after the pipeline's
    // insert, and the unit of work takes the insert back.
    let ghost = uuid::Uuid::new_v4();
    let err = keyless_server::admin::ops::create_pipeline(
        &s.state,
        &web,
        "half-saved",
        keyless_model::devops::PipelineDefinition::new(
            "azure-pipelines.yml",
            [("azure-pipelines.yml".into(), common::pipeline_yaml(&[]))].into(),
        )
        .unwrap(),
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
