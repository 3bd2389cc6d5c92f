//! `GET /keyless/v1/organizations/{org}/projects/{project}/connections/{connection}/doctor`:
//! one test per failure kind, each set up through the admin API, a world file or the store.
#![allow(clippy::unwrap_used)]

mod common;
mod sc_support;

use common::{ARM_SCOPE, JWT_BEARER, TestServer};
use keyless_model::devops::ServiceConnection;
use reqwest::{Method, StatusCode};
use sc_support::*;
use serde_json::{Value, json};

type Fic = keyless_model::directory::FederatedCredential;
type Change = Box<dyn Fn(&mut Fic)>;

const PATH: &str = "/keyless/v1/organizations/contoso/projects/web/connections";

async fn doctor_as(s: &TestServer, token: Option<&str>, conn: &str) -> (StatusCode, Value) {
    s.send(Method::GET, &format!("{PATH}/{conn}/doctor"), token, None)
        .await
}

async fn doctor(s: &TestServer) -> Value {
    let (st, v) = doctor_as(s, Some(&s.var("KEYLESS_TOKEN")), "demo-connection").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v
}

/// The first finding of a check: (status, code).
fn line(v: &Value, check: &str) -> (String, String) {
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check)
        .unwrap_or_else(|| panic!("no {check} line in {v}"));
    (
        f["status"].as_str().unwrap().to_string(),
        f["code"].as_str().unwrap_or("-").to_string(),
    )
}

fn expect(v: &Value, check: &str, status: &str, code: &str) {
    assert_eq!(line(v, check), (status.into(), code.into()), "{v:#}");
}

async fn demo_conn(s: &TestServer) -> ServiceConnection {
    let org = s.state.store.find_organization("contoso").await.unwrap();
    let p = s.state.store.find_project(org.id, "web").await.unwrap();
    s.state
        .store
        .find_connection(p.id, "demo-connection")
        .await
        .unwrap()
}

async fn demo_fic(s: &TestServer) -> keyless_model::directory::FederatedCredential {
    let app = s
        .state
        .store
        .find_application_by_app_id(demo_conn(s).await.client_id)
        .await
        .unwrap();
    s.state.store.list_fics(app.id).await.unwrap().remove(0)
}

#[tokio::test]
async fn a_healthy_connection_is_all_ok() {
    let s = TestServer::start().await;
    let v = doctor(&s).await;
    assert_eq!(v["status"], "OK", "{v:#}");
    for check in [
        "connection",
        "identity",
        "policy",
        "cloud",
        "credential",
        "roles",
        "pipelines",
        "organization",
        "audit",
    ] {
        assert_eq!(line(&v, check).0, "OK", "{check}: {v:#}");
    }
}

#[tokio::test]
async fn a_draft_fails_and_a_renamed_connection_warns() {
    let s = TestServer::start().await;
    let mut c = demo_conn(&s).await;
    c.state = "Draft".into();
    s.state.store.update_connection(&c).await.unwrap();
    expect(
        &doctor(&s).await,
        "connection",
        "FAIL",
        "ConnectionNotReady",
    );
    c.state = "Ready".into();
    c.status_message = "The service connection was renamed.".into();
    s.state.store.update_connection(&c).await.unwrap();
    let v = doctor(&s).await;
    expect(&v, "connection", "WARN", "SubjectChanged");
}

#[tokio::test]
async fn a_missing_identity_fails_with_700016() {
    let s = TestServer::start().await;
    let mut c = demo_conn(&s).await;
    c.client_id = uuid::Uuid::new_v4();
    s.state.store.update_connection(&c).await.unwrap();
    let v = doctor(&s).await;
    expect(&v, "identity", "FAIL", "700016");
    assert_eq!(v["status"], "FAIL");
}

#[tokio::test]
async fn a_disabled_service_principal_fails_with_7000112() {
    let s = TestServer::start().await;
    let c = demo_conn(&s).await;
    let mut sp = s
        .state
        .store
        .find_service_principal(c.tenant_id, c.client_id)
        .await
        .unwrap();
    sp.account_enabled = false;
    s.state.store.update_service_principal(&sp).await.unwrap();
    expect(&doctor(&s).await, "identity", "FAIL", "7000112");
}

