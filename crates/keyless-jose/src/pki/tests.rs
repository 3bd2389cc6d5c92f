//! Tests panic on failure by design.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use super::*;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A full in-memory TLS handshake: a client trusting only `ca_pem` connects to `server_name`,
/// served with `cert_path`/`key_path`. Returns the client's verdict.
fn handshake(
    ca_pem: &str,
    cert_path: &Path,
    key_path: &Path,
    server_name: &str,
) -> Result<(), rustls::Error> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_path)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(key_path).unwrap();
    let server_config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let client_config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(server_name.to_owned()).unwrap();
    let mut client = rustls::ClientConnection::new(Arc::new(client_config), name).unwrap();
    let mut server = rustls::ServerConnection::new(Arc::new(server_config)).unwrap();
    for _ in 0..10 {
        let mut buf = Vec::new();
        client.write_tls(&mut buf).unwrap();
        server.read_tls(&mut buf.as_slice()).unwrap();
        // The server's own errors show up as an alert to the client; the client's verdict is
        // the one that matters here.
        let _ = server.process_new_packets();
        let mut buf = Vec::new();
        server.write_tls(&mut buf).unwrap();
        client.read_tls(&mut buf.as_slice()).unwrap();
        client.process_new_packets()?;
        if !client.is_handshaking() && !server.is_handshaking() {
            return Ok(());
        }
    }
    Err(rustls::Error::General("handshake did not finish".into()))
}

/// [`handshake`] with the leaf certificate and key of `pki`.
fn leaf_handshake(pki: &LocalPki, server_name: &str) -> Result<(), rustls::Error> {
    handshake(
        &pki.ca_pem,
        &pki.server_cert_path,
        &pki.server_key_path,
        server_name,
    )
}

#[test]
fn creates_all_files_with_private_keys_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let pki = LocalPki::load_or_create(dir.path(), &[]).unwrap();
    assert!(pki.ca_created && pki.leaf_issued);
    for path in [
        &pki.ca_cert_path,
        &pki.ca_key_path,
        &pki.server_cert_path,
        &pki.server_key_path,
        &pki.ca_bundle_path,
    ] {
        assert!(
            path.starts_with(dir.path().join("tls")) && path.is_file(),
            "{}",
            path.display()
        );
    }
    assert_eq!(
        std::fs::read_to_string(&pki.ca_cert_path).unwrap(),
        pki.ca_pem
    );
    assert_eq!(
        std::fs::read_to_string(&pki.server_sans_path).unwrap(),
        "localhost\n127.0.0.1\n::1\n"
    );
    let bundle = std::fs::read_to_string(&pki.ca_bundle_path).unwrap();
    assert!(bundle.ends_with(&pki.ca_pem));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for path in [&pki.ca_key_path, &pki.server_key_path] {
            assert_eq!(
                std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}

#[test]
fn rustls_accepts_the_leaf_for_every_default_name() {
    let dir = tempfile::tempdir().unwrap();
    let pki = LocalPki::load_or_create(dir.path(), &[]).unwrap();
    for name in ["localhost", "127.0.0.1", "::1"] {
        leaf_handshake(&pki, name).unwrap();
    }
    let err = leaf_handshake(&pki, "example.com").unwrap_err();
    assert!(format!("{err:?}").contains("NotValidForName"), "{err:?}");
}

#[test]
fn the_leaf_is_not_a_ca_and_a_ca_certificate_would_be_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pki = LocalPki::load_or_create(dir.path(), &[]).unwrap();
    let leaf = x509::pem_decode(
        "CERTIFICATE",
        &std::fs::read_to_string(&pki.server_cert_path).unwrap(),
    )
    .unwrap();
    // basicConstraints (2.5.29.19), critical, with an empty SEQUENCE (cA DEFAULT FALSE).
    let ca_false = [
        0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff, 0x04, 0x02, 0x30, 0x00,
    ];
    assert!(leaf.windows(ca_false.len()).any(|w| w == ca_false));
    // Why this matters: rustls rejects a server that presents the CA:TRUE certificate itself.
    let err = handshake(
        &pki.ca_pem,
        &pki.ca_cert_path,
        &pki.ca_key_path,
        "localhost",
    )
    .unwrap_err();
    assert!(format!("{err:?}").contains("CaUsedAsEndEntity"), "{err:?}");
}

