//! World files through `POST /keyless/v1/apply`: idempotence, located errors, all-or-nothing.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support::{apply, fabrikam_infra};

use common::{Expect, TestServer};
use reqwest::StatusCode;

pub(crate) const WORLD: &str = concat!(
    r#"
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
"#,
    fabrikam_infra!(),
    r#"        connections:
          - name: prod
            app: fabrikam/deployer
            subscription: prod
        pipelines:
          - name: release
            yaml: "steps: [{task: AzureCLI@2, inputs: {azureSubscription: prod, scriptType: bash, scriptLocation: inlineScript, inlineScript: az account show}}]"
"#,
);

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
    let (t, app) = deployer(&s).await;
    let fic = s.store().find_fic_by_name(app.id, "via-connection").await;
    let fic = fic.unwrap();
    assert_eq!(fic.issuer, format!("{}/{}/v2.0", s.origin, t.id));
    assert!(fic.subject.unwrap().starts_with("/eid1/c/pub/t/"));
}

/// The tenant fabrikam and its app deployer, as the world file made them.
async fn deployer(
    s: &TestServer,
) -> (
    keyless_model::directory::Tenant,
    keyless_model::directory::Application,
) {
    let store = &s.store();
    let t = store.find_tenant("fabrikam").await.unwrap();
    let app = store.find_application_by_name(t.id, "deployer").await;
    (t, app.unwrap())
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
        s.store().find_tenant("fabrikam").await.is_err(),
        "nothing may be created"
    );
}

/// Unknown fields, bad types, names defined twice, unknown roles and references: each
/// refused, the message locating the fault.
#[tokio::test]
async fn invalid_files_are_refused_with_the_fault_located() {
    let s = TestServer::start().await;
    let cases = [
        (
            "an unknown field",
            "tenants:\n  - name: x\n    colour: blue\n".to_string(),
            vec!["line 3", "colour"],
        ),
        ("a bad type", "tenants: 5\n".to_string(), vec![]),
        (
            "a name defined twice",
            "tenants:\n  - name: a\n  - name: A\n".to_string(),
            vec!["defined twice"],
        ),
        (
            "an unknown role",
            WORLD.replace("role: Reader", "role: Overlord"),
            vec!["roleAssignments[1].role"],
        ),
        (
            "an unknown app",
            WORLD.replace("app: fabrikam/deployer", "app: fabrikam/ghost"),
            vec!["connections[0].app"],
        ),
    ];
    for (case, file, says) in cases {
        let e = apply(&s, &file).await;
        assert_eq!(e.0, StatusCode::BAD_REQUEST, "{case}: {}", e.1);
        let msg = e.1["error"]["message"].as_str().unwrap();
        for part in says {
            assert!(msg.contains(part), "{case}: {part}: {msg}");
        }
    }
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
    let org = s.store().find_organization("fabrikam").await.unwrap();
    assert_eq!(org.cloud, keyless_model::directory::Cloud::UsGovernment);
    let (_, app) = deployer(&s).await;
    let fics = s.store().list_fics(app.id).await.unwrap();
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

#[test]
fn a_field_path_is_found_at_its_line_or_its_deepest_existing_parent() {
    let text = "tenants:\n  - name: a\n    apps:\n      - name: x\n        appId: nope\n";
    let line_of = keyless_server::world::line_of;
    assert_eq!(line_of(text, "tenants[0].apps[0].appId"), Some(5));
    assert_eq!(line_of(text, "tenants[0].name"), Some(2));
    assert_eq!(line_of(text, "tenants[0].missing"), Some(2));
}

/// A world file nested deeper than the limit, one whose aliases expand past the node
/// limit, one over the size limit and one whose tags ARM would refuse: each a 400 in the
/// admin API's envelope, answered quickly, storing nothing.
#[tokio::test]
async fn world_files_over_the_limits_are_refused_quickly() {
    let s = TestServer::start().await;
    let deep_block = format!("tenants:\n{}x\n", "- ".repeat(100_000));
    let deep_flow = format!("tenants: {}{}\n", "[".repeat(300_000), "]".repeat(300_000));
    // Each anchor is three copies of the one before: 3 × 3^12 scalars once expanded.
    let mut aliases = String::from(
        "tenants:\n  - name: fab\n    subscriptions:\n      - name: s\n        resourceGroups:\n          - name: rg\n            location: westus\n            tags: &t0 {a: b, c: d, e: f}\n",
    );
    aliases.push_str("          - name: rg2\n            location: westus\n            tags: [");
    for i in 0..12 {
        aliases.push_str(&format!("&t{} [*t{i}, *t{i}, *t{i}], ", i + 1));
    }
    aliases.push_str("]\n");
    let big = format!("tenants: []\n# {}\n", "x".repeat(1 << 20));
    let mut many_tags = String::from(
        "tenants:\n  - name: fab\n    subscriptions:\n      - name: s\n        resourceGroups:\n          - name: rg\n            location: westus\n            tags:\n",
    );
    for i in 0..51 {
        many_tags.push_str(&format!("              t{i}: v\n"));
    }
    let cases = [
        (
            "nested 100 000 levels (block)",
            deep_block,
            "deeper than 64",
        ),
        ("nested 300 000 levels (flow)", deep_flow, "deeper than 64"),
        (
            "aliases expanding past the node limit",
            aliases,
            "aliases count as copies",
        ),
        (
            "51 tags on a resource group",
            many_tags,
            "resourceGroups[0].tags",
        ),
    ];
    for (case, file, says) in cases {
        let started = std::time::Instant::now();
        let e = apply(&s, &file).await;
        let took = started.elapsed();
        assert_eq!(e.0, StatusCode::BAD_REQUEST, "{case}: {}", e.1);
        let msg = e.1["error"]["message"].as_str().unwrap();
        assert!(msg.contains(says), "{case}: {msg}");
        assert!(took < std::time::Duration::from_secs(3), "{case}: {took:?}");
    }
    assert!(
        s.store().find_tenant("fab").await.is_err(),
        "nothing stored"
    );
    // Over the API the body limit (1 MiB) answers first; the reader refuses the same size
    // for any other caller.
    assert_eq!(apply(&s, &big).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    let e = keyless_server::world::parse(&big).unwrap_err();
    assert!(e.message.contains("at most 1048576"), "{e}");
}
