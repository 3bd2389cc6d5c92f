//! Service connection security: project groups, per-connection roles, sharing, and
//! pipeline permissions enforced at the job's token endpoint.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use sc_support::*;
use serde_json::json;

#[tokio::test]
async fn contributors_are_endpoint_creators_and_administer_what_they_create() {
    let s = TestServer::start().await;
    let alice = member(&s, "alice").await;
    let c = create_as(
        &s,
        &alice.token,
        manual_body(&s, "alice-conn", &s.var("AZURE_CLIENT_ID"), None),
    )
    .await
    .expect_status(StatusCode::OK);
    let id = c["id"].as_str().unwrap();
    let roles = s
        .get_ok_as(&alice.token, &format!(
                "/contoso/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/{}_{id}",
                c["serviceEndpointProjectReferences"][0]["projectReference"]["id"].as_str().unwrap()
            ))
.await;
    assert_eq!(
        roles["value"][0]["identity"]["uniqueName"],
        json!(alice.upn)
    );
    assert_eq!(roles["value"][0]["role"]["name"], "Administrator");
    // As its administrator she may rename it.
    s.put_as(
        &alice.token,
        &format!("/contoso/_apis/serviceendpoint/endpoints/{id}"),
        json!({"description": "mine"}),
    )
    .await
    .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn readers_cannot_create_and_get_the_catalogue_message() {
    let s = TestServer::start().await;
    let bob = person(&s, "bob").await;
    add_to_group(&s, "web", &bob, "Readers").await;
    let e = create_as(
        &s,
        &bob.token,
        manual_body(&s, "nope", &s.var("AZURE_CLIENT_ID"), None),
    )
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
    let e = s
        .put_as(
            &bob.token,
            &format!("/contoso/_apis/serviceendpoint/endpoints/{id}"),
            json!({"description": "x"}),
        )
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert!(message(&e).contains("needs the Administrator role"), "{e}");
    s.delete_as(
        &bob.token,
        &format!("/contoso/_apis/serviceendpoint/endpoints/{id}"),
    )
    .await
    .expect_status(StatusCode::FORBIDDEN);
    // Endpoint Creators may create again; a per-connection Administrator role lets him edit.
    add_to_group(&s, "web", &bob, "Endpoint Creators").await;
    create_as(
        &s,
        &bob.token,
        manual_body(&s, "now", &s.var("AZURE_CLIENT_ID"), None),
    )
    .await
    .expect_status(StatusCode::OK);
    let project = support::contoso_project(&s, "web").await;
    let roles = format!(
        "/contoso/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/{}_{id}",
        project.id
    );
    s.admin_put(
        &roles,
        json!([{"roleName": "Administrator", "userId": bob.id}]),
    )
    .await
    .expect_status(StatusCode::OK);
    s.put_as(
        &bob.token,
        &format!("/contoso/_apis/serviceendpoint/endpoints/{id}"),
        json!({"description": "x"}),
    )
    .await
    .expect_status(StatusCode::OK);
    // Bad role names, unknown users and removals of roles nobody holds are refused.
    s.admin_put(&roles, json!([{"roleName": "Owner", "userId": bob.id}]))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    s.admin_put(&roles, json!([{"roleName": "User", "userId": "nobody@x"}]))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    s.admin_patch(&roles, json!([bob.id]))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.admin_patch(&roles, json!([bob.id]))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    s
        .admin_get("/contoso/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/nounderscore")
        .await.expect_status(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn project_groups_are_managed_by_project_administrators_only() {
    let s = TestServer::start().await;
    let carol = person(&s, "carol").await;
    let path = "/keyless/v1/organizations/contoso/projects/web/members";
    s.post_as(
        &carol.token,
        path,
        json!({"user": carol.upn, "group": "Endpoint Administrators"}),
    )
    .await
    .expect_status(StatusCode::FORBIDDEN);
    s.admin_post(path, json!({"user": carol.upn, "group": "Builders"}))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    s.admin_post(path, json!({"user": "ghost@nowhere", "group": "Readers"}))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
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
    // Not shared yet: the other project can neither list nor reference it.
    s.admin_post(
        "/keyless/v1/organizations/contoso/projects/api/pipelines",
        json!({"name": "early", "connections": [id]}),
    )
    .await
    .expect_status(StatusCode::BAD_REQUEST);
    s.admin_patch(
        &format!("/contoso/_apis/serviceendpoint/endpoints/{id}"),
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
    s.admin_delete(&format!(
        "/contoso/_apis/serviceendpoint/endpoints/{id}?projectIds=api"
    ))
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
    s.admin_delete(&format!(
        "/contoso/_apis/serviceendpoint/endpoints/{id}?projectIds=api"
    ))
    .await
    .expect_status(StatusCode::NOT_FOUND);
    s.admin_patch(
        &format!("/contoso/_apis/serviceendpoint/endpoints/{id}"),
        json!([{"projectReference": {}}]),
    )
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
    let p = s
        .admin_patch(
            &path,
            json!({"pipelines": [{"id": deploy, "authorized": false}]}),
        )
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
        .state
        .store
        .find_pipeline(support::contoso_project(&s, "web").await.id, "deploy")
        .await
        .unwrap();
    let p = s
        .admin_patch(
            &path,
            json!({"pipelines": [{"id": pipeline.id, "authorized": true}]}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(p["pipelines"][0]["id"], pipeline.id);
    s.oidc(&s.var("SYSTEM_ACCESSTOKEN"), &id)
        .await
        .expect_status(StatusCode::OK);
    // A pipeline that does not exist, a reader's change and a malformed body are refused.
    s.admin_patch(
        &path,
        json!({"pipelines": [{"id": 9999, "authorized": true}]}),
    )
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
    s.admin_patch(
        &path,
        json!({"pipelines": [{"id": pipeline.id, "authorized": false}]}),
    )
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
        &format!("/contoso/_apis/serviceendpoint/endpoints/{id}"),
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
    let roles = format!(
        "/contoso/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/{project}_{sec}"
    );
    s.admin_put(
        &roles,
        json!([{"roleName": "Administrator", "userId": rita.upn}]),
    )
    .await
    .expect_status(StatusCode::OK);
    let e = s
        .put_as(&rita.token, &format!("/contoso/_apis/serviceendpoint/endpoints/{sec}?operation=ConvertAuthenticationScheme"), json!({"authorization": {"scheme": "WorkloadIdentityFederation"}}))
        .await.expect_status(StatusCode::FORBIDDEN);
    assert!(message(&e).contains("ask its owner"), "{e}");
    // Nor renew its secret: verify, then save.
    let (_, v) = verify(&s, &rita.token, sec).await;
    assert_eq!(v["statusCode"], "ok", "{v}");
    let e = s
        .put_as(
            &rita.token,
            &format!("/contoso/_apis/serviceendpoint/endpoints/{sec}"),
            json!({"description": "renew"}),
        )
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert!(
        message(&e).starts_with("Renewing the secret updates the app registration contoso-web-sec"),
        "{e}"
    );
}
