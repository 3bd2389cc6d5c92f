//! Starting jobs (Queue builds, a pipeline's own entries, the audit log) and the only way
//! a secret connection's secret leaves keyless: a job of an authorized pipeline reading its
//! endpoints with its own token. The secret is searched in every other answer and in every
//! log line.

use super::{WEB, refusal_code, world};
use crate::common::{Expect, TestServer};
use crate::sc_support::{
    Person, authorize_pipeline, create_as, demo_manual_body, job_endpoints, message,
};
use crate::support::audit;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex};

async fn start(s: &TestServer, token: &str, pipeline: &str) -> (StatusCode, Value) {
    s.send(
        Method::POST,
        &format!("{WEB}/pipelines/{pipeline}/jobs"),
        Some(token),
        None,
    )
    .await
}

async fn set_ace(s: &TestServer, pipeline: &str, body: Value) -> (StatusCode, Value) {
    s.admin_put(&format!("{WEB}/pipelines/{pipeline}/security"), body)
        .await
}

/// Sets the Queue builds entry of `who` (`{"group": …}` or `{"user": …}`) on `deploy` to
/// `access`, as the administrator: the pipeline's entries.
async fn queue_builds(s: &TestServer, mut who: Value, access: &str) -> Value {
    who["permission"] = json!("QueueBuilds");
    who["access"] = json!(access);
    set_ace(s, "deploy", who)
        .await
        .expect_status(StatusCode::OK)
}

#[tokio::test]
async fn a_reader_is_refused_with_the_permission_named_and_audited() {
    let (s, people) = world().await;
    let reader = &people[0];
    let e = start(&s, &reader.token, "deploy")
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert_eq!(refusal_code(&e), "TF215106");
    assert_eq!(
        message(&e),
        "TF215106: Access denied. reader@contoso.onmicrosoft.com needs Queue builds permissions for build pipeline deploy in team project web to perform the action. For more information, contact the Azure DevOps Server administrator."
    );
    assert!(
        e.get("env").is_none() && !e.to_string().contains("kls_job"),
        "{e}"
    );
    let denied = audit(&s, "kind=job&decision=denied").await;
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(denied[0]["code"], "TF215106");
    assert_eq!(
        denied[0]["detail"]["user"],
        "reader@contoso.onmicrosoft.com"
    );
    assert!(
        denied[0]["detail"].get("jobId").is_none(),
        "no job was made"
    );
    // A contributor's job is audited as granted, with its id.
    let j = start(&s, &people[1].token, "deploy")
        .await
        .expect_status(StatusCode::CREATED);
    let granted = audit(&s, "kind=job&decision=granted").await;
    assert_eq!(granted.len(), 1, "{granted:?}");
    assert_eq!(granted[0]["detail"]["jobId"], j["job"]["id"]);
}

