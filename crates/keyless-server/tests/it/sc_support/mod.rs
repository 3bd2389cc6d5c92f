//! Helpers of the service connection lifecycle tests: members with their own tokens,
//! guests (users of another tenant invited through the guest API), project groups,
//! connection bodies, jobs.
#![allow(dead_code, clippy::unwrap_used)]

use crate::common::{Expect, TestServer};
use crate::support::{Member, user_with_pat};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct Person {
    pub id: String,
    pub upn: String,
    pub token: String,
}

impl From<Member> for Person {
    fn from(m: Member) -> Self {
        Person {
            id: m.id,
            upn: m.upn,
            token: m.token,
        }
    }
}

/// A member of the demo tenant in the Contributors group of every project of contoso.
pub async fn member(s: &TestServer, name: &str) -> Person {
    let p = person(s, name).await;
    let projects = s
        .admin_ok("/keyless/v1/organizations/contoso/projects")
        .await;
    for pr in projects["value"].as_array().unwrap() {
        add_to_group(s, pr["name"].as_str().unwrap(), &p, "Contributors").await;
    }
    p
}

/// A member of the demo tenant in no project group.
pub async fn person(s: &TestServer, name: &str) -> Person {
    let tenant = s.var("AZURE_TENANT_ID");
    user_with_pat(s, &tenant, name, "pat").await.into()
}

/// Invites `who` (a user of another tenant) into `tenant` (a name or an id) as a guest,
/// through the guest API.
pub async fn invite(s: &TestServer, who: &Person, tenant: &str) {
    s.admin_created(
        &format!("/keyless/v1/tenants/{tenant}/guests"),
        json!({"user": who.upn}),
    )
    .await;
}

/// A user of the tenant `northwind` (created if need be), with a token, invited into the
/// demo tenant as a guest.
pub async fn guest(s: &TestServer, name: &str) -> Person {
    let (st, _) = s.admin_get("/keyless/v1/tenants/northwind").await;
    if st == StatusCode::NOT_FOUND {
        s.admin_created("/keyless/v1/tenants", json!({"name": "northwind"}))
            .await;
    }
    let p: Person = user_with_pat(s, "northwind", name, "pat").await.into();
    invite(s, &p, &s.tenant().to_string()).await;
    p
}

pub async fn add_to_group(s: &TestServer, project: &str, who: &Person, group: &str) {
    s.admin_created(
        &format!("/keyless/v1/organizations/contoso/projects/{project}/members"),
        json!({"user": who.upn, "group": group}),
    )
    .await;
}

pub fn manual_body(s: &TestServer, name: &str, client: &str, issuer_type: Option<&str>) -> Value {
    let mut params = json!({"tenantid": s.var("AZURE_TENANT_ID"), "serviceprincipalid": client});
    if let Some(t) = issuer_type {
        params["workloadIdentityFederationIssuerType"] = json!(t);
    }
    json!({
        "data": {"subscriptionId": s.var("AZURE_SUBSCRIPTION_ID"), "subscriptionName": "demo-subscription", "environment": "AzureCloud", "scopeLevel": "Subscription", "creationMode": "Manual"},
        "name": name,
        "type": "AzureRM",
        "url": "https://management.azure.com/",
        "authorization": {"scheme": "WorkloadIdentityFederation", "parameters": params},
        "isShared": false,
        "isReady": true,
        "serviceEndpointProjectReferences": [{"projectReference": {"name": "web"}, "name": name}],
    })
}

/// A manual workload-identity connection `name` of web for the demo app (Entra issuer).
pub fn demo_manual_body(s: &TestServer, name: &str) -> Value {
    manual_body(s, name, &s.var("AZURE_CLIENT_ID"), None)
}

/// Creates, as the administrator, an automatic workload-identity connection `name` of web
/// with the Azure DevOps issuer: the connection.
pub async fn legacy_automatic(s: &TestServer, name: &str) -> Value {
    let mut body = automatic_body(s, name, "WorkloadIdentityFederation");
    body["authorization"]["parameters"]["workloadIdentityFederationIssuerType"] =
        json!("AzureDevOps");
    created(s, body).await
}

