//! Automatic creation: the chain it builds, every preflight scenario with its
//! documented message, all problems at once, the subscription picker's message, and the
//! rollback at each step.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support;

use common::{Expect, TestServer};
use keyless_model::devops::automatic::Step;
use keyless_model::rbac::{CONTRIBUTOR, OWNER, READER};
use reqwest::StatusCode;
use sc_support::*;
use serde_json::{Value, json};
use support::grant_user;

fn sub_scope(s: &TestServer) -> String {
    format!("/subscriptions/{}", s.var("AZURE_SUBSCRIPTION_ID"))
}

/// (apps and service principals in the demo tenant, role assignments under the
/// subscription, connections of web).
async fn footprint(s: &TestServer) -> (usize, usize, usize, usize) {
    let store = &s.store();
    let org = store.find_organization("contoso").await.unwrap();
    let web = store.find_project(org.id, "web").await.unwrap();
    let scope = keyless_model::rbac::canonical_scope(&sub_scope(s));
    let apps = store.list_applications(s.tenant()).await.unwrap();
    let sps = store.list_service_principals(s.tenant()).await.unwrap();
    let assignments = store.list_role_assignments_under(&scope).await.unwrap();
    let connections = store.list_connections(web.id).await.unwrap();
    (apps.len(), sps.len(), assignments.len(), connections.len())
}

async fn settings(s: &TestServer, v: Value) {
    support::tenant_settings(s, &s.tenant().to_string(), v).await;
}

/// `person`, owning the demo subscription.
async fn owning(s: &TestServer, person: Person) -> Person {
    grant_user(s, &person.id, OWNER, &sub_scope(s)).await;
    person
}

/// Creates the automatic connection "auto" as `token`, answered 200; the connection.
async fn wif_created(s: &TestServer, token: &str) -> Value {
    create_wif_as(s, token).await.expect_status(StatusCode::OK)
}

/// Creates the automatic connection "auto" as `token`, refused with `want`; the refusal.
async fn wif_refused(s: &TestServer, token: &str, want: StatusCode) -> Value {
    create_wif_as(s, token).await.expect_status(want)
}

/// Adds `who` to web's group `group`, then creates the automatic connection "auto" as `who`,
/// refused with 403; the refusal.
async fn refused_in_group(s: &TestServer, who: &Person, group: &str) -> Value {
    add_to_group(s, "web", who, group).await;
    wif_refused(s, &who.token, StatusCode::FORBIDDEN).await
}