#[test]
fn second_call_reuses_the_ca_and_the_leaf() {
    let dir = tempfile::tempdir().unwrap();
    let first = LocalPki::load_or_create(dir.path(), &[]).unwrap();
    let leaf = std::fs::read(&first.server_cert_path).unwrap();
    let second = LocalPki::load_or_create(dir.path(), &[]).unwrap();
    assert!(!second.ca_created && !second.leaf_issued);
    assert_eq!(second.ca_pem, first.ca_pem);
    assert_eq!(std::fs::read(&second.server_cert_path).unwrap(), leaf);
}

#[test]
fn extra_hostname_triggers_a_reissue_under_the_same_ca() {
    let dir = tempfile::tempdir().unwrap();
    let first = LocalPki::load_or_create(dir.path(), &[]).unwrap();
    let extra = [
        "Keyless.Test.".to_owned(),
        "10.1.2.3".to_owned(),
        "[::1]".to_owned(),
    ];
    let second = LocalPki::load_or_create(dir.path(), &extra).unwrap();
    assert!(!second.ca_created && second.leaf_issued);
    assert_eq!(second.ca_pem, first.ca_pem);
    assert_eq!(
        second.server_names,
        ["localhost", "127.0.0.1", "::1", "10.1.2.3", "keyless.test"]
    );
    for name in ["keyless.test", "10.1.2.3", "localhost"] {
        leaf_handshake(&second, name).unwrap();
    }
    // Same names again, in another spelling: nothing to do.
    let third = LocalPki::load_or_create(
        dir.path(),
        &["10.1.2.3".to_owned(), "keyless.test".to_owned()],
    )
    .unwrap();
    assert!(!third.leaf_issued);
}

#[test]
fn leaf_is_reissued_when_it_nears_expiry_or_its_key_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let pki = LocalPki::load_or_create(dir.path(), &[]).unwrap();
    // Replace the leaf by one expiring in 10 days, signed by the same CA.
    let ca_key = KeyPair::from_pem(&std::fs::read_to_string(&pki.ca_key_path).unwrap()).unwrap();
    let issuer = Issuer::new(ca_params(OffsetDateTime::now_utc()), ca_key);
    let mut params = CertificateParams::new(pki.server_names.clone()).unwrap();
    params.not_after = OffsetDateTime::now_utc() + Duration::days(10);
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::from_pem(&std::fs::read_to_string(&pki.server_key_path).unwrap()).unwrap();
    let short = params.signed_by(&key, &issuer).unwrap();
    std::fs::write(&pki.server_cert_path, short.pem()).unwrap();
    let again = LocalPki::load_or_create(dir.path(), &[]).unwrap();
    assert!(again.leaf_issued && !again.ca_created);

    std::fs::remove_file(&pki.server_key_path).unwrap();
    assert!(
        LocalPki::load_or_create(dir.path(), &[])
            .unwrap()
            .leaf_issued
    );
}

#[test]
fn a_lost_ca_key_recreates_the_ca_and_the_leaf() {
    let dir = tempfile::tempdir().unwrap();
    let first = LocalPki::load_or_create(dir.path(), &[]).unwrap();
    std::fs::remove_file(&first.ca_key_path).unwrap();
    let second = LocalPki::load_or_create(dir.path(), &[]).unwrap();
    assert!(second.ca_created && second.leaf_issued);
    assert_ne!(second.ca_pem, first.ca_pem);
    leaf_handshake(&second, "localhost").unwrap();
}
