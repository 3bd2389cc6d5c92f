//! Generic resources and user-assigned managed identities (the identity a manual workload identity connection can use): the
//! identity, its federated credential, a manual connection naming it, and its token.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{ARM_SCOPE, Expect, JWT_BEARER, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn rg_path(s: &TestServer) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/demo-rg",
        s.var("AZURE_SUBSCRIPTION_ID")
    )
}

fn identity_path(s: &TestServer, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
        rg_path(s)
    )
}

async fn arm(
    s: &TestServer,
    token: &str,
    m: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let sep = if path.contains('?') { '&' } else { '?' };
    s.send(
        m,
        &format!("{path}{sep}api-version=2023-01-31"),
        Some(token),
        body,
    )
    .await
}

#[tokio::test]
async fn generic_resource_lifecycle_and_paging() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let base = format!(
        "{}/providers/Microsoft.Storage/storageAccounts",
        rg_path(&s)
    );
    for i in 0..3 {
        let b = arm(&s, &t, Method::PUT, &format!("{base}/acct{i}"), Some(json!({"location": "westeurope", "tags": {"n": i.to_string()}, "properties": {"sku": "x"}}))).await.expect_status(StatusCode::CREATED);
        assert_eq!(b["type"], "Microsoft.Storage/storageAccounts");
    }
    arm(
        &s,
        &t,
        Method::PUT,
        &format!("{base}/acct0"),
        Some(json!({"location": "westeurope"})),
    )
    .await
    .expect_status(StatusCode::OK);
    let b = arm(&s, &t, Method::GET, &format!("{base}/ACCT1"), None)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(b["properties"]["sku"], "x");
    let page1 = arm(
        &s,
        &t,
        Method::GET,
        &format!("{}/resources?$top=2", rg_path(&s)),
        None,
    )
    .await
    .expect_status(StatusCode::OK);
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
    let b = arm(
        &s,
        &t,
        Method::GET,
        &format!(
            "/subscriptions/{}/providers/Microsoft.Storage/storageAccounts",
            s.var("AZURE_SUBSCRIPTION_ID")
        ),
        None,
    )
    .await
    .expect_status(StatusCode::OK);
    assert_eq!(b["value"].as_array().unwrap().len(), 3);
    arm(&s, &t, Method::DELETE, &format!("{base}/acct2"), None)
        .await
        .expect_status(StatusCode::OK);
    let e = arm(&s, &t, Method::GET, &format!("{base}/acct2"), None)
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(e["error"]["code"], "ResourceNotFound");
    arm(&s, &t, Method::DELETE, &format!("{base}/acct2"), None)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    // Deleting the group deletes its resources.
    arm(&s, &t, Method::DELETE, &rg_path(&s), None)
        .await
        .expect_status(StatusCode::OK);
    let sub: uuid::Uuid = s.var("AZURE_SUBSCRIPTION_ID").parse().unwrap();
    assert!(
        s.state
            .store
            .list_resources(sub, None)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn bad_resource_requests_are_4xx() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let base = format!(
        "{}/providers/Microsoft.Storage/storageAccounts",
        rg_path(&s)
    );
    arm(
        &s,
        &t,
        Method::PUT,
        &format!("{base}/nolocation"),
        Some(json!({})),
    )
    .await
    .expect_status(StatusCode::BAD_REQUEST);
    arm(
        &s,
        &t,
        Method::PUT,
        &format!("{base}/x"),
        Some(json!({"location": "westus", "properties": 5})),
    )
    .await
    .expect_status(StatusCode::BAD_REQUEST);
    let resp = s
        .http
        .put(format!("{}{base}/y?api-version=1", s.origin))
        .bearer_auth(&t)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let e = arm(
        &s,
        &t,
        Method::PUT,
        &format!(
            "/subscriptions/{}/resourceGroups/nope/providers/Microsoft.Storage/storageAccounts/z",
            s.var("AZURE_SUBSCRIPTION_ID")
        ),
        Some(json!({"location": "westus"})),
    )
    .await
    .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(e["error"]["code"], "ResourceGroupNotFound");
    arm(&s, &t, Method::GET, &format!("{base}/a/b/c/d"), None)
        .await
        .expect_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn managed_identity_with_federated_credential_authenticates() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let path = identity_path(&s, "uadevops");
    let mi = arm(
        &s,
        &t,
        Method::PUT,
        &path,
        Some(json!({"location": "eastus"})),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let client_id = mi["properties"]["clientId"].as_str().unwrap().to_string();
    let principal_id: uuid::Uuid = mi["properties"]["principalId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(mi["properties"]["tenantId"], s.var("AZURE_TENANT_ID"));
    let sp = s
        .state
        .store
        .get_service_principal(principal_id)
        .await
        .unwrap();
    assert_eq!(sp.service_principal_type, "ManagedIdentity");
    // A second PUT keeps the same identity.
    let again = arm(
        &s,
        &t,
        Method::PUT,
        &path,
        Some(json!({"location": "eastus", "tags": {"a": "b"}})),
    )
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
    let fic = arm(&s, &t, Method::PUT, &format!("{path}/federatedIdentityCredentials/ado"),
        Some(json!({"properties": {"issuer": p["workloadIdentityFederationIssuer"], "subject": p["workloadIdentityFederationSubject"], "audiences": ["api://AzureADTokenExchange"]}}))).await.expect_status(StatusCode::CREATED);
    assert_eq!(
        fic["type"],
        "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
    );
    let list = arm(
        &s,
        &t,
        Method::GET,
        &format!("{path}/federatedIdentityCredentials"),
        None,
    )
    .await
    .expect_status(StatusCode::OK);
    assert_eq!(list["value"].as_array().unwrap().len(), 1);

    let (_, pl) = s
        .admin_post(
            "/keyless/v1/organizations/contoso/projects/web/pipelines",
            json!({"name": "mi", "connections": ["mi-conn"]}),
        )
        .await;
    let (_, job) = s
        .admin(
            Method::POST,
            &format!(
                "/keyless/v1/organizations/contoso/projects/web/pipelines/{}/jobs",
                pl["id"]
            ),
            None,
        )
        .await;
    let url = format!(
        "{}?api-version=7.1&serviceConnectionId={}",
        job["env"]["SYSTEM_OIDCREQUESTURI"].as_str().unwrap(),
        conn["id"].as_str().unwrap()
    );
    let id: Value = s
        .http
        .post(url)
        .bearer_auth(job["env"]["SYSTEM_ACCESSTOKEN"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tok = s
        .token(
            &s.var("AZURE_TENANT_ID"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client_id),
                ("scope", ARM_SCOPE),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", id["oidcToken"].as_str().unwrap()),
            ],
        )
        .await
        .expect_status(StatusCode::OK);
    let claims: Value = {
        use base64::Engine;
        let p = tok["access_token"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(claims["oid"], principal_id.to_string());
    assert_eq!(
        claims["xms_mirid"].as_str().unwrap().to_lowercase(),
        path.to_lowercase()
    );

    // Deleting the identity removes its principal and credentials: the exchange now fails.
    arm(&s, &t, Method::DELETE, &path, None)
        .await
        .expect_status(StatusCode::OK);
    assert!(
        s.state
            .store
            .get_service_principal(principal_id)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn identity_credential_rules_and_texts() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let path = identity_path(&s, "rules");
    let e = arm(&s, &t, Method::PUT, &format!("{path}/federatedIdentityCredentials/cred1"), Some(json!({"properties": {"issuer": "https://i", "subject": "s", "audiences": ["api://AzureADTokenExchange"]}}))).await.expect_status(StatusCode::NOT_FOUND);
    assert_eq!(
        e["error"]["message"],
        "The parent user-assigned identity doesn't exist."
    );
    arm(
        &s,
        &t,
        Method::PUT,
        &path,
        Some(json!({"location": "eastus"})),
    )
    .await;
    let e = arm(
        &s,
        &t,
        Method::PUT,
        &format!("{path}/federatedIdentityCredentials/cred1"),
        Some(json!({"properties": {"issuer": "https://i", "subject": "s", "audiences": []}})),
    )
    .await
    .expect_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        e["error"]["message"],
        "Federated identity credentials must have exactly one audience."
    );
    let ok = json!({"properties": {"issuer": "https://i", "subject": "s", "audiences": ["api://AzureADTokenExchange"]}});
    arm(
        &s,
        &t,
        Method::PUT,
        &format!("{path}/federatedIdentityCredentials/cred1"),
        Some(ok.clone()),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let e = arm(
        &s,
        &t,
        Method::PUT,
        &format!("{path}/federatedIdentityCredentials/cred2"),
        Some(ok),
    )
    .await
    .expect_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        e["error"]["message"],
        "Issuer and subject combination already exists for this Managed Identity."
    );
}

#[tokio::test]
async fn concurrent_credential_writes_under_one_identity_get_409_or_succeed() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let path = identity_path(&s, "busy");
    arm(
        &s,
        &t,
        Method::PUT,
        &path,
        Some(json!({"location": "eastus"})),
    )
    .await;
    let futures: Vec<_> = (0..8)
        .map(|i| {
            let body = json!({"properties": {"issuer": "https://i", "subject": format!("s{i}"), "audiences": ["api://AzureADTokenExchange"]}});
            let p = format!("{path}/federatedIdentityCredentials/conc{i}");
            let (s, t) = (&s, &t);
            async move { arm(s, t, Method::PUT, &p, Some(body)).await.0 }
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
    let path = identity_path(&s, "scoped");
    arm(
        &s,
        &t,
        Method::PUT,
        &path,
        Some(json!({"location": "eastus"})),
    )
    .await;
    // The demo app is Contributor: it may not assign roles, even on its own resource.
    let e = arm(&s, &t, Method::PUT, &format!("{path}/providers/Microsoft.Authorization/roleAssignments/6f1b1b1b-0000-4000-8000-00000000000a"),
        Some(json!({"properties": {"roleDefinitionId": "acdd72a7-3385-48ef-bd42-f606fba81ae7", "principalId": "6f1b1b1b-0000-4000-8000-00000000000b"}}))).await.expect_status(StatusCode::FORBIDDEN);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("userAssignedIdentities/scoped")
    );
}
