//! Service connection security: project groups, per-connection roles, sharing, and
//! pipeline permissions enforced at the job's token endpoint.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use sc_support::*;
use serde_json::{Value, json};

/// A connection's path in the organization.
fn endpoint(id: &str) -> String {
    format!("/contoso/_apis/serviceendpoint/endpoints/{id}")
}

const ROLES: &str = "/contoso/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources";

/// The per-connection roles of the connection `id` of the project `project` (its id).
fn roles_of(project: &str, id: &str) -> String {
    format!("{ROLES}/{project}_{id}")
}

/// Saves the connection `id` with a new description, as `token`.
async fn describe(s: &TestServer, token: &str, id: &str, description: &str) -> (StatusCode, Value) {
    s.put_as(token, &endpoint(id), json!({"description": description}))
        .await
}

#[tokio::test]
async fn contributors_are_endpoint_creators_and_administer_what_they_create() {
    let s = TestServer::start().await;
    let alice = member(&s, "alice").await;
    let c = create_as(&s, &alice.token, demo_manual_body(&s, "alice-conn"))
        .await
        .expect_status(StatusCode::OK);
    let id = c["id"].as_str().unwrap();
    let project = c["serviceEndpointProjectReferences"][0]["projectReference"]["id"]
        .as_str()
        .unwrap();
    let roles = s.get_ok_as(&alice.token, &roles_of(project, id)).await;
    assert_eq!(
        roles["value"][0]["identity"]["uniqueName"],
        json!(alice.upn)
    );
    assert_eq!(roles["value"][0]["role"]["name"], "Administrator");
    // As its administrator she may rename it.
    describe(&s, &alice.token, id, "mine")
        .await
        .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn readers_cannot_create_and_get_the_catalogue_message() {
    let s = TestServer::start().await;
    let bob = person(&s, "bob").await;
    add_to_group(&s, "web", &bob, "Readers").await;
    let e = create_as(&s, &bob.token, demo_manual_body(&s, "nope"))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert_eq!(
        message(&e),
        "You need the Creator or Administrator role for service connections in the project web. Members of the project's Endpoint Creators group have it."
    );
    // Readers see the project's connections but cannot change or delete them.
    let list = s
        .get_ok_as(&bob.token, "/contoso/web/_apis/serviceendpoint/endpoints")
        .await;
    assert_eq!(list["count"], 1);
    let id = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    describe(&s, &bob.token, &id, "x")
        .await
        .expect_message(StatusCode::FORBIDDEN, "needs the Administrator role");
    s.delete_as(&bob.token, &endpoint(&id))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    // Endpoint Creators may create again; a per-connection Administrator role lets him edit.
    add_to_group(&s, "web", &bob, "Endpoint Creators").await;
    create_as(&s, &bob.token, demo_manual_body(&s, "now"))
        .await
        .expect_status(StatusCode::OK);
    let project = support::contoso_project(&s, "web").await;
    let roles = roles_of(&project.id.to_string(), &id);
    s.admin_put(
        &roles,
        json!([{"roleName": "Administrator", "userId": bob.id}]),
    )
    .await
    .expect_status(StatusCode::OK);
    describe(&s, &bob.token, &id, "x")
        .await
        .expect_status(StatusCode::OK);
    // Bad role names, unknown users and removals of roles nobody holds are refused.
    let admin = s.as_admin();
    for (method, body, want) in [
        (
            reqwest::Method::PUT,
            json!([{"roleName": "Owner", "userId": bob.id}]),
            StatusCode::BAD_REQUEST,
        ),
        (
            reqwest::Method::PUT,
            json!([{"roleName": "User", "userId": "nobody@x"}]),
            StatusCode::BAD_REQUEST,
        ),
        (
            reqwest::Method::PATCH,
            json!([bob.id]),
            StatusCode::NO_CONTENT,
        ),
        (
            reqwest::Method::PATCH,
            json!([bob.id]),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, resp) = admin.send(method.clone(), &roles, Some(body.clone())).await;
        assert_eq!(status, want, "{method} {body}: {resp}");
    }
    s.admin_get_expect(&format!("{ROLES}/nounderscore"), StatusCode::BAD_REQUEST)
        .await;
}

#[tokio::test]
async fn project_groups_are_managed_by_project_administrators_only() {
    let s = TestServer::start().await;
    let carol = person(&s, "carol").await;
    let path = "/keyless/v1/organizations/contoso/projects/web/members";
    let admin = s.var("KEYLESS_TOKEN");
    for (who, user, group, want) in [
        (
            &carol.token,
            carol.upn.as_str(),
            "Endpoint Administrators",
            StatusCode::FORBIDDEN,
        ),
        (&admin, &carol.upn, "Builders", StatusCode::BAD_REQUEST),
        (&admin, "ghost@nowhere", "Readers", StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = s
            .post_as(who, path, json!({"user": user, "group": group}))
            .await;
        assert_eq!(status, want, "{user} {group}: {body}");
    }
    add_to_group(&s, "web", &carol, "Project Administrators").await;
    let b = s.get_ok_as(&carol.token, path).await;
    assert_eq!(b["value"][0]["group"], "Project Administrators");
    s.delete_as(
        &carol.token,
        &format!("{path}?user={}&group=Readers", carol.upn),
    )
    .await
    .expect_status(StatusCode::NOT_FOUND);
    s.delete_as(&carol.token, path)
        .await
        .expect_status(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sharing_lets_another_project_use_the_connection_until_unshared() {
    let s = TestServer::start().await;
    support::add_contoso_project(&s, "api").await;
    let id = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    // Not shared yet: the other project can neither list nor use it; a run of a pipeline
    // that names it is refused when queued.
    s.admin_created(
        "/keyless/v1/organizations/contoso/projects/api/pipelines",
        common::pipeline_body("early", &[&id]),
    )
    .await;
    let (status, body) = s
        .admin(
            reqwest::Method::POST,
            "/keyless/v1/organizations/contoso/projects/api/pipelines/early/jobs",
            None,
        )
        .await;
    common::assert_devops_error(
        status,
        &body,
        400,
        "PipelineValidationException",
        &common::not_found_text("Job", "AzureCLI", "connectedServiceNameARM", &id),
    );
    s.admin_patch(
        &endpoint(&id),
        json!([{"projectReference": {"name": "api"}, "name": "demo-connection"}]),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
    let (_, list) = s
        .admin_get("/contoso/api/_apis/serviceendpoint/endpoints")
        .await;
    assert_eq!(list["count"], 1);
    assert_eq!(list["value"][0]["isShared"], true);
    assert_eq!(
        list["value"][0]["serviceEndpointProjectReferences"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (_, env) = job_with(&s, "api", "api-deploy", &[&id]).await;
    oidc(&s, &env, &id).await.expect_status(StatusCode::OK);
    // Unsharing (DELETE with the other project's id) keeps the connection at home.
    let unshare = format!("{}?projectIds=api", endpoint(&id));
    s.admin_delete(&unshare)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let (_, list) = s
        .admin_get("/contoso/api/_apis/serviceendpoint/endpoints")
        .await;
    assert_eq!(list["count"], 0);
    oidc(&s, &env, &id)
        .await
        .expect_status(StatusCode::NOT_FOUND);
    let (_, list) = s
        .admin_get("/contoso/web/_apis/serviceendpoint/endpoints")
        .await;
    assert_eq!(list["count"], 1);
    s.admin_delete(&unshare)
        .await
        .expect_status(StatusCode::NOT_FOUND);
    s.admin_patch(&endpoint(&id), json!([{"projectReference": {}}]))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn pipeline_permissions_gate_the_job_token_endpoint() {
    let s = TestServer::start().await;
    let id = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let path = format!("/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{id}");
    let p = s.admin_ok(&path).await;
    assert_eq!(
        p["resource"],
        json!({"type": "endpoint", "id": id, "name": "demo-connection"})
    );
    // As in Azure DevOps a connection is not open to every pipeline; saving the demo's
    // pipeline authorized it for the connection it names.
    assert_eq!(p["allPipelines"]["authorized"], false);
    assert_eq!(p["pipelines"].as_array().unwrap().len(), 1, "{p}");
    let deploy = p["pipelines"][0]["id"].clone();
    let p = authorize_pipeline(&s, &path, &deploy, false)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(p["pipelines"], json!([]));
    let e = s
        .oidc(&s.var("SYSTEM_ACCESSTOKEN"), &id)
        .await
        .expect_status(StatusCode::FORBIDDEN);
    let m = message(&e);
    assert!(
        m.starts_with(
            "Pipeline 'deploy' is not authorized to use the service connection 'demo-connection'"
        ),
        "{m}"
    );
    assert!(
        m.contains("pipelinePermissions/endpoint/") && m.contains("keyless sc permissions"),
        "{m}"
    );
    let pipeline = s
        .store()
        .find_pipeline(support::contoso_project(&s, "web").await.id, "deploy")
        .await
        .unwrap();
    let pipeline = json!(pipeline.id);
    let p = authorize_pipeline(&s, &path, &pipeline, true)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(p["pipelines"][0]["id"], pipeline);
    s.oidc(&s.var("SYSTEM_ACCESSTOKEN"), &id)
        .await
        .expect_status(StatusCode::OK);
    // A pipeline that does not exist, a reader's change and a malformed body are refused.
    authorize_pipeline(&s, &path, &json!(9999), true)
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    s.admin_patch(&path, json!({"pipelines": "all"}))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    let dave = person(&s, "dave").await;
    add_to_group(&s, "web", &dave, "Readers").await;
    s.get_ok_as(&dave.token, &path).await;
    s.patch_as(
        &dave.token,
        &path,
        json!({"allPipelines": {"authorized": true}}),
    )
    .await
    .expect_status(StatusCode::FORBIDDEN);
    // Revoking the pipeline closes the door again.
    authorize_pipeline(&s, &path, &pipeline, false)
        .await
        .expect_status(StatusCode::OK);
    s.oidc(&s.var("SYSTEM_ACCESSTOKEN"), &id)
        .await
        .expect_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sharing_and_converting_need_their_permissions() {
    let s = TestServer::start().await;
    let id = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let rita = person(&s, "rita").await;
    add_to_group(&s, "web", &rita, "Readers").await;
    s.patch_as(
        &rita.token,
        &endpoint(&id),
        json!([{"projectReference": {"name": "web"}}]),
    )
    .await
    .expect_status(StatusCode::FORBIDDEN);
    // An administrator of a secret connection who does not own its app cannot convert it.
    let (_, c) = create_as(
        &s,
        &s.var("KEYLESS_TOKEN"),
        automatic_body(&s, "sec", "ServicePrincipal"),
    )
    .await;
    let sec = c["id"].as_str().unwrap();
    let project = c["serviceEndpointProjectReferences"][0]["projectReference"]["id"]
        .as_str()
        .unwrap();
    s.admin_put(
        &roles_of(project, sec),
        json!([{"roleName": "Administrator", "userId": rita.upn}]),
    )
    .await
    .expect_status(StatusCode::OK);
    let convert = format!("{}?operation=ConvertAuthenticationScheme", endpoint(sec));
    let to_wif = json!({"authorization": {"scheme": "WorkloadIdentityFederation"}});
    s.put_as(&rita.token, &convert, to_wif)
        .await
        .expect_message(StatusCode::FORBIDDEN, "ask its owner");
    // Nor renew its secret: verify, then save.
    let (_, v) = verify(&s, &rita.token, sec).await;
    assert_eq!(v["statusCode"], "ok", "{v}");
    let e = describe(&s, &rita.token, sec, "renew")
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert!(
        message(&e).starts_with("Renewing the secret updates the app registration contoso-web-sec"),
        "{e}"
    );
}
