//! Jobs for one connection (`keyless exec`), the agent's JobCompleted event that ends a job
//! and its token, and the ID-token lifetime setting.

use crate::common::{Expect, TestServer, oidc_request};
use reqwest::StatusCode;
use serde_json::{Value, json};

const BASE: &str = "/keyless/v1/organizations/contoso/projects/web";

async fn connection_job(s: &TestServer, body: Value) -> (StatusCode, Value) {
    s.admin_post(&format!("{BASE}/connections/demo-connection/jobs"), body)
        .await
}

fn plan_url(job: &Value) -> String {
    let uri = job["env"]["SYSTEM_OIDCREQUESTURI"].as_str().unwrap();
    uri[..uri.find("/jobs/").unwrap()].to_string()
}

async fn complete(s: &TestServer, job: &Value, token: &str, job_id: &str) -> (StatusCode, Value) {
    let url = format!("{}/events", plan_url(job));
    let path = url.strip_prefix(&s.origin).unwrap().to_string();
    s.post_as(
        token,
        &path,
        json!({"name": "JobCompleted", "jobId": job_id, "result": "succeeded"}),
    )
    .await
}

#[tokio::test]
async fn a_connection_job_gets_its_own_pipeline_and_ends_with_job_completed() {
    let s = TestServer::start().await;
    let job = connection_job(&s, json!({}))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(job["pipeline"]["name"], "keyless-exec-demo-connection");
    let conn = &job["connection"];
    assert_eq!(conn["id"], s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"));
    assert_eq!(conn["clientId"], s.var("AZURE_CLIENT_ID"));
    assert_eq!(conn["subscriptionId"], s.var("AZURE_SUBSCRIPTION_ID"));
    assert_eq!(job["idTokenLifetime"], 600);
    let token = job["env"]["SYSTEM_ACCESSTOKEN"].as_str().unwrap();
    let uri = job["env"]["SYSTEM_OIDCREQUESTURI"].as_str().unwrap();
    let conn_id = conn["id"].as_str().unwrap();
    let (status, _) = oidc_request(&s.http, uri, token, conn_id).await;
    assert_eq!(status, StatusCode::OK);

    // A second job reuses the pipeline.
    let again = connection_job(&s, json!({}))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(again["pipeline"]["id"], job["pipeline"]["id"]);

    // Another job's token cannot end this job.
    let other = again["env"]["SYSTEM_ACCESSTOKEN"].as_str().unwrap();
    let job_id = job["env"]["SYSTEM_JOBID"].as_str().unwrap();
    complete(&s, &job, other, job_id)
        .await
        .expect_message(StatusCode::UNAUTHORIZED, "does not belong to this job");

    complete(&s, &job, token, job_id)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let (status, body) = oidc_request(&s.http, uri, token, conn_id).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.to_string().contains("its job has finished"), "{body}");
}

#[tokio::test]
async fn a_connection_job_of_a_pipeline_that_does_not_name_the_connection_is_refused() {
    let s = TestServer::start().await;
    s.admin_web_pipeline("scripts", "steps:\n  - script: echo hi\n")
        .await;
    connection_job(&s, json!({"pipeline": "scripts"}))
        .await
        .expect_message(
            StatusCode::NOT_FOUND,
            "is not referenced by the pipeline 'scripts'",
        );
    connection_job(&s, json!({"pipeline": "deploy"}))
        .await
        .expect_status(StatusCode::CREATED);
    s.admin_post(&format!("{BASE}/connections/nope/jobs"), json!({}))
        .await
        .expect_message(
            StatusCode::NOT_FOUND,
            "'nope' does not exist in the project web",
        );
}

#[tokio::test]
async fn a_short_id_token_lifetime_expires_tokens_as_azure_devops_does() {
    let s = TestServer::start_with(|c| c.id_token_lifetime_secs = 5).await;
    let id = s.id_token().await;
    let payload = id.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        5
    );
    // Within the lifetime and Entra's 60 s of skew the exchange works; after it, 700024.
    s.state.clock.advance(60);
    s.exchange(&id).await.expect_status(StatusCode::OK);
    s.state.clock.advance(10);
    s.exchange(&id).await.expect_entra(700024, "invalid_client");
}
