//! The little X.509 reading this crate needs, without pulling in an X.509 parser: PEM armour and
//! the validity period of a certificate (to decide when a certificate must be re-issued).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// PEM armour with 64-column lines, as OpenSSL writes it.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER of the first PEM block labelled `label`.
pub(crate) fn pem_decode(label: &str, pem: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD.decode(body).ok()
}

/// One DER TLV: returns (tag, content, rest). Definite lengths only, as DER requires.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (len_bytes, after) = rest.split_at(n);
        rest = after;
        len_bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    if rest.len() < len {
        return None;
    }
    let (content, rest) = rest.split_at(len);
    Some((tag, content, rest))
}

/// `notBefore` and `notAfter` of a DER certificate.
pub(crate) fn validity(cert_der: &[u8]) -> Option<(OffsetDateTime, OffsetDateTime)> {
    const SEQUENCE: u8 = 0x30;
    let (SEQUENCE, cert, _) = tlv(cert_der)? else {
        return None;
    };
    let (SEQUENCE, tbs, _) = tlv(cert)? else {
        return None;
    };
    let mut rest = tbs;
    // version [0] EXPLICIT is optional (absent means v1).
    if rest.first() == Some(&0xa0) {
        rest = tlv(rest)?.2;
    }
    // serialNumber, signature AlgorithmIdentifier, issuer Name, then Validity.
    for _ in 0..3 {
        rest = tlv(rest)?.2;
    }
    let (SEQUENCE, validity, _) = tlv(rest)? else {
        return None;
    };
    let (tag_nb, not_before, rest) = tlv(validity)?;
    let (tag_na, not_after, _) = tlv(rest)?;
    Some((
        parse_time(tag_nb, not_before)?,
        parse_time(tag_na, not_after)?,
    ))
}

/// UTCTime (`YYMMDDHHMMSSZ`, years 1950-2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn parse_time(tag: u8, bytes: &[u8]) -> Option<OffsetDateTime> {
    let s = std::str::from_utf8(bytes).ok()?;
    let digits = s.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| digits.get(range)?.parse::<i32>().ok();
    let (year, rest) = match (tag, digits.len()) {
        (0x17, 12) => {
            let yy = num(0..2)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, 2)
        }
        (0x18, 14) => (num(0..4)?, 4),
        _ => return None,
    };
    let field = |i: usize| num(rest + 2 * i..rest + 2 * i + 2).and_then(|v| u8::try_from(v).ok());
    let date = Date::from_calendar_date(year, Month::try_from(field(0)?).ok()?, field(1)?).ok()?;
    let time = Time::from_hms(field(2)?, field(3)?, field(4)?).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_validity_of_an_rcgen_certificate() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2024, 2, 29);
        // After 2049 rcgen switches to GeneralizedTime: cover both encodings.
        params.not_after = rcgen::date_time_ymd(2051, 12, 31);
        let cert = params.self_signed(&key).unwrap();
        let (nb, na) = validity(cert.der()).unwrap();
        assert_eq!(nb, rcgen::date_time_ymd(2024, 2, 29));
        assert_eq!(na, rcgen::date_time_ymd(2051, 12, 31));
        let pem = pem_encode("CERTIFICATE", cert.der());
        assert_eq!(pem, cert.pem().replace("\r\n", "\n"));
        assert_eq!(
            pem_decode("CERTIFICATE", &pem).unwrap(),
            cert.der().to_vec()
        );
        assert!(validity(&cert.der()[..40]).is_none());
    }
}