#[tokio::test]
async fn a_pipeline_entry_allows_or_denies_queueing() {
    let (s, people) = world().await;
    let (reader, contributor) = (&people[0], &people[1]);
    // Deny to Contributors: the contributor is refused, others keep their right.
    let b = queue_builds(&s, json!({"group": "Contributors"}), "Deny").await;
    assert_eq!(
        b["value"],
        json!([{"group": "Contributors", "permission": "QueueBuilds", "permissionDisplayName": "Queue builds", "access": "Deny"}])
    );
    let (st, e) = start(&s, &contributor.token, "deploy").await;
    assert_eq!(
        (st, refusal_code(&e).as_str()),
        (StatusCode::FORBIDDEN, "TF215106")
    );
    let (st, _) = start(&s, &contributor.token, "secured").await;
    assert_eq!(st, StatusCode::CREATED, "the entry is the pipeline's own");
    // Allow to Readers: the reader may queue; a deny to the reader as a user wins.
    set_ace(
        &s,
        "deploy",
        json!({"group": "readers", "permission": "Queue builds", "access": "allow"}),
    )
    .await
    .expect_status(StatusCode::OK);
    start(&s, &reader.token, "deploy")
        .await
        .expect_status(StatusCode::CREATED);
    queue_builds(&s, json!({"user": reader.upn}), "Deny").await;
    start(&s, &reader.token, "deploy")
        .await
        .expect_status(StatusCode::FORBIDDEN);
    // NotSet clears an entry; DELETE removes one and answers 404 for a missing one.
    let b = queue_builds(&s, json!({"group": "Contributors"}), "NotSet").await;
    assert_eq!(b["count"], 2, "{b}");
    start(&s, &contributor.token, "deploy")
        .await
        .expect_status(StatusCode::CREATED);
    let del = format!(
        "{WEB}/pipelines/deploy/security?user={}&permission=QueueBuilds",
        reader.upn
    );
    s.admin_delete(&del)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.admin_delete(&del)
        .await
        .expect_status(StatusCode::NOT_FOUND);
    // Bad entries are refused and change nothing.
    let before = s
        .admin_get(&format!("{WEB}/pipelines/deploy/security"))
        .await
        .1;
    for (body, word) in [
        (
            json!({"group": "Readers", "permission": "DeleteBuilds", "access": "Allow"}),
            "QueueBuilds",
        ),
        (
            json!({"group": "Builders", "permission": "QueueBuilds", "access": "Allow"}),
            "Build Administrators",
        ),
        (
            json!({"group": "Readers", "user": reader.upn, "permission": "QueueBuilds", "access": "Allow"}),
            "exactly one",
        ),
        (
            json!({"permission": "QueueBuilds", "access": "Allow"}),
            "exactly one",
        ),
        (
            json!({"group": "Readers", "permission": "QueueBuilds", "access": "Maybe"}),
            "NotSet",
        ),
        (
            json!({"user": "ghost@nowhere", "permission": "QueueBuilds", "access": "Allow"}),
            "does not exist",
        ),
    ] {
        let (st, e) = set_ace(&s, "deploy", body.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}: {e}");
        assert!(message(&e).contains(word), "{body}: {e}");
    }
    let after = s
        .admin_get(&format!("{WEB}/pipelines/deploy/security"))
        .await
        .1;
    assert_eq!(before, after);
    set_ace(
        &s,
        "nope",
        json!({"group": "Readers", "permission": "QueueBuilds", "access": "Allow"}),
    )
    .await
    .expect_status(StatusCode::NOT_FOUND);
}

