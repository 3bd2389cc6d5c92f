//! Deleting and changing organizations, projects, users and tenants: who may, what goes
//! along, and the refusals (status, code, envelope, nothing changed).
#![allow(clippy::unwrap_used)]

use crate::common::{Expect, TestServer, message};
use crate::support::{self, new_member, new_tenant, user_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ORGS: &str = "/keyless/v1/organizations";
const WEB: &str = "/keyless/v1/organizations/contoso/projects/web";

/// A 403 in Azure DevOps' exception shape, its message holding `part`.
#[track_caller]
fn forbidden((status, body): (StatusCode, Value), part: &str) {
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["$id"], "1", "{body}");
    assert_eq!(body["typeKey"], "AccessCheckException", "{body}");
    assert!(message(&body).contains(part), "{part}: {body}");
}

/// A 409 in the admin API's `{"error": {"code", "message"}}`, its message holding `part`.
#[track_caller]
fn conflict((status, body): (StatusCode, Value), part: &str) {
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "Conflict", "{body}");
    assert!(message(&body).contains(part), "{part}: {body}");
}

/// Queues a run of the demo pipeline `deploy` (it stays in progress).
async fn run_in_progress(s: &TestServer) {
    let deploy = support::pipeline_id(s, WEB, "deploy").await;
    s.admin(
        Method::POST,
        &format!("/contoso/web/_apis/pipelines/{deploy}/runs?api-version=7.1"),
        Some(json!({})),
    )
    .await
    .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn organizations_are_deleted_by_collection_administrators_with_what_they_hold() {
    let s = TestServer::start().await;
    s.admin_created(ORGS, json!({"name": "tailspin", "tenant": "contoso"}))
        .await;
    s.admin_created(
        &format!("{ORGS}/tailspin/projects"),
        json!({"name": "site"}),
    )
    .await;
    let eve = new_member(&s, "eve").await;
    let before = s.admin_ok(ORGS).await;

    let (status, _) = s
        .send(Method::DELETE, &format!("{ORGS}/tailspin"), None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let denied = s.delete_as(&eve.token, &format!("{ORGS}/tailspin")).await;
    forbidden(denied, "Project Collection Administrators delete");
    s.admin_delete(&format!("{ORGS}/ghost"))
        .await
        .expect_message(StatusCode::NOT_FOUND, "does not exist");
    assert_eq!(s.admin_ok(ORGS).await, before);

    // The owner is a Project Collection Administrator.
    s.admin_patch(
        &format!("{ORGS}/tailspin/settings"),
        json!({"owner": eve.upn}),
    )
    .await
    .expect_status(StatusCode::OK);
    s.delete_as(&eve.token, &format!("{ORGS}/tailspin"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(
        support::field_names(&s.admin_ok(ORGS).await, "name"),
        ["contoso"]
    );
    s.admin_get(&format!("{ORGS}/tailspin/projects"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    // A name freed by the delete can be used again.
    s.admin_created(ORGS, json!({"name": "tailspin"})).await;

    // While a run is in progress nothing goes.
    run_in_progress(&s).await;
    let connections = s.admin_ok("/contoso/_apis/serviceendpoint/endpoints").await;
    let refusal = s.admin_delete(&format!("{ORGS}/contoso")).await;
    conflict(refusal, "run in progress");
    assert_eq!(
        s.admin_ok("/contoso/_apis/serviceendpoint/endpoints").await,
        connections
    );
    assert_eq!(
        support::field_names(
            &s.admin_ok(&format!("{ORGS}/contoso/projects")).await,
            "name"
        ),
        ["web"]
    );
}

#[tokio::test]
async fn projects_are_deleted_by_their_administrators_unless_a_run_is_in_progress() {
    let s = TestServer::start().await;
    let projects = format!("{ORGS}/contoso/projects");
    s.admin_created(&projects, json!({"name": "site"})).await;
    let site = format!("{projects}/site");
    let reader = new_member(&s, "rita").await;
    let admin = new_member(&s, "paula").await;
    for (who, group) in [(&reader, "Readers"), (&admin, "Project Administrators")] {
        s.admin_created(
            &format!("{site}/members"),
            json!({"user": who.upn, "group": group}),
        )
        .await;
    }
    let before = s.admin_ok(&projects).await;
    forbidden(
        s.delete_as(&reader.token, &site).await,
        "Only Project Administrators of site delete it",
    );
    assert_eq!(s.admin_ok(&projects).await, before);
    s.delete_as(&admin.token, &site)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(
        support::field_names(&s.admin_ok(&projects).await, "name"),
        ["web"]
    );
    s.admin_delete(&site)
        .await
        .expect_message(StatusCode::NOT_FOUND, "does not exist");

    run_in_progress(&s).await;
    let pipelines = s.admin_ok(&format!("{WEB}/pipelines")).await;
    conflict(s.admin_delete(WEB).await, "run in progress");
    assert_eq!(s.admin_ok(&format!("{WEB}/pipelines")).await, pipelines);
}

#[tokio::test]
async fn users_are_deleted_by_user_administrators_unless_they_own_an_organization() {
    let s = TestServer::start().await;
    let users = "/keyless/v1/tenants/contoso/users";
    let bob = new_member(&s, "bob").await;
    let eve = new_member(&s, "eve").await;
    let before = s.admin_ok(users).await;

    // A member without a directory role, a user of another tenant, an unknown user,
    // oneself, a keyless administrator by someone who is not one.
    let denied = s.delete_as(&eve.token, &format!("{users}/bob")).await;
    assert_eq!(denied.0, StatusCode::FORBIDDEN, "{}", denied.1);
    let outsider = user_of(&s, "northwind", "gina").await;
    let (status, _) = s
        .delete_as(&s.var("KEYLESS_TOKEN"), &format!("{users}/{}", outsider.id))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.admin_delete(&format!("{users}/nobody"))
        .await
        .expect_message(
            StatusCode::NOT_FOUND,
            "is not a member of the tenant contoso",
        );
    let me = s.admin_ok("/keyless/v1/me").await;
    let me = me["user"]["id"].as_str().unwrap().to_string();
    conflict(
        s.admin_delete(&format!("{users}/{me}")).await,
        "You cannot delete yourself",
    );
    support::directory::add_role(
        &s,
        "contoso",
        json!({"user": eve.upn}),
        "User Administrator",
    )
    .await;
    let denied = s.delete_as(&eve.token, &format!("{users}/{me}")).await;
    assert_eq!(denied.0, StatusCode::FORBIDDEN, "{}", denied.1);
    assert!(message(&denied.1).contains("administrator"), "{}", denied.1);
    // The owner of an organization: the error names it.
    s.admin_patch(
        &format!("{ORGS}/contoso/settings"),
        json!({"owner": bob.upn}),
    )
    .await
    .expect_status(StatusCode::OK);
    conflict(
        s.delete_as(&eve.token, &format!("{users}/bob")).await,
        "owns the organizations contoso",
    );
    assert_eq!(s.admin_ok(users).await, before);
    s.admin_ok("/keyless/v1/me").await;
    s.send(Method::GET, "/keyless/v1/me", Some(&bob.token), None)
        .await
        .expect_status(StatusCode::OK);

    s.admin_patch(&format!("{ORGS}/contoso/settings"), json!({"owner": me}))
        .await
        .expect_status(StatusCode::OK);
    s.delete_as(&eve.token, &format!("{users}/{}", bob.upn))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    assert!(
        !support::field_names(&s.admin_ok(users).await, "userPrincipalName").contains(&bob.upn)
    );
    // Their token went with them.
    let (status, _) = s
        .send(Method::GET, "/keyless/v1/me", Some(&bob.token), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn users_change_their_display_name_through_user_administrators() {
    let s = TestServer::start().await;
    let bob = new_member(&s, "bob").await;
    let path = "/keyless/v1/tenants/contoso/users/bob";
    let v = s
        .admin_patch(path, json!({"displayName": "Robert Jones"}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(v["displayName"], "Robert Jones");
    assert_eq!(v["id"], bob.id.as_str());
    for body in [
        json!({"displayName": ""}),
        json!({"displayName": "x", "isAdmin": true}),
        json!({"displayName": "x".repeat(257)}),
    ] {
        s.admin_patch(path, body)
            .await
            .expect_status(StatusCode::BAD_REQUEST);
    }
    let denied = s
        .patch_as(&bob.token, path, json!({"displayName": "Bobby"}))
        .await;
    assert_eq!(denied.0, StatusCode::FORBIDDEN, "{}", denied.1);
    let users = s.admin_ok("/keyless/v1/tenants/contoso/users").await;
    assert_eq!(
        support::find_item(&users, "id", &bob.id)["displayName"],
        "Robert Jones"
    );
}

#[tokio::test]
async fn tenants_are_deleted_by_administrators_when_nothing_depends_on_them() {
    let s = TestServer::start().await;
    let tenant = new_tenant(&s, "northwind").await;
    let gina = user_of(&s, "northwind", "gina").await;
    let path = "/keyless/v1/tenants/northwind";
    let before = s.admin_ok("/keyless/v1/tenants").await;

    let member = new_member(&s, "eve").await;
    let denied = s.delete_as(&member.token, path).await;
    forbidden(denied, "keyless administrator");
    conflict(
        s.admin_delete("/keyless/v1/tenants/contoso").await,
        "You sign in from the tenant contoso",
    );
    s.admin_created(ORGS, json!({"name": "nw", "tenant": "northwind"}))
        .await;
    let sub = s
        .admin_created(
            "/keyless/v1/subscriptions",
            json!({"name": "nw-prod", "tenant": "northwind"}),
        )
        .await;
    let text = format!(
        "organizations nw and subscriptions nw-prod ({})",
        sub["id"].as_str().unwrap()
    );
    conflict(s.admin_delete(path).await, &text);
    assert_eq!(s.admin_ok("/keyless/v1/tenants").await, before);
    s.send(Method::GET, "/keyless/v1/me", Some(&gina.token), None)
        .await
        .expect_status(StatusCode::OK);

    s.admin_delete(&format!("{ORGS}/nw"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.admin_delete(&format!(
        "/keyless/v1/subscriptions/{}",
        sub["id"].as_str().unwrap()
    ))
    .await
    .expect_status(StatusCode::NO_CONTENT);
    s.admin_delete(path)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.admin_get(path).await.expect_status(StatusCode::NOT_FOUND);
    let (status, _) = s
        .send(Method::GET, "/keyless/v1/me", Some(&gina.token), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let discovery = format!(
        "/{}/v2.0/.well-known/openid-configuration",
        tenant["id"].as_str().unwrap()
    );
    let (status, _) = s.send(Method::GET, &discovery, None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn tenants_change_their_display_name() {
    let s = TestServer::start().await;
    let v = s
        .admin_patch(
            "/keyless/v1/tenants/contoso",
            json!({"displayName": "Contoso Ltd"}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(v["displayName"], "Contoso Ltd");
    assert_eq!(v["name"], "contoso");
    let member = new_member(&s, "eve").await;
    let denied = s
        .patch_as(
            &member.token,
            "/keyless/v1/tenants/contoso",
            json!({"displayName": "Mine"}),
        )
        .await;
    assert_eq!(denied.0, StatusCode::FORBIDDEN, "{}", denied.1);
    s.admin_patch("/keyless/v1/tenants/contoso", json!({"name": "x"}))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        s.admin_ok("/keyless/v1/tenants/contoso").await["displayName"],
        "Contoso Ltd"
    );
}

#[tokio::test]
async fn subscriptions_are_renamed_by_administrators() {
    let s = TestServer::start().await;
    let subs = "/keyless/v1/subscriptions";
    let sub = s
        .admin_created(subs, json!({"name": "prod", "tenant": "contoso"}))
        .await;
    let path = format!("{subs}/{}", sub["id"].as_str().unwrap());
    let before = s.admin_ok(subs).await;
    let member = new_member(&s, "eve").await;
    let denied = s
        .patch_as(&member.token, &path, json!({"displayName": "mine"}))
        .await;
    forbidden(denied, "keyless administrator");
    for body in [
        json!({"displayName": ""}),
        json!({"displayName": "x".repeat(65)}),
        json!({"name": "x"}),
    ] {
        s.admin_patch(&path, body)
            .await
            .expect_status(StatusCode::BAD_REQUEST);
    }
    let ghost = format!("{subs}/{}", uuid::Uuid::new_v4());
    s.admin_patch(&ghost, json!({"displayName": "x"}))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(s.admin_ok(subs).await, before);

    let v = s
        .admin_patch(&path, json!({"displayName": "production"}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(v["displayName"], "production");
    assert_eq!(v["id"], sub["id"]);
    let listed = s.admin_ok(subs).await;
    assert_eq!(
        support::find_item(&listed, "id", sub["id"].as_str().unwrap())["displayName"],
        "production"
    );
}
