//! World files through `POST /keyless/v1/apply`: idempotence, located errors, all-or-nothing.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support::apply;

use common::{Expect, TestServer};
use reqwest::StatusCode;

const WORLD: &str = r#"
tenants:
  - name: fabrikam
    cloud: public
    users:
      - name: bob
    apps:
      - name: deployer
        federatedCredentials:
          - name: via-connection
            connection: fabrikam/infra/prod
          - name: explicit
            issuer: https://token.actions.githubusercontent.com
            subject: repo:fabrikam/infra:ref:refs/heads/main
    subscriptions:
      - name: prod
        resourceGroups:
          - name: app-rg
            location: westus
            tags: {env: prod}
        roleAssignments:
          - app: deployer
            role: Contributor
            resourceGroup: app-rg
          - user: bob
            role: Reader
organizations:
  - name: fabrikam
    tenant: fabrikam
    projects:
      - name: infra
        connections:
          - name: prod
            app: fabrikam/deployer
            subscription: prod
        pipelines:
          - name: release
            connections: [prod]
"#;

#[tokio::test]
async fn apply_creates_then_changes_nothing() {
    let s = TestServer::start().await;
    let first = apply(&s, WORLD).await.expect_status(StatusCode::OK);
    let changes: Vec<String> = serde_json::from_value(first["changes"].clone()).unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c.starts_with("created tenant fabrikam")),
        "{changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c == "created federated credential via-connection of deployer"),
        "{changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c.contains("assigned Contributor to app deployer")),
        "{changes:?}"
    );
    let second = apply(&s, WORLD).await.expect_status(StatusCode::OK);
    assert_eq!(second["changes"], serde_json::json!([]), "{second}");
    assert!(second["unchanged"].as_u64().unwrap() >= 12);

    // The credential made from the connection matches what the connection advertises.
    let t = s
        .state
        .shared_store()
        .find_tenant("fabrikam")
        .await
        .unwrap();
    let app = s
        .state
        .shared_store()
        .find_application_by_name(t.id, "deployer")
        .await
        .unwrap();
    let fic = s
        .state
        .shared_store()
        .find_fic_by_name(app.id, "via-connection")
        .await
        .unwrap();
    assert_eq!(fic.issuer, format!("{}/{}/v2.0", s.origin, t.id));
    assert!(fic.subject.unwrap().starts_with("/eid1/c/pub/t/"));
}

#[tokio::test]
async fn changed_fields_are_updated() {
    let s = TestServer::start().await;
    apply(&s, WORLD).await;
    let edited = WORLD.replace("location: westus", "location: eastus");
    let r = apply(&s, &edited).await.expect_status(StatusCode::OK);
    assert_eq!(
        r["changes"],
        serde_json::json!(["updated resource group app-rg"]),
        "{r}"
    );
}

#[tokio::test]
async fn errors_name_the_line_and_field_and_change_nothing() {
    let s = TestServer::start().await;
    let bad = WORLD.replace(
        "connection: fabrikam/infra/prod",
        "connection: fabrikam/infra/missing",
    );
    let e = apply(&s, &bad).await.expect_status(StatusCode::BAD_REQUEST);
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("line 11: tenants[0].apps[0].federatedCredentials[0].connection:"),
        "{msg}"
    );
    assert!(
        s.state
            .shared_store()
            .find_tenant("fabrikam")
            .await
            .is_err(),
        "nothing may be created"
    );
}

#[tokio::test]
async fn unknown_fields_and_bad_types_are_located() {
    let s = TestServer::start().await;
    let e = apply(&s, "tenants:\n  - name: x\n    colour: blue\n")
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(msg.contains("line 3") && msg.contains("colour"), "{msg}");
    apply(&s, "tenants: 5\n")
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    let e = apply(&s, "tenants:\n  - name: a\n  - name: A\n")
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("defined twice"),
        "{e}"
    );
}

#[tokio::test]
async fn role_and_reference_errors() {
    let s = TestServer::start().await;
    let e = apply(&s, &WORLD.replace("role: Reader", "role: Overlord"))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("roleAssignments[1].role"),
        "{e}"
    );
    let e = apply(
        &s,
        &WORLD.replace("app: fabrikam/deployer", "app: fabrikam/ghost"),
    )
    .await
    .expect_status(StatusCode::BAD_REQUEST);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("connections[0].app"),
        "{e}"
    );
}

/// An organization's cloud: its own when given (the Entra-generation subject names it), the
/// tenant's otherwise; an unknown cloud is located; a later file cannot move it.
#[tokio::test]
async fn organization_cloud() {
    let s = TestServer::start().await;
    let gov = WORLD.replace(
        "    tenant: fabrikam\n",
        "    tenant: fabrikam\n    cloud: usgov\n",
    );
    let e = apply(&s, &gov.replace("cloud: usgov", "cloud: mars"))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("organizations[0].cloud") && msg.contains("usgov"),
        "{msg}"
    );
    apply(&s, &gov).await.expect_status(StatusCode::OK);
    let org = s
        .state
        .shared_store()
        .find_organization("fabrikam")
        .await
        .unwrap();
    assert_eq!(org.cloud, keyless_model::directory::Cloud::UsGovernment);
    let t = s
        .state
        .shared_store()
        .find_tenant("fabrikam")
        .await
        .unwrap();
    let app = s
        .state
        .shared_store()
        .find_application_by_name(t.id, "deployer")
        .await
        .unwrap();
    let fics = s.state.shared_store().list_fics(app.id).await.unwrap();
    let via = fics.iter().find(|f| f.name == "via-connection").unwrap();
    assert!(
        via.subject
            .as_deref()
            .unwrap()
            .starts_with("/eid1/c/usg/t/"),
        "{via:?}"
    );
    let e = apply(&s, &gov.replace("cloud: usgov", "cloud: china"))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert!(e.to_string().contains("another cloud"), "{e}");
}

#[tokio::test]
async fn apply_needs_an_administrator() {
    let s = TestServer::start().await;
    let resp = s
        .http
        .post(format!("{}/keyless/v1/apply", s.origin))
        .body(WORLD)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}
