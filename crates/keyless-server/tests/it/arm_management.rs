//! Management groups (nesting, subscription placement, inheritance of role assignments
//! down to subscriptions) and custom roles (wildcards, notActions, assignable scopes).
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use keyless_model::rbac::{OWNER, management_group_scope};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::rbac::sub_scope;
use support::{arm_token_of, grant, new_principal};

const API: &str = "api-version=2023-04-01";

async fn call(
    s: &TestServer,
    t: &str,
    m: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let sep = if path.contains('?') { '&' } else { '?' };
    s.send(m, &format!("{path}{sep}{API}"), Some(t), body).await
}

fn mg(name: &str) -> String {
    format!("/providers/Microsoft.Management/managementGroups/{name}")
}

/// A principal that owns the tenant root group, and its token.
async fn root_owner(s: &TestServer) -> (support::Principal, String) {
    let p = new_principal(s, "root-owner").await;
    grant(
        s,
        &p.sp_id,
        OWNER,
        &management_group_scope(&s.var("AZURE_TENANT_ID")),
    )
    .await;
    let t = arm_token_of(s, &p).await;
    (p, t)
}

#[tokio::test]
async fn groups_nest_and_hold_subscriptions() {
    let s = TestServer::start().await;
    let (_, t) = root_owner(&s).await;
    let root = call(&s, &t, Method::GET, &mg(&s.var("AZURE_TENANT_ID")), None)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(root["properties"]["displayName"], "Tenant Root Group");
    let b = call(
        &s,
        &t,
        Method::PUT,
        &mg("platform"),
        Some(json!({"properties": {"displayName": "Platform"}})),
    )
    .await
    .expect_status(StatusCode::OK);
    assert_eq!(
        b["properties"]["details"]["parent"]["name"],
        s.var("AZURE_TENANT_ID")
    );
    call(&s, &t, Method::PUT, &mg("prod"), Some(json!({"properties": {"displayName": "Prod", "details": {"parent": {"id": mg("platform")}}}}))).await.expect_status(StatusCode::OK);
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    call(
        &s,
        &t,
        Method::PUT,
        &format!("{}/subscriptions/{sub}", mg("prod")),
        None,
    )
    .await
    .expect_status(StatusCode::OK);
    let (_, b) = call(
        &s,
        &t,
        Method::GET,
        &format!("{}?$expand=children", mg("prod")),
        None,
    )
    .await;
    assert_eq!(b["properties"]["children"][0]["name"], sub.as_str());
    // A cycle is refused; a group with children cannot be deleted.
    call(
        &s,
        &t,
        Method::PUT,
        &mg("platform"),
        Some(json!({"properties": {"details": {"parent": {"id": mg("prod")}}}})),
    )
    .await
    .expect_status(StatusCode::BAD_REQUEST);
    call(&s, &t, Method::DELETE, &mg("platform"), None)
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    let (_, list) = call(
        &s,
        &t,
        Method::GET,
        "/providers/Microsoft.Management/managementGroups",
        None,
    )
    .await;
    assert_eq!(list["value"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn assignment_on_a_group_reaches_subscriptions_below_it() {
    let s = TestServer::start().await;
    let (_, t) = root_owner(&s).await;
    call(&s, &t, Method::PUT, &mg("platform"), Some(json!({}))).await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    call(
        &s,
        &t,
        Method::PUT,
        &format!("{}/subscriptions/{sub}", mg("platform")),
        None,
    )
    .await;
    let reader = new_principal(&s, "mg-reader").await;
    call(&s, &t, Method::PUT, &format!("{}/providers/Microsoft.Authorization/roleAssignments/{}", mg("platform"), uuid::Uuid::new_v4()),
        Some(json!({"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7", "principalId": reader.sp_id}}))).await.expect_status(StatusCode::CREATED);
    let rt = arm_token_of(&s, &reader).await;
    let subs = s
        .get_as(&rt, "/subscriptions?api-version=2022-12-01")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(subs["count"]["value"], 1, "{subs}");
    call(
        &s,
        &rt,
        Method::GET,
        &format!("{}/resourcegroups/demo-rg", sub_scope(&s)),
        None,
    )
    .await
    .expect_status(StatusCode::OK);
    call(
        &s,
        &rt,
        Method::PUT,
        &format!("{}/resourcegroups/new-rg", sub_scope(&s)),
        Some(json!({"location": "westus"})),
    )
    .await
    .expect_status(StatusCode::FORBIDDEN);
    // atScope() at the subscription lists the inherited group assignment.
    let (_, list) = call(
        &s,
        &t,
        Method::GET,
        &format!(
            "{}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()",
            sub_scope(&s)
        ),
        None,
    )
    .await;
    assert!(
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["properties"]["principalId"] == reader.sp_id.as_str()),
        "{list}"
    );
    // Moving the subscription back to the root takes the inherited access away.
    call(
        &s,
        &t,
        Method::DELETE,
        &format!("{}/subscriptions/{sub}", mg("platform")),
        None,
    )
    .await;
    let (_, subs) = s.get_as(&rt, "/subscriptions?api-version=2022-12-01").await;
    assert_eq!(subs["count"]["value"], 0, "{subs}");
}

#[tokio::test]
async fn custom_role_lifecycle_and_evaluation() {
    let s = TestServer::start().await;
    let (_, t) = support::rbac::owner(&s).await;
    let id = uuid::Uuid::new_v4();
    let path = format!(
        "{}/providers/Microsoft.Authorization/roleDefinitions/{id}",
        sub_scope(&s)
    );
    let role = json!({"properties": {"roleName": "Group operator", "description": "Reads and writes groups, never deletes",
        "type": "CustomRole", "permissions": [{"actions": ["Microsoft.Resources/subscriptions/resourceGroups/*"], "notActions": ["Microsoft.Resources/subscriptions/resourceGroups/delete"]}],
        "assignableScopes": [sub_scope(&s)]}});
    let b = call(&s, &t, Method::PUT, &path, Some(role.clone()))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(b["properties"]["type"], "CustomRole");
    // An update answers 201 too, as ARM does.
    let mut updated = role;
    updated["properties"]["description"] = json!("Reads and writes groups");
    let b = call(&s, &t, Method::PUT, &path, Some(updated))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(b["properties"]["description"], "Reads and writes groups");
    let (_, list) = call(&s, &t, Method::GET, &format!("{}/providers/Microsoft.Authorization/roleDefinitions?$filter=roleName eq 'Group operator'", sub_scope(&s)), None).await;
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    let op = new_principal(&s, "operator").await;
    let assignment = format!(
        "{}/providers/Microsoft.Authorization/roleAssignments/{}",
        sub_scope(&s),
        uuid::Uuid::new_v4()
    );
    call(
        &s,
        &t,
        Method::PUT,
        &assignment,
        Some(json!({"properties": {"roleDefinitionId": path, "principalId": op.sp_id}})),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let ot = arm_token_of(&s, &op).await;
    let rg = format!("{}/resourcegroups/custom-rg", sub_scope(&s));
    call(
        &s,
        &ot,
        Method::PUT,
        &rg,
        Some(json!({"location": "westus"})),
    )
    .await
    .expect_status(StatusCode::CREATED);
    call(&s, &ot, Method::DELETE, &rg, None)
        .await
        .expect_status(StatusCode::FORBIDDEN);
    // In use: cannot be deleted; after the assignment goes, it can.
    let e = call(&s, &t, Method::DELETE, &path, None)
        .await
        .expect_status(StatusCode::CONFLICT);
    assert_eq!(e["error"]["code"], "RoleDefinitionHasAssignments");
    call(&s, &t, Method::DELETE, &assignment, None).await;
    call(&s, &t, Method::DELETE, &path, None)
        .await
        .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn custom_role_rules() {
    let s = TestServer::start().await;
    let (_, t) = support::rbac::owner(&s).await;
    let path = |id: uuid::Uuid| {
        format!(
            "{}/providers/Microsoft.Authorization/roleDefinitions/{id}",
            sub_scope(&s)
        )
    };
    call(
        &s,
        &t,
        Method::PUT,
        &path(uuid::Uuid::new_v4()),
        Some(json!({"properties": {"roleName": "x", "assignableScopes": []}})),
    )
    .await
    .expect_status(StatusCode::BAD_REQUEST);
    call(
        &s,
        &t,
        Method::PUT,
        &path(uuid::Uuid::new_v4()),
        Some(json!({"properties": {"roleName": "Owner", "assignableScopes": [sub_scope(&s)]}})),
    )
    .await
    .expect_status(StatusCode::BAD_REQUEST);
    call(
        &s,
        &t,
        Method::PUT,
        &path(keyless_model::rbac::READER),
        Some(json!({"properties": {"roleName": "Mine", "assignableScopes": [sub_scope(&s)]}})),
    )
    .await
    .expect_status(StatusCode::FORBIDDEN);
    // A role assignable only at a resource group cannot be assigned at the subscription.
    let rg_only = uuid::Uuid::new_v4();
    call(
        &s,
        &t,
        Method::PUT,
        &path(rg_only),
        Some(
            json!({"properties": {"roleName": "RG only", "permissions": [{"actions": ["*/read"]}],
        "assignableScopes": [format!("{}/resourceGroups/demo-rg", sub_scope(&s))]}}),
        ),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let p = new_principal(&s, "rg-only").await;
    call(
        &s,
        &t,
        Method::PUT,
        &format!(
            "{}/providers/Microsoft.Authorization/roleAssignments/{}",
            sub_scope(&s),
            uuid::Uuid::new_v4()
        ),
        Some(json!({"properties": {"roleDefinitionId": path(rg_only), "principalId": p.sp_id}})),
    )
    .await
    .expect_status(StatusCode::BAD_REQUEST);
    // A Contributor cannot define roles.
    let contributor = s.arm_token().await;
    call(
        &s,
        &contributor,
        Method::PUT,
        &path(uuid::Uuid::new_v4()),
        Some(json!({"properties": {"roleName": "Nope", "assignableScopes": [sub_scope(&s)]}})),
    )
    .await
    .expect_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn role_definition_filters_outside_the_grammar_are_refused() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let list = format!(
        "{}/providers/Microsoft.Authorization/roleDefinitions",
        sub_scope(&s)
    );
    for filter in [
        "type eq 'BuiltInRole'",
        "roleName eq Reader",
        "roleName eq 'Reader' and type eq 'x'",
        "roleName eq 'it's'",
    ] {
        let (st, b) = call(
            &s,
            &t,
            Method::GET,
            &format!("{list}?$filter={filter}"),
            None,
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{filter}: {b}");
        assert_eq!(b["error"]["code"], "InvalidFilterInQueryString", "{b}");
        assert_eq!(
            b["error"]["message"],
            format!("Invalid $filter '{filter}' specified in the query string.")
        );
    }
    let b = call(
        &s,
        &t,
        Method::GET,
        &format!("{list}?$filter=roleName eq 'Reader'"),
        None,
    )
    .await
    .expect_status(StatusCode::OK);
    assert_eq!(b["value"][0]["properties"]["roleName"], "Reader");
}
