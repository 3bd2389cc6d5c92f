//! Service principals calling the Azure DevOps REST API with an Entra access token: refused
//! with TF401444 until added to the organization, and with VS800075 for projects where they
//! have no group; users with a PAT see every project.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support;

use common::{DEVOPS_SCOPE, Expect, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::directory::token_for;
use support::{Principal, field_names, new_principal};

/// Adds the identity `id` to the organization as a Reader of `web`.
async fn add_identity(s: &TestServer, id: &str) {
    support::add_org_identity(s, "contoso", id, "web", "Readers").await;
}

/// The demo organization with a second project, and a fresh principal with a DevOps token.
async fn setup() -> (TestServer, Principal, String) {
    let s = TestServer::start().await;
    support::add_contoso_project(&s, "api").await;
    let p = new_principal(&s, "reporting").await;
    let token = token_for(&s, &s.var("AZURE_TENANT_ID"), &p, DEVOPS_SCOPE).await;
    (s, p, token)
}

#[tokio::test]
async fn identity_not_in_the_organization_is_tf401444() {
    let (s, p, token) = setup().await;
    let b = s
        .get_as(&token, "/contoso/_apis/projects")
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    let tenant = s.var("AZURE_TENANT_ID");
    assert_eq!(b["message"], support::tf401444(&tenant, &p.sp_id));
    assert_eq!(b["typeKey"], "VssUnauthorizedException");
}

#[tokio::test]
async fn identity_sees_only_its_projects_and_gets_vs800075_elsewhere() {
    let (s, p, token) = setup().await;
    add_identity(&s, &p.sp_id).await;
    let list = s.get_ok_as(&token, "/contoso/_apis/projects").await;
    assert_eq!(field_names(&list, "name"), ["web"]);
    assert_eq!(list["count"], 1);

    let web = s.get_ok_as(&token, "/contoso/_apis/projects/web").await;
    assert_eq!(web["state"], "wellFormed");

    let api = support::contoso_project(&s, "api").await;
    for key in ["api".to_string(), api.id.to_string()] {
        let b = s
            .get_as(&token, &format!("/contoso/_apis/projects/{key}"))
            .await
            .expect_status(StatusCode::NOT_FOUND);
        assert_eq!(
            b["message"],
            format!(
                "VS800075: The project with id 'vstfs:///Classification/TeamProject/{}' does not exist, or you do not have permission to access it.",
                api.id
            )
        );
    }
}

#[tokio::test]
async fn users_see_every_project_and_other_audiences_are_refused() {
    let (s, p, token) = setup().await;
    let list = s.admin_ok("/contoso/_apis/projects").await;
    assert_eq!(field_names(&list, "name"), ["api", "web"]);
    // An ARM token is not a DevOps token.
    let arm = token_for(
        &s,
        &s.var("AZURE_TENANT_ID"),
        &p,
        "https://management.azure.com/.default",
    )
    .await;
    let b = s
        .get_as(&arm, "/contoso/_apis/projects")
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    assert!(b.to_string().contains("audience"), "{b}");
    // A disabled principal's token is refused before membership is looked at.
    support::disable_sp(&s, &p.sp_id).await;
    let b = s
        .get_as(&token, "/contoso/_apis/projects")
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    assert!(!b.to_string().contains("TF401444"), "{b}");
}

fn ado_body(s: &TestServer) -> Value {
    sc_support::azure_devops_body(s, "ado", json!({}))
}

/// An Azure DevOps connection needs its identity to be a user of the organization;
/// once it is, a job gets an ID token for it, exchanges it for an Azure DevOps token, and
/// reads the projects its identity is a member of.
#[tokio::test]
async fn azure_devops_connection_end_to_end() {
    let s = TestServer::start().await;
    let create = "/contoso/web/_apis/serviceendpoint/endpoints?api-version=7.1";
    let b = s
        .admin_post(create, ado_body(&s))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        b["message"],
        "The Managed Identity / Service Principal demo-deploy does not have access to Azure DevOps organization contoso. Please make sure the identity has been added to the organization. See https://aka.ms/azdosc#prerequisites"
    );
    let mut scheme = ado_body(&s);
    scheme["authorization"]["scheme"] = json!("ServicePrincipal");
    s.admin_post(create, scheme)
        .await
        .expect_message(StatusCode::BAD_REQUEST, "workload identity federation only");

    let client = s.var("AZURE_CLIENT_ID");
    add_identity(&s, &client).await;
    let conn = s
        .admin_post(create, ado_body(&s))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(conn["type"], "azuredevops");
    assert_eq!(conn["data"]["organizationName"], "contoso");
    let params = &conn["authorization"]["parameters"];
    let app = s
        .store()
        .find_application_by_app_id(client.parse().unwrap())
        .await
        .unwrap();
    let fic = json!({
        "name": "ado",
        "issuer": params["workloadIdentityFederationIssuer"],
        "subject": params["workloadIdentityFederationSubject"],
        "audiences": ["api://AzureADTokenExchange"],
    });
    let fics = format!("/v1.0/applications/{}/federatedIdentityCredentials", app.id);
    s.admin_created(&fics, fic).await;

    let conn_id = conn["id"].as_str().unwrap();
    let token = &sc_support::job_devops_token(&s, "web", "ado-job", &["ado"], conn_id).await;
    let list = s.get_ok_as(token, "/contoso/_apis/projects").await;
    assert_eq!(field_names(&list, "name"), ["web"]);
}
