//! Pipeline runs through the Pipelines and Build REST shapes, the jobs of a run (keyless'
//! local executor) and how a run ends.

use crate::common::{Expect, TestServer, oidc_request};
use reqwest::StatusCode;
use serde_json::{Value, json};

const DEVOPS: &str = "/contoso/web/_apis";
const ADMIN: &str = "/keyless/v1/organizations/contoso/projects/web";

async fn pipeline_id(s: &TestServer, name: &str) -> i64 {
    let list = s.admin_ok(&format!("{ADMIN}/pipelines")).await;
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn queue(s: &TestServer, pipeline: i64) -> Value {
    s.admin_post(
        &format!("{DEVOPS}/pipelines/{pipeline}/runs?api-version=7.1"),
        json!({"variables": {"env": {"value": "test"}, "pw": {"value": "x", "isSecret": true}}}),
    )
    .await
    .expect_status(StatusCode::OK)
}

async fn complete_job(s: &TestServer, job: &Value, result: &str) {
    let uri = job["env"]["SYSTEM_OIDCREQUESTURI"].as_str().unwrap();
    let plan = &uri[..uri.find("/jobs/").unwrap()];
    let path = format!("{}/events", plan.strip_prefix(&s.origin).unwrap());
    s.post_as(
        job["env"]["SYSTEM_ACCESSTOKEN"].as_str().unwrap(),
        &path,
        json!({"name": "JobCompleted", "jobId": job["env"]["SYSTEM_JOBID"], "result": result}),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_run_its_jobs_and_its_end_show_in_the_pipelines_and_build_apis() {
    let s = TestServer::start().await;
    let id = pipeline_id(&s, "deploy").await;
    let run = queue(&s, id).await;
    let run_id = run["id"].as_i64().unwrap();
    assert_eq!(run["state"], "inProgress");
    assert_eq!(run["pipeline"]["name"], "deploy");
    assert!(run["name"].as_str().unwrap().ends_with(".1"), "{run}");
    assert_eq!(run["variables"], json!({"env": {"value": "test"}}));
    assert!(run.get("result").is_none());
    let second = queue(&s, id).await;
    assert!(second["name"].as_str().unwrap().ends_with(".2"));

    let listed = s.admin_ok(&format!("{DEVOPS}/pipelines/{id}/runs")).await;
    assert_eq!(listed["count"], 2);
    let one = s
        .admin_ok(&format!("{DEVOPS}/pipelines/{id}/runs/{run_id}"))
        .await;
    assert_eq!(one["id"], run_id);

    // The executor starts a job of the run: it may use the pipeline's connection.
    let job = s
        .admin_created(
            &format!("{ADMIN}/runs/{run_id}/jobs"),
            json!({"name": "deploy", "stage": "main"}),
        )
        .await;
    assert_eq!(job["run"]["id"], run_id);
    let conn = &job["connections"][0];
    assert_eq!(conn["name"], "demo-connection");
    let (status, _) = oidc_request(
        &s.http,
        job["env"]["SYSTEM_OIDCREQUESTURI"].as_str().unwrap(),
        job["env"]["SYSTEM_ACCESSTOKEN"].as_str().unwrap(),
        conn["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    complete_job(&s, &job, "succeeded").await;
    s.admin_post(
        &format!("{ADMIN}/runs/{run_id}/jobs"),
        json!({"name": "cleanup", "stage": "main", "result": "skipped"}),
    )
    .await
    .expect_status(StatusCode::OK);

    let timeline = s
        .admin_ok(&format!("{DEVOPS}/build/builds/{run_id}/timeline"))
        .await;
    let records = timeline["records"].as_array().unwrap();
    let by_name = |n: &str| records.iter().find(|r| r["name"] == n).unwrap().clone();
    assert_eq!(by_name("main")["type"], "Stage");
    assert_eq!(by_name("deploy")["result"], "succeeded");
    assert_eq!(by_name("deploy")["parentId"], "stage:main");
    assert_eq!(by_name("cleanup")["result"], "skipped");

    let build = s.admin_ok(&format!("{DEVOPS}/build/builds/{run_id}")).await;
    assert_eq!(build["status"], "inProgress");
    assert_eq!(build["definition"]["id"], id);
    s.admin_patch(
        &format!("{DEVOPS}/build/builds/{run_id}"),
        json!({"status": "completed", "result": "failed"}),
    )
    .await
    .expect_status(StatusCode::OK);
    let builds = s
        .admin_ok(&format!("{DEVOPS}/build/builds?definitions={id}"))
        .await;
    assert_eq!(builds["count"], 2);
    let ended = builds["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == run_id)
        .unwrap()
        .clone();
    assert_eq!(ended["status"], "completed");
    assert_eq!(ended["result"], "failed");
    let run = s
        .admin_ok(&format!("{DEVOPS}/pipelines/{id}/runs/{run_id}"))
        .await;
    assert_eq!(run["state"], "completed");
    assert_eq!(run["result"], "failed");

    // A finished run starts no more jobs.
    s.admin_post(
        &format!("{ADMIN}/runs/{run_id}/jobs"),
        json!({"name": "late"}),
    )
    .await
    .expect_message(StatusCode::CONFLICT, "starts no more jobs");
}

#[tokio::test]
async fn cancelling_a_run_ends_its_jobs_tokens() {
    let s = TestServer::start().await;
    let id = pipeline_id(&s, "deploy").await;
    let run_id = queue(&s, id).await["id"].as_i64().unwrap();
    let job = s
        .admin_created(&format!("{ADMIN}/runs/{run_id}/jobs"), json!({"name": "a"}))
        .await;
    s.admin_patch(
        &format!("{DEVOPS}/build/builds/{run_id}"),
        json!({"status": "cancelling"}),
    )
    .await
    .expect_status(StatusCode::OK);
    let build = s.admin_ok(&format!("{DEVOPS}/build/builds/{run_id}")).await;
    assert_eq!(build["status"], "cancelling");
    s.admin_patch(
        &format!("{DEVOPS}/build/builds/{run_id}"),
        json!({"status": "completed", "result": "canceled"}),
    )
    .await
    .expect_status(StatusCode::OK);
    let (status, _) = oidc_request(
        &s.http,
        job["env"]["SYSTEM_OIDCREQUESTURI"].as_str().unwrap(),
        job["env"]["SYSTEM_ACCESSTOKEN"].as_str().unwrap(),
        job["connections"][0]["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let timeline = s
        .admin_ok(&format!("{DEVOPS}/build/builds/{run_id}/timeline"))
        .await;
    assert_eq!(timeline["records"][0]["result"], "canceled");
}

#[tokio::test]
async fn a_run_of_a_pipeline_naming_an_unknown_connection_is_refused_at_queue_time() {
    let s = TestServer::start().await;
    s.admin_web_pipeline(
        "broken",
        "steps:\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: nope\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: 'true'\n",
    )
    .await;
    let id = pipeline_id(&s, "broken").await;
    s.admin_post(&format!("{DEVOPS}/pipelines/{id}/runs"), json!({}))
        .await
        .expect_message(
            StatusCode::BAD_REQUEST,
            "references service connection nope which could not be found",
        );
    let builds = s.admin_ok(&format!("{DEVOPS}/build/builds")).await;
    assert_eq!(builds["count"], 0);
    s.admin_get(&format!("{DEVOPS}/build/builds/12345"))
        .await
        .expect_message(StatusCode::NOT_FOUND, "could not be found");
}
