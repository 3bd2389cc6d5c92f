//! Automatic creation with a custom role (`data.roleDefinitionId` or `roleDefinitionName`):
//! assigned when the scope's tenant owns it and it is assignable at the scope; refused before
//! anything is created otherwise.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;

use common::TestServer;
use keyless_model::arm::CustomRole;
use reqwest::StatusCode;
use sc_support::*;
use serde_json::{Value, json};

async fn custom_role(s: &TestServer, tenant: uuid::Uuid, name: &str, scope: &str) -> uuid::Uuid {
    let r = CustomRole {
        id: uuid::Uuid::new_v4(),
        tenant_id: tenant,
        role_name: name.into(),
        description: String::new(),
        actions: vec!["Microsoft.Resources/subscriptions/resourceGroups/read".into()],
        not_actions: vec![],
        data_actions: vec![],
        not_data_actions: vec![],
        assignable_scopes: vec![scope.to_ascii_lowercase()],
        created_at: s.state.now(),
    };
    s.store().create_custom_role(&r).await.unwrap();
    r.id
}

fn with_role(s: &TestServer, name: &str, key: &str, value: &str) -> Value {
    let mut body = automatic_body(s, name, "WorkloadIdentityFederation");
    body["data"][key] = json!(value);
    body
}

async fn apps_named(s: &TestServer, name: &str) -> usize {
    s.store()
        .list_applications(s.tenant())
        .await
        .unwrap()
        .iter()
        .filter(|a| a.display_name.ends_with(name))
        .count()
}

fn subscription(s: &TestServer) -> String {
    format!("/subscriptions/{}", s.var("AZURE_SUBSCRIPTION_ID"))
}

#[tokio::test]
async fn a_custom_role_by_id_is_assigned_at_the_scope() {
    let s = TestServer::start().await;
    let role = custom_role(&s, s.tenant(), "Deployer", &subscription(&s)).await;
    let full = format!(
        "{}/providers/Microsoft.Authorization/roleDefinitions/{role}",
        subscription(&s)
    );
    let c = created(&s, with_role(&s, "custom-id", "roleDefinitionId", &full)).await;
    assert_eq!(assignment_of(&s, &c).await.role_definition_id, role);
}

#[tokio::test]
async fn a_custom_role_by_name_is_assigned() {
    let s = TestServer::start().await;
    let role = custom_role(&s, s.tenant(), "Deployer", &subscription(&s)).await;
    let body = with_role(&s, "custom-name", "roleDefinitionName", "deployer");
    let c = created(&s, body).await;
    assert_eq!(assignment_of(&s, &c).await.role_definition_id, role);
}

/// A custom role not assignable at the scope, a custom role of another tenant and an
/// unknown role name: each refused with its message, before anything is made.
#[tokio::test]
async fn unusable_roles_are_refused_before_anything_is_made() {
    let s = TestServer::start().await;
    let elsewhere = format!("{}/resourceGroups/other-rg", subscription(&s));
    let narrow = custom_role(&s, s.tenant(), "Narrow", &elsewhere).await;
    let t = crate::support::new_tenant(&s, "fabrikam").await;
    let other: uuid::Uuid = t["id"].as_str().unwrap().parse().unwrap();
    let foreign = custom_role(&s, other, "Foreign", &subscription(&s)).await;
    let cases = [
        (
            "narrow",
            "roleDefinitionId",
            narrow.to_string(),
            "is not assignable at",
        ),
        (
            "foreign",
            "roleDefinitionId",
            foreign.to_string(),
            "neither a built-in role",
        ),
        (
            "nobody",
            "roleDefinitionName",
            "No Such Role".to_string(),
            "'No Such Role'",
        ),
    ];
    for (name, key, role, says) in cases {
        let body = with_role(&s, name, key, &role);
        let (status, e) = create_as(&s, &s.var("KEYLESS_TOKEN"), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {e}");
        assert!(message(&e).contains(says), "{name}: {says}: {e}");
        assert_eq!(apps_named(&s, name).await, 0, "{name}");
    }
}
