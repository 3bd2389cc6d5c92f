//! A virtual machine's system-assigned identity is written in the VM's own unit of work:
//! when a later write of the change fails (a fault injected into the database), the
//! principal it created, retired or deleted is as it was before the request.
#![allow(clippy::unwrap_used)]

use crate::common::Expect;
use crate::common::faults::Faulty;
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

#[track_caller]
fn assert_failed(status: StatusCode, body: &Value) {
    assert!(status.is_server_error(), "{status}: {body}");
}

#[tokio::test]
async fn a_failed_vm_write_leaves_its_identity_as_it_was() {
    let f = Faulty::start().await;
    let s = &f.server;
    let arm = s.client(&s.arm_token().await).with_api_per_path();
    let vm = format!(
        "{}/providers/Microsoft.Compute/virtualMachines/vm-atomic",
        rg_path(s)
    );
    let system = json!({"location": "eastus", "identity": {"type": "SystemAssigned"}});

    // Creating: the VM's row cannot be written, and the principal it gained cannot be
    // deleted afterwards either. No principal is left behind.
    f.fail("INSERT", "resources").await;
    f.fail("DELETE", "service_principals").await;
    let (status, body) = arm.put(&vm, system.clone()).await;
    assert_failed(status, &body);
    assert_eq!(principals_of(&f, &vm).await, Vec::<String>::new());
    arm.get(&vm).await.expect_status(StatusCode::NOT_FOUND);
    f.heal("INSERT", "resources").await;

    // Giving the identity up: the principal cannot be deleted, so the VM keeps it.
    let created = arm
        .put(&vm, system)
        .await
        .expect_status(StatusCode::CREATED);
    let principal = created["identity"]["principalId"].clone();
    let (status, body) = arm.patch(&vm, json!({"identity": {"type": "None"}})).await;
    assert_failed(status, &body);
    assert_eq!(arm.get_ok(&vm).await["identity"], created["identity"]);
    assert_eq!(
        principals_of(&f, &vm).await,
        vec![principal.as_str().unwrap().to_string()]
    );
}

#[tokio::test]
async fn a_failed_vm_delete_keeps_its_principal() {
    let f = Faulty::start().await;
    let s = &f.server;
    let arm = s.client(&s.arm_token().await).with_api_per_path();
    let vm = format!(
        "{}/providers/Microsoft.Compute/virtualMachines/vm-atomic",
        rg_path(s)
    );
    let system = json!({"location": "eastus", "identity": {"type": "SystemAssigned"}});
    let created = arm
        .put(&vm, system)
        .await
        .expect_status(StatusCode::CREATED);
    let principal = created["identity"]["principalId"].clone();
    // The VM's row cannot be deleted, so its principal stays too.
    f.fail("DELETE", "resources").await;
    let (status, body) = arm.delete(&vm).await;
    assert_failed(status, &body);
    assert_eq!(arm.get_ok(&vm).await["identity"], created["identity"]);
    assert_eq!(
        principals_of(&f, &vm).await,
        vec![principal.as_str().unwrap().to_string()]
    );
    f.heal("DELETE", "resources").await;

    // Without faults the same requests succeed.
    arm.delete(&vm).await.expect_status(StatusCode::OK);
    assert_eq!(principals_of(&f, &vm).await, Vec::<String>::new());
}
