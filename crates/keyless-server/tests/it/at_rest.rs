//! Secrets at rest: connection secrets sealed under their own label, apart from signing
//! keys, and those sealed before the label existed re-sealed at start.
#![allow(clippy::unwrap_used)]

use crate::common::TestServer;
use base64::Engine as _;
use keyless_jose::Kek;
use keyless_jose::kek::Purpose;
use keyless_model::devops::data::ConnectionData as _;

#[tokio::test]
async fn connection_secrets_sealed_as_signing_keys_are_resealed_at_start() {
    let b64 = base64::engine::general_purpose::STANDARD;
    let kek_text = b64.encode([7u8; 32]);
    let kek = Kek::from_base64(&kek_text).unwrap();
    let s = TestServer::start_with(|c| c.kek = Some(kek_text.clone())).await;
    let id: uuid::Uuid = s
        .var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
        .parse()
        .unwrap();
    let mut c = s.store().get_connection(id).await.unwrap();
    // What versions before the separate label stored: the signing-key label.
    c.data
        .set_sealed_secret(b64.encode(kek.seal(b"legacy-secret").unwrap()));
    s.store().update_connection(&c).await.unwrap();

    assert_eq!(s.state.keys.reseal_connection_secrets().await.unwrap(), 1);
    let c = s.store().get_connection(id).await.unwrap();
    let sealed = b64.decode(c.data.sealed_secret().unwrap()).unwrap();
    assert_eq!(
        kek.open_for(Purpose::ConnectionSecret, &sealed).unwrap(),
        b"legacy-secret"
    );
    assert!(kek.open(&sealed).is_err(), "no longer a signing-key blob");
    assert_eq!(s.state.keys.open_secret(&sealed).unwrap(), b"legacy-secret");
    // Idempotent.
    assert_eq!(s.state.keys.reseal_connection_secrets().await.unwrap(), 0);
}

/// A database that cannot grow (here capped by `max_page_count`, as a full disk does):
/// writes are refused with 503 in the plane's envelope, while reads and token requests go
/// on.
#[tokio::test]
async fn a_full_database_refuses_writes_with_503_and_reads_go_on() {
    let s = TestServer::start_with(|c| {
        let db = c.data_dir.join("capped.db");
        c.database = Some(format!("sqlite://{}?max_page_count=300", db.display()));
    })
    .await;
    let token = s.arm_token().await;
    let arm = s.client(&token);
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let path =
        |name: &str| format!("/subscriptions/{sub}/resourcegroups/{name}?api-version=2021-04-01");
    let tags: serde_json::Map<String, serde_json::Value> = (0..50)
        .map(|i| (format!("tag{i}"), serde_json::json!("v".repeat(256))))
        .collect();
    let body = serde_json::json!({"location": "westeurope", "tags": tags});
    let mut refused = None;
    for i in 0..400 {
        let (status, answer) = arm.put(&path(&format!("fill-{i}")), body.clone()).await;
        if status != reqwest::StatusCode::CREATED {
            refused = Some((i, status, answer));
            break;
        }
    }
    let (i, status, answer) = refused.expect("the capped database never filled up");
    assert!(i > 0, "the first write was refused: {answer}");
    assert_eq!(status, reqwest::StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(answer["error"]["code"], "ServiceUnavailable", "{answer}");
    // Reads go on: what was written, a list, a new access token.
    let (status, got) = arm.get(&path("fill-0")).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{got}");
    let (status, _) = arm
        .get(&format!(
            "/subscriptions/{sub}/resourcegroups?api-version=2021-04-01"
        ))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(!s.arm_token().await.is_empty());
}
