//! What a world file writes is audited like any other change: each write has exactly one
//! `change` entry, written in the write's own transaction (read through the audit API,
//! which never waits for the batch writer), and a file that changes nothing adds none.
#![allow(clippy::unwrap_used)]

use crate::common::{Expect, TestServer};
use crate::support::apply;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

/// The `change` entries not seen before, and their operations.
async fn new_changes(s: &TestServer, seen: &mut HashSet<String>) -> (Vec<Value>, Vec<String>) {
    let v = s.admin_ok("/keyless/v1/audit?kind=change&limit=1000").await;
    let new: Vec<Value> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| seen.insert(e["id"].as_str().unwrap().to_string()))
        .cloned()
        .collect();
    let ops = new
        .iter()
        .map(|e| e["detail"]["operation"].as_str().unwrap_or("").to_string())
        .collect();
    (new, ops)
}

/// Applies `text`: one new entry per change the report lists, with these operations
/// among them.
async fn apply_audited(
    s: &TestServer,
    seen: &mut HashSet<String>,
    text: &str,
    operations: &[&str],
) -> Vec<Value> {
    let report = apply(s, text).await.expect_status(StatusCode::OK);
    let changes = report["changes"].as_array().unwrap();
    let (entries, ops) = new_changes(s, seen).await;
    assert_eq!(
        entries.len(),
        changes.len(),
        "one entry per change: {changes:#?} {ops:?}"
    );
    for op in operations {
        assert!(ops.iter().any(|o| o == op), "no {op} entry: {ops:?}");
    }
    for e in &entries {
        assert_eq!(e["kind"], "change", "{e}");
        assert_eq!(e["detail"]["plane"], "admin", "{e}");
    }
    let text = serde_json::to_string(&entries).unwrap();
    for secret in ["kls_pat_", "kls_job_", "eyJ"] {
        assert!(!text.contains(secret), "a secret in {text}");
    }
    entries
}

fn named<'a>(entries: &'a [Value], operation: &str) -> &'a Value {
    let found: Vec<&Value> = entries
        .iter()
        .filter(|e| e["detail"]["operation"] == operation)
        .collect();
    assert_eq!(found.len(), 1, "{operation}: {entries:#?}");
    &found[0]["detail"]["object"]
}

#[tokio::test]
async fn each_write_of_a_world_file_has_one_entry_in_its_transaction() {
    let s = TestServer::start().await;
    let mut seen = HashSet::new();
    new_changes(&s, &mut seen).await;
    // Connections with their members, permissions, shares and roles; the app, its
    // principal and credential.
    let entries = apply_audited(
        &s,
        &mut seen,
        crate::world_sc::WORLD,
        &[
            "createApplication",
            "createServicePrincipal",
            "createFederatedCredential",
            "createRoleAssignment",
            "createConnection",
            "addProjectMember",
            "authorizePipeline",
            "shared",
            "rolesSet",
        ],
    )
    .await;
    let org = s.store().find_organization("fabrikam").await.unwrap();
    let infra = s.store().find_project(org.id, "infra").await.unwrap();
    let conn = s.store().find_connection(infra.id, "prod").await.unwrap();
    assert_eq!(
        *named(&entries, "createConnection"),
        conn.id.to_string(),
        "the entry names the connection"
    );
    // The organization's owner, administrators, access levels and features.
    let org_settings = [
        "setOrganizationOwner",
        "addMember",
        "setAccessLevel",
        "setPreviewFeature",
    ];
    apply_audited(&s, &mut seen, crate::world_org::WORLD, &org_settings).await;
    // Resource groups and role assignments at their scope.
    let world = crate::world::WORLD;
    let entries = apply_audited(&s, &mut seen, world, &["putResourceGroup"]).await;
    let group = named(&entries, "putResourceGroup").as_str().unwrap();
    assert!(group.ends_with("/resourceGroups/app-rg"), "{group}");
    // The same file again changes nothing and adds no entry.
    apply_audited(&s, &mut seen, world, &[]).await;
    // Opened to every pipeline through the API, the connection is restricted again.
    let permissions = format!(
        "/fabrikam/infra/_apis/pipelines/pipelinePermissions/endpoint/{}",
        conn.id
    );
    s.admin_patch(&permissions, json!({"allPipelines": {"authorized": true}}))
        .await
        .expect_status(StatusCode::OK);
    new_changes(&s, &mut seen).await;
    apply_audited(&s, &mut seen, crate::world_sc::WORLD, &["allPipelines"]).await;
    // Updates: tenant settings, the app, its credential, the group's tags.
    let updated = world
        .replace(
            "    cloud: public\n",
            "    cloud: public\n    settings: {usersCanRegisterApps: false}\n",
        )
        .replace(
            "      - name: deployer\n",
            "      - name: deployer\n        enabled: false\n",
        )
        .replace("refs/heads/main", "refs/heads/release")
        .replace("{env: prod}", "{env: staging}");
    let updates = [
        "updateTenantSettings",
        "updateApplication",
        "updateFederatedCredential",
        "putResourceGroup",
    ];
    apply_audited(&s, &mut seen, &updated, &updates).await;
}
