//! OData string literals of `$filter` clauses: `'…'` with a quote inside written twice.
//! Anything else (a missing or unbalanced quote, text after the closing quote) is a 400,
//! as in Graph, never a value guessed from what was sent.

use crate::bad;
use keyless_core::envelope::ApiError;
use keyless_model::catalogue::sanitize;

/// The value of the literal `text` (trimmed), or Graph's 400 naming `filter`.
pub fn literal(text: &str, filter: &str) -> Result<String, ApiError> {
    let invalid = || {
        bad(format!(
            "Invalid filter clause: the string literal in '{}' is not a single-quoted value (a quote inside it is written twice).",
            sanitize(filter)
        ))
    };
    let inner = text
        .trim()
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .ok_or_else(invalid)?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\'' && chars.next() != Some('\'') {
            return Err(invalid());
        }
        out.push(c);
    }
    Ok(out)
}
