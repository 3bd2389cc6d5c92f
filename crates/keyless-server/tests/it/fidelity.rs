//! The texts Azure DevOps and Entra show, word for word: verify's wrappers around Entra's
//! answer, and the expired-secret fix (edit and save, then verify, then save).
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::doctor_support;
use crate::sc_support;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use sc_support::*;
use serde_json::{Value, json};

const DAY: i64 = 86_400;

async fn save(s: &TestServer, id: &str, body: Value) -> Value {
    s.admin_put(
        &format!("/contoso/_apis/serviceendpoint/endpoints/{id}"),
        body,
    )
    .await
    .expect_status(StatusCode::OK)
}

fn error_message(v: &Value) -> &str {
    v["errorMessage"].as_str().unwrap()
}

#[tokio::test]
async fn verify_shows_entra_rejected_the_token_with_the_code_and_description() {
    let s = TestServer::start().await;
    doctor_support::set_policy(&s, |p| {
        p.allowed_issuers_for_apps = Some(vec!["https://elsewhere.example".into()])
    })
    .await;
    let id = doctor_support::demo_conn(&s).await.id.to_string();
    let (_, v) = verify(&s, &s.var("KEYLESS_TOKEN"), &id).await;
    assert_eq!(v["statusCode"], "badRequest", "{v}");
    assert_eq!(v["steps"][1]["code"], "700238", "{v}");
    let m = error_message(&v);
    let (wrapper, description) = m.split_once(". ").unwrap();
    assert_eq!(
        wrapper,
        "Microsoft Entra rejected the token issued by Azure DevOps with error code AADSTS700238"
    );
    assert!(description.starts_with("AADSTS700238: The issuer '"), "{m}");
    assert!(
        description.contains(
            "' is not allowed for workload identity federation with an app registration in this tenant by policy. Trace ID: "
        ),
        "{m}"
    );
    // The same wrapper for another code verify surfaces: the tenant turns federation off.
    doctor_support::set_policy(&s, |p| {
        p.enabled = false;
        p.allowed_issuers_for_apps = None;
    })
    .await;
    let (_, v) = verify(&s, &s.var("KEYLESS_TOKEN"), &id).await;
    assert!(
        error_message(&v).starts_with(
            "Microsoft Entra rejected the token issued by Azure DevOps with error code AADSTS700223. AADSTS700223: Workload identity federation is disabled for this tenant by policy."
        ),
        "{v}"
    );
}

/// An automatic secret connection whose secret expired: verify shows Azure DevOps' words,
/// then the documented fix works step by step: edit and save without verifying, then edit,
/// verify and save; the secret is renewed each time for three months.
#[tokio::test]
async fn expired_secret_verify_text_and_the_documented_fix() {
    let s = TestServer::start().await;
    let admin = s.var("KEYLESS_TOKEN");
    let c = created(&s, automatic_body(&s, "expiring", "ServicePrincipal")).await;
    let id = c["id"].as_str().unwrap().to_string();
    s.state.clock.advance(91 * DAY);
    let (_, v) = verify(&s, &admin, &id).await;
    assert_eq!(v["steps"][1]["code"], "7000222", "{v}");
    let m = error_message(&v);
    assert!(
        m.starts_with(
            "Failed to obtain the JSON Web Token (JWT) using service principal client ID. AADSTS7000222: The provided client secret keys for app '"
        ),
        "{m}"
    );
    // 1. Edit, add a description and save: no verify at this step.
    let before = s.state.now();
    let saved = save(&s, &id, json!({"description": "renew the secret"})).await;
    assert_ne!(saved["data"]["secretKeyId"], c["data"]["secretKeyId"]);
    let expiry = |v: &Value| {
        keyless_model::time_fmt::parse_iso(v["data"]["secretExpiration"].as_str().unwrap()).unwrap()
    };
    // 90 days from the save, which happened between `before` and now (a second may pass).
    let ninety_days_from_the_save = |v: &Value, before: i64| {
        (before + 90 * DAY..=s.state.now() + 90 * DAY).contains(&expiry(v))
    };
    assert!(ninety_days_from_the_save(&saved, before), "{saved}");
    // 2. Edit again, and now verify: the chain works.
    let (_, v) = verify(&s, &admin, &id).await;
    assert_eq!(v["statusCode"], "ok", "{v}");
    assert_eq!(v["errorMessage"], "");
    // 3. Save (soon after the verify): the secret is renewed for three more months.
    s.state.clock.advance(60);
    let before = s.state.now();
    let again = save(&s, &id, json!({"description": "renewed"})).await;
    assert_ne!(again["data"]["secretKeyId"], saved["data"]["secretKeyId"]);
    assert!(ninety_days_from_the_save(&again, before), "{again}");
    let (_, v) = verify(&s, &admin, &id).await;
    assert_eq!(v["statusCode"], "ok", "{v}");
}

/// Pipeline ID tokens live ten minutes: an exchange after nine minutes works, one after
/// eleven is AADSTS700024 (an access token requested early is cached for the script).
#[tokio::test]
async fn pipeline_id_tokens_live_ten_minutes() {
    let s = TestServer::start().await;
    let early = s.id_token().await;
    let claims = crate::support::jwt_claims(&early);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );
    let late = s.id_token().await;
    s.state.clock.advance(9 * 60);
    s.exchange(&early).await.expect_status(StatusCode::OK);
    s.state.clock.advance(2 * 60 + 61);
    s.exchange(&late)
        .await
        .expect_entra(700024, "invalid_client");
}