#[tokio::test]
async fn secrets_expired_fail_and_expiring_warn() {
    let s = TestServer::start().await;
    let mut c = demo_conn(&s).await;
    c.scheme = "ServicePrincipal".into();
    s.state.store.update_connection(&c).await.unwrap();
    expect(&doctor(&s).await, "secret", "FAIL", "7000222");
    let app = s
        .state
        .store
        .find_application_by_app_id(c.client_id)
        .await
        .unwrap();
    let now = s.state.now();
    let p = keyless_model::directory::PasswordCredential {
        key_id: uuid::Uuid::new_v4(),
        application_id: app.id,
        display_name: "soon".into(),
        hint: "abc".into(),
        salt: "s".into(),
        secret_hash: "h".into(),
        start_date_time: now - 86_400,
        end_date_time: now + 10 * 86_400,
    };
    s.state.store.add_password(&p).await.unwrap();
    expect(&doctor(&s).await, "secret", "WARN", "7000222");
}

async fn set_policy(
    s: &TestServer,
    f: impl FnOnce(&mut keyless_model::directory::FederationPolicy),
) {
    let mut t = s.state.store.get_tenant(s.tenant()).await.unwrap();
    f(&mut t.settings.federation);
    s.state
        .store
        .update_tenant_settings(t.id, &t.settings)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_disabled_federation_policy_fails_with_700223() {
    let s = TestServer::start().await;
    set_policy(&s, |p| p.enabled = false).await;
    expect(&doctor(&s).await, "policy", "FAIL", "700223");
}

#[tokio::test]
async fn an_issuer_not_allowed_for_apps_fails_with_700238() {
    let s = TestServer::start().await;
    set_policy(&s, |p| {
        p.allowed_issuers_for_apps = Some(vec!["https://elsewhere.example".into()])
    })
    .await;
    expect(&doctor(&s).await, "policy", "FAIL", "700238");
}

#[tokio::test]
async fn an_organization_of_another_cloud_fails_with_900382() {
    let s = TestServer::start().await;
    let world = "organizations:\n  - name: gov\n    tenant: contoso\n    cloud: usgov\n    projects:\n      - name: ops\n        connections:\n          - name: gov-conn\n            app: contoso/demo-deploy\n            subscription: demo-subscription\n            issuer: devops\n";
    let resp = s
        .http
        .post(format!("{}/keyless/v1/apply", s.origin))
        .bearer_auth(s.var("KEYLESS_TOKEN"))
        .header("content-type", "application/yaml")
        .body(world)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    let (st, v) = s
        .admin(
            Method::GET,
            "/keyless/v1/organizations/gov/projects/ops/connections/gov-conn/doctor",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    expect(&v, "cloud", "FAIL", "900382");
}

#[tokio::test]
async fn credential_mismatches_name_the_catalogue_code_and_the_nearest_diff() {
    let s = TestServer::start().await;
    let good = demo_fic(&s).await;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|f| f.issuer = "https://elsewhere.example/".into()),
            "700211",
        ),
        (
            Box::new(|f| f.subject = Some("/eid1/c/pub/t/x/a/y/sc/z/w".into())),
            "700213",
        ),
        (
            Box::new(|f| f.subject = f.subject.as_ref().map(|s| s.to_uppercase())),
            "7002138",
        ),
        (
            Box::new(|f| f.audiences = vec!["api://other".into()]),
            "70021",
        ),
    ];
    for (change, code) in cases {
        let mut f = good.clone();
        change(&mut f);
        s.state.store.update_fic(&f).await.unwrap();
        let v = doctor(&s).await;
        expect(&v, "credential", "FAIL", code);
        let line = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == "credential")
            .unwrap();
        let near = &line["detail"]["nearestCredential"];
        assert_eq!(near["name"], json!(good.name), "{v:#}");
        assert!(near["firstDifference"]["at"].is_number(), "{v:#}");
        assert!(line["fix"].is_string());
    }
    s.state
        .store
        .delete_fic(good.parent_id, good.id)
        .await
        .unwrap();
    expect(&doctor(&s).await, "credential", "FAIL", "70025");
}

