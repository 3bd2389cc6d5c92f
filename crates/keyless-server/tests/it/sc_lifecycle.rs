//! After creation: drafts that become ready, verify with each step's outcome, secret
//! expiry and renewal, conversion to workload identity and its revert, renames, deletes.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support;

use common::{ARM_SCOPE, Expect, TestServer};
use reqwest::StatusCode;
use sc_support::*;
use serde_json::{Value, json};

const DAY: i64 = 86_400;

async fn put(s: &TestServer, id: &str, query: &str, body: Value) -> (StatusCode, Value) {
    s.admin_put(
        &format!("/contoso/_apis/serviceendpoint/endpoints/{id}{query}"),
        body,
    )
    .await
}

async fn secret_token(s: &TestServer, env: &Value, id: &str) -> (StatusCode, Value) {
    let p = format!("ENDPOINT_AUTH_PARAMETER_{}", id.to_ascii_uppercase());
    let secret = env[format!("{p}_SERVICEPRINCIPALKEY")].as_str().unwrap();
    let client = env[format!("{p}_SERVICEPRINCIPALID")].as_str().unwrap();
    s.token(
        &s.var("AZURE_TENANT_ID"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", secret),
            ("scope", ARM_SCOPE),
        ],
    )
    .await
}

/// Converts the connection `id` to `scheme` (`?operation=ConvertAuthenticationScheme`).
async fn convert(s: &TestServer, id: &str, scheme: &str) -> (StatusCode, Value) {
    let to = json!({"authorization": {"scheme": scheme}});
    put(s, id, "?operation=ConvertAuthenticationScheme", to).await
}

