//! The local TLS PKI of `keyless serve`: a long-lived local CA and a short-lived `localhost` leaf.
//!
//! Every Azure client insists on https. A self-signed CA:TRUE certificate in the trust store is
//! rejected by rustls (the Rust SDK then retries for ~80 s), so keyless serves a proper leaf
//! (CA:FALSE, EKU serverAuth, SAN localhost/127.0.0.1/::1) issued by a local CA, and hands users
//! the CA, plus a bundle of system roots and the CA for the `*_CA_BUNDLE`-style variables that
//! replace the whole trust store. The CA is kept across starts so that users trust it once; the
//! leaf is re-issued whenever its name set changes or it nears expiry.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SerialNumber,
};
use time::{Duration, OffsetDateTime};

use crate::fsutil::{self, write_atomic};
use crate::{JoseError, x509};

const CA_COMMON_NAME: &str = "keyless local CA";
const LEAF_COMMON_NAME: &str = "keyless local server";
const CA_VALIDITY_DAYS: i64 = 3650;
const LEAF_VALIDITY_DAYS: i64 = 365;
/// Certificates expiring sooner than this are replaced at start.
const RENEW_BEFORE_DAYS: i64 = 30;
/// Names every leaf carries, whatever the configuration.
const DEFAULT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// Where distributions keep their root bundle; the first that exists is used.
const SYSTEM_BUNDLES: [&str; 3] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// The files of the local PKI, all under `DIR/tls/`.
#[derive(Debug, Clone)]
pub struct LocalPki {
    pub tls_dir: PathBuf,
    /// `ca.pem`: the certificate users add to their trust store.
    pub ca_cert_path: PathBuf,
    /// `ca-key.pem` (0600).
    pub ca_key_path: PathBuf,
    /// `server.pem`: the leaf served by `keyless serve`.
    pub server_cert_path: PathBuf,
    /// `server-key.pem` (0600).
    pub server_key_path: PathBuf,
    /// `ca-bundle.pem`: system roots followed by the local CA.
    pub ca_bundle_path: PathBuf,
    /// `server.sans`: the names the leaf was issued for, one per line.
    pub server_sans_path: PathBuf,
    pub ca_pem: String,
    /// The names in the leaf's subjectAltName.
    pub server_names: Vec<String>,
    /// Whether this call created a new CA (users must trust it again).
    pub ca_created: bool,
    /// Whether this call issued a new leaf.
    pub leaf_issued: bool,
}

/// A positive random 128-bit serial: reusing an issuer+serial pair makes browsers refuse a cert.
pub(crate) fn random_serial() -> SerialNumber {
    let mut bytes = crate::random_bytes(16);
    bytes[0] &= 0x7f;
    SerialNumber::from_slice(&bytes)
}

/// Lower-cased DNS names and canonical IP texts, so `[::0001]` and `::1` count as one name.
fn normalize_name(name: &str) -> String {
    let name = name.trim();
    let unbracketed = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    match unbracketed.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => name.trim_end_matches('.').to_ascii_lowercase(),
    }
}

