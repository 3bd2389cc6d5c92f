//! Virtual machines and scale sets with managed identities, in ARM's shape: a
//! system-assigned identity is a service principal that lives and dies with the VM,
//! user-assigned ones are named by their ARM ids; PUT and PATCH assign and remove them; the
//! principal takes role assignments like any other. Each refusal is checked for its status,
//! code, envelope, and that nothing changed.
#![allow(clippy::unwrap_used)]

use crate::common::{Client, Expect, TestServer};
use crate::identities::{identity_path as uai_path, rg_path as rg};
use crate::support::rbac::{assignment, body, new_name, owner};
use keyless_model::rbac::READER;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn vm_path(s: &TestServer, kind: &str, name: &str) -> String {
    format!("{}/providers/Microsoft.Compute/{kind}/{name}", rg(s))
}

fn arm<'a>(s: &'a TestServer, token: &str) -> Client<'a> {
    s.client(token).with_api_per_path()
}

/// Creates the VM at `path` with a system-assigned identity: its body.
pub(crate) async fn new_vm(arm: &Client<'_>, path: &str) -> Value {
    arm.put(
        path,
        json!({"location": "eastus", "identity": {"type": "SystemAssigned"}}),
    )
    .await
    .expect_status(StatusCode::CREATED)
}

async fn principal_exists(s: &TestServer, id: &Value) -> bool {
    let id = id.as_str().unwrap().parse().unwrap();
    s.store().get_service_principal(id).await.is_ok()
}

#[tokio::test]
async fn a_system_assigned_identity_lives_and_dies_with_its_vm() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let arm = arm(&s, &t);
    for kind in ["virtualMachines", "virtualMachineScaleSets"] {
        let path = vm_path(&s, kind, "agent-vm");
        let vm = new_vm(&arm, &path).await;
        let identity = &vm["identity"];
        assert_eq!(identity["type"], "SystemAssigned", "{vm}");
        assert_eq!(identity["tenantId"], s.var("AZURE_TENANT_ID"));
        let principal = identity["principalId"].clone();
        let sp = s
            .store()
            .get_service_principal(principal.as_str().unwrap().parse().unwrap())
            .await
            .unwrap();
        assert_eq!(sp.service_principal_type, "ManagedIdentity");
        assert!(
            sp.alternative_names.contains(&path),
            "{:?}",
            sp.alternative_names
        );
        // A second PUT keeps the same principal; GET shows it.
        let again = arm
            .put(
                &path,
                json!({"location": "eastus", "identity": {"type": "systemassigned"}}),
            )
            .await
            .expect_status(StatusCode::OK);
        assert_eq!(again["identity"]["principalId"], principal);
        assert_eq!(arm.get_ok(&path).await["identity"], *identity);
        // Deleting the VM deletes its principal.
        arm.delete(&path).await.expect_status(StatusCode::OK);
        assert!(!principal_exists(&s, &principal).await);
    }
}

