//! Generic resources and user-assigned managed identities (the identity a manual workload identity connection can use): the
//! identity, its federated credential, a manual connection naming it, and its token.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support;

use common::{ARM_SCOPE, Client, Expect, TestServer};
use reqwest::StatusCode;
use serde_json::json;

pub(crate) fn rg_path(s: &TestServer) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/demo-rg",
        s.var("AZURE_SUBSCRIPTION_ID")
    )
}

pub(crate) fn identity_path(s: &TestServer, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
        rg_path(s)
    )
}

/// A caller of the resource APIs (their api-version on every path) with `token`.
fn arm<'a>(s: &'a TestServer, token: &str) -> Client<'a> {
    s.client(token).with_api_per_path()
}

/// A new user-assigned identity `name` in the demo resource group, created by `arm`: its
/// path.
async fn new_identity(s: &TestServer, arm: &Client<'_>, name: &str) -> String {
    let path = identity_path(s, name);
    arm.put(&path, json!({"location": "eastus"}))
        .await
        .expect_status(StatusCode::CREATED);
    path
}

/// The path of the storage accounts of the test resource group.
fn storage_accounts(s: &TestServer) -> String {
    format!("{}/providers/Microsoft.Storage/storageAccounts", rg_path(s))
}

/// `PUT path` with `body` through `arm`, answered 400: the error's message.
async fn put_refused(arm: &Client<'_>, path: &str, body: serde_json::Value) -> serde_json::Value {
    let e = arm
        .put(path, body)
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    e["error"]["message"].clone()
}

