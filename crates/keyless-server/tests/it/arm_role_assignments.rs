//! ARM role assignments: put (201, idempotent), get, list with `principalId eq`,
//! `assignedTo()` and `atScope()`, delete, and one test per rejection.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::assert_case_error;
use common::{Expect, TestServer};
use keyless_model::rbac::{CONTRIBUTOR, READER};
use reqwest::StatusCode;
use support::AUTHZ_API;
use support::rbac::{
    WRITE, assert_authorization_failed, assignment, assignments, body, names, new_name, owner,
    put_assignment, role_id, sub_scope,
};

#[tokio::test]
async fn contributor_cannot_write_role_assignments() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let target = support::new_principal(&s, "target").await;
    let (status, resp) = put_assignment(
        &s,
        &token,
        &sub_scope(&s),
        &new_name(),
        READER,
        &target.sp_id,
    )
    .await;
    assert_authorization_failed(
        status,
        &resp,
        &s.var("AZURE_CLIENT_ID"),
        &support::demo_sp_id(&s).await,
        WRITE,
        &sub_scope(&s),
    );
}

#[tokio::test]
async fn owner_creates_gets_lists_and_deletes_a_role_assignment() {
    let s = TestServer::start().await;
    let (owner, token) = owner(&s).await;
    let arm = s.client(&token);
    let target = support::new_principal(&s, "target").await;
    let scope = sub_scope(&s);
    let name = new_name();

    let created = arm
        .put(&assignment(&scope, &name), body(&s, READER, &target.sp_id))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(created["name"], name);
    assert_eq!(created["type"], "Microsoft.Authorization/roleAssignments");
    assert_eq!(created["id"], format!("{}/{name}", assignments(&scope)));
    let p = &created["properties"];
    assert_eq!(p["roleDefinitionId"], role_id(&s, READER));
    assert_eq!(p["principalId"], target.sp_id);
    assert_eq!(p["principalType"], "ServicePrincipal");
    assert_eq!(p["scope"], scope);
    assert_eq!(p["createdBy"], owner.sp_id);

    // The same PUT again is idempotent.
    let again = arm
        .put(&assignment(&scope, &name), body(&s, READER, &target.sp_id))
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(again["name"], name);

    let got = arm.get_ok(&assignment(&scope, &name)).await;
    assert_eq!(got["properties"]["principalId"], target.sp_id);

    // Listed by `principalId eq` and by `assignedTo()`.
    let filters = [
        format!("principalId%20eq%20%27{}%27", target.sp_id),
        format!("assignedTo(%27{}%27)", target.sp_id),
    ];
    for filter in &filters {
        let list = format!("{}?$filter={filter}&{AUTHZ_API}", assignments(&scope));
        let list = arm.get_ok(&list).await;
        assert_eq!(names(&list), [name.as_str()], "{filter}");
    }
    let filter = format!("{}?$filter={}&{AUTHZ_API}", assignments(&scope), filters[0]);

    let deleted = arm
        .delete(&assignment(&scope, &name))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(deleted["name"], name);

    arm.get(&assignment(&scope, &name)).await.expect_error(
        404,
        "RoleAssignmentNotFound",
        &format!("The role assignment '{name}' is not found."),
    );
    let (_, list) = arm.get(&filter).await;
    assert!(names(&list).is_empty(), "{list}");
    // Deleting what is gone: 204, no body (ARM: "already deleted or does not exist").
    let body = arm
        .delete(&assignment(&scope, &name))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(body, serde_json::Value::String(String::new()));
}

