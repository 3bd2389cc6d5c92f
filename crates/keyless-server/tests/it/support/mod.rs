//! Helpers the ARM, Graph and admin tests share on top of `common`: requests that keep
//! the response headers and take raw bodies, a second principal with a secret and its ARM
//! token, and ordinary users of a tenant with their own personal access tokens.
#![allow(dead_code, clippy::unwrap_used)]

pub mod directory;
pub mod graph;
pub mod rbac;

use crate::common::{ARM_SCOPE, Expect, TestServer};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// World-file lines: the tenant fabrikam with its users rita and ed.
macro_rules! fabrikam_rita_ed {
    () => {
        "tenants:\n  - name: fabrikam\n    users:\n      - name: rita\n      - name: ed\n"
    };
}

/// World-file lines: the organization fabrikam of the tenant fabrikam with its project infra.
macro_rules! fabrikam_infra {
    () => {
        "organizations:\n  - name: fabrikam\n    tenant: fabrikam\n    projects:\n      - name: infra\n"
    };
}

/// World-file lines of a tenant: its app deployer, with a credential for the connection
/// fabrikam/infra/`$connection`, Contributor on its subscription prod.
macro_rules! fabrikam_deployer {
    ($connection:literal) => {
        concat!(
            "    apps:\n      - name: deployer\n        federatedCredentials:\n",
            "          - name: via-connection\n            connection: fabrikam/infra/",
            $connection,
            "\n    subscriptions:\n      - name: prod\n        roleAssignments:\n",
            "          - app: deployer\n            role: Contributor\n",
        )
    };
}

pub(crate) use {fabrikam_deployer, fabrikam_infra, fabrikam_rita_ed};

/// The api-version query every ARM call carries.
pub const API: &str = "api-version=2022-12-01";
/// The api-version of the role assignment and definition calls.
pub const AUTHZ_API: &str = "api-version=2022-04-01";

pub struct Raw {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A request with an optional `Authorization` header value (sent as is) and raw body bytes.
pub async fn raw(
    s: &TestServer,
    method: Method,
    path: &str,
    authorization: Option<&str>,
    body: Option<Vec<u8>>,
) -> Raw {
    let mut req = s.http.request(method, format!("{}{}", s.origin, path));
    if let Some(a) = authorization {
        req = req.header("Authorization", a);
    }
    if let Some(b) = body {
        req = req.header("Content-Type", "application/json").body(b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    Raw {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

pub use crate::common::{assert_error, assert_error_code, message};

/// `POST path` with `body` as the administrator, answered 201: the created object, whose
/// `id` is asserted to be a GUID.
pub async fn admin_created_guid(s: &TestServer, path: &str, body: Value) -> Value {
    let created = s.admin_created(path, body).await;
    assert!(is_guid(&created["id"]), "{created}");
    created
}

/// Whether a string is a GUID in its canonical hyphenated form.
pub fn is_guid(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 36 && uuid::Uuid::parse_str(s).is_ok_and(|u| u.hyphenated().to_string() == s)
    })
}

/// An app registration with its service principal and one secret, made through Graph.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The application's object id.
    pub app_object_id: String,
    /// The client id.
    pub app_id: String,
    /// The service principal's object id: what role assignments name.
    pub sp_id: String,
    pub secret: String,
}

/// Creates an app, its service principal and a secret, as the administrator.
pub async fn new_principal(s: &TestServer, name: &str) -> Principal {
    let app = s
        .admin_created("/v1.0/applications", json!({"displayName": name}))
        .await;
    let app_id = app["appId"].as_str().unwrap().to_string();
    let app_object_id = app["id"].as_str().unwrap().to_string();
    let sp = s
        .admin_created("/v1.0/servicePrincipals", json!({"appId": app_id}))
        .await;
    let tests = json!({"displayName": "tests"});
    let pw = graph::add_password(s, &s.var("KEYLESS_TOKEN"), &app_object_id, tests)
        .await
        .expect_status(StatusCode::OK);
    Principal {
        app_object_id,
        app_id,
        sp_id: sp["id"].as_str().unwrap().to_string(),
        secret: pw["secretText"].as_str().unwrap().to_string(),
    }
}

/// The token endpoint's answer for a client secret and the ARM scope.
pub async fn secret_token(s: &TestServer, app_id: &str, secret: &str) -> (StatusCode, Value) {
    let tenant = s.var("AZURE_TENANT_ID");
    secret_token_for(s, &tenant, app_id, secret, ARM_SCOPE).await
}

/// The token endpoint's answer for a client secret and `scope`, from `tenant`.
pub async fn secret_token_for(
    s: &TestServer,
    tenant: &str,
    app_id: &str,
    secret: &str,
    scope: &str,
) -> (StatusCode, Value) {
    s.token(
        tenant,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app_id),
            ("scope", scope),
            ("client_secret", secret),
        ],
    )
    .await
}