/// Creates, as the administrator, a manual connection `name` of web for the demo app with
/// the Azure DevOps issuer: the connection.
pub async fn legacy_manual(s: &TestServer, name: &str) -> Value {
    let body = manual_body(s, name, &s.var("AZURE_CLIENT_ID"), Some("AzureDevOps"));
    created(s, body).await
}

/// The object id of the app an automatic connection made (`data.appObjectId`).
pub fn app_of(c: &Value) -> uuid::Uuid {
    c["data"]["appObjectId"].as_str().unwrap().parse().unwrap()
}

/// The federated credentials of the app an automatic connection made.
pub async fn fics_of(
    s: &TestServer,
    c: &Value,
) -> Vec<keyless_model::directory::FederatedCredential> {
    s.store().list_fics(app_of(c)).await.unwrap()
}

/// The secrets of the app an automatic connection made.
pub async fn passwords_of(
    s: &TestServer,
    c: &Value,
) -> Vec<keyless_model::directory::PasswordCredential> {
    s.store().list_passwords(app_of(c)).await.unwrap()
}

pub fn automatic_body(s: &TestServer, name: &str, scheme: &str) -> Value {
    json!({
        "data": {"subscriptionId": s.var("AZURE_SUBSCRIPTION_ID"), "subscriptionName": "demo-subscription", "environment": "AzureCloud", "scopeLevel": "Subscription", "creationMode": "Automatic"},
        "name": name,
        "type": "AzureRM",
        "url": "https://management.azure.com/",
        "authorization": {"scheme": scheme, "parameters": {"tenantid": s.var("AZURE_TENANT_ID")}},
        "isShared": false,
        "serviceEndpointProjectReferences": [{"projectReference": {"name": "web"}, "name": name}],
    })
}

pub async fn create_as(s: &TestServer, token: &str, body: Value) -> (StatusCode, Value) {
    s.post_as(
        token,
        "/contoso/_apis/serviceendpoint/endpoints?api-version=7.1",
        body,
    )
    .await
}

/// Creates the connection `body` as the administrator, answered 200; the connection.
pub async fn created(s: &TestServer, body: Value) -> Value {
    create_as(s, &s.var("KEYLESS_TOKEN"), body)
        .await
        .expect_status(StatusCode::OK)
}

/// Creates the automatic workload-identity connection "auto" as `token`.
pub async fn create_wif_as(s: &TestServer, token: &str) -> (StatusCode, Value) {
    create_as(
        s,
        token,
        automatic_body(s, "auto", "WorkloadIdentityFederation"),
    )
    .await
}

/// Authorizes (or not) the pipeline `pipeline` (its id) at the pipeline permissions `path`
/// of a connection, as the administrator.
pub async fn authorize_pipeline(
    s: &TestServer,
    path: &str,
    pipeline: &Value,
    authorized: bool,
) -> (StatusCode, Value) {
    let body = json!({"pipelines": [{"id": pipeline, "authorized": authorized}]});
    s.admin_patch(path, body).await
}