/// The leaf's names: the defaults, then the extra names sorted, without duplicates.
fn server_names(extra_hostnames: &[String]) -> Vec<String> {
    let mut names: Vec<String> = DEFAULT_NAMES.iter().map(|n| (*n).to_owned()).collect();
    let mut extra: Vec<String> = extra_hostnames.iter().map(|n| normalize_name(n)).collect();
    extra.sort();
    extra.dedup();
    for name in extra {
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

fn common_name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

/// The CA's parameters. Only the subject, key usages and key-id method matter to an [`Issuer`],
/// and they are fixed, so a stored CA is reloaded by rebuilding these around its key.
fn ca_params(now: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = common_name(CA_COMMON_NAME);
    // Path length 0: this CA signs leaves only.
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = now - Duration::minutes(5);
    params.not_after = now + Duration::days(CA_VALIDITY_DAYS);
    params.serial_number = Some(random_serial());
    params
}

fn expires_soon(cert_der: &[u8], now: OffsetDateTime) -> bool {
    x509::validity(cert_der)
        .is_none_or(|(_, not_after)| not_after < now + Duration::days(RENEW_BEFORE_DAYS))
}

/// A certificate and key we wrote earlier, if both are present, parse, belong together, and are
/// not about to expire.
fn load_pair(
    cert_path: &Path,
    key_path: &Path,
    now: OffsetDateTime,
) -> Option<(String, Vec<u8>, KeyPair)> {
    let cert_pem = std::fs::read_to_string(cert_path).ok()?;
    let key = KeyPair::from_pem(&std::fs::read_to_string(key_path).ok()?).ok()?;
    let der = x509::pem_decode("CERTIFICATE", &cert_pem)?;
    let public = key.public_key_raw();
    let matches = der.windows(public.len()).any(|w| w == public);
    (matches && !expires_soon(&der, now)).then_some((cert_pem, der, key))
}

impl LocalPki {
    /// Loads or creates the PKI under `dir/tls/`. `extra_hostnames` are added to the leaf's SAN
    /// (as IP addresses when they parse as such, as DNS names otherwise).
    pub fn load_or_create(dir: &Path, extra_hostnames: &[String]) -> Result<LocalPki, JoseError> {
        let tls_dir = dir.join("tls");
        let mut pki = LocalPki {
            ca_cert_path: tls_dir.join("ca.pem"),
            ca_key_path: tls_dir.join("ca-key.pem"),
            server_cert_path: tls_dir.join("server.pem"),
            server_key_path: tls_dir.join("server-key.pem"),
            ca_bundle_path: tls_dir.join("ca-bundle.pem"),
            server_sans_path: tls_dir.join("server.sans"),
            tls_dir,
            ca_pem: String::new(),
            server_names: server_names(extra_hostnames),
            ca_created: false,
            leaf_issued: false,
        };
        std::fs::create_dir_all(&pki.tls_dir).map_err(fsutil::io_err(format!(
            "cannot create {}",
            pki.tls_dir.display()
        )))?;
        let now = OffsetDateTime::now_utc();

        let ca_key = match load_pair(&pki.ca_cert_path, &pki.ca_key_path, now) {
            Some((pem, _, key)) => {
                pki.ca_pem = pem;
                key
            }
            None => {
                let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
                let cert = ca_params(now).self_signed(&key)?;
                // Key first: a crash in between leaves a mismatched pair, which is re-created.
                write_atomic(&pki.ca_key_path, key.serialize_pem().as_bytes(), true)?;
                pki.ca_pem = x509::pem_encode("CERTIFICATE", cert.der());
                write_atomic(&pki.ca_cert_path, pki.ca_pem.as_bytes(), false)?;
                pki.ca_created = true;
                key
            }
        };
        let ca_params = ca_params(now);
        let ca_key_id = ca_params.key_identifier(&ca_key);
        let issuer = Issuer::new(ca_params, ca_key);

        if !pki.leaf_is_current(&ca_key_id, now) {
            pki.issue_leaf(&issuer, now)?;
        }
        pki.write_bundle()?;
        Ok(pki)
    }

    /// The stored leaf can be served again: same names, same CA, key present, not expiring.
    fn leaf_is_current(&self, ca_key_id: &[u8], now: OffsetDateTime) -> bool {
        if self.ca_created {
            return false;
        }
        let wanted = self.server_names.join("\n") + "\n";
        if std::fs::read_to_string(&self.server_sans_path)
            .ok()
            .as_deref()
            != Some(wanted.as_str())
        {
            return false;
        }
        // The leaf's authority key identifier is the CA's key identifier.
        load_pair(&self.server_cert_path, &self.server_key_path, now)
            .is_some_and(|(_, der, _)| der.windows(ca_key_id.len()).any(|w| w == ca_key_id))
    }

    fn issue_leaf(
        &mut self,
        issuer: &Issuer<'_, KeyPair>,
        now: OffsetDateTime,
    ) -> Result<(), JoseError> {
        let mut params = CertificateParams::new(self.server_names.clone())?;
        params.distinguished_name = common_name(LEAF_COMMON_NAME);
        // Explicit CA:FALSE: rustls refuses a CA certificate as a server certificate.
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.not_before = now - Duration::minutes(5);
        params.not_after = now + Duration::days(LEAF_VALIDITY_DAYS);
        params.serial_number = Some(random_serial());
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let cert = params.signed_by(&key, issuer)?;
        // The name list is removed first and written last: whatever a crash interrupts, the next
        // start finds no matching list and issues again.
        match std::fs::remove_file(&self.server_sans_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(fsutil::io_err(format!(
                    "cannot remove {}",
                    self.server_sans_path.display()
                ))(e));
            }
            _ => {}
        }
        write_atomic(&self.server_key_path, key.serialize_pem().as_bytes(), true)?;
        write_atomic(
            &self.server_cert_path,
            x509::pem_encode("CERTIFICATE", cert.der()).as_bytes(),
            false,
        )?;
        write_atomic(
            &self.server_sans_path,
            (self.server_names.join("\n") + "\n").as_bytes(),
            false,
        )?;
        self.leaf_issued = true;
        Ok(())
    }

    /// Rewritten at every start so that it follows updates of the system roots.
    fn write_bundle(&self) -> Result<(), JoseError> {
        let mut bundle = SYSTEM_BUNDLES
            .iter()
            .find_map(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        if !bundle.is_empty() && !bundle.ends_with('\n') {
            bundle.push('\n');
        }
        bundle.push_str(&format!("# {CA_COMMON_NAME}\n"));
        bundle.push_str(&self.ca_pem);
        write_atomic(&self.ca_bundle_path, bundle.as_bytes(), false)
    }
}

#[cfg(test)]
mod tests;
