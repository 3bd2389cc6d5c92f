//! The one catalogue of errors keyless can return. Every plane renders these entries in
//! its own envelope (Entra's OAuth error, ARM's `{"error":{…}}`, DevOps' exception
//! shape); `keyless explain` and `docs/ERRORS.md` are generated from the same table.
//!
//! Message templates use `{name}` placeholders. Values are sanitised on the way in
//! ([`Rendered::new`]) so no message ever contains a character JSON would escape: the
//! Rust `azure_identity` client borrows `error_description` and fails on escapes.

mod doc;
mod entries;
mod lint;
pub use doc::markdown;
pub use entries::ENTRIES;

/// Every entry: the planes' (`ENTRIES`), then those of `keyless lint`'s codes.
pub fn all() -> impl Iterator<Item = &'static Entry> {
    ENTRIES.iter().chain(lint::ENTRIES.iter())
}

/// Which service produces the error, and so which envelope it is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plane {
    Entra,
    Arm,
    DevOps,
    Pipeline,
}

#[derive(Debug)]
pub struct Entry {
    /// `700213`, `AuthorizationFailed`, `TF401444`…
    pub code: &'static str,
    pub plane: Plane,
    /// OAuth `error` value (Entra) or a short kind for other planes.
    pub error: &'static str,
    pub status: u16,
    pub template: &'static str,
    pub cause: &'static str,
    pub checks: &'static str,
    pub fix: &'static str,
    /// Fragments that identify this error in pasted output (for `keyless explain`).
    pub patterns: &'static [&'static str],
}

/// Looks an entry up by code; `AADSTS700213` and `700213` are the same code.
pub fn find(code: &str) -> Option<&'static Entry> {
    let code = code.trim();
    let bare = code
        .strip_prefix("AADSTS")
        .or_else(|| code.strip_prefix("aadsts"))
        .unwrap_or(code);
    all().find(|e| e.code.eq_ignore_ascii_case(bare))
}

/// The entry a pasted text refers to: an exact code, an `AADSTS…` code inside it, a known
/// message fragment, or a catalogue code that appears in it as a word.
pub fn identify(text: &str) -> Option<&'static Entry> {
    if let Some(e) = find(text) {
        return Some(e);
    }
    if let Some(i) = text.find("AADSTS") {
        let digits: String = text[i + 6..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Some(e) = find(&digits) {
            return Some(e);
        }
    }
    if let Some(e) = all().find(|e| e.patterns.iter().any(|p| text.contains(p))) {
        return Some(e);
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    all().find(|e| e.code.len() > 4 && words.iter().any(|w| w.eq_ignore_ascii_case(e.code)))
}

/// The entry for a code that must exist; a missing one is a programming error caught by
/// the catalogue's own tests, so falling back to a generic entry is enough here.
pub fn entry(code: &str) -> &'static Entry {
    find(code).unwrap_or(&entries::INTERNAL)
}

/// An entry with its placeholders filled in.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub entry: &'static Entry,
    pub message: String,
}

impl Rendered {
    pub fn new(code: &str, values: &[(&str, &str)]) -> Rendered {
        let entry = entry(code);
        let mut message = entry.template.to_string();
        for (name, value) in values {
            message = message.replace(&format!("{{{name}}}"), &sanitize(value));
        }
        Rendered { entry, message }
    }
    pub fn code(&self) -> &'static str {
        self.entry.code
    }
    pub fn status(&self) -> u16 {
        self.entry.status
    }
}

/// Removes what JSON would escape (quotes, backslashes, control characters) and caps the
/// length, so caller-supplied values cannot break the envelope or flood a log.
pub fn sanitize(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .take(600)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_templates_json_clean() {
        let every: Vec<&Entry> = all().collect();
        for (i, a) in every.iter().enumerate() {
            for b in &every[i + 1..] {
                assert_ne!(a.code, b.code, "duplicate code");
            }
            // Entra texts must be JSON-clean (the Rust SDK borrows them); TF401444 keeps
            // Azure DevOps' own backslashes so pasted messages still match.
            let forbidden =
                |c: char| c == '"' || c.is_control() || (c == '\\' && a.plane == Plane::Entra);
            for text in [a.template, a.cause, a.checks, a.fix] {
                assert!(
                    !text.chars().any(forbidden),
                    "{} has a character JSON escapes",
                    a.code
                );
            }
            assert!(
                !a.cause.is_empty() && !a.fix.is_empty(),
                "{} lacks an explanation",
                a.code
            );
        }
    }

    #[test]
    fn lookup_accepts_aadsts_prefix() {
        let cases = [
            ("AADSTS700213", Some("700213")),
            ("700213", Some("700213")),
            ("authorizationfailed", Some("AuthorizationFailed")),
            ("12345678", None),
        ];
        for (text, want) in cases {
            assert_eq!(find(text).map(|e| e.code), want, "{text}");
        }
    }

    #[test]
    fn every_code_and_pattern_is_identified() {
        for e in all() {
            assert_eq!(identify(e.code).map(|x| x.code), Some(e.code));
            for p in e.patterns {
                let pasted = format!("##[error]{p} (some context)");
                assert_eq!(identify(&pasted).map(|x| x.code), Some(e.code), "{p}");
            }
        }
        let pasted = [
            (
                "ERROR: AADSTS7000215: Invalid client secret provided.",
                Some("7000215"),
            ),
            (
                "(AuthorizationFailed) The client 'x' with object id",
                Some("AuthorizationFailed"),
            ),
            ("nothing we know", None),
        ];
        for (text, want) in pasted {
            assert_eq!(identify(text).map(|e| e.code), want, "{text}");
        }
    }

    #[test]
    fn rendering_sanitizes_values() {
        let r = Rendered::new("700213", &[("sub", "a\"b\\c\nd")]);
        assert!(r.message.contains("'abcd'"));
    }
}
