//! A virtual machine's system-assigned identity is written in the VM's own unit of work:
//! when a later write of the change fails (a fault injected into the database), the
//! principal it created, retired or deleted is as it was before the request.
#![allow(clippy::unwrap_used)]

use crate::common::faults::Faulty;
use crate::common::{Client, Expect};
use crate::identities::rg_path;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The managed-identity principals of the demo tenant that name `path`.
async fn principals_of(f: &Faulty, path: &str) -> Vec<String> {
    let s = &f.server;
    let tenant = s.var("AZURE_TENANT_ID").parse().unwrap();
    let all = s.store().list_service_principals(tenant).await.unwrap();
    all.into_iter()
        .filter(|sp| sp.alternative_names.iter().any(|n| n == path))
        .map(|sp| sp.id.to_string())
        .collect()
}

/// A server whose database takes faults, and an ARM token for it.
async fn started() -> (Faulty, String) {
    let f = Faulty::start().await;
    let token = f.server.arm_token().await;
    (f, token)
}

fn vm_path(f: &Faulty) -> String {
    let rg = rg_path(&f.server);
    format!("{rg}/providers/Microsoft.Compute/virtualMachines/vm-atomic")
}

/// Creates the VM at `path` with a system-assigned identity: its body and its principal.
async fn with_system_identity(arm: &Client<'_>, path: &str) -> (Value, String) {
    let created = crate::vm_identity::new_vm(arm, path).await;
    let principal = created["identity"]["principalId"].as_str().unwrap();
    (created.clone(), principal.to_string())
}

#[track_caller]
fn assert_failed(status: StatusCode, body: &Value) {
    assert!(status.is_server_error(), "{status}: {body}");
}

#[tokio::test]
async fn a_failed_vm_write_leaves_its_identity_as_it_was() {
    let (f, token) = started().await;
    let arm = f.server.client(&token).with_api_per_path();
    let vm = vm_path(&f);
    let system = json!({"location": "eastus", "identity": {"type": "SystemAssigned"}});
    // Creating: the VM's row cannot be written, and the principal it gained cannot be
    // deleted afterwards either. No principal is left behind.
    f.fail("INSERT", "resources").await;
    f.fail("DELETE", "service_principals").await;
    let (status, body) = arm.put(&vm, system).await;
    assert_failed(status, &body);
    assert_eq!(principals_of(&f, &vm).await, Vec::<String>::new());
    arm.get(&vm).await.expect_status(StatusCode::NOT_FOUND);
    f.heal("INSERT", "resources").await;

    // Giving the identity up: the principal cannot be deleted, so the VM keeps it.
    let (created, principal) = with_system_identity(&arm, &vm).await;
    let (status, body) = arm.patch(&vm, json!({"identity": {"type": "None"}})).await;
    assert_failed(status, &body);
    assert_eq!(arm.get_ok(&vm).await["identity"], created["identity"]);
    assert_eq!(principals_of(&f, &vm).await, vec![principal.clone()]);
}

#[tokio::test]
async fn a_failed_vm_delete_keeps_its_principal() {
    let (f, token) = started().await;
    let arm = f.server.client(&token).with_api_per_path();
    let vm = vm_path(&f);
    let (created, principal) = with_system_identity(&arm, &vm).await;
    // The VM's row cannot be deleted, so its principal stays too.
    f.fail("DELETE", "resources").await;
    let (status, body) = arm.delete(&vm).await;
    assert_failed(status, &body);
    assert_eq!(arm.get_ok(&vm).await["identity"], created["identity"]);
    assert_eq!(principals_of(&f, &vm).await, vec![principal.clone()]);
    f.heal("DELETE", "resources").await;

    // Without faults the same requests succeed.
    arm.delete(&vm).await.expect_status(StatusCode::OK);
    assert_eq!(principals_of(&f, &vm).await, Vec::<String>::new());
}
