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
