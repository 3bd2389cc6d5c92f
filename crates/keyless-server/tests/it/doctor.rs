//! `GET …/connections/{connection}/doctor`: the connection, identity and federation
//! checks, one test per failure kind, each set up through the admin API, a world file or
//! the store. Roles, pipelines, organization, audit and access: `doctor_access.rs`.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::doctor_support;

use common::{Expect, TestServer};
use doctor_support::*;
use keyless_model::devops::{ConnectionState, Scheme};
use reqwest::StatusCode;
use serde_json::json;

type Fic = keyless_model::directory::FederatedCredential;
type Change = Box<dyn Fn(&mut Fic)>;

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
    let mut c = change_demo_conn(&s, |c| c.state = ConnectionState::Draft).await;
    expect(
        &doctor(&s).await,
        "connection",
        "FAIL",
        "ConnectionNotReady",
    );
    c.state = ConnectionState::Ready;
    c.status_message = "The service connection was renamed.".into();
    s.store().update_connection(&c).await.unwrap();
    let v = doctor(&s).await;
    expect(&v, "connection", "WARN", "SubjectChanged");
}

#[tokio::test]
async fn a_missing_identity_fails_with_700016() {
    let s = TestServer::start().await;
    change_demo_conn(&s, |c| c.client_id = uuid::Uuid::new_v4()).await;
    let v = doctor(&s).await;
    expect(&v, "identity", "FAIL", "700016");
    assert_eq!(v["status"], "FAIL");
}

#[tokio::test]
async fn a_disabled_service_principal_fails_with_7000112() {
    let s = TestServer::start().await;
    let c = demo_conn(&s).await;
    let mut sp = s
        .store()
        .find_service_principal(c.tenant_id, c.client_id)
        .await
        .unwrap();
    sp.account_enabled = false;
    s.store().update_service_principal(&sp).await.unwrap();
    expect(&doctor(&s).await, "identity", "FAIL", "7000112");
}

#[tokio::test]
async fn secrets_expired_fail_and_expiring_warn() {
    let s = TestServer::start().await;
    let c = change_demo_conn(&s, |c| c.scheme = Scheme::ServicePrincipal).await;
    expect(&doctor(&s).await, "secret", "FAIL", "7000222");
    let app = s
        .store()
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
    s.store().add_password(&p).await.unwrap();
    expect(&doctor(&s).await, "secret", "WARN", "7000222");
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
    let v = s
        .admin_ok("/keyless/v1/organizations/gov/projects/ops/connections/gov-conn/doctor")
        .await;
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
        s.store().update_fic(&f).await.unwrap();
        let v = doctor(&s).await;
        expect(&v, "credential", "FAIL", code);
        let line = finding(&v, "credential");
        let near = &line["detail"]["nearestCredential"];
        assert_eq!(near["name"], json!(good.name), "{v:#}");
        assert!(near["firstDifference"]["at"].is_number(), "{v:#}");
        assert!(line["fix"].is_string());
    }
    s.store().delete_fic(good.parent_id, good.id).await.unwrap();
    expect(&doctor(&s).await, "credential", "FAIL", "70025");
}

#[tokio::test]
async fn an_unknown_tenant_fails_with_90002() {
    let s = TestServer::start().await;
    change_demo_conn(&s, |c| c.tenant_id = uuid::Uuid::new_v4()).await;
    expect(&doctor(&s).await, "identity", "FAIL", "90002");
}

#[tokio::test]
async fn a_connection_without_its_scope_fails_the_roles_check() {
    let s = TestServer::start().await;
    change_demo_conn(&s, |c| {
        c.data.remove("subscriptionId");
    })
    .await;
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
        let (st, v) = s.admin_get(path).await;
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
    s.store().update_fic(&f).await.unwrap();
    expect(&doctor(&s).await, "credential", "OK", "-");
    f.claims_matching_expression = Some("claims['sub'] matches 'nope*'".into());
    s.store().update_fic(&f).await.unwrap();
    expect(&doctor(&s).await, "credential", "FAIL", "7002131");
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
    s.store().create_service_principal(&sp).await.unwrap();
    let mut c = demo.clone();
    c.id = uuid::Uuid::new_v4();
    c.name = "mi-conn".into();
    c.client_id = sp.app_id;
    s.store().create_connection(&c).await.unwrap();
    let mut f = demo_fic(&s).await;
    f.id = uuid::Uuid::new_v4();
    f.parent_id = sp.id;
    f.subject = f
        .subject
        .map(|x| x.replace(&demo.id.to_string(), &c.id.to_string()));
    s.store().create_fic(&f).await.unwrap();
    let v = doctor_as(&s, Some(&s.var("KEYLESS_TOKEN")), "mi-conn")
        .await
        .expect_status(StatusCode::OK);
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
