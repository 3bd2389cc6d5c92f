//! Secrets at rest: connection secrets sealed under their own label, apart from signing
//! keys, and those sealed before the label existed re-sealed at start.
#![allow(clippy::unwrap_used)]

use crate::common::TestServer;
use base64::Engine as _;
use keyless_jose::Kek;
use keyless_jose::kek::Purpose;
use keyless_model::devops::data::ConnectionData as _;

/// A demo server whose key-encryption key is 32 bytes of `byte`, and that key.
async fn with_kek(byte: u8) -> (TestServer, Kek) {
    let text = base64::engine::general_purpose::STANDARD.encode([byte; 32]);
    let kek = Kek::from_base64(&text).unwrap();
    (TestServer::start_with(|c| c.kek = Some(text)).await, kek)
}

#[tokio::test]
async fn connection_secrets_sealed_as_signing_keys_are_resealed_at_start() {
    let b64 = base64::engine::general_purpose::STANDARD;
    let (s, kek) = with_kek(7).await;
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

/// A key-encryption key rotation re-seals agent secrets too: after it, an agent's secret
/// opens under the new key, as the same secret, and not under the old one; the rotation's
/// audit entry counts it.
#[tokio::test]
async fn kek_rotation_reseals_agent_secrets() {
    let b64 = base64::engine::general_purpose::STANDARD;
    let (s, old) = with_kek(3).await;
    let org = s.store().find_organization("contoso").await.unwrap();
    let agents = keyless_server::devops::agents::add_pool(&s.state, &org, "Rotated", None);
    let pool = agents.await.unwrap();
    let (agent, secret) =
        keyless_server::devops::agents::register(&s.state, &pool, "vm-rotated", None)
            .await
            .unwrap();
    let new = Kek::from_base64(&b64.encode([4u8; 32])).unwrap();
    let by = keyless_server::keyring::Rotation {
        at: s.state.now(),
        host_user: "operator".into(),
    };
    let done = keyless_server::keyring::rotate_kek(s.store(), &old, &new, &by)
        .await
        .unwrap();
    assert!(done.agent_secrets >= 1, "{done:?}");
    let sealed = s.store().get_agent(agent.id).await.unwrap().sealed_secret;
    let sealed = b64.decode(sealed).unwrap();
    let clear = new.open_for(Purpose::ConnectionSecret, &sealed).unwrap();
    assert_eq!(clear, secret.as_bytes());
    assert!(old.open_for(Purpose::ConnectionSecret, &sealed).is_err());
}
