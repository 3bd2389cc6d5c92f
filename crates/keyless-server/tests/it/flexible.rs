//! Flexible federated credentials (`claimsMatchingExpression`): checked at creation, evaluated
//! against the verified assertion's claims at exchange, for every issuer.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{ARM_SCOPE, Expect, JWT_BEARER, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn app_with(s: &TestServer, expression: &str) -> Value {
    let (_, app) = s
        .admin_post("/v1.0/applications", json!({"displayName": "flex"}))
        .await;
    s.admin_post("/v1.0/servicePrincipals", json!({"appId": app["appId"]}))
        .await;
    let issuer = format!("{}/{}/v2.0", s.origin, s.var("AZURE_TENANT_ID"));
    let fic = s
        .admin_created(&format!("/v1.0/applications/{}/federatedIdentityCredentials", app["id"].as_str().unwrap()), json!({"name": "flex", "issuer": issuer, "subject": null, "audiences": ["api://AzureADTokenExchange"],
                        "claimsMatchingExpression": {"value": expression, "languageVersion": 1}}))
.await;
    assert_eq!(fic["claimsMatchingExpression"]["languageVersion"], 1);
    assert!(fic["subject"].is_null());
    app
}

async fn exchange_as(s: &TestServer, client: &str) -> (StatusCode, Value) {
    let id = s.id_token().await;
    s.token(
        &s.var("AZURE_TENANT_ID"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("scope", ARM_SCOPE),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &id),
        ],
    )
    .await
}

#[tokio::test]
async fn matching_expression_grants() {
    let s = TestServer::start().await;
    let org = s.store().find_organization("contoso").await.unwrap();
    let app = app_with(&s, &format!("claims['sub'] matches '/eid1/*/sc/{}/*' and claims['azp'] eq '499b84ac-1321-427f-aa17-267ca6975798'", org.id)).await;
    exchange_as(&s, app["appId"].as_str().unwrap())
        .await
        .expect_status(StatusCode::OK);
}

#[tokio::test]
async fn non_matching_expression_is_7002131() {
    let s = TestServer::start().await;
    let app = app_with(&s, "claims['sub'] matches 'sc://other/*'").await;
    let (st, b) = exchange_as(&s, app["appId"].as_str().unwrap()).await;
    TestServer::assert_entra(st, &b, 7002131, "invalid_client");
}

#[tokio::test]
async fn malformed_expressions_are_refused_at_creation() {
    let s = TestServer::start().await;
    let (_, app) = s
        .admin_post("/v1.0/applications", json!({"displayName": "flex"}))
        .await;
    let path = format!(
        "/v1.0/applications/{}/federatedIdentityCredentials",
        app["id"].as_str().unwrap()
    );
    for (expr, word) in [
        ("claims['sub'] or 'x'", "or"),
        ("claims['sub'] matches 'x", "unterminated"),
        ("", "empty"),
    ] {
        let (st, e) = s
            .admin_post(&path, json!({"name": "bad", "issuer": "https://issuer.example", "audiences": ["api://AzureADTokenExchange"],
                "claimsMatchingExpression": {"value": expr, "languageVersion": 1}}))
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{expr}: {e}");
        let m = e["error"]["message"].as_str().unwrap().to_lowercase();
        assert!(
            m.contains("claimsmatchingexpression") && m.contains(word),
            "{expr}: {m}"
        );
    }
    s
        .admin_post(&path, json!({"name": "both", "issuer": "https://issuer.example", "subject": "s", "audiences": ["api://AzureADTokenExchange"],
            "claimsMatchingExpression": {"value": "claims['sub'] eq 's'", "languageVersion": 1}}))
        .await.expect_status(StatusCode::BAD_REQUEST);
    s
        .admin_post(&path, json!({"name": "v2", "issuer": "https://issuer.example", "audiences": ["api://AzureADTokenExchange"],
            "claimsMatchingExpression": {"value": "claims['sub'] eq 's'", "languageVersion": 2}}))
        .await.expect_status(StatusCode::BAD_REQUEST);
}