/// Next to an assignment of Reader at the subscription to `holder`: the same principal, role and scope
/// under another name, another role under the same name, an unknown principal (or the
/// app's client id in its place), an unknown role, a name that is not a GUID and a scope
/// below a missing resource group: each refused with its status, code and message.
#[tokio::test]
async fn invalid_assignments_are_refused() {
    let s = TestServer::start().await;
    let (owner, token) = owner(&s).await;
    let target = support::new_principal(&s, "target").await;
    let holder = support::new_principal(&s, "holder").await;
    let sub = sub_scope(&s);
    let existing = new_name();
    put_assignment(&s, &token, &sub, &existing, READER, &holder.sp_id)
        .await
        .expect_status(StatusCode::CREATED);
    let role = uuid::Uuid::new_v4();
    let unknown_role = format!(
        "The specified role definition with ID '{}' does not exist.",
        role_id(&s, role)
    );
    let tenant = s.var("AZURE_TENANT_ID");
    let principal_not_found = |principal: &str| {
        format!(
            "Principal {principal} does not exist in the directory {tenant}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group."
        )
    };
    let unknown = "0badc0de-0000-4000-8000-000000000000";
    let missing_rg = format!("{sub}/resourceGroups/missing-rg");
    let cases = [
        (
            "the same assignment under another name",
            &sub,
            new_name(),
            READER,
            holder.sp_id.as_str(),
            409,
            "RoleAssignmentExists",
            "The role assignment already exists.".to_string(),
        ),
        (
            "another role under the same name",
            &sub,
            existing,
            CONTRIBUTOR,
            &holder.sp_id,
            409,
            "Conflict",
            "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."
                .to_string(),
        ),
        (
            "an unknown principal",
            &sub,
            new_name(),
            READER,
            unknown,
            400,
            "PrincipalNotFound",
            principal_not_found(unknown),
        ),
        (
            "the app's client id instead of its principal's object id",
            &sub,
            new_name(),
            READER,
            &owner.app_id,
            400,
            "PrincipalNotFound",
            principal_not_found(&owner.app_id),
        ),
        (
            "an unknown role",
            &sub,
            new_name(),
            role,
            &target.sp_id,
            404,
            "RoleDefinitionDoesNotExist",
            unknown_role,
        ),
        (
            "a name that is not a GUID",
            &sub,
            "not-a-guid".to_string(),
            READER,
            &target.sp_id,
            400,
            "BadRequest",
            "The role assignment ID 'not-a-guid' is not valid. The role assignment ID must be a GUID."
                .to_string(),
        ),
        (
            "a scope below a missing resource group",
            &missing_rg,
            new_name(),
            READER,
            &target.sp_id,
            404,
            "ResourceGroupNotFound",
            "Resource group 'missing-rg' could not be found.".to_string(),
        ),
    ];
    for (case, scope, name, role, principal, want, code, message) in cases {
        let (status, resp) = put_assignment(&s, &token, scope, &name, role, principal).await;
        assert_case_error(case, status, &resp, want, code, &message);
    }
}

#[tokio::test]
async fn at_scope_filter_excludes_assignments_below_the_scope() {
    let s = TestServer::start().await;
    let (owner, token) = owner(&s).await;
    let arm = s.client(&token);
    let target = support::new_principal(&s, "target").await;
    let rg = format!("{}/resourceGroups/demo-rg", sub_scope(&s));
    let below = new_name();
    let resp = arm
        .put(&assignment(&rg, &below), body(&s, READER, &target.sp_id))
        .await
        .expect_status(StatusCode::CREATED);
    // The scope comes back as ARM spells it, not in keyless' canonical lowercase.
    assert_eq!(resp["properties"]["scope"], rg);
    assert_eq!(resp["id"], format!("{}/{below}", assignments(&rg)));

    let at_scope = format!(
        "{}?$filter=atScope()&{AUTHZ_API}",
        assignments(&sub_scope(&s))
    );
    let list = arm.get_ok(&at_scope).await;
    let principals: Vec<&str> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["properties"]["principalId"].as_str().unwrap())
        .collect();
    assert!(principals.contains(&owner.sp_id.as_str()), "{list}");
    assert!(!principals.contains(&target.sp_id.as_str()), "{list}");

    // Without a filter the assignment below shows; at the resource group, atScope() shows
    // it together with those inherited from above.
    let (_, all) = arm
        .get(&format!("{}?{AUTHZ_API}", assignments(&sub_scope(&s))))
        .await;
    assert!(names(&all).contains(&below), "{all}");
    let (_, at_rg) = arm
        .get(&format!(
            "{}?$filter=atScope()&{AUTHZ_API}",
            assignments(&rg)
        ))
        .await;
    assert!(names(&at_rg).contains(&below), "{at_rg}");
    assert!(
        at_rg["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["properties"]["principalId"] == owner.sp_id),
        "{at_rg}"
    );
}

#[tokio::test]
async fn unsupported_filter_is_400() {
    let (s, token) = TestServer::start_with_arm_token().await;
    s.get_as(
        &token,
        &format!(
            "{}?$filter=roleName%20eq%20%27x%27&{AUTHZ_API}",
            assignments(&sub_scope(&s))
        ),
    )
    .await
    .expect_error(
        400,
        "InvalidFilterInQueryString",
        "Invalid $filter 'roleName eq 'x'' specified in the query string.",
    );
}

#[tokio::test]
async fn contributor_may_read_role_assignments() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let list = s
        .get_ok_as(
            &token,
            &format!(
                "{}?$filter=principalId%20eq%20%27{}%27&{AUTHZ_API}",
                assignments(&sub_scope(&s)),
                support::demo_sp_id(&s).await
            ),
        )
        .await;
    let v = list["value"].as_array().unwrap();
    assert_eq!(v.len(), 1, "{list}");
    assert_eq!(
        v[0]["properties"]["roleDefinitionId"],
        role_id(&s, CONTRIBUTOR)
    );
}