/// An ARM access token of the principal.
pub async fn arm_token_of(s: &TestServer, p: &Principal) -> String {
    let body = secret_token(s, &p.app_id, &p.secret)
        .await
        .expect_status(StatusCode::OK);
    body["access_token"].as_str().unwrap().to_string()
}

/// Gives the service principal a built-in role at a scope, directly in the store.
pub async fn grant(s: &TestServer, principal: &str, role: uuid::Uuid, scope: &str) {
    assign(s, principal, "ServicePrincipal", role, scope).await;
}

/// Gives the user a built-in role at a scope, directly in the store.
pub async fn grant_user(s: &TestServer, user: &str, role: uuid::Uuid, scope: &str) {
    assign(s, user, "User", role, scope).await;
}

async fn assign(s: &TestServer, principal: &str, kind: &str, role: uuid::Uuid, scope: &str) {
    let a = keyless_model::arm::RoleAssignment {
        id: uuid::Uuid::new_v4(),
        scope: keyless_model::rbac::canonical_scope(scope),
        role_definition_id: role,
        principal_id: principal.parse().unwrap(),
        principal_type: kind.into(),
        created_by: None,
        created_at: s.state.now(),
    };
    s.store().create_role_assignment(&a).await.unwrap();
}

/// The object id of the demo app's service principal (the `oid` of its ARM tokens).
pub async fn demo_sp_id(s: &TestServer) -> String {
    let app_id = s.var("AZURE_CLIENT_ID").parse().unwrap();
    s.store()
        .find_service_principal(s.tenant(), app_id)
        .await
        .unwrap()
        .id
        .to_string()
}

/// A member (not an administrator) of the demo tenant and a personal access token of theirs.
pub struct Member {
    pub id: String,
    pub upn: String,
    pub token: String,
}

pub async fn new_member(s: &TestServer, name: &str) -> Member {
    let tenant = s.var("AZURE_TENANT_ID");
    user_with_pat(s, &tenant, name, &format!("{name}-pat")).await
}

/// A new user `name` of `tenant` (a name or an id) and a PAT of theirs named `pat`.
pub async fn user_with_pat(s: &TestServer, tenant: &str, name: &str, pat: &str) -> Member {
    let user = s
        .admin_created(
            &format!("/keyless/v1/tenants/{tenant}/users"),
            json!({"name": name}),
        )
        .await;
    let upn = user["userPrincipalName"].as_str().unwrap().to_string();
    let pat = s
        .admin_created("/keyless/v1/pats", json!({"name": pat, "user": upn}))
        .await;
    Member {
        id: user["id"].as_str().unwrap().to_string(),
        upn,
        token: pat["token"].as_str().unwrap().to_string(),
    }
}

/// The claims of a JWT, without verifying it.
/// Claims of a well-formed access token of the demo tenant's demo app for `aud`, held by
/// `oid`, valid now.
pub fn demo_access_claims(s: &TestServer, aud: &str, oid: &str) -> Value {
    let now = s.state.now();
    json!({
        "aud": aud,
        "iss": format!("{}/{}/", s.origin, s.var("AZURE_TENANT_ID")),
        "iat": now, "nbf": now, "exp": now + 3600,
        "appid": s.var("AZURE_CLIENT_ID"),
        "oid": oid, "sub": oid,
        "tid": s.var("AZURE_TENANT_ID"),
        "ver": "1.0",
    })
}

pub fn jwt_claims(jwt: &str) -> Value {
    use base64::Engine;
    let p = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(p)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The `field` of every item of a `{"value": [...]}` list.
pub fn field_names(list: &Value, field: &str) -> Vec<String> {
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v[field].as_str().unwrap().to_string())
        .collect()
}

/// [`field_names`], sorted.
pub fn sorted_names(list: &Value, field: &str) -> Vec<String> {
    let mut names = field_names(list, field);
    names.sort();
    names
}

/// The item of a `{"value": [...]}` list whose `key` is `want`.
#[track_caller]
pub fn find_item<'a>(list: &'a Value, key: &str, want: &str) -> &'a Value {
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v[key] == want)
        .unwrap_or_else(|| panic!("no {key} {want} in {list}"))
}