#[tokio::test]
async fn generic_resource_lifecycle_and_paging() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let arm = arm(&s, &t);
    let base = storage_accounts(&s);
    for i in 0..3 {
        let b = arm.put(&format!("{base}/acct{i}"), json!({"location": "westeurope", "tags": {"n": i.to_string()}, "properties": {"sku": "x"}})).await.expect_status(StatusCode::CREATED);
        assert_eq!(b["type"], "Microsoft.Storage/storageAccounts");
    }
    arm.put(&format!("{base}/acct0"), json!({"location": "westeurope"}))
        .await
        .expect_status(StatusCode::OK);
    let b = arm.get_ok(&format!("{base}/ACCT1")).await;
    assert_eq!(b["properties"]["sku"], "x");
    let page1 = arm
        .get_ok(&format!("{}/resources?$top=2", rg_path(&s)))
        .await;
    assert_eq!(page1["value"].as_array().unwrap().len(), 2);
    let next = page1["nextLink"]
        .as_str()
        .unwrap()
        .strip_prefix(&s.origin)
        .unwrap()
        .to_string();
    let (_, page2) = s.get_as(&t, &next).await;
    assert_eq!(page2["value"].as_array().unwrap().len(), 1);
    assert!(page2.get("nextLink").is_none());
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let b = arm
        .get_ok(&format!(
            "/subscriptions/{sub}/providers/Microsoft.Storage/storageAccounts"
        ))
        .await;
    assert_eq!(b["value"].as_array().unwrap().len(), 3);
    let acct2 = format!("{base}/acct2");
    arm.delete(&acct2).await.expect_status(StatusCode::OK);
    arm.get(&acct2)
        .await
        .expect_error_code(404, "ResourceNotFound");
    // Deleting what is gone: 204.
    arm.delete(&acct2)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    // Deleting the group deletes its resources.
    arm.delete(&rg_path(&s)).await.expect_status(StatusCode::OK);
    let sub: uuid::Uuid = sub.parse().unwrap();
    assert!(
        s.store()
            .list_resources(sub, None)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn bad_resource_requests_are_4xx() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let arm = arm(&s, &t);
    let base = storage_accounts(&s);
    for (name, body) in [
        ("nolocation", json!({})),
        ("x", json!({"location": "westus", "properties": 5})),
    ] {
        let (status, resp) = arm.put(&format!("{base}/{name}"), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {resp}");
    }
    let resp = s
        .http
        .put(format!("{}{base}/y?api-version=1", s.origin))
        .bearer_auth(&t)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let elsewhere = format!(
        "/subscriptions/{sub}/resourceGroups/nope/providers/Microsoft.Storage/storageAccounts/z"
    );
    arm.put(&elsewhere, json!({"location": "westus"}))
        .await
        .expect_error_code(404, "ResourceGroupNotFound");
    arm.get(&format!("{base}/a/b/c/d"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn managed_identity_with_federated_credential_authenticates() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let arm = arm(&s, &t);
    let path = identity_path(&s, "uadevops");
    let mi = arm
        .put(&path, json!({"location": "eastus"}))
        .await
        .expect_status(StatusCode::CREATED);
    let client_id = mi["properties"]["clientId"].as_str().unwrap().to_string();
    let principal_id: uuid::Uuid = mi["properties"]["principalId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(mi["properties"]["tenantId"], s.var("AZURE_TENANT_ID"));
    let sp = s.store().get_service_principal(principal_id).await.unwrap();
    assert_eq!(sp.service_principal_type, "ManagedIdentity");
    // A second PUT keeps the same identity.
    let again = arm
        .put(&path, json!({"location": "eastus", "tags": {"a": "b"}}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(again["properties"]["clientId"], client_id.as_str());

    // A manual connection names the identity's client id.
    let (_, conn) = s
        .admin_post("/contoso/_apis/serviceendpoint/endpoints?api-version=7.1", json!({"name": "mi-conn", "type": "AzureRM", "data": {"creationMode": "Manual"},
                "authorization": {"scheme": "WorkloadIdentityFederation", "parameters": {"tenantid": s.var("AZURE_TENANT_ID"), "serviceprincipalid": client_id}},
                "serviceEndpointProjectReferences": [{"projectReference": {"name": "web"}, "name": "mi-conn"}]}))
        .await;
    let p = &conn["authorization"]["parameters"];
    let fics = format!("{path}/federatedIdentityCredentials");
    let fic = arm.put(&format!("{fics}/ado"),
        json!({"properties": {"issuer": p["workloadIdentityFederationIssuer"], "subject": p["workloadIdentityFederationSubject"], "audiences": ["api://AzureADTokenExchange"]}})).await.expect_status(StatusCode::CREATED);
    assert_eq!(
        fic["type"],
        "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
    );
    let list = arm.get_ok(&fics).await;
    assert_eq!(list["value"].as_array().unwrap().len(), 1);

    let env = sc_support::job_by_id(&s, "web", "mi", &["mi-conn"], None).await;
    let id = sc_support::job_id_token(&s, &env, conn["id"].as_str().unwrap()).await;
    let tok = s
        .exchange_for(&client_id, ARM_SCOPE, &id)
        .await
        .expect_status(StatusCode::OK);
    let claims = support::jwt_claims(tok["access_token"].as_str().unwrap());
    assert_eq!(claims["oid"], principal_id.to_string());
    assert_eq!(
        claims["xms_mirid"].as_str().unwrap().to_lowercase(),
        path.to_lowercase()
    );

    // Deleting the identity removes its principal and credentials: the exchange now fails.
    arm.delete(&path).await.expect_status(StatusCode::OK);
    assert!(s.store().get_service_principal(principal_id).await.is_err());
}

#[tokio::test]
async fn identity_credential_rules_and_texts() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let arm = arm(&s, &t);
    let path = identity_path(&s, "rules");
    let cred = |name: &str| format!("{path}/federatedIdentityCredentials/{name}");
    let ok = json!({"properties": {"issuer": "https://i", "subject": "s", "audiences": ["api://AzureADTokenExchange"]}});
    let e = arm
        .put(&cred("cred1"), ok.clone())
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(
        e["error"]["message"],
        "The parent user-assigned identity doesn't exist."
    );
    new_identity(&s, &arm, "rules").await;
    let no_audience =
        json!({"properties": {"issuer": "https://i", "subject": "s", "audiences": []}});
    assert_eq!(
        put_refused(&arm, &cred("cred1"), no_audience).await,
        "Federated identity credentials must have exactly one audience."
    );
    arm.put(&cred("cred1"), ok.clone())
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(
        put_refused(&arm, &cred("cred2"), ok).await,
        "Issuer and subject combination already exists for this Managed Identity."
    );
}

#[tokio::test]
async fn concurrent_credential_writes_under_one_identity_get_409_or_succeed() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let arm = arm(&s, &t);
    let path = new_identity(&s, &arm, "busy").await;
    let futures: Vec<_> = (0..8)
        .map(|i| {
            let body = json!({"properties": {"issuer": "https://i", "subject": format!("s{i}"), "audiences": ["api://AzureADTokenExchange"]}});
            let p = format!("{path}/federatedIdentityCredentials/conc{i}");
            let arm = &arm;
            async move { arm.put(&p, body).await.0 }
        })
        .collect();
    let results = futures_join(futures).await;
    assert!(
        results
            .iter()
            .all(|st| *st == StatusCode::CREATED || *st == StatusCode::CONFLICT),
        "{results:?}"
    );
    assert!(results.contains(&StatusCode::CREATED));
}

async fn futures_join<F: std::future::Future<Output = StatusCode>>(fs: Vec<F>) -> Vec<StatusCode> {
    let mut out = Vec::new();
    let mut set = Vec::new();
    for f in fs {
        set.push(Box::pin(f));
    }
    // Poll them together: a simple join without an extra dependency.
    let all = async {
        let mut results = vec![None; set.len()];
        let mut pending: Vec<usize> = (0..set.len()).collect();
        std::future::poll_fn(|cx| {
            pending.retain(|&i| match set[i].as_mut().poll(cx) {
                std::task::Poll::Ready(v) => {
                    results[i] = Some(v);
                    false
                }
                std::task::Poll::Pending => true,
            });
            if pending.is_empty() {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await;
        results
    };
    for r in all.await {
        out.push(r.unwrap());
    }
    out
}

#[tokio::test]
async fn role_assignment_at_resource_scope() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let arm = arm(&s, &t);
    let path = new_identity(&s, &arm, "scoped").await;
    // The demo app is Contributor: it may not assign roles, even on its own resource.
    let e = arm.put(&format!("{path}/providers/Microsoft.Authorization/roleAssignments/6f1b1b1b-0000-4000-8000-00000000000a"),
        json!({"properties": {"roleDefinitionId": "acdd72a7-3385-48ef-bd42-f606fba81ae7", "principalId": "6f1b1b1b-0000-4000-8000-00000000000b"}})).await.expect_status(StatusCode::FORBIDDEN);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("userAssignedIdentities/scoped")
    );
}
