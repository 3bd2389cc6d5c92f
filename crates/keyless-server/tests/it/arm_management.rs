//! Management groups (nesting, subscription placement, inheritance of role assignments
//! down to subscriptions) and custom roles (wildcards, notActions, assignable scopes).
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Client, Expect, TestServer};
use keyless_model::rbac::{OWNER, management_group_scope};
use reqwest::StatusCode;
use serde_json::json;
use support::rbac::sub_scope;
use support::{arm_token_of, grant, new_principal};

fn mg(name: &str) -> String {
    format!("/providers/Microsoft.Management/managementGroups/{name}")
}

/// A caller of the management API (the api-version of each path) with `token`.
fn caller<'a>(s: &'a TestServer, token: &str) -> Client<'a> {
    s.client(token).with_api_per_path()
}

/// A principal that owns the tenant root group, as a caller.
async fn root_owner(s: &TestServer) -> Client<'_> {
    let p = new_principal(s, "root-owner").await;
    let root = management_group_scope(&s.var("AZURE_TENANT_ID"));
    grant(s, &p.sp_id, OWNER, &root).await;
    caller(s, &arm_token_of(s, &p).await)
}

/// A role definition's path at the demo subscription.
fn role_definition(s: &TestServer, id: uuid::Uuid) -> String {
    format!(
        "{}/providers/Microsoft.Authorization/roleDefinitions/{id}",
        sub_scope(s)
    )
}

/// A new role assignment's path at `scope`.
fn new_assignment(scope: &str) -> String {
    format!(
        "{scope}/providers/Microsoft.Authorization/roleAssignments/{}",
        uuid::Uuid::new_v4()
    )
}

