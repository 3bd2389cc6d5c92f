//! The audit log: one entry per decision, granted or denied, readable by administrators,
//! with the credential diff that the caller never sees.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support::audit;

use common::{Expect, TestServer};
use keyless_server::keyring::Issuer;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn grant_records_tenant_client_connection_issuer_subject() {
    let s = TestServer::start().await;
    let id = s.id_token().await;
    let resp = s
        .http
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            s.origin,
            s.var("AZURE_TENANT_ID")
        ))
        .header("client-request-id", "0f0f0f0f-1111-4222-8333-444455556666")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &s.var("AZURE_CLIENT_ID")),
            ("scope", common::ARM_SCOPE),
            ("client_assertion_type", common::JWT_BEARER),
            ("client_assertion", &id),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let e = audit(&s, "kind=token&decision=granted").await;
    assert_eq!(e.len(), 1, "{e:?}");
    let e = &e[0];
    assert_eq!(e["tenantId"], s.var("AZURE_TENANT_ID"));
    assert_eq!(e["clientId"], s.var("AZURE_CLIENT_ID"));
    assert_eq!(
        e["connectionId"],
        s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
    );
    assert_eq!(e["correlationId"], "0f0f0f0f-1111-4222-8333-444455556666");
    assert!(e["subject"].as_str().unwrap().starts_with("/eid1/"));
    assert_eq!(e["audience"], "fb60f99c-7a34-4190-8149-302f77469936");
    let oidc = audit(&s, "kind=oidc").await;
    assert_eq!(oidc.len(), 1);
    assert_eq!(oidc[0]["decision"], "granted");
}

#[tokio::test]
async fn subject_mismatch_records_the_nearest_credential_and_the_difference() {
    let s = TestServer::start().await;
    let mut c = s.id_token_claims().await;
    let real = c["sub"].as_str().unwrap().to_string();
    let wrong = format!("{}X", &real[..real.len() - 1]);
    c["sub"] = json!(wrong);
    let t = s.sign(Issuer::Tenant(s.tenant()), c).await;
    let body = s.exchange(&t).await.expect_status(StatusCode::UNAUTHORIZED);
    // The caller sees only Entra's text, never the configured subject.
    assert!(!body["error_description"].as_str().unwrap().contains(&real));
    let e = audit(&s, "decision=denied&code=AADSTS700213").await;
    assert_eq!(e.len(), 1, "{e:?}");
    let near = &e[0]["detail"]["nearestCredential"];
    assert_eq!(near["name"], "demo-connection");
    assert_eq!(near["differs"], json!(["subject"]));
    assert_eq!(near["configured"]["subject"], real);
    assert_eq!(near["presented"]["subject"], wrong);
    assert_eq!(near["firstDifference"]["field"], "subject");
    assert_eq!(
        near["firstDifference"]["at"].as_u64().unwrap() as usize,
        real.len() - 1
    );
}

#[tokio::test]
async fn each_denial_class_is_recorded() {
    let s = TestServer::start().await;
    // Token endpoint: wrong secret.
    s.token(
        &s.var("AZURE_TENANT_ID"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &s.var("AZURE_CLIENT_ID")),
            ("scope", common::ARM_SCOPE),
            ("client_secret", "x"),
        ],
    )
    .await;
    // OIDC: unknown connection.
    s.oidc(
        &s.var("SYSTEM_ACCESSTOKEN"),
        "6f1b1b1b-0000-4000-8000-000000000001",
    )
    .await;
    // ARM: no token, then a refused action.
    s.anon_get("/subscriptions?api-version=2022-12-01").await;
    let at = s.arm_token().await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    s.put_as(&at, &format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/6f1b1b1b-0000-4000-8000-000000000002?api-version=2022-04-01"), json!({"properties": {"roleDefinitionId": "b24988ac-6180-42a0-ab88-20f7382dd24c", "principalId": "6f1b1b1b-0000-4000-8000-000000000003"}})).await;
    let codes: Vec<(String, String)> = audit(&s, "decision=denied")
        .await
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in [
        ("token", "7000215"),
        ("oidc", "ConnectionNotFound"),
        ("arm", "AuthenticationFailed"),
        ("arm", "AuthorizationFailed"),
    ] {
        assert!(
            codes.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} not in {codes:?}"
        );
    }
    let arm = audit(&s, "kind=arm&code=AuthorizationFailed").await;
    assert_eq!(
        arm[0]["detail"]["action"],
        "Microsoft.Authorization/roleAssignments/write"
    );
    assert_eq!(arm[0]["clientId"], s.var("AZURE_CLIENT_ID"));
}

#[tokio::test]
async fn filters_are_validated_and_admin_only() {
    let s = TestServer::start().await;
    for query in [
        "decision=maybe",
        "limit=5000",
        "colour=red",
        "before=yesterday",
    ] {
        let (status, body) = s.admin_get(&format!("/keyless/v1/audit?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
    }
    s.anon_get("/keyless/v1/audit")
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    let now = s.state.now();
    s.id_token().await;
    assert_eq!(
        audit(&s, &format!("kind=oidc&since={}", now + 3600))
            .await
            .len(),
        0
    );
    assert_eq!(
        audit(&s, &format!("kind=oidc&since={}", now - 5))
            .await
            .len(),
        1
    );
}

/// Changes of the admin API, ARM and Graph are in the audit log as soon as they are
/// acknowledged, without the batch writer (nothing here flushes it): each entry was
/// written in the change's transaction. A change that fails leaves no entry.
#[tokio::test]
async fn changes_are_audited_in_their_own_transaction() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let changes = async || {
        let f = keyless_model::audit::AuditFilter {
            kind: Some("change".into()),
            ..Default::default()
        };
        s.store().query_audit(&f).await.unwrap()
    };
    let before = changes().await.len();
    s.admin_created("/keyless/v1/tenants", json!({"name": "audited"}))
        .await;
    let rg = format!(
        "/subscriptions/{}/resourcegroups/audited-rg?api-version=2021-04-01",
        s.var("AZURE_SUBSCRIPTION_ID")
    );
    s.client(&t)
        .put(&rg, json!({"location": "westeurope"}))
        .await
        .expect_status(StatusCode::CREATED);
    let app = crate::support::graph::admin_app(&s, "audited-app").await;
    let after = changes().await;
    assert_eq!(after.len(), before + 3, "{after:?}");
    let details: Vec<&serde_json::Value> = after.iter().map(|e| &e.detail).collect();
    assert!(
        details
            .iter()
            .any(|d| d["plane"] == "admin" && d["operation"] == "createTenant")
    );
    assert!(details.iter().any(|d| {
        d["plane"] == "arm"
            && d["scope"]
                .as_str()
                .unwrap()
                .ends_with("/resourceGroups/audited-rg")
    }));
    assert!(details.iter().any(|d| d["plane"] == "graph"
        && d["operation"] == "createApplication"
        && d["object"] == app["id"]));
    // The same tenant again: the change fails in its transaction, and so does its entry.
    let (status, _) = s
        .admin_post("/keyless/v1/tenants", json!({"name": "audited"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(changes().await.len(), before + 3);
}