/// Creates the tenant `name` through the admin API; the tenant.
pub async fn new_tenant(s: &TestServer, name: &str) -> Value {
    s.admin_created("/keyless/v1/tenants", json!({"name": name}))
        .await
}

/// A user `name` of `tenant` (the tenant created when it does not exist yet) with a PAT
/// of theirs named `name`.
pub async fn user_of(s: &TestServer, tenant: &str, name: &str) -> Member {
    let (status, _) = s.admin_get(&format!("/keyless/v1/tenants/{tenant}")).await;
    if status == StatusCode::NOT_FOUND {
        new_tenant(s, tenant).await;
    }
    user_with_pat(s, tenant, name, name).await
}

/// A request with a member's PAT.
pub async fn as_member(
    s: &TestServer,
    m: &Member,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    s.send(method, path, Some(&m.token), body).await
}

/// `POST /keyless/v1/apply` with a world file, as the administrator.
pub async fn apply(s: &TestServer, text: &str) -> (StatusCode, Value) {
    apply_as(s, &s.var("KEYLESS_TOKEN"), text).await
}

/// `POST /keyless/v1/apply` with a world file, as `token`.
pub async fn apply_as(s: &TestServer, token: &str, text: &str) -> (StatusCode, Value) {
    let resp = s
        .http
        .post(format!("{}/keyless/v1/apply", s.origin))
        .bearer_auth(token)
        .header("content-type", "application/yaml")
        .body(text.to_string())
        .send()
        .await
        .unwrap();
    let st = resp.status();
    (st, resp.json().await.unwrap())
}

/// Deletes every role assignment of a principal, straight in the store.
pub async fn unassign_all(s: &TestServer, principal: uuid::Uuid) {
    let store = &s.store();
    for a in store
        .list_role_assignments_for_principal(principal)
        .await
        .unwrap()
    {
        store.delete_role_assignment(a.id).await.unwrap();
    }
}

/// The demo application, `demo-deploy` of the demo tenant.
pub async fn demo_app(s: &TestServer) -> keyless_model::directory::Application {
    let store = &s.store();
    store
        .find_application_by_name(s.tenant(), "demo-deploy")
        .await
        .unwrap()
}

/// A project of the demo organization `contoso`.
pub async fn contoso_project(s: &TestServer, name: &str) -> keyless_model::devops::Project {
    let store = &s.store();
    let org = store.find_organization("contoso").await.unwrap();
    store.find_project(org.id, name).await.unwrap()
}

/// The id of the pipeline `name` of the project whose admin path is `project`.
pub async fn pipeline_id(s: &TestServer, project: &str, name: &str) -> Value {
    s.admin_ok(&format!("{project}/pipelines")).await["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap()["id"]
        .clone()
}

/// The audit entries that match `query`, once the audit log is flushed.
pub async fn audit(s: &TestServer, query: &str) -> Vec<Value> {
    s.state.audit.flush().await;
    let b = s.admin_ok(&format!("/keyless/v1/audit?{query}")).await;
    b["value"].as_array().unwrap().clone()
}

/// Creates the project `name` in the demo organization `contoso`.
pub async fn add_contoso_project(s: &TestServer, name: &str) {
    s.admin_created(
        "/keyless/v1/organizations/contoso/projects",
        json!({"name": name}),
    )
    .await;
}

/// Changes settings of `tenant` (a name or an id) as the administrator; the settings.
pub async fn tenant_settings(s: &TestServer, tenant: &str, patch: Value) -> Value {
    s.admin_patch(&format!("/keyless/v1/tenants/{tenant}/settings"), patch)
        .await
        .expect_status(StatusCode::OK)
}

/// Disables a service principal (`accountEnabled: false`) through Graph.
pub async fn disable_sp(s: &TestServer, sp_id: &str) {
    s.admin_patch(
        &format!("/v1.0/servicePrincipals/{sp_id}"),
        json!({"accountEnabled": false}),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
}

/// Azure DevOps' TF401444 text for an identity of `tenant` (object id `object`) that is not
/// a user of the organization.
pub fn tf401444(tenant: &str, object: &str) -> String {
    format!(
        "TF401444: Please sign-in at least once as {tenant}\\{tenant}\\{object} in a web browser to enable access to the service."
    )
}

/// Adds the identity `object` to the organization `org` with `group` in `project` (201).
pub async fn add_org_identity(s: &TestServer, org: &str, object: &str, project: &str, group: &str) {
    s.admin_put(
        &format!("/keyless/v1/organizations/{org}/identities/{object}"),
        json!({"projects": {project: group}}),
    )
    .await
    .expect_status(StatusCode::CREATED);
}
