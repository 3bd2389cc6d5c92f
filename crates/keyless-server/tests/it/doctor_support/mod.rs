//! Helpers of the doctor tests: run it, find a check's line, the demo connection and its
//! federated credential, the tenant's federation policy.
#![allow(dead_code, clippy::unwrap_used)]

use crate::common::Expect;
use crate::common::TestServer;
use keyless_model::devops::ServiceConnection;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub type Fic = keyless_model::directory::FederatedCredential;

pub const PATH: &str = "/keyless/v1/organizations/contoso/projects/web/connections";

pub async fn doctor_as(s: &TestServer, token: Option<&str>, conn: &str) -> (StatusCode, Value) {
    s.send(Method::GET, &format!("{PATH}/{conn}/doctor"), token, None)
        .await
}

pub async fn doctor(s: &TestServer) -> Value {
    doctor_as(s, Some(&s.var("KEYLESS_TOKEN")), "demo-connection")
        .await
        .expect_status(StatusCode::OK)
}

/// The first finding of a check.
pub fn finding<'a>(v: &'a Value, check: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check)
        .unwrap_or_else(|| panic!("no {check} line in {v}"))
}

/// The first finding of a check: (status, code).
pub fn line(v: &Value, check: &str) -> (String, String) {
    let f = finding(v, check);
    (
        f["status"].as_str().unwrap().to_string(),
        f["code"].as_str().unwrap_or("-").to_string(),
    )
}

pub fn expect(v: &Value, check: &str, status: &str, code: &str) {
    assert_eq!(line(v, check), (status.into(), code.into()), "{v:#}");
}

pub async fn demo_conn(s: &TestServer) -> ServiceConnection {
    let org = s.store().find_organization("contoso").await.unwrap();
    let p = s.store().find_project(org.id, "web").await.unwrap();
    s.store()
        .find_connection(p.id, "demo-connection")
        .await
        .unwrap()
}

/// The demo connection after `change`, written back to the store.
pub async fn change_demo_conn(
    s: &TestServer,
    change: impl FnOnce(&mut ServiceConnection),
) -> ServiceConnection {
    let mut c = demo_conn(s).await;
    change(&mut c);
    s.store().update_connection(&c).await.unwrap();
    c
}

pub async fn demo_fic(s: &TestServer) -> keyless_model::directory::FederatedCredential {
    let app = s
        .store()
        .find_application_by_app_id(demo_conn(s).await.client_id)
        .await
        .unwrap();
    s.store().list_fics(app.id).await.unwrap().remove(0)
}

pub async fn set_policy(
    s: &TestServer,
    f: impl FnOnce(&mut keyless_model::directory::FederationPolicy),
) {
    let mut t = s.store().get_tenant(s.tenant()).await.unwrap();
    f(&mut t.settings.federation);
    s.store()
        .update_tenant_settings(t.id, &t.settings)
        .await
        .unwrap();
}
