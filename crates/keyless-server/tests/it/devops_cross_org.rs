//! An Azure DevOps connection of one organization that reaches a second organization of the
//! same tenant: refused until its identity is a user there, then allowed. Every call the
//! identity makes to the REST API with its Entra token is audited, granted or refused, with
//! the identity, the organization and the project; `keyless audit` and doctor read them.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::doctor_support;
use crate::sc_support;
use crate::support;

use common::{DEVOPS_SCOPE, Expect, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CREATE: &str = "/contoso/web/_apis/serviceendpoint/endpoints?api-version=7.1";

fn cross_org_body(s: &TestServer) -> Value {
    sc_support::azure_devops_body(s, "to-fabrikam", json!({"organizationName": "fabrikam"}))
}

async fn connections(s: &TestServer) -> usize {
    let list = s
        .admin_ok("/contoso/web/_apis/serviceendpoint/endpoints")
        .await;
    list["value"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_connection_reaches_another_organization_of_the_tenant_once_its_identity_is_a_user_there()
{
    let s = TestServer::start().await;
    let tenant = s.var("AZURE_TENANT_ID");
    let client = s.var("AZURE_CLIENT_ID");
    s.admin_created(
        "/keyless/v1/organizations",
        json!({"name": "fabrikam", "tenant": tenant}),
    )
    .await;
    s.admin_created(
        "/keyless/v1/organizations/fabrikam/projects",
        json!({"name": "tools"}),
    )
    .await;
    let sp = s
        .store()
        .find_service_principal(s.tenant(), client.parse().unwrap())
        .await
        .unwrap();
    // The identity is a user of contoso (where the connection lives) but not of fabrikam.
    support::add_org_identity(&s, "contoso", &sp.id.to_string(), "web", "Readers").await;
    let before = connections(&s).await;
    let b = s
        .admin_post(CREATE, cross_org_body(&s))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert_eq!(b["typeKey"], "ServiceEndpointException", "{b}");
    assert_eq!(
        b["message"],
        "The Managed Identity / Service Principal demo-deploy does not have access to Azure DevOps organization fabrikam. Please make sure the identity has been added to the organization. See https://aka.ms/azdosc#prerequisites"
    );
    assert_eq!(
        connections(&s).await,
        before,
        "a refused create wrote nothing"
    );

    // Its Entra token for Azure DevOps is refused at fabrikam (TF401444), and audited.
    let id_token = s.id_token().await;
    let tok = s
        .exchange_for(&client, DEVOPS_SCOPE, &id_token)
        .await
        .expect_status(StatusCode::OK);
    let token = tok["access_token"].as_str().unwrap().to_string();
    let b = s
        .get_as(&token, "/fabrikam/_apis/projects")
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    assert_eq!(b["message"], support::tf401444(&tenant, &sp.id.to_string()));

    // Added as a user of fabrikam (Readers of tools), the identity gets the connection.
    support::add_org_identity(&s, "fabrikam", &sp.id.to_string(), "tools", "Readers").await;
    let conn = s
        .admin_post(CREATE, cross_org_body(&s))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(conn["data"]["organizationName"], "fabrikam");
    let params = &conn["authorization"]["parameters"];
    let app = support::demo_app(&s).await;
    s.admin_created(
        &format!("/v1.0/applications/{}/federatedIdentityCredentials", app.id),
        json!({
            "name": "to-fabrikam",
            "issuer": params["workloadIdentityFederationIssuer"],
            "subject": params["workloadIdentityFederationSubject"],
            "audiences": ["api://AzureADTokenExchange"],
        }),
    )
    .await;
    // A job of contoso gets the connection's token and reads fabrikam's project.
    let conn_id = conn["id"].as_str().unwrap();
    let token =
        &sc_support::job_devops_token(&s, "web", "cross-org", &["to-fabrikam"], conn_id).await;
    let list = s.get_ok_as(token, "/fabrikam/_apis/projects").await;
    assert_eq!(support::field_names(&list, "name"), ["tools"]);
    s.get_ok_as(token, "/fabrikam/_apis/projects/tools").await;
    // A project of fabrikam it has no group in stays hidden (VS800075).
    s.admin_created(
        "/keyless/v1/organizations/fabrikam/projects",
        json!({"name": "secret"}),
    )
    .await;
    s.get_as(token, "/fabrikam/_apis/projects/secret")
        .await
        .expect_status(StatusCode::NOT_FOUND);

    // The audit log has every attempt, with identity, organization and project.
    let entries = support::audit(&s, "kind=devops").await;
    let seen: Vec<(&str, Option<&str>, &str, Option<&str>)> = entries
        .iter()
        .rev()
        .map(|e| {
            (
                e["decision"].as_str().unwrap(),
                e["code"].as_str(),
                e["detail"]["organization"].as_str().unwrap(),
                e["detail"]["project"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("denied", Some("TF401444"), "fabrikam", None),
            ("granted", None, "fabrikam", None),
            ("granted", None, "fabrikam", Some("tools")),
            ("denied", Some("VS800075"), "fabrikam", Some("secret")),
        ]
    );
    for e in &entries {
        assert_eq!(e["clientId"], client.as_str());
        assert_eq!(e["tenantId"], tenant.as_str());
        assert_eq!(e["detail"]["identity"]["objectId"], sp.id.to_string());
        assert_eq!(e["detail"]["identity"]["displayName"], "demo-deploy");
    }
    // Doctor of the connection reads the refusals.
    let (_, v) = doctor_support::doctor_as(&s, Some(&s.var("KEYLESS_TOKEN")), "to-fabrikam").await;
    let audit: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "audit")
        .map(|f| f["finding"].as_str().unwrap())
        .collect();
    assert!(
        audit
            .iter()
            .any(|f| f
                .contains("devops denied with VS800075 in organization fabrikam, project secret")),
        "{v:#}"
    );
    assert!(
        audit
            .iter()
            .any(|f| f.contains("devops denied with TF401444 in organization fabrikam")),
        "{v:#}"
    );
}