/// A manual secret connection `name` of web with the client secret `secret`.
async fn secret_connection(s: &TestServer, name: &str, secret: &str) -> String {
    let mut body = demo_manual_body(s, name);
    body["authorization"] = json!({"scheme": "ServicePrincipal", "parameters": {
        "tenantid": s.var("AZURE_TENANT_ID"), "serviceprincipalid": s.var("AZURE_CLIENT_ID"),
        "authenticationType": "spnKey", "serviceprincipalkey": secret}});
    let c = create_as(s, &s.var("KEYLESS_TOKEN"), body)
        .await
        .expect_status(StatusCode::OK);
    assert!(!c.to_string().contains(secret), "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn pipeline(s: &TestServer, who: &Person, name: &str, connections: &[&str]) {
    s.post_as(
        &who.token,
        &format!("{WEB}/pipelines"),
        crate::common::pipeline_body(name, connections),
    )
    .await
    .expect_status(StatusCode::CREATED);
}

/// A log writer the test reads back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn only_a_job_of_an_authorized_pipeline_reads_the_secret() {
    use tracing_subscriber::util::SubscriberInitExt;
    let logs = Captured::default();
    let _guard = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_writer(logs.clone())
        .finish()
        .set_default();
    let (s, people) = world().await;
    let secret = "only-for-jobs-7f3c9a";
    let id = secret_connection(&s, "vault", secret).await;
    let contributor = &people[1];
    // Saving a pipeline that names the connection authorizes it (the contributor holds the
    // Creator role, above User); a pipeline that does not name it gets nothing.
    pipeline(&s, contributor, "uses-vault", &[&id]).await;
    pipeline(&s, contributor, "no-vault", &[]).await;
    let mut answers = Vec::new();
    let job = start(&s, &contributor.token, "uses-vault")
        .await
        .expect_status(StatusCode::CREATED);
    answers.push(job.clone());
    let env = job["env"].clone();
    let mut keys: Vec<&str> = env
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "AGENT_ID",
            "AGENT_NAME",
            "SYSTEM_ACCESSTOKEN",
            "SYSTEM_COLLECTIONURI",
            "SYSTEM_JOBID",
            "SYSTEM_OIDCREQUESTURI",
            "SYSTEM_PLANID",
            "SYSTEM_TEAMPROJECTID",
        ]
    );
    // The job reads its endpoints, the secret among them.
    let list = job_endpoints(&s, &env, "")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(list["count"], 1, "{list}");
    let vars = &list["value"][0]["variables"];
    let upper = id.to_ascii_uppercase();
    assert_eq!(
        vars[format!("ENDPOINT_AUTH_PARAMETER_{upper}_SERVICEPRINCIPALKEY")],
        secret
    );
    assert_eq!(
        vars[format!("ENDPOINT_AUTH_SCHEME_{upper}")],
        "ServicePrincipal"
    );
    assert_eq!(
        vars[format!("ENDPOINT_AUTH_PARAMETER_{upper}_SERVICEPRINCIPALID")],
        s.var("AZURE_CLIENT_ID")
    );
    let one = job_endpoints(&s, &env, &format!("?serviceConnectionId={id}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(one["value"][0]["id"], id.as_str());

    // Another pipeline's job: the connection is not among its endpoints, and asked for by
    // id it is refused.
    let (_, other) = start(&s, &contributor.token, "no-vault").await;
    answers.push(other.clone());
    let list = job_endpoints(&s, &other["env"], "")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(list["count"], 0, "{list}");
    let e = job_endpoints(&s, &other["env"], &format!("?serviceConnectionId={id}"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    answers.push(e);

    // No token, a person's token, or another job's token: refused.
    let url = env["SYSTEM_OIDCREQUESTURI"]
        .as_str()
        .unwrap()
        .replace("/oidctoken", "/endpoints");
    for bearer in [
        None,
        Some(s.var("KEYLESS_TOKEN")),
        Some(
            other["env"]["SYSTEM_ACCESSTOKEN"]
                .as_str()
                .unwrap()
                .to_string(),
        ),
    ] {
        let mut req = s.http.get(&url);
        if let Some(b) = &bearer {
            req = req.bearer_auth(b);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{bearer:?}");
        answers.push(resp.json().await.unwrap());
    }

    // Revoked for the pipeline: the job no longer gets it.
    let perms = format!("/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{id}");
    let (_, p) = s.admin_get(&perms).await;
    answers.push(p.clone());
    authorize_pipeline(&s, &perms, &p["pipelines"][0]["id"], false)
        .await
        .expect_status(StatusCode::OK);
    let mut refused = Value::Null;
    for _ in 0..50 {
        let (st, e) = job_endpoints(&s, &env, &format!("?serviceConnectionId={id}")).await;
        if st == StatusCode::FORBIDDEN {
            refused = e;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        message(&refused).starts_with(
            "Pipeline 'uses-vault' is not authorized to use the service connection 'vault'"
        ),
        "{refused}"
    );
    answers.push(refused);
    let (st, list) = job_endpoints(&s, &env, "").await;
    assert_eq!((st, list["count"].clone()), (StatusCode::OK, json!(0)));

    // The finished or expired job reads nothing.
    s.state.clock.advance(2 * 3600);
    job_endpoints(&s, &env, "")
        .await
        .expect_status(StatusCode::UNAUTHORIZED);

    // Everything a person saw, and the audit log, never hold the secret.
    for path in [
        format!("/contoso/_apis/serviceendpoint/endpoints/{id}?api-version=7.1"),
        "/contoso/web/_apis/serviceendpoint/endpoints?api-version=7.1".to_string(),
        format!("{WEB}/connections/{id}/doctor"),
        "/keyless/v1/audit?limit=1000".to_string(),
    ] {
        answers.push(s.admin_get(&path).await.1);
    }
    s.state.audit.flush().await;
    answers.push(s.admin_get("/keyless/v1/audit?kind=endpoints").await.1);
    for a in &answers {
        assert!(!a.to_string().contains(secret), "the secret leaked: {a}");
    }
    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.len() > 1000,
        "the log was captured ({} bytes)",
        log.len()
    );
    assert!(!log.contains(secret), "the secret is in the log");
    let reads = audit(&s, "kind=endpoints&decision=granted").await;
    assert!(
        reads
            .iter()
            .any(|r| r["detail"]["connections"] == json!([id])),
        "{reads:?}"
    );
}

/// Queueing a run, starting a job of a connection (`keyless exec`) and reading runs: a
/// Reader sees runs and builds but queues nothing; a user outside the project sees nothing.
#[tokio::test]
async fn runs_and_connection_jobs_need_queue_builds() {
    let (s, people) = world().await;
    let (reader, other) = (&people[0], &people[4]);
    let pipeline = crate::support::pipeline_id(&s, WEB, "deploy").await;
    let runs = format!("/contoso/web/_apis/pipelines/{pipeline}/runs");
    let e = s
        .post_as(&reader.token, &runs, json!({}))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert_eq!(refusal_code(&e), "TF215106");
    let e = s
        .post_as(
            &reader.token,
            &format!("{WEB}/connections/demo-connection/jobs"),
            json!({"pipeline": "deploy"}),
        )
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert_eq!(refusal_code(&e), "TF215106");
    let run = s
        .admin_post(&runs, json!({}))
        .await
        .expect_status(StatusCode::OK);
    let listed = s.get_ok_as(&reader.token, &runs).await;
    assert_eq!(listed["count"], 1);
    let build = format!("/contoso/web/_apis/build/builds/{}", run["id"]);
    let e = s
        .patch_as(&reader.token, &build, json!({"status": "cancelling"}))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert_eq!(refusal_code(&e), "TF215106");
    let e = s
        .get_as(&other.token, &build)
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(refusal_code(&e), "VS800075");
}

/// `DELETE …/pipelines/{pipeline}`: Delete build pipeline (Edit build pipeline's defaults);
/// refused for a reader (TF215106) and while a run is in progress (409), nothing deleted;
/// then deleted with its runs.
#[tokio::test]
async fn deleting_a_pipeline_needs_the_right_and_no_run_in_progress() {
    let (s, people) = world().await;
    let (reader, contributor) = (&people[0], &people[1]);
    let path = format!("{WEB}/pipelines/secured");
    let listed = |list: Value| {
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let before = listed(s.admin_ok(&format!("{WEB}/pipelines")).await);
    assert!(before.contains(&"secured".to_string()), "{before:?}");

    let e = s
        .send(Method::DELETE, &path, Some(&reader.token), None)
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert_eq!(refusal_code(&e), "TF215106", "{e}");
    assert_eq!(
        listed(s.admin_ok(&format!("{WEB}/pipelines")).await),
        before
    );

    let id = s.admin_ok(&format!("{WEB}/pipelines")).await["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "secured")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let runs = format!("/contoso/web/_apis/pipelines/{id}/runs?api-version=7.1");
    let run = s
        .admin_post(&runs, json!({}))
        .await
        .expect_status(StatusCode::OK);
    let e = s
        .send(Method::DELETE, &path, Some(&contributor.token), None)
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(message(&e).contains("run in progress"), "{e}");
    assert_eq!(e["$id"], "1", "the Azure DevOps envelope: {e}");
    assert_eq!(
        listed(s.admin_ok(&format!("{WEB}/pipelines")).await),
        before
    );
    assert_eq!(s.admin_ok(&runs).await["count"], 1);

    let build = format!(
        "/contoso/web/_apis/build/builds/{}?api-version=7.1",
        run["id"]
    );
    s.admin_patch(&build, json!({"status": "completed", "result": "canceled"}))
        .await
        .expect_status(StatusCode::OK);
    s.send(Method::DELETE, &path, Some(&contributor.token), None)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let after = listed(s.admin_ok(&format!("{WEB}/pipelines")).await);
    assert!(!after.contains(&"secured".to_string()), "{after:?}");
    s.admin_delete(&path)
        .await
        .expect_status(StatusCode::NOT_FOUND);
}