/// The role assignment an automatic connection made for its app (`data.azureSpnRoleAssignmentId`).
pub async fn assignment_of(
    s: &TestServer,
    connection: &Value,
) -> keyless_model::arm::RoleAssignment {
    let id = connection["data"]["azureSpnRoleAssignmentId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    s.store().get_role_assignment(id).await.unwrap()
}

/// The body creating an Azure DevOps connection `name` of the demo app's workload identity
/// federation, with `data`.
pub fn azure_devops_body(s: &TestServer, name: &str, data: Value) -> Value {
    json!({
        "name": name,
        "type": "AzureDevOps",
        "authorization": {
            "scheme": "WorkloadIdentityFederation",
            "parameters": {
                "tenantid": s.var("AZURE_TENANT_ID"),
                "serviceprincipalid": s.var("AZURE_CLIENT_ID"),
            },
        },
        "data": data,
    })
}

/// A pipeline of `project` referencing `connections` and a job of it: (pipeline id, job env).
pub async fn job_with(
    s: &TestServer,
    project: &str,
    name: &str,
    connections: &[&str],
) -> (i64, Value) {
    let p = s
        .admin_created(
            &format!("/keyless/v1/organizations/contoso/projects/{project}/pipelines"),
            crate::common::pipeline_body(name, connections),
        )
        .await;
    let env = start_job(s, "contoso", project, name).await;
    (p["id"].as_i64().unwrap(), env)
}

/// Starts a job of the pipeline `pipeline` of `org`/`project`: the job's environment.
pub async fn start_job(s: &TestServer, org: &str, project: &str, pipeline: &str) -> Value {
    let jobs =
        format!("/keyless/v1/organizations/{org}/projects/{project}/pipelines/{pipeline}/jobs");
    let j = s
        .admin(Method::POST, &jobs, None)
        .await
        .expect_status(StatusCode::CREATED);
    j["env"].clone()
}

/// A pipeline `name` of `project` referencing `connections`, and a job of it started
/// through the pipeline's id with `body`: the job's environment.
pub async fn job_by_id(
    s: &TestServer,
    project: &str,
    name: &str,
    connections: &[&str],
    body: Option<Value>,
) -> Value {
    let pipelines = format!("/keyless/v1/organizations/contoso/projects/{project}/pipelines");
    let p = s
        .admin_created(&pipelines, crate::common::pipeline_body(name, connections))
        .await;
    let jobs = format!("{pipelines}/{}/jobs", p["id"]);
    let j = s
        .admin(Method::POST, &jobs, body)
        .await
        .expect_status(StatusCode::CREATED);
    j["env"].clone()
}

/// The ID token a job gets for `connection`.
pub async fn job_id_token(s: &TestServer, env: &Value, connection: &str) -> String {
    let body = oidc(s, env, connection).await.expect_status(StatusCode::OK);
    body["oidcToken"].as_str().unwrap().to_string()
}

/// The Azure DevOps access token of the demo app, exchanged for the ID token that a job of a
/// new pipeline `name` of contoso's `project` (referencing `connections`) gets for
/// `connection`.
pub async fn job_devops_token(
    s: &TestServer,
    project: &str,
    name: &str,
    connections: &[&str],
    connection: &str,
) -> String {
    let (_, env) = job_with(s, project, name, connections).await;
    let id_token = job_id_token(s, &env, connection).await;
    let tok = s
        .exchange_for(
            &s.var("AZURE_CLIENT_ID"),
            crate::common::DEVOPS_SCOPE,
            &id_token,
        )
        .await
        .expect_status(StatusCode::OK);
    tok["access_token"].as_str().unwrap().to_string()
}

/// `GET …/jobs/{job}/endpoints` with the job's token: (status, body).
pub async fn job_endpoints(s: &TestServer, env: &Value, query: &str) -> (StatusCode, Value) {
    let url = env["SYSTEM_OIDCREQUESTURI"]
        .as_str()
        .unwrap()
        .replace("/oidctoken", &format!("/endpoints{query}"));
    let resp = s
        .http
        .get(url)
        .bearer_auth(env["SYSTEM_ACCESSTOKEN"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The job's environment with the variables the agent sets for its connections.
pub async fn with_endpoints(s: &TestServer, env: &Value) -> Value {
    let list = job_endpoints(s, env, "")
        .await
        .expect_status(StatusCode::OK);
    let mut env = env.clone();
    for e in list["value"].as_array().unwrap() {
        for (k, v) in e["variables"].as_object().unwrap() {
            env[k] = v.clone();
        }
    }
    env
}

/// The job's ID token request for a connection (as Python's credential sends it).
pub async fn oidc(s: &TestServer, env: &Value, connection: &str) -> (StatusCode, Value) {
    let uri = env["SYSTEM_OIDCREQUESTURI"].as_str().unwrap();
    let job_token = env["SYSTEM_ACCESSTOKEN"].as_str().unwrap();
    crate::common::oidc_request(&s.http, uri, job_token, connection).await
}

pub async fn verify(s: &TestServer, token: &str, id: &str) -> (StatusCode, Value) {
    s.post_as(
        token,
        &format!(
            "/contoso/_apis/serviceendpoint/endpointproxy?endpointId={id}&api-version=7.1-preview.1"
        ),
        json!({"dataSourceDetails": {"dataSourceName": "TestConnection"}}),
    )
    .await
}

pub fn message(b: &Value) -> String {
    b["message"].as_str().unwrap_or_default().to_string()
}
