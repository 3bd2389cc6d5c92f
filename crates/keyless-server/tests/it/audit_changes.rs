//! Every change a person or a client makes has exactly one `change` entry, written in the
//! change's own transaction: read through the audit API (`kind=change` never waits for the
//! batch writer), it is there as soon as the change is acknowledged. A refused change has
//! none, and no entry holds a secret.
#![allow(clippy::unwrap_used)]

use crate::common::{self, Expect, TestServer};
use crate::sc_support::{automatic_body, created};
use crate::support::{self, new_member, new_principal, new_tenant, user_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashSet;

const ORG: &str = "/keyless/v1/organizations/contoso";
const WEB: &str = "/keyless/v1/organizations/contoso/projects/web";

/// What names the changed object in its entry: a value known before the change, or one the
/// answer gives (a JSON pointer into it).
enum Names {
    Value(Value),
    Answer(&'static str),
}

/// One write through the API, as the administrator unless `token` is set, and the
/// operation (or ARM action) its entry records.
struct Write {
    method: Method,
    path: String,
    body: Option<Value>,
    token: Option<String>,
    operation: &'static str,
    names: Names,
}

fn write(
    method: Method,
    path: String,
    body: Value,
    operation: &'static str,
    names: Names,
) -> Write {
    let body = (!body.is_null()).then_some(body);
    Write {
        method,
        path,
        body,
        token: None,
        operation,
        names,
    }
}

/// The `change` entries, through the audit API as a client reads them.
async fn changes(s: &TestServer) -> Vec<Value> {
    let v = s.admin_ok("/keyless/v1/audit?kind=change&limit=1000").await;
    v["value"].as_array().unwrap().clone()
}

/// Whether `v` holds `want` (the entry's detail and connection name the object).
fn holds(v: &Value, want: &Value) -> bool {
    v == want
        || match v {
            Value::Object(o) => o.values().any(|x| holds(x, want)),
            Value::Array(a) => a.iter().any(|x| holds(x, want)),
            _ => false,
        }
}

/// Performs `w`, then finds exactly one new entry of its operation naming its object, and
/// no secret in any new entry. The answer.
async fn perform(s: &TestServer, seen: &mut HashSet<String>, w: Write) -> Value {
    let client = match &w.token {
        Some(t) => s.client(t).with_api_per_path(),
        None => s.as_admin(),
    };
    let (status, answer) = client.send(w.method.clone(), &w.path, w.body.clone()).await;
    assert!(
        status.is_success(),
        "{} {}: {status} {answer}",
        w.method,
        w.path
    );
    let want = match &w.names {
        Names::Value(v) => v.clone(),
        Names::Answer(pointer) => answer.pointer(pointer).unwrap().clone(),
    };
    let new: Vec<Value> = changes(s)
        .await
        .into_iter()
        .filter(|e| seen.insert(e["id"].as_str().unwrap().to_string()))
        .collect();
    let mine: Vec<&Value> = new
        .iter()
        .filter(|e| e["detail"]["operation"] == w.operation || e["detail"]["action"] == w.operation)
        .collect();
    assert_eq!(mine.len(), 1, "{} {}: {new:#?}", w.method, w.path);
    let e = mine[0];
    assert_eq!(e["kind"], "change");
    assert!(
        holds(&e["detail"], &want) || e["connectionId"] == want,
        "{} does not name {want}: {e}",
        w.operation
    );
    let text = serde_json::to_string(&new).unwrap();
    for secret in ["kls_pat_", "kls_job_", "eyJ"] {
        assert!(!text.contains(secret), "a secret in {text}");
    }
    answer
}

#[tokio::test]
async fn each_change_has_one_entry_in_its_transaction() {
    let (s, arm_token) = TestServer::start_with_arm_token().await;
    let tenant = s.var("AZURE_TENANT_ID");
    let conn = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let member = new_member(&s, "auditee").await;
    let northwind = new_tenant(&s, "northwind").await;
    let northwind = northwind["id"].as_str().unwrap().to_string();
    let outsider = user_of(&s, "northwind", "gina").await;
    let doomed = s
        .admin_created("/keyless/v1/organizations", json!({"name": "audited-org"}))
        .await;
    let app = new_principal(&s, "audited-reporting").await;
    let web = support::contoso_project(&s, "web").await;
    let other = s
        .admin_created(&format!("{ORG}/projects"), json!({"name": "audit-share"}))
        .await;
    let deploy = support::pipeline_id(&s, WEB, "deploy")
        .await
        .as_i64()
        .unwrap();
    let sp = created(&s, automatic_body(&s, "audited-sp", "ServicePrincipal")).await;
    let sp_id = sp["id"].as_str().unwrap().to_string();
    let identity = format!(
        "/subscriptions/{}/resourceGroups/demo-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/audited-id",
        s.var("AZURE_SUBSCRIPTION_ID")
    );
    let mut seen: HashSet<String> = changes(&s)
        .await
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    let endpoint = format!("/contoso/_apis/serviceendpoint/endpoints/{sp_id}");
    let v = |x: &str| Names::Value(json!(x));
    let arm = |method, operation| Write {
        token: Some(arm_token.clone()),
        ..write(
            method,
            identity.clone(),
            json!({"location": "eastus"}),
            operation,
            Names::Value(json!(identity)),
        )
    };
    #[rustfmt::skip]
    let table = vec![
        write(Method::POST, "/keyless/v1/pats".into(), json!({"name": "audited", "days": 5}), "createPat", Names::Answer("/pat/id")),
        write(Method::PATCH, format!("/keyless/v1/tenants/{tenant}/settings"), json!({"usersCanRegisterApps": false}), "updateTenantSettings", v(&tenant)),
        write(Method::POST, format!("/keyless/v1/tenants/{tenant}/roles"), json!({"user": member.upn, "role": "Application Developer"}), "assignRole", v(&member.id)),
        write(Method::DELETE, format!("/keyless/v1/tenants/{tenant}/roles"), json!({"user": member.upn, "role": "Application Developer"}), "removeRole", v(&member.id)),
        write(Method::POST, format!("/keyless/v1/tenants/{tenant}/guests"), json!({"user": outsider.upn}), "inviteGuest", v(&outsider.id)),
        write(Method::DELETE, format!("/keyless/v1/tenants/{tenant}/guests/{}", outsider.upn), Value::Null, "removeGuest", v(&outsider.id)),
        write(Method::POST, "/keyless/v1/keys/rotate".into(), json!({"issuer": "tenant:contoso"}), "rotateSigningKey", Names::Answer("/value/0/kid")),
        write(Method::PUT, format!("{ORG}/identities/{}", app.sp_id), json!({}), "putOrganizationIdentity", v(&app.sp_id)),
        write(Method::DELETE, format!("{ORG}/identities/{}", app.sp_id), Value::Null, "deleteOrganizationIdentity", v(&app.sp_id)),
        arm(Method::PUT, "Microsoft.ManagedIdentity/userAssignedIdentities/write"),
        arm(Method::DELETE, "Microsoft.ManagedIdentity/userAssignedIdentities/delete"),
        write(Method::POST, format!("/contoso/_apis/serviceendpoint/endpointproxy?endpointId={sp_id}&api-version=7.1-preview.1"), json!({"dataSourceDetails": {"dataSourceName": "TestConnection"}}), "verified", v(&sp_id)),
        write(Method::PUT, endpoint.clone(), json!({"description": "renew"}), "secretRenewed", v(&sp_id)),
        write(Method::PUT, format!("{endpoint}?operation=ConvertAuthenticationScheme"), json!({"authorization": {"scheme": "WorkloadIdentityFederation"}}), "converted", v(&sp_id)),
        write(Method::PUT, format!("{endpoint}?operation=CompleteConversion"), json!({}), "conversionCompleted", v(&sp_id)),
        write(Method::PATCH, format!("/contoso/_apis/serviceendpoint/endpoints/{conn}"), json!([{"projectReference": {"id": other["id"]}}]), "shared", v(&conn)),
        write(Method::PUT, format!("/contoso/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/{}_{conn}", web.id), json!([{"roleName": "User", "userId": member.upn}]), "rolesSet", v(&conn)),
        write(Method::PATCH, format!("/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{conn}"), json!({"pipelines": [{"id": deploy, "authorized": true}]}), "pipelinePermissionsSet", v(&conn)),
        write(Method::PUT, format!("{WEB}/pipelines/deploy/security"), json!({"user": member.upn, "permission": "QueueBuilds", "access": "Allow"}), "securityEntrySet", Names::Value(json!(deploy))),
        write(Method::POST, format!("{WEB}/pipelines"), common::pipeline_body("audited-new", &[]), "createPipeline", Names::Answer("/id")),
        write(Method::PUT, format!("{WEB}/pipelines/audited-new"), common::pipeline_body("audited-new", &[]), "updatePipeline", Names::Answer("/id")),
        write(Method::POST, format!("/contoso/web/_apis/pipelines/{deploy}/runs?api-version=7.1"), json!({}), "queueRun", Names::Answer("/id")),
    ];
    let mut answers = Vec::new();
    for w in table {
        answers.push(perform(&s, &mut seen, w).await);
    }
    // What the first writes made: the token to revoke, the run whose job starts, ends and
    // whose run is cancelled.
    let pat = answers[0]["pat"]["id"].as_str().unwrap().to_string();
    let run = answers.last().unwrap()["id"].as_i64().unwrap();
    let created_pipeline = answers[answers.len() - 3]["id"].clone();
    let sub = perform(
        &s,
        &mut seen,
        write(
            Method::POST,
            "/keyless/v1/subscriptions".into(),
            json!({"name": "audit-sub", "tenant": "contoso"}),
            "createSubscription",
            Names::Answer("/id"),
        ),
    )
    .await;
    let sub = sub["id"].as_str().unwrap().to_string();
    let job = perform(
        &s,
        &mut seen,
        write(
            Method::POST,
            format!("{WEB}/runs/{run}/jobs"),
            json!({"name": "build"}),
            "startJob",
            Names::Answer("/job/id"),
        ),
    )
    .await;
    let uri = job["env"]["SYSTEM_OIDCREQUESTURI"].as_str().unwrap();
    let plan = &uri[..uri.find("/jobs/").unwrap()];
    #[rustfmt::skip]
    let then = vec![
        Write { token: Some(job["env"]["SYSTEM_ACCESSTOKEN"].as_str().unwrap().to_string()), ..write(Method::POST, format!("{}/events", plan.strip_prefix(&s.origin).unwrap()), json!({"name": "JobCompleted", "jobId": job["job"]["id"], "result": "succeeded"}), "completeJob", Names::Value(job["job"]["id"].clone())) },
        write(Method::PATCH, format!("/contoso/web/_apis/build/builds/{run}?api-version=7.1"), json!({"status": "cancelling"}), "cancelRun", Names::Value(json!(run))),
        write(Method::DELETE, format!("/keyless/v1/pats/{pat}"), Value::Null, "revokePat", v(&pat)),
        write(Method::DELETE, format!("{WEB}/pipelines/audited-new"), Value::Null, "deletePipeline", Names::Value(created_pipeline)),
        write(Method::PATCH, format!("/keyless/v1/subscriptions/{sub}"), json!({"displayName": "audit-renamed"}), "renameSubscription", v(&sub)),
        write(Method::DELETE, format!("/keyless/v1/subscriptions/{sub}"), Value::Null, "deleteSubscription", v(&sub)),
        write(Method::POST, format!("{WEB}/members"), json!({"user": member.upn, "group": "Readers"}), "addProjectMember", v(&member.id)),
        write(Method::DELETE, format!("{WEB}/members?user={}&group=Readers", member.upn), Value::Null, "removeProjectMember", v(&member.id)),
        write(Method::POST, format!("{ORG}/members"), json!({"user": member.upn, "group": "Project Collection Administrators"}), "addMember", v(&member.id)),
        write(Method::DELETE, format!("{ORG}/members?user={}&group=Project%20Collection%20Administrators", member.upn), Value::Null, "removeMember", v(&member.id)),
        write(Method::PUT, format!("{ORG}/users/{}", member.upn), json!({"accessLevel": "Stakeholder"}), "setAccessLevel", v(&member.id)),
        write(Method::PATCH, format!("{ORG}/settings"), json!({"owner": member.upn}), "changeSettings", v(&web.organization_id.to_string())),
        write(Method::PATCH, format!("{ORG}/projects/audit-share"), json!({"name": "audit-renamed"}), "renameProject", Names::Value(other["id"].clone())),
        write(Method::DELETE, format!("{ORG}/projects/audit-renamed"), Value::Null, "deleteProject", Names::Value(other["id"].clone())),
        write(Method::DELETE, "/keyless/v1/organizations/audited-org".into(), Value::Null, "deleteOrganization", Names::Value(doomed["id"].clone())),
        write(Method::PATCH, format!("/keyless/v1/tenants/{tenant}/users/{}", member.upn), json!({"displayName": "Audited"}), "updateUser", v(&member.id)),
        write(Method::PATCH, "/keyless/v1/tenants/northwind".into(), json!({"displayName": "Northwind"}), "updateTenant", v(&northwind)),
        write(Method::DELETE, format!("/keyless/v1/tenants/northwind/users/{}", outsider.upn), Value::Null, "deleteUser", v(&outsider.id)),
        write(Method::DELETE, "/keyless/v1/tenants/northwind".into(), Value::Null, "deleteTenant", v(&northwind)),
        write(Method::PATCH, ORG.into(), json!({"name": "contoso-renamed"}), "renameOrganization", v("contoso-renamed")),
    ];
    for w in then {
        perform(&s, &mut seen, w).await;
    }
}

/// Refused writes (a token lifetime out of range, a permission change by someone who may not
/// make it) change nothing and leave no entry.
#[tokio::test]
async fn a_refused_change_leaves_no_entry() {
    let s = TestServer::start().await;
    let conn = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let member = new_member(&s, "refused").await;
    let before = changes(&s).await.len();
    let pats = s.admin_ok("/keyless/v1/pats").await;
    s.admin_post(
        "/keyless/v1/pats",
        json!({"name": "too-long", "days": 100_000}),
    )
    .await
    .expect_status(StatusCode::BAD_REQUEST);
    assert_eq!(s.admin_ok("/keyless/v1/pats").await, pats);
    let permissions = format!("/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{conn}");
    let open = s.admin_ok(&permissions).await;
    let (status, _) = s
        .patch_as(
            &member.token,
            &permissions,
            json!({"allPipelines": {"authorized": true}}),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(s.admin_ok(&permissions).await, open);
    let (status, _) = s
        .put_as(
            &member.token,
            &format!("{WEB}/pipelines/deploy/security"),
            json!({"user": member.upn, "permission": "QueueBuilds", "access": "Allow"}),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(changes(&s).await.len(), before);
}
