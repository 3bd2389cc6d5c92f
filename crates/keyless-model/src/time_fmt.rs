//! The few timestamp spellings the real services use on the wire.

use crate::UnixTime;
use time::OffsetDateTime;
use time::macros::format_description;

fn at(t: UnixTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Entra error timestamps: `2026-01-02 03:04:05Z` (space, not `T`).
pub fn entra(t: UnixTime) -> String {
    let f = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    at(t).format(&f).unwrap_or_default()
}

/// Entra's seven-digit fraction form: `2026-01-02T03:04:05.0000000Z`.
pub fn entra_precise(t: UnixTime) -> String {
    let f = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].0000000Z");
    at(t).format(&f).unwrap_or_default()
}

/// The Azure CLI's `expiresOn`: `2026-01-02 03:04:05.000000` (UTC here, seconds only).
pub fn azure_cli(t: UnixTime) -> String {
    let f = format_description!("[year]-[month]-[day] [hour]:[minute]:[second].000000");
    at(t).format(&f).unwrap_or_default()
}

/// RFC 3339 / ISO 8601 as Graph, ARM and DevOps print it: `2026-01-02T03:04:05Z`.
pub fn iso(t: UnixTime) -> String {
    let f = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at(t).format(&f).unwrap_or_default()
}

/// Parses an ISO 8601 / RFC 3339 date-time (as Graph clients send `endDateTime`).
pub fn parse_iso(s: &str) -> Option<UnixTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(entra(1_767_323_045), "2026-01-02 03:04:05Z");
        assert_eq!(entra_precise(1_767_323_045), "2026-01-02T03:04:05.0000000Z");
        assert_eq!(iso(1_767_323_045), "2026-01-02T03:04:05Z");
        assert_eq!(azure_cli(1_767_323_045), "2026-01-02 03:04:05.000000");
        assert_eq!(parse_iso("2026-01-02T03:04:05Z"), Some(1_767_323_045));
        assert_eq!(
            parse_iso("2026-01-02T03:04:05.123+00:00"),
            Some(1_767_323_045)
        );
    }
}