fn problems(b: &Value) -> Vec<String> {
    b["customProperties"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn owner_creates_app_credential_assignment_and_connection_that_verify() {
    let s = TestServer::start().await;
    let olga = owning(&s, member(&s, "olga").await).await;
    let c = wif_created(&s, &olga.token).await;
    assert_eq!(c["data"]["creationMode"], "Automatic");
    let app_object: uuid::Uuid = c["data"]["appObjectId"].as_str().unwrap().parse().unwrap();
    let app = s.store().get_application(app_object).await.unwrap();
    assert_eq!(app.display_name, "contoso-web-auto");
    assert_eq!(app.created_by.unwrap().to_string(), olga.id);
    assert_eq!(
        c["authorization"]["parameters"]["serviceprincipalid"],
        json!(app.app_id.to_string())
    );
    let fics = s.store().list_fics(app.id).await.unwrap();
    assert_eq!(fics.len(), 1);
    assert_eq!(
        Some(&fics[0].issuer),
        c["authorization"]["parameters"]["workloadIdentityFederationIssuer"]
            .as_str()
            .map(String::from)
            .as_ref()
    );
    assert_eq!(
        fics[0].subject.as_deref(),
        c["authorization"]["parameters"]["workloadIdentityFederationSubject"].as_str()
    );
    let ra = assignment_of(&s, &c).await;
    assert_eq!(ra.role_definition_id, CONTRIBUTOR);
    assert_eq!(
        ra.scope,
        keyless_model::rbac::canonical_scope(&sub_scope(&s))
    );
    // The whole chain works: verify, then a job gets an ID token that exchanges and calls ARM.
    let id = c["id"].as_str().unwrap();
    let v = verify(&s, &olga.token, id)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(v["statusCode"], "ok", "{v}");
    assert_eq!(v["steps"].as_array().unwrap().len(), 3);
    let (_, env) = job_with(&s, "web", "auto-pipe", &[id]).await;
    oidc(&s, &env, id).await.expect_status(StatusCode::OK);
}

#[tokio::test]
async fn another_role_and_a_resource_group_scope_on_request() {
    let s = TestServer::start().await;
    let mut body = automatic_body(&s, "rg-reader", "WorkloadIdentityFederation");
    body["data"]["scopeLevel"] = json!("ResourceGroup");
    body["data"]["resourceGroupName"] = json!("demo-rg");
    body["data"]["roleDefinitionName"] = json!("Reader");
    let c = create_as(&s, &s.var("KEYLESS_TOKEN"), body.clone())
        .await
        .expect_status(StatusCode::OK);
    let ra = assignment_of(&s, &c).await;
    assert_eq!(ra.role_definition_id, READER);
    assert!(
        ra.scope.ends_with("/resourcegroups/demo-rg"),
        "{}",
        ra.scope
    );
    let (_, v) = verify(&s, &s.var("KEYLESS_TOKEN"), c["id"].as_str().unwrap()).await;
    assert_eq!(v["statusCode"], "ok", "{v}");
    // Unknown roles, groups and scope levels are refused before anything is written.
    let before = footprint(&s).await;
    for (k, v, word) in [
        ("roleDefinitionName", "Superhero", "Superhero"),
        ("resourceGroupName", "nope", "nope"),
        ("scopeLevel", "Galaxy", "scopeLevel"),
    ] {
        let mut b = body.clone();
        b["name"] = json!(format!("bad-{k}"));
        b["data"][k] = json!(v);
        let (st, e) = create_as(&s, &s.var("KEYLESS_TOKEN"), b).await;
        assert!(st.is_client_error(), "{e}");
        assert!(message(&e).contains(word), "{e}");
    }
    assert_eq!(footprint(&s).await, before);
}

#[tokio::test]
async fn contributor_only_creator_cannot_assign_the_role() {
    let s = TestServer::start().await;
    let cid = member(&s, "cid").await;
    grant_user(&s, &cid.id, CONTRIBUTOR, &sub_scope(&s)).await;
    let before = footprint(&s).await;
    let e = wif_refused(&s, &cid.token, StatusCode::FORBIDDEN).await;
    assert_eq!(
        message(&e),
        format!(
            "Failed to assign Contributor role to the app registration at scope '{}': the creator lacks Microsoft.Authorization/roleAssignments/write there.",
            sub_scope(&s)
        )
    );
    assert_eq!(problems(&e), vec!["RoleAssignmentForbidden"]);
    assert_eq!(footprint(&s).await, before);
}

#[tokio::test]
async fn registration_forbidden_by_tenant_setting() {
    let s = TestServer::start().await;
    let olga = owning(&s, member(&s, "olga").await).await;
    settings(&s, json!({"usersCanRegisterApps": false})).await;
    let e = wif_refused(&s, &olga.token, StatusCode::FORBIDDEN).await;
    assert_eq!(
        message(&e),
        "Failed to create an app in Microsoft Entra ID. Error: Insufficient privileges to complete the operation in Microsoft Graph. Ensure that the user has permissions to create a Microsoft Entra Application."
    );
    // A keyless administrator holds a role that may register apps anyway.
    wif_created(&s, &s.var("KEYLESS_TOKEN")).await;
}

/// A directory role that registers applications (Application Developer) overrides the
/// tenant setting, as in Entra: the rule is `directory_roles::may`.
#[tokio::test]
async fn application_developer_may_register_despite_the_setting() {
    let s = TestServer::start().await;
    let dev = owning(&s, member(&s, "devi").await).await;
    settings(&s, json!({"usersCanRegisterApps": false})).await;
    let role = json!({"role": "Application Developer", "user": dev.upn});
    let roles = format!("/keyless/v1/tenants/{}/roles", s.tenant());
    let (st, b) = s.admin_post(&roles, role).await;
    assert!(st.is_success(), "{b}");
    wif_created(&s, &dev.token).await;
}

#[tokio::test]
async fn limited_guest_is_refused_naming_the_setting() {
    let s = TestServer::start().await;
    let gus = owning(&s, guest(&s, "gus").await).await;
    let e = refused_in_group(&s, &gus, "Endpoint Creators").await;
    let m = message(&e);
    // The words Azure DevOps shows come first; the names and the fix follow.
    assert!(
        m.starts_with(&format!(
            "The user has only guest permission in the directory. {} is a guest of ",
            gus.upn
        )),
        "{m}"
    );
    assert!(m.contains("Guest user permissions are limited: No"), "{m}");
    assert_eq!(problems(&e), vec!["GuestLimited"]);
    settings(&s, json!({"guestPermissionsLimited": false})).await;
    wif_created(&s, &gus.token).await;
}

#[tokio::test]
async fn expired_sign_in_is_reported_by_the_preflight() {
    let s = TestServer::start().await;
    let olga = owning(&s, member(&s, "olga").await).await;
    let token = "kls_pat_expired-sign-in-token-for-the-test";
    let pat = keyless_model::directory::PersonalAccessToken {
        id: uuid::Uuid::new_v4(),
        user_id: olga.id.parse().unwrap(),
        name: "old".into(),
        token_hash: keyless_jose::sha256_hex(token.as_bytes()),
        scopes: vec![],
        created_at: s.state.now() - 100_000,
        expires_at: s.state.now() - 10,
        revoked_at: None,
    };
    s.store().create_pat(&pat).await.unwrap();
    let e = wif_refused(&s, token, StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        message(&e),
        format!(
            "Failed to obtain an access token or a valid refresh token wasn't found. The sign-in of {} has expired: sign in again (create a new personal access token with keyless pat create) and create the service connection again.",
            olga.upn
        )
    );
    // The manual path answers an expired token as every other call does.
    let manual = demo_manual_body(&s, "m");
    create_as(&s, token, manual)
        .await
        .expect_message(StatusCode::UNAUTHORIZED, "expired");
}

#[tokio::test]
async fn missing_creator_role_names_project_and_group() {
    let s = TestServer::start().await;
    let olga = owning(&s, person(&s, "olga").await).await;
    let e = refused_in_group(&s, &olga, "Readers").await;
    assert_eq!(problems(&e), vec!["MissingCreatorRole"]);
    assert!(
        message(&e).contains("project web") && message(&e).contains("Endpoint Creators"),
        "{e}"
    );
}

#[tokio::test]
async fn every_problem_is_reported_at_once_and_nothing_is_written() {
    let s = TestServer::start().await;
    let gus = guest(&s, "gus").await;
    add_to_group(&s, "web", &gus, "Readers").await;
    settings(&s, json!({"usersCanRegisterApps": false})).await;
    let before = footprint(&s).await;
    let e = wif_refused(&s, &gus.token, StatusCode::FORBIDDEN).await;
    assert_eq!(
        problems(&e),
        vec![
            "MissingCreatorRole",
            "GuestLimited",
            "RoleAssignmentForbidden"
        ]
    );
    let m = message(&e);
    assert!(
        m.contains("3 problems") && m.contains("1. ") && m.contains("3. "),
        "{m}"
    );
    assert_eq!(footprint(&s).await, before);
}

#[tokio::test]
async fn several_tenants_without_a_subscription_here_get_the_tenants_to_try() {
    let s = TestServer::start().await;
    let olga = member(&s, "olga").await;
    let t = support::new_tenant(&s, "fabrikam").await;
    let fabrikam: uuid::Uuid = t["id"].as_str().unwrap().parse().unwrap();
    let fab_sub = json!({"name": "fab-sub", "tenant": "fabrikam"});
    let sub = s.admin_created("/keyless/v1/subscriptions", fab_sub).await;
    // Olga, invited into fabrikam, holds a role on its subscription.
    invite(&s, &olga, "fabrikam").await;
    grant_user(
        &s,
        &olga.id,
        OWNER,
        &format!("/subscriptions/{}", sub["id"].as_str().unwrap()),
    )
    .await;
    // No subscription named: the picker's message with the other tenant to choose.
    let mut body = automatic_body(&s, "auto", "WorkloadIdentityFederation");
    body["data"]["subscriptionId"] = json!(uuid::Uuid::new_v4().to_string());
    let e = create_as(&s, &olga.token, body)
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let m = message(&e);
    assert!(
        m.starts_with("You don't appear to have an active Azure subscription."),
        "{m}"
    );
    assert!(
        m.contains("fabrikam.onmicrosoft.com") && m.contains(&fabrikam.to_string()),
        "{m}"
    );
    // The picker: nothing visible in the organization's tenant, so the same message; asked
    // for fabrikam, its subscription.
    let picker = "/keyless/v1/organizations/contoso/azure-subscriptions";
    s.get_as(&olga.token, picker)
        .await
        .expect_message(StatusCode::NOT_FOUND, "fabrikam.onmicrosoft.com");
    let list = s
        .get_ok_as(&olga.token, &format!("{picker}?tenantId={fabrikam}"))
        .await;
    assert_eq!(list["count"], 2);
    let fab = support::find_item(&list, "tenantId", &fabrikam.to_string());
    assert_eq!(fab["subscriptions"][0]["subscriptionId"], sub["id"]);
    s.get_as(&olga.token, &format!("{picker}?tenantId=x"))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    // Picking the other tenant's subscription works as a guest there (once that tenant
    // lets guests register apps): Olga's account owns the app keyless creates there.
    let unlimited = json!({"guestPermissionsLimited": false});
    support::tenant_settings(&s, &fabrikam.to_string(), unlimited).await;
    let mut body = automatic_body(&s, "auto", "WorkloadIdentityFederation");
    body["data"]["subscriptionId"] = sub["id"].clone();
    let c = create_as(&s, &olga.token, body)
        .await
        .expect_status(StatusCode::OK);
    let app: uuid::Uuid = c["data"]["appObjectId"].as_str().unwrap().parse().unwrap();
    let app = s.store().get_application(app).await.unwrap();
    assert_eq!(app.tenant_id, fabrikam);
    assert_eq!(app.created_by.unwrap().to_string(), olga.id);
    assert!(app.is_owner(olga.id.parse().unwrap()));
}

#[tokio::test]
async fn a_failing_step_rolls_back_everything_before_it() {
    let s = TestServer::start().await;
    let admin = s.var("KEYLESS_TOKEN");
    let cases = [
        ("WorkloadIdentityFederation", Step::AppRegistration),
        ("WorkloadIdentityFederation", Step::ServicePrincipal),
        ("WorkloadIdentityFederation", Step::FederatedCredential),
        ("WorkloadIdentityFederation", Step::RoleAssignment),
        ("WorkloadIdentityFederation", Step::Connection),
        ("ServicePrincipal", Step::Secret),
        ("ServicePrincipal", Step::RoleAssignment),
        ("ServicePrincipal", Step::Connection),
    ];
    let before = footprint(&s).await;
    for (i, (scheme, step)) in cases.into_iter().enumerate() {
        let name = format!("doomed-{i}");
        s.state.faults.inject(&name, step);
        let (st, e) = create_as(&s, &admin, automatic_body(&s, &name, scheme)).await;
        assert_eq!(st, StatusCode::INTERNAL_SERVER_ERROR, "{step:?}: {e}");
        assert!(
            message(&e).starts_with(&format!(
                "Creating the service connection failed at the {} step",
                step.as_str()
            )),
            "{e}"
        );
        assert!(
            message(&e).ends_with("Everything created before that step was removed."),
            "{e}"
        );
        assert_eq!(
            footprint(&s).await,
            before,
            "{scheme} {step:?} left something behind"
        );
    }
    s.state.faults.clear();
    create_as(
        &s,
        &admin,
        automatic_body(&s, "doomed-0", "WorkloadIdentityFederation"),
    )
    .await
    .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn a_scheme_without_automatic_creation_is_refused_and_nothing_is_written() {
    let s = TestServer::start().await;
    let olga = owning(&s, member(&s, "olga").await).await;
    let before = footprint(&s).await;
    let e = create_as(
        &s,
        &olga.token,
        automatic_body(&s, "auto", "PublishProfile"),
    )
    .await
    .expect_status(StatusCode::BAD_REQUEST);
    assert_eq!(e["typeKey"], "ServiceEndpointException", "{e}");
    assert_eq!(
        e["message"],
        "Automatic creation supports the schemes WorkloadIdentityFederation and ServicePrincipal, not 'PublishProfile'."
    );
    assert_eq!(footprint(&s).await, before);
}