#[tokio::test]
async fn draft_until_the_owner_adds_the_credential_then_ready_after_verify() {
    let s = TestServer::start().await;
    let alice = member(&s, "alice").await;
    let c = create_as(&s, &alice.token, demo_manual_body(&s, "drafty"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(c["operationStatus"]["state"], "Draft");
    assert_eq!(c["isReady"], false);
    let issuer = c["authorization"]["parameters"]["workloadIdentityFederationIssuer"]
        .as_str()
        .unwrap()
        .to_string();
    let subject = c["authorization"]["parameters"]["workloadIdentityFederationSubject"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        c["operationStatus"]["statusMessage"],
        format!(
            "You don't have permission to the selected identity. Service connection is saved as draft. To complete the configuration, contact the owner of the identity to create a federated credential in the Azure portal using the Issuer and Subject Identifier below. Issuer: {issuer} Subject identifier: {subject}"
        )
    );
    let id = c["id"].as_str().unwrap();
    let (_, env) = job_with(&s, "web", "drafty-pipe", &[id]).await;
    oidc(&s, &env, id)
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    // Verify names the failing step with its code.
    let (_, v) = verify(&s, &alice.token, id).await;
    assert_eq!(v["statusCode"], "badRequest", "{v}");
    assert_eq!(v["steps"][0]["outcome"], "succeeded");
    assert_eq!(v["steps"][1]["step"], "token");
    assert_eq!(v["steps"][1]["code"], "700213", "{v}");
    // The identity's owner adds the credential; the next verify makes the connection Ready.
    let app = s
        .store()
        .find_application_by_app_id(s.var("AZURE_CLIENT_ID").parse().unwrap())
        .await
        .unwrap();
    s.store()
        .create_fic(&keyless_model::directory::FederatedCredential {
            id: uuid::Uuid::new_v4(),
            parent_id: app.id,
            name: "drafty".into(),
            issuer,
            subject: Some(subject),
            audiences: vec!["api://AzureADTokenExchange".into()],
            description: None,
            claims_matching_expression: None,
            created_at: s.state.now(),
        })
        .await
        .unwrap();
    let (_, v) = verify(&s, &alice.token, id).await;
    assert_eq!(v["statusCode"], "ok", "{v}");
    let (_, c) = s
        .admin_get(&format!("/contoso/_apis/serviceendpoint/endpoints/{id}"))
        .await;
    assert_eq!(c["operationStatus"]["state"], "Ready");
    assert_eq!(c["operationStatus"]["statusMessage"], "");
    oidc(&s, &env, id).await.expect_status(StatusCode::OK);
}

#[tokio::test]
async fn verify_reports_the_scope_step_and_needs_a_known_connection() {
    let s = TestServer::start().await;
    let id = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let (_, v) = verify(&s, &s.var("KEYLESS_TOKEN"), &id).await;
    assert_eq!(v["statusCode"], "ok", "{v}");
    assert_eq!(
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["step"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["idToken", "token", "scope"]
    );
    // Without a role at the scope, ARM hides the subscription: the scope step says so.
    let sp = s
        .store()
        .find_service_principal(s.tenant(), s.var("AZURE_CLIENT_ID").parse().unwrap())
        .await
        .unwrap();
    support::unassign_all(&s, sp.id).await;
    let (_, v) = verify(&s, &s.var("KEYLESS_TOKEN"), &id).await;
    assert_eq!(v["statusCode"], "badRequest");
    assert_eq!(v["steps"][2]["code"], "SubscriptionNotFound", "{v}");
    verify(&s, &s.var("KEYLESS_TOKEN"), "not-a-guid")
        .await
        .expect_status(StatusCode::NOT_FOUND);
    s.admin_post("/contoso/_apis/serviceendpoint/endpointproxy", json!({}))
        .await
        .expect_status(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn automatic_secret_expires_then_save_renews_it_for_three_months() {
    let s = TestServer::start().await;
    let c = created(&s, automatic_body(&s, "secret", "ServicePrincipal")).await;
    assert_eq!(c["authorization"]["scheme"], "ServicePrincipal");
    assert_eq!(
        c["authorization"]["parameters"]["authenticationType"],
        "spnKey"
    );
    // The creator is not shown the secret: only a job of an authorized pipeline reads it.
    assert_eq!(
        c["authorization"]["parameters"]["serviceprincipalkey"],
        Value::Null
    );
    let id = c["id"].as_str().unwrap().to_string();
    let (_, env) = job_with(&s, "web", "secret-pipe", &[&id]).await;
    let env = with_endpoints(&s, &env).await;
    secret_token(&s, &env, &id)
        .await
        .expect_status(StatusCode::OK);
    // The job gets no ID token for a secret connection.
    oidc(&s, &env, &id)
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    s.state.clock.advance(91 * DAY);
    let b = secret_token(&s, &env, &id)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    assert_eq!(b["error_codes"], json!([7000222]), "{b}");
    let (_, v) = verify(&s, &s.var("KEYLESS_TOKEN"), &id).await;
    assert_eq!(v["steps"][1]["code"], "7000222", "{v}");
    // Save (the secret has expired): a new secret for three months from the save.
    let before = s.state.now();
    let c2 = put(&s, &id, "", json!({"description": "renew"}))
        .await
        .expect_status(StatusCode::OK);
    let after = s.state.now();
    assert_ne!(c2["data"]["secretKeyId"], c["data"]["secretKeyId"]);
    let exp = keyless_model::time_fmt::parse_iso(c2["data"]["secretExpiration"].as_str().unwrap())
        .unwrap();
    assert!(
        (before + 90 * DAY..=after + 90 * DAY).contains(&exp),
        "{exp} not 90 days after the save ({before}..{after})"
    );
    let (_, v) = verify(&s, &s.var("KEYLESS_TOKEN"), &id).await;
    assert_eq!(v["statusCode"], "ok", "{v}");
    // Edit + verify + save renews even before expiry.
    let c3 = put(&s, &id, "", json!({"description": "again"}))
        .await
        .expect_status(StatusCode::OK);
    assert_ne!(c3["data"]["secretKeyId"], c2["data"]["secretKeyId"]);
    assert_eq!(passwords_of(&s, &c).await.len(), 1);
    // Without a verify since, a save changes nothing.
    let (_, c4) = put(&s, &id, "", json!({"description": "plain"})).await;
    assert_eq!(c4["data"]["secretKeyId"], c3["data"]["secretKeyId"]);
}

#[tokio::test]
async fn manual_secret_connection_gives_jobs_its_secret() {
    let s = TestServer::start().await;
    let mut body = demo_manual_body(&s, "given");
    body["authorization"] = json!({"scheme": "ServicePrincipal", "parameters": {
        "tenantid": s.var("AZURE_TENANT_ID"), "serviceprincipalid": s.var("AZURE_CLIENT_ID"),
        "authenticationType": "spnKey", "serviceprincipalkey": "given-secret"}});
    let c = created(&s, body.clone()).await;
    assert_eq!(
        c["authorization"]["parameters"]["serviceprincipalkey"],
        Value::Null
    );
    let id = c["id"].as_str().unwrap();
    let (_, started) = job_with(&s, "web", "given-pipe", &[id]).await;
    // The job-start answer (to a person) never holds the secret; the job reads it with
    // its own token, as the agent is handed it.
    assert!(!started.to_string().contains("given-secret"), "{started}");
    let env = with_endpoints(&s, &started).await;
    let p = format!("ENDPOINT_AUTH_PARAMETER_{}", id.to_ascii_uppercase());
    assert_eq!(env[format!("{p}_SERVICEPRINCIPALKEY")], "given-secret");
    // The app has no such secret: the token endpoint says so.
    let b = secret_token(&s, &env, id)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    assert_eq!(b["error_codes"], json!([7000215]), "{b}");
    for (params, word) in [
        (
            json!({"tenantid": s.var("AZURE_TENANT_ID"), "serviceprincipalid": s.var("AZURE_CLIENT_ID")}),
            "serviceprincipalkey",
        ),
        (
            json!({"tenantid": s.var("AZURE_TENANT_ID"), "serviceprincipalid": s.var("AZURE_CLIENT_ID"), "serviceprincipalkey": "x", "authenticationType": "spnCertificate"}),
            "spnKey",
        ),
    ] {
        let mut b = body.clone();
        b["name"] = json!(format!("bad-{word}"));
        b["authorization"]["parameters"] = params;
        create_as(&s, &s.var("KEYLESS_TOKEN"), b)
            .await
            .expect_message(StatusCode::BAD_REQUEST, word);
    }
}

#[tokio::test]
async fn convert_to_workload_identity_then_revert_within_seven_days() {
    let s = TestServer::start().await;
    let c = created(&s, automatic_body(&s, "conv", "ServicePrincipal")).await;
    let id = c["id"].as_str().unwrap().to_string();
    let (_, env) = job_with(&s, "web", "conv-pipe", &[&id]).await;
    let env = with_endpoints(&s, &env).await;
    let v = convert(&s, &id, "WorkloadIdentityFederation")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(v["authorization"]["scheme"], "WorkloadIdentityFederation");
    assert!(v["data"]["revertSchemeDeadline"].is_string());
    assert_eq!(fics_of(&s, &c).await.len(), 1);
    // The pipeline's ID token now exchanges; the old secret still works until confirmed.
    let b = oidc(&s, &env, &id).await.expect_status(StatusCode::OK);
    let client = c["authorization"]["parameters"]["serviceprincipalid"]
        .as_str()
        .unwrap();
    s.exchange_for(client, ARM_SCOPE, b["oidcToken"].as_str().unwrap())
        .await
        .expect_status(StatusCode::OK);
    secret_token(&s, &env, &id)
        .await
        .expect_status(StatusCode::OK);
    // Revert: back to the secret, the credential added by the conversion is gone.
    let v = convert(&s, &id, "ServicePrincipal")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(v["authorization"]["scheme"], "ServicePrincipal");
    assert!(fics_of(&s, &c).await.is_empty());
    convert(&s, &id, "ServicePrincipal")
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    // After seven days a revert is refused.
    convert(&s, &id, "WorkloadIdentityFederation").await;
    s.state.clock.advance(8 * DAY);
    convert(&s, &id, "ServicePrincipal")
        .await
        .expect_message(StatusCode::BAD_REQUEST, "can no longer be reverted");
    // Completing the conversion removes the secret.
    let v = put(&s, &id, "?operation=CompleteConversion", json!({}))
        .await
        .expect_status(StatusCode::OK);
    assert!(v["data"].get("revertSchemeDeadline").is_none());
    assert!(passwords_of(&s, &c).await.is_empty());
    // Completing twice, and an unknown operation, are refused.
    for operation in ["CompleteConversion", "Teleport"] {
        let (status, body) = put(&s, &id, &format!("?operation={operation}"), json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{operation}: {body}");
    }
}

#[tokio::test]
async fn rename_moves_the_credential_keyless_created_and_flags_manual_ones() {
    let s = TestServer::start().await;
    let admin = s.var("KEYLESS_TOKEN");
    let c = legacy_automatic(&s, "legacy-auto").await;
    let id = c["id"].as_str().unwrap().to_string();
    let r = put(&s, &id, "", json!({"name": "legacy-renamed"}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        r["authorization"]["parameters"]["workloadIdentityFederationSubject"],
        "sc://contoso/web/legacy-renamed"
    );
    assert_eq!(r["isOutdated"], false);
    let fics = fics_of(&s, &c).await;
    assert_eq!(
        fics[0].subject.as_deref(),
        Some("sc://contoso/web/legacy-renamed")
    );
    let (_, v) = verify(&s, &admin, &id).await;
    assert_eq!(v["statusCode"], "ok", "{v}");
    // A manual connection: keyless does not own the identity, so it warns.
    let m = legacy_manual(&s, "legacy-manual").await;
    let mid = m["id"].as_str().unwrap().to_string();
    let r = put(&s, &mid, "", json!({"name": "manual-renamed"}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r["isOutdated"], true);
    let msg = r["operationStatus"]["statusMessage"].as_str().unwrap();
    assert!(
        msg.contains("from 'sc://contoso/web/legacy-manual' to 'sc://contoso/web/manual-renamed'"),
        "{msg}"
    );
    // Entra-generation subjects survive renames: nothing to flag.
    let (_, e) = create_as(&s, &admin, demo_manual_body(&s, "entra")).await;
    let (_, r) = put(
        &s,
        e["id"].as_str().unwrap(),
        "",
        json!({"name": "entra-renamed"}),
    )
    .await;
    assert_eq!(r["isOutdated"], false);
}

#[tokio::test]
async fn deleting_an_automatic_connection_removes_what_it_created_unless_shared() {
    let s = TestServer::start().await;
    let admin = s.var("KEYLESS_TOKEN");
    let (_, c) = create_as(
        &s,
        &admin,
        automatic_body(&s, "gone", "WorkloadIdentityFederation"),
    )
    .await;
    let ra = assignment_of(&s, &c).await.id;
    delete_connection(&s, &c).await;
    assert!(s.store().get_application(app_of(&c)).await.is_err());
    assert!(s.store().get_role_assignment(ra).await.is_err());
    // Another connection uses the identity: it stays.
    let (_, c) = create_as(
        &s,
        &admin,
        automatic_body(&s, "kept", "WorkloadIdentityFederation"),
    )
    .await;
    let client = c["authorization"]["parameters"]["serviceprincipalid"]
        .as_str()
        .unwrap();
    created(&s, manual_body(&s, "sharer", client, None)).await;
    delete_connection(&s, &c).await;
    assert!(s.store().get_application(app_of(&c)).await.is_ok());
}

/// Deletes the connection as the administrator (204).
async fn delete_connection(s: &TestServer, c: &Value) {
    let id = c["id"].as_str().unwrap();
    s.admin_delete(&format!("/contoso/_apis/serviceendpoint/endpoints/{id}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn project_rename_moves_keyless_credentials_and_flags_manual_connections() {
    let s = TestServer::start().await;
    let admin = s.var("KEYLESS_TOKEN");
    let auto = legacy_automatic(&s, "owned").await;
    let manual = legacy_manual(&s, "theirs").await;
    let path = "/keyless/v1/organizations/contoso/projects/web";
    let r = s
        .admin_patch(path, json!({"name": "site"}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r["credentialsUpdated"], 1);
    assert_eq!(r["connectionsNeedingAttention"], json!([manual["id"]]));
    let fics = fics_of(&s, &auto).await;
    assert_eq!(fics[0].subject.as_deref(), Some("sc://contoso/site/owned"));
    let (_, v) = verify(&s, &admin, auto["id"].as_str().unwrap()).await;
    assert_eq!(v["statusCode"], "ok", "{v}");
    let (_, m) = s
        .admin_get(&format!(
            "/contoso/_apis/serviceendpoint/endpoints/{}",
            manual["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(m["isOutdated"], true);
    assert!(
        m["operationStatus"]["statusMessage"]
            .as_str()
            .unwrap()
            .contains("sc://contoso/site/theirs")
    );
    // Bad names, names in use and non-administrators are refused.
    support::add_contoso_project(&s, "api").await;
    let site = "/keyless/v1/organizations/contoso/projects/site";
    let eve = member(&s, "eve").await;
    for (who, name, want) in [
        (&admin, "API", StatusCode::CONFLICT),
        (&admin, "no spaces", StatusCode::BAD_REQUEST),
        (&eve.token, "eve", StatusCode::FORBIDDEN),
    ] {
        let (status, body) = s.patch_as(who, site, json!({"name": name})).await;
        assert_eq!(status, want, "{name}: {body}");
    }
}