#[tokio::test]
async fn put_and_patch_assign_and_remove_identities() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let arm = arm(&s, &t);
    let uai = arm
        .put(&uai_path(&s, "deployer"), json!({"location": "eastus"}))
        .await
        .expect_status(StatusCode::CREATED);
    let path = vm_path(&s, "virtualMachines", "build-vm");
    arm.put(&path, json!({"location": "eastus"}))
        .await
        .expect_status(StatusCode::CREATED);
    // Both kinds at once.
    let both = json!({"identity": {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {uai["id"].as_str().unwrap(): {}}}});
    let vm = arm.patch(&path, both).await.expect_status(StatusCode::OK);
    let identity = &vm["identity"];
    assert_eq!(identity["type"], "SystemAssigned, UserAssigned");
    let system = identity["principalId"].clone();
    assert!(principal_exists(&s, &system).await);
    assert_eq!(
        identity["userAssignedIdentities"][uai["id"].as_str().unwrap()],
        json!({"principalId": uai["properties"]["principalId"], "clientId": uai["properties"]["clientId"]})
    );
    // Dropping the system-assigned identity deletes its principal; the user one stays.
    let vm = arm
        .patch(&path, json!({"identity": {"type": "UserAssigned"}}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(vm["identity"]["type"], "UserAssigned");
    assert!(vm["identity"].get("principalId").is_none(), "{vm}");
    assert!(!principal_exists(&s, &system).await);
    // The user-assigned identity itself is untouched.
    arm.get_ok(&uai_path(&s, "deployer")).await;
    // Back to system-assigned with PUT: a new principal; None removes the block.
    let vm = arm
        .put(
            &path,
            json!({"location": "eastus", "identity": {"type": "SystemAssigned"}}),
        )
        .await
        .expect_status(StatusCode::OK);
    let system = vm["identity"]["principalId"].clone();
    assert!(principal_exists(&s, &system).await);
    let vm = arm
        .patch(&path, json!({"identity": {"type": "None"}}))
        .await
        .expect_status(StatusCode::OK);
    assert!(vm.get("identity").is_none(), "{vm}");
    assert!(!principal_exists(&s, &system).await);
}

#[tokio::test]
async fn the_vm_principal_takes_role_assignments() {
    let s = TestServer::start().await;
    let (_, token) = owner(&s).await;
    let arm = arm(&s, &token);
    let path = vm_path(&s, "virtualMachines", "agent-vm");
    let vm = new_vm(&arm, &path).await;
    let principal = vm["identity"]["principalId"].as_str().unwrap().to_string();
    let name = new_name();
    let created = s
        .client(&token)
        .put(&assignment(&rg(&s), &name), body(&s, READER, &principal))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(created["properties"]["principalId"], principal);
    // Deleting the VM deletes the assignment with the principal.
    arm.delete(&path).await.expect_status(StatusCode::OK);
    let assignments = s
        .store()
        .list_role_assignments_for_principal(principal.parse().unwrap())
        .await
        .unwrap();
    assert!(assignments.is_empty(), "{assignments:?}");
}

#[tokio::test]
async fn invalid_identity_blocks_are_refused_and_change_nothing() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let arm = arm(&s, &t);
    let path = vm_path(&s, "virtualMachines", "vm1");
    let stored = new_vm(&arm, &path).await;
    let principals_before = s
        .store()
        .list_service_principals(s.tenant())
        .await
        .unwrap()
        .len();
    let missing = uai_path(&s, "nobody");
    let cases = [
        (json!({"identity": {"type": "Magic"}}), "BadRequest", "The identity type 'Magic' is not valid. Use SystemAssigned, UserAssigned, 'SystemAssigned, UserAssigned' or None.".to_string()),
        (json!({"identity": {"type": null}}), "BadRequest", "The 'identity.type' property is required.".to_string()),
        (json!({"identity": "SystemAssigned"}), "BadRequest", "The 'identity' property must be a JSON object.".to_string()),
        (json!({"identity": {"type": "None, SystemAssigned"}}), "BadRequest", "The identity type None cannot be combined with another identity type.".to_string()),
        (json!({"identity": {"type": "SystemAssigned", "userAssignedIdentities": {missing.clone(): {}}}}), "BadRequest", "The request format was unexpected, a non-UserAssigned identity type should not contain: userAssignedIdentities".to_string()),
        (json!({"identity": {"type": "UserAssigned"}}), "BadRequest", "The request format was unexpected, a UserAssigned identity type should contain: userAssignedIdentities".to_string()),
        (json!({"identity": {"type": "UserAssigned", "userAssignedIdentities": []}}), "BadRequest", "The 'identity.userAssignedIdentities' property must be a JSON object.".to_string()),
        (json!({"identity": {"type": "UserAssigned", "userAssignedIdentities": {missing.clone(): {}}}}), "FailedIdentityOperation", format!("Identity operation for resource {path} failed with error Failed to perform resource identity operation. Status: NotFound. Resource {missing} was not found.")),
    ];
    for (mut b, code, message) in cases {
        for put in [false, true] {
            let resp = if put {
                b["location"] = json!("eastus");
                arm.put(&path, b.clone()).await
            } else {
                arm.patch(&path, b.clone()).await
            };
            let e = resp.expect_status(StatusCode::BAD_REQUEST);
            assert_eq!(e["error"]["code"], code, "{b}: {e}");
            assert_eq!(e["error"]["message"], message, "{b}: {e}");
        }
    }
    // A new VM refused for its identity is not created, and no principal is left behind.
    let new = vm_path(&s, "virtualMachines", "vm2");
    let b = json!({"location": "eastus", "identity": {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {missing.clone(): {}}}});
    arm.put(&new, b)
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    arm.get(&new).await.expect_status(StatusCode::NOT_FOUND);
    assert_eq!(arm.get_ok(&path).await, stored);
    assert_eq!(
        s.store()
            .list_service_principals(s.tenant())
            .await
            .unwrap()
            .len(),
        principals_before
    );
}
