//! Connections on the legacy issuer (`{origin}/app.vstoken`, one issuer for every
//! organization): created by world files and keyless administrators only, their credential
//! mismatch is AADSTS70021 naming the issuer, doctor warns, and editing and saving moves
//! them to the organization's issuer (the credential keyless created follows; a manual
//! connection is flagged).
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support::{apply, fabrikam_deployer, fabrikam_infra};

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use sc_support::*;
use serde_json::{Value, json};

const WORLD: &str = concat!(
    "\ntenants:\n  - name: fabrikam\n",
    fabrikam_deployer!("old"),
    fabrikam_infra!(),
    r#"        connections:
          - name: old
            app: fabrikam/deployer
            subscription: prod
            issuer: legacy
        pipelines:
          - name: release
            yaml: "steps: [{task: AzureCLI@2, inputs: {azureSubscription: old, scriptType: bash, scriptLocation: inlineScript, inlineScript: az account show}}]"
"#,
);

fn params(c: &Value) -> (String, String) {
    let p = &c["authorization"]["parameters"];
    (
        p["workloadIdentityFederationIssuer"]
            .as_str()
            .unwrap()
            .to_string(),
        p["workloadIdentityFederationSubject"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

/// The token request of a job with the connection's ID token, at the identity's tenant.
async fn exchange_in(
    s: &TestServer,
    tenant: &str,
    client: &str,
    assertion: &str,
) -> (StatusCode, Value) {
    s.token(
        tenant,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
            ("scope", common::ARM_SCOPE),
        ],
    )
    .await
}

async fn fabrikam_connection(s: &TestServer) -> Value {
    let list = s
        .admin_ok("/fabrikam/infra/_apis/serviceendpoint/endpoints")
        .await;
    list["value"][0].clone()
}

async fn doctor_codes(s: &TestServer, org: &str, project: &str, conn: &str) -> Vec<String> {
    let path =
        format!("/keyless/v1/organizations/{org}/projects/{project}/connections/{conn}/doctor");
    let (_, v) = s
        .send(Method::GET, &path, Some(&s.var("KEYLESS_TOKEN")), None)
        .await;
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str().map(String::from))
        .collect()
}

/// Edits and saves the connection `id` of `org` as the administrator (200): the saved
/// connection.
async fn save_edited(s: &TestServer, org: &str, id: &str) -> Value {
    s.admin_put(
        &format!("/{org}/_apis/serviceendpoint/endpoints/{id}"),
        json!({"description": "moved"}),
    )
    .await
    .expect_status(StatusCode::OK)
}

#[tokio::test]
async fn a_world_file_connection_on_the_legacy_issuer_until_it_is_saved() {
    let s = TestServer::start().await;
    let (st, b) = apply(&s, WORLD).await;
    assert!(st.is_success(), "{b}");
    let c = fabrikam_connection(&s).await;
    let (issuer, subject) = params(&c);
    let legacy = format!("{}/app.vstoken", s.origin);
    assert_eq!(issuer, legacy);
    assert_eq!(subject, "sc://fabrikam/infra/old");
    assert_eq!(
        c["authorization"]["parameters"]["workloadIdentityFederationIssuerType"],
        "Legacy"
    );
    let id = c["id"].as_str().unwrap().to_string();
    let client = c["authorization"]["parameters"]["serviceprincipalid"]
        .as_str()
        .unwrap()
        .to_string();
    let tenant = c["authorization"]["parameters"]["tenantid"]
        .as_str()
        .unwrap()
        .to_string();
    // Its ID token names the legacy issuer and exchanges while the credential names it.
    let env = start_job(&s, "fabrikam", "infra", "release").await;
    let token = job_id_token(&s, &env, &id).await;
    assert_eq!(crate::support::jwt_claims(&token)["iss"], legacy.as_str());
    exchange_in(&s, &tenant, &client, &token)
        .await
        .expect_status(StatusCode::OK);
    // The legacy issuer publishes its discovery document and keys; rotating it (by name or
    // with every issuer) adds a key beside the one that signed.
    let doc = s
        .admin_ok("/app.vstoken/.well-known/openid-configuration")
        .await;
    assert_eq!(doc["issuer"], legacy.as_str());
    assert_eq!(doc["jwks_uri"], format!("{legacy}/.well-known/jwks"));
    let keys = |v: &Value| v["keys"].as_array().unwrap().len();
    let before = s.admin_ok("/app.vstoken/.well-known/jwks").await;
    assert_eq!(keys(&before), 1, "{before}");
    let rotated = s
        .admin_post("/keyless/v1/keys/rotate", json!({"issuer": "legacy"}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(rotated["value"].as_array().unwrap().len(), 1, "{rotated}");
    s.admin_post("/keyless/v1/keys/rotate", json!({"issuer": "all"}))
        .await
        .expect_status(StatusCode::OK);
    let after = s.admin_ok("/app.vstoken/.well-known/jwks").await;
    assert_eq!(keys(&after), 3, "{after}");
    assert!(
        doctor_codes(&s, "fabrikam", "infra", "old")
            .await
            .contains(&"LegacyIssuer".to_string())
    );
    // A credential that does not match: Entra's 70021, naming the legacy issuer.
    let store = s.store();
    let app = store
        .find_application_by_app_id(client.parse().unwrap())
        .await
        .unwrap();
    let mut fic = store.list_fics(app.id).await.unwrap().remove(0);
    fic.subject = Some("sc://fabrikam/infra/other".into());
    store.update_fic(&fic).await.unwrap();
    let b = exchange_in(&s, &tenant, &client, &token)
        .await
        .expect_entra(70021, "invalid_request");
    let description = b["error_description"].as_str().unwrap();
    let want = format!(
        "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '{legacy}'. Assertion Subject: 'sc://fabrikam/infra/old'. Assertion Audience: 'api://AzureADTokenExchange'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation Trace ID: "
    );
    assert!(description.starts_with(&want), "{description}");
    assert_eq!(
        keyless_model::catalogue::identify(description).map(|e| e.code),
        Some("LegacyIssuer")
    );
    // Edit and save: the connection moves to its organization's issuer; keyless did not
    // create the identity, so the connection says what its owner must change.
    let org = store.find_organization("fabrikam").await.unwrap();
    let current = format!("{}/{}", s.origin, org.id);
    let saved = save_edited(&s, "fabrikam", &id).await;
    assert_eq!(params(&saved), (current.clone(), subject.clone()));
    assert_eq!(
        saved["authorization"]["parameters"]["workloadIdentityFederationIssuerType"],
        "AzureDevOps"
    );
    assert_eq!(saved["isOutdated"], true);
    assert_eq!(
        saved["operationStatus"]["statusMessage"],
        format!(
            "The service connection moved from the legacy issuer '{legacy}' to its organization's issuer '{current}'. Federated credentials that name the legacy issuer no longer match (AADSTS70021 or AADSTS700211 at the token endpoint). Ask the identity's owner to update its federated credential to issuer '{current}' and subject '{subject}', then verify the connection."
        )
    );
    assert!(
        !doctor_codes(&s, "fabrikam", "infra", "old")
            .await
            .contains(&"LegacyIssuer".to_string())
    );
}

fn legacy_automatic(s: &TestServer, name: &str) -> Value {
    let mut body = automatic_body(s, name, "WorkloadIdentityFederation");
    body["authorization"]["parameters"]["workloadIdentityFederationIssuerType"] = json!("Legacy");
    body
}

#[tokio::test]
async fn an_automatic_legacy_connection_moves_with_its_credential() {
    let s = TestServer::start().await;
    // Azure DevOps gives no new connection the legacy issuer: a project's creator is refused.
    let eve = member(&s, "eve").await;
    add_to_group(&s, "web", &eve, "Endpoint Creators").await;
    let list = "/contoso/web/_apis/serviceendpoint/endpoints";
    let before = s.admin_ok(list).await;
    let b = create_as(&s, &eve.token, legacy_automatic(&s, "old-auto"))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .starts_with("workloadIdentityFederationIssuerType 'Legacy' is the issuer"),
        "{b}"
    );
    assert_eq!(s.admin_ok(list).await["count"], before["count"]);
    // A keyless administrator creates one.
    let c = created(&s, legacy_automatic(&s, "old-auto")).await;
    let legacy = format!("{}/app.vstoken", s.origin);
    let (issuer, subject) = params(&c);
    assert_eq!(issuer, legacy);
    let id = c["id"].as_str().unwrap().to_string();
    let app: uuid::Uuid = c["data"]["appObjectId"].as_str().unwrap().parse().unwrap();
    let store = s.store();
    let fics = store.list_fics(app).await.unwrap();
    assert_eq!(fics.len(), 1);
    assert_eq!(fics[0].issuer, legacy);
    assert!(
        doctor_codes(&s, "contoso", "web", "old-auto")
            .await
            .contains(&"LegacyIssuer".to_string())
    );
    // Edit and save: connection and credential move together; nothing to flag.
    let saved = save_edited(&s, "contoso", &id).await;
    let org = store.find_organization("contoso").await.unwrap();
    let current = format!("{}/{}", s.origin, org.id);
    assert_eq!(params(&saved), (current.clone(), subject));
    assert_eq!(saved["isOutdated"], false);
    assert_eq!(saved["operationStatus"]["statusMessage"], "");
    let fics = store.list_fics(app).await.unwrap();
    assert_eq!(fics.len(), 1);
    assert_eq!(fics[0].issuer, current);
    let (_, v) = verify(&s, &s.var("KEYLESS_TOKEN"), &id).await;
    assert_eq!(v["statusCode"], "ok", "{v}");
}

/// A manual connection on the legacy issuer through the REST API: a keyless administrator
/// creates it, a project's creator is refused and nothing is written.
#[tokio::test]
async fn an_administrator_creates_a_manual_connection_on_the_legacy_issuer() {
    let s = TestServer::start().await;
    let body = || manual_body(&s, "old-manual", &s.var("AZURE_CLIENT_ID"), Some("Legacy"));
    let eve = member(&s, "eve").await;
    add_to_group(&s, "web", &eve, "Endpoint Creators").await;
    let list = "/contoso/web/_apis/serviceendpoint/endpoints";
    let before = s.admin_ok(list).await;
    let b = create_as(&s, &eve.token, body())
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        b["message"],
        "workloadIdentityFederationIssuerType 'Legacy' is the issuer Azure DevOps no longer gives new connections; only keyless administrators create such a connection, to reproduce an old one. Use 'EntraID' or 'AzureDevOps'."
    );
    assert_eq!(s.admin_ok(list).await, before);
    let c = created(&s, body()).await;
    assert_eq!(
        params(&c),
        (
            format!("{}/app.vstoken", s.origin),
            "sc://contoso/web/old-manual".to_string()
        )
    );
    assert_eq!(
        c["authorization"]["parameters"]["workloadIdentityFederationIssuerType"],
        "Legacy"
    );
    assert!(
        doctor_codes(&s, "contoso", "web", "old-manual")
            .await
            .contains(&"LegacyIssuer".to_string())
    );
}
