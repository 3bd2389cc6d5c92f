//! Automatic creation with a custom role (`data.roleDefinitionId` or `roleDefinitionName`):
//! assigned when the scope's tenant owns it and it is assignable at the scope; refused before
//! anything is created otherwise.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;

use common::{Expect, TestServer};
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
    s.state.store.create_custom_role(&r).await.unwrap();
    r.id
}

fn with_role(s: &TestServer, name: &str, key: &str, value: &str) -> Value {
    let mut body = automatic_body(s, name, "WorkloadIdentityFederation");
    body["data"][key] = json!(value);
    body
}

async fn apps_named(s: &TestServer, name: &str) -> usize {
    s.state
        .store
        .list_applications(s.tenant())
        .await
        .unwrap()
        .iter()
        .filter(|a| a.display_name.ends_with(name))
        .count()
}

/// Creating the automatic connection `body` as the administrator is refused with 400, the
/// message containing `says`.
async fn refused(s: &TestServer, body: Value, says: &str) {
    create_as(s, &s.var("KEYLESS_TOKEN"), body)
        .await
        .expect_message(StatusCode::BAD_REQUEST, says);
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

#[tokio::test]
async fn a_custom_role_not_assignable_at_the_scope_is_refused_before_anything_is_made() {
    let s = TestServer::start().await;
    let elsewhere = format!("{}/resourceGroups/other-rg", subscription(&s));
    let role = custom_role(&s, s.tenant(), "Narrow", &elsewhere).await;
    let body = with_role(&s, "narrow", "roleDefinitionId", &role.to_string());
    refused(&s, body, "is not assignable at").await;
    assert_eq!(apps_named(&s, "narrow").await, 0);
}

#[tokio::test]
async fn a_custom_role_of_another_tenant_is_refused() {
    let s = TestServer::start().await;
    let t = crate::support::new_tenant(&s, "fabrikam").await;
    let other: uuid::Uuid = t["id"].as_str().unwrap().parse().unwrap();
    let role = custom_role(&s, other, "Foreign", &subscription(&s)).await;
    let body = with_role(&s, "foreign", "roleDefinitionId", &role.to_string());
    refused(&s, body, "neither a built-in role").await;
    assert_eq!(apps_named(&s, "foreign").await, 0);
}

#[tokio::test]
async fn an_unknown_role_name_is_refused() {
    let s = TestServer::start().await;
    let body = with_role(&s, "nobody", "roleDefinitionName", "No Such Role");
    refused(&s, body, "'No Such Role'").await;
}