#[tokio::test]
async fn no_role_at_the_scope_warns_with_authorization_failed() {
    let s = TestServer::start().await;
    let c = demo_conn(&s).await;
    let sp = s
        .state
        .store
        .find_service_principal(c.tenant_id, c.client_id)
        .await
        .unwrap();
    for a in s
        .state
        .store
        .list_role_assignments_for_principal(sp.id)
        .await
        .unwrap()
    {
        s.state.store.delete_role_assignment(a.id).await.unwrap();
    }
    let v = doctor(&s).await;
    expect(&v, "roles", "WARN", "AuthorizationFailed");
    assert_eq!(v["status"], "WARN", "{v:#}");
}

#[tokio::test]
async fn a_referencing_pipeline_not_authorized_warns() {
    let s = TestServer::start().await;
    let id = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let (st, b) = s
        .admin(
            Method::PATCH,
            &format!("/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{id}?api-version=7.1-preview.1"),
            Some(json!({"allPipelines": {"authorized": false}})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let v = doctor(&s).await;
    expect(&v, "pipelines", "WARN", "PipelineNotAuthorized");
}

#[tokio::test]
async fn azure_devops_use_without_organization_membership_warns() {
    let s = TestServer::start().await;
    // The identity asks for an Azure DevOps token: doctor checks its organization access.
    let assertion = s.id_token().await;
    let (st, b) = s
        .token(
            &s.var("AZURE_TENANT_ID"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &s.var("AZURE_CLIENT_ID")),
                ("scope", "499b84ac-1321-427f-aa17-267ca6975798/.default"),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &assertion),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    expect(&doctor(&s).await, "organization", "WARN", "TF401444");
    let c = demo_conn(&s).await;
    let (st, b) = s
        .admin(
            Method::PUT,
            &format!(
                "/keyless/v1/organizations/contoso/identities/{}",
                c.client_id
            ),
            Some(json!({"accessLevel": "Basic"})),
        )
        .await;
    assert!(st.is_success(), "{b}");
    expect(&doctor(&s).await, "organization", "WARN", "VS800075");
}

#[tokio::test]
async fn denials_after_the_last_grant_warn_with_the_nearest_credential() {
    let s = TestServer::start().await;
    let good = demo_fic(&s).await;
    let mut bad = good.clone();
    bad.subject = good.subject.as_ref().map(|x| x.to_uppercase());
    s.state.store.update_fic(&bad).await.unwrap();
    let assertion = s.id_token().await;
    let (st, _) = s.exchange(&assertion).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    s.state.store.update_fic(&good).await.unwrap();
    let v = doctor(&s).await;
    expect(&v, "credential", "OK", "-");
    expect(&v, "audit", "WARN", "7002138");
    let audit = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "audit")
        .unwrap();
    assert!(audit["detail"]["nearestCredential"].is_object(), "{v:#}");
    // A later success resolves it.
    let (st, b) = s.exchange(&s.id_token().await).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    expect(&doctor(&s).await, "audit", "OK", "7002138");
    let _ = ARM_SCOPE;
}

#[tokio::test]
async fn only_administrators_of_the_connection_may_run_it() {
    let s = TestServer::start().await;
    let (st, _) = doctor_as(&s, None, "demo-connection").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let alice = member(&s, "alice").await;
    let (st, v) = doctor_as(&s, Some(&alice.token), "demo-connection").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    let (st, _) = doctor_as(&s, Some(&s.var("KEYLESS_TOKEN")), "no-such-connection").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = doctor_as(&s, Some(&s.var("KEYLESS_TOKEN")), "not-a-guid-%00").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // The connection's Administrator may.
    let c = demo_conn(&s).await;
    let (st, b) = s
        .admin(
            Method::PUT,
            &format!("/contoso/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/{}_{}", c.project_id, c.id),
            Some(json!([{"roleName": "Administrator", "userId": alice.upn}])),
        )
        .await;
    assert!(st.is_success(), "{b}");
    let (st, v) = doctor_as(&s, Some(&alice.token), &c.id.to_string()).await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn an_unknown_tenant_fails_with_90002() {
    let s = TestServer::start().await;
    let mut c = demo_conn(&s).await;
    c.tenant_id = uuid::Uuid::new_v4();
    s.state.store.update_connection(&c).await.unwrap();
    expect(&doctor(&s).await, "identity", "FAIL", "90002");
}

#[tokio::test]
async fn a_connection_without_its_scope_fails_the_roles_check() {
    let s = TestServer::start().await;
    let mut c = demo_conn(&s).await;
    c.data.remove("subscriptionId");
    s.state.store.update_connection(&c).await.unwrap();
    let v = doctor(&s).await;
    expect(&v, "roles", "FAIL", "BadRequest");
    assert!(v.to_string().contains("data.subscriptionId"), "{v}");
}

#[tokio::test]
async fn unknown_organizations_and_projects_are_404() {
    let s = TestServer::start().await;
    for path in [
        "/keyless/v1/organizations/nope/projects/web/connections/demo-connection/doctor",
        "/keyless/v1/organizations/contoso/projects/nope/connections/demo-connection/doctor",
    ] {
        let (st, v) = s.admin(Method::GET, path, None).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}: {v}");
    }
}

#[tokio::test]
async fn flexible_credentials_are_evaluated_against_the_expected_claims() {
    let s = TestServer::start().await;
    let mut f = demo_fic(&s).await;
    let prefix: String = f.subject.clone().unwrap().chars().take(20).collect();
    f.subject = None;
    f.claims_matching_expression = Some(format!("claims['sub'] matches '{prefix}*'"));
    s.state.store.update_fic(&f).await.unwrap();
    expect(&doctor(&s).await, "credential", "OK", "-");
    f.claims_matching_expression = Some("claims['sub'] matches 'nope*'".into());
    s.state.store.update_fic(&f).await.unwrap();
    expect(&doctor(&s).await, "credential", "FAIL", "7002131");
}

#[tokio::test]
async fn the_organization_summary_lists_administered_connections() {
    let s = TestServer::start().await;
    set_policy(&s, |p| p.enabled = false).await;
    let (st, v) = s
        .admin(
            Method::GET,
            "/keyless/v1/organizations/contoso/doctor",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "FAIL", "{v:#}");
    assert_eq!(v["value"][0]["connection"]["name"], "demo-connection");
    assert_eq!(v["value"][0]["problems"][0]["code"], "700223", "{v:#}");
    // A member who administers nothing sees an empty summary.
    let alice = member(&s, "alice").await;
    let (st, v) = s
        .send(
            Method::GET,
            "/keyless/v1/organizations/contoso/doctor",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["count"], 0, "{v:#}");
}

#[tokio::test]
async fn a_managed_identity_connection_is_checked_against_its_own_policy() {
    let s = TestServer::start().await;
    let demo = demo_conn(&s).await;
    let sp = keyless_model::directory::ServicePrincipal {
        id: uuid::Uuid::new_v4(),
        app_id: uuid::Uuid::new_v4(),
        tenant_id: demo.tenant_id,
        display_name: "mi".into(),
        account_enabled: true,
        service_principal_type: keyless_model::directory::SP_TYPE_MANAGED_IDENTITY.into(),
        alternative_names: vec![],
        created_at: s.state.now(),
    };
    s.state.store.create_service_principal(&sp).await.unwrap();
    let mut c = demo.clone();
    c.id = uuid::Uuid::new_v4();
    c.name = "mi-conn".into();
    c.client_id = sp.app_id;
    s.state.store.create_connection(&c).await.unwrap();
    let mut f = demo_fic(&s).await;
    f.id = uuid::Uuid::new_v4();
    f.parent_id = sp.id;
    f.subject = f
        .subject
        .map(|x| x.replace(&demo.id.to_string(), &c.id.to_string()));
    s.state.store.create_fic(&f).await.unwrap();
    let (st, v) = doctor_as(&s, Some(&s.var("KEYLESS_TOKEN")), "mi-conn").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    expect(&v, "identity", "OK", "-");
    expect(&v, "credential", "OK", "-");
    assert!(v.to_string().contains("managed identity"), "{v}");
    set_policy(&s, |p| {
        p.allowed_issuers_for_managed_identities = Some(vec!["https://elsewhere.example".into()])
    })
    .await;
    let (_, v) = doctor_as(&s, Some(&s.var("KEYLESS_TOKEN")), "mi-conn").await;
    expect(&v, "policy", "FAIL", "700238");
    // The app-registration connection is not affected.
    expect(&doctor(&s).await, "policy", "OK", "-");
}