#[tokio::test]
async fn groups_nest_and_hold_subscriptions() {
    let s = TestServer::start().await;
    let owner = root_owner(&s).await;
    let root = owner.get_ok(&mg(&s.var("AZURE_TENANT_ID"))).await;
    assert_eq!(root["properties"]["displayName"], "Tenant Root Group");
    let b = owner
        .put(
            &mg("platform"),
            json!({"properties": {"displayName": "Platform"}}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        b["properties"]["details"]["parent"]["name"],
        s.var("AZURE_TENANT_ID")
    );
    let below_platform = json!({"properties": {"displayName": "Prod", "details": {"parent": {"id": mg("platform")}}}});
    owner
        .put(&mg("prod"), below_platform)
        .await
        .expect_status(StatusCode::OK);
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let placement = format!("{}/subscriptions/{sub}", mg("prod"));
    owner
        .send(reqwest::Method::PUT, &placement, None)
        .await
        .expect_status(StatusCode::OK);
    let (_, b) = owner.get(&format!("{}?$expand=children", mg("prod"))).await;
    assert_eq!(b["properties"]["children"][0]["name"], sub.as_str());
    // A cycle is refused; a group with children cannot be deleted.
    let below_prod = json!({"properties": {"details": {"parent": {"id": mg("prod")}}}});
    owner
        .put(&mg("platform"), below_prod)
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    owner
        .delete(&mg("platform"))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    let (_, list) = owner
        .get("/providers/Microsoft.Management/managementGroups")
        .await;
    assert_eq!(list["value"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn assignment_on_a_group_reaches_subscriptions_below_it() {
    let s = TestServer::start().await;
    let owner = root_owner(&s).await;
    owner.put(&mg("platform"), json!({})).await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let placement = format!("{}/subscriptions/{sub}", mg("platform"));
    owner.send(reqwest::Method::PUT, &placement, None).await;
    let reader = new_principal(&s, "mg-reader").await;
    owner.put(&new_assignment(&mg("platform")),
        json!({"properties": {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7", "principalId": reader.sp_id}})).await.expect_status(StatusCode::CREATED);
    let rt = arm_token_of(&s, &reader).await;
    let subs = s
        .get_ok_as(&rt, "/subscriptions?api-version=2022-12-01")
        .await;
    assert_eq!(subs["count"]["value"], 1, "{subs}");
    let as_reader = caller(&s, &rt);
    as_reader
        .get_ok(&format!("{}/resourcegroups/demo-rg", sub_scope(&s)))
        .await;
    as_reader
        .put(
            &format!("{}/resourcegroups/new-rg", sub_scope(&s)),
            json!({"location": "westus"}),
        )
        .await
        .expect_status(StatusCode::FORBIDDEN);
    // atScope() at the subscription lists the inherited group assignment.
    let (_, list) = owner
        .get(&format!(
            "{}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()",
            sub_scope(&s)
        ))
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
    owner.delete(&placement).await;
    let (_, subs) = s.get_as(&rt, "/subscriptions?api-version=2022-12-01").await;
    assert_eq!(subs["count"]["value"], 0, "{subs}");
}

#[tokio::test]
async fn custom_role_lifecycle_and_evaluation() {
    let s = TestServer::start().await;
    let (_, t) = support::rbac::owner(&s).await;
    let owner = caller(&s, &t);
    let path = role_definition(&s, uuid::Uuid::new_v4());
    let role = json!({"properties": {"roleName": "Group operator", "description": "Reads and writes groups, never deletes",
        "type": "CustomRole", "permissions": [{"actions": ["Microsoft.Resources/subscriptions/resourceGroups/*"], "notActions": ["Microsoft.Resources/subscriptions/resourceGroups/delete"]}],
        "assignableScopes": [sub_scope(&s)]}});
    let b = owner
        .put(&path, role.clone())
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(b["properties"]["type"], "CustomRole");
    // An update answers 201 too, as ARM does.
    let mut updated = role;
    updated["properties"]["description"] = json!("Reads and writes groups");
    let b = owner
        .put(&path, updated)
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(b["properties"]["description"], "Reads and writes groups");
    let (_, list) = owner.get(&format!("{}/providers/Microsoft.Authorization/roleDefinitions?$filter=roleName eq 'Group operator'", sub_scope(&s))).await;
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    let op = new_principal(&s, "operator").await;
    let assignment = new_assignment(&sub_scope(&s));
    owner
        .put(
            &assignment,
            json!({"properties": {"roleDefinitionId": path, "principalId": op.sp_id}}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let operator = caller(&s, &arm_token_of(&s, &op).await);
    let rg = format!("{}/resourcegroups/custom-rg", sub_scope(&s));
    operator
        .put(&rg, json!({"location": "westus"}))
        .await
        .expect_status(StatusCode::CREATED);
    operator
        .delete(&rg)
        .await
        .expect_status(StatusCode::FORBIDDEN);
    // In use: cannot be deleted; after the assignment goes, it can.
    owner
        .delete(&path)
        .await
        .expect_error_code(409, "RoleDefinitionHasAssignments");
    owner.delete(&assignment).await;
    owner.delete(&path).await.expect_status(StatusCode::OK);
}

#[tokio::test]
async fn custom_role_rules() {
    let s = TestServer::start().await;
    let (_, t) = support::rbac::owner(&s).await;
    let owner = caller(&s, &t);
    let contributor = caller(&s, &s.arm_token().await);
    let new_role = || role_definition(&s, uuid::Uuid::new_v4());
    let sub = sub_scope(&s);
    // A role assignable only at a resource group cannot be assigned at the subscription.
    let rg_only = role_definition(&s, uuid::Uuid::new_v4());
    let cases = [
        (
            "no assignable scope",
            &owner,
            new_role(),
            json!({"properties": {"roleName": "x", "assignableScopes": []}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "the name of a built-in role",
            &owner,
            new_role(),
            json!({"properties": {"roleName": "Owner", "assignableScopes": [sub]}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "the id of a built-in role",
            &owner,
            role_definition(&s, keyless_model::rbac::READER),
            json!({"properties": {"roleName": "Mine", "assignableScopes": [sub]}}),
            StatusCode::FORBIDDEN,
        ),
        (
            "a role assignable at a resource group",
            &owner,
            rg_only.clone(),
            json!({"properties": {"roleName": "RG only", "permissions": [{"actions": ["*/read"]}],
                "assignableScopes": [format!("{sub}/resourceGroups/demo-rg")]}}),
            StatusCode::CREATED,
        ),
        (
            "its assignment at the subscription",
            &owner,
            new_assignment(&sub),
            json!({"properties": {"roleDefinitionId": rg_only, "principalId": new_principal(&s, "rg-only").await.sp_id}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            // A Contributor cannot define roles.
            "a role defined by a Contributor",
            &contributor,
            new_role(),
            json!({"properties": {"roleName": "Nope", "assignableScopes": [sub]}}),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (case, who, path, body, want) in cases {
        let (status, resp) = who.put(&path, body).await;
        assert_eq!(status, want, "{case}: {resp}");
    }
}

#[tokio::test]
async fn role_definition_filters_outside_the_grammar_are_refused() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let list = format!(
        "{}/providers/Microsoft.Authorization/roleDefinitions",
        sub_scope(&s)
    );
    let arm = caller(&s, &t);
    for filter in [
        "type eq 'BuiltInRole'",
        "roleName eq Reader",
        "roleName eq 'Reader' and type eq 'x'",
        "roleName eq 'it's'",
    ] {
        let (st, b) = arm.get(&format!("{list}?$filter={filter}")).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{filter}: {b}");
        assert_eq!(b["error"]["code"], "InvalidFilterInQueryString", "{b}");
        assert_eq!(
            b["error"]["message"],
            format!("Invalid $filter '{filter}' specified in the query string.")
        );
    }
    let b = arm
        .get_ok(&format!("{list}?$filter=roleName eq 'Reader'"))
        .await;
    assert_eq!(b["value"][0]["properties"]["roleName"], "Reader");
}
