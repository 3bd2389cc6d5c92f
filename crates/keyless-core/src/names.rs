//! Names that appear in URLs (organizations, projects, connections).

use crate::envelope::ApiError;

/// Short names: 1-64 characters of letters, digits, `-`, `_`, `.`; they appear in URLs.
pub fn check_short_name(kind: &str, name: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(ApiError::detail(
            "BadRequest",
            format!(
                "The {kind} name '{}' is invalid: use 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit.",
                keyless_model::catalogue::sanitize(name)
            ),
        ))
    }
}
