//! ARM's input rules that apply across handlers: the body's media type, provider
//! namespaces and resource types in paths, resource names, locations and tags. Each
//! refusal is a 4xx in ARM's envelope, decided before anything is stored.

use crate::providers::LOCATIONS;
use axum::http::{HeaderMap, Method};
use keyless_core::envelope::ApiError;
use keyless_model::catalogue::sanitize;
use serde_json::{Map, Value};

/// Longest provider namespace or resource type segment accepted.
pub const MAX_TYPE_SEGMENT: usize = 128;
/// ARM's limits on tags: count per resource, name length, value length.
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_NAME: usize = 512;
pub const MAX_TAG_VALUE: usize = 256;

/// A body sent with PUT, PATCH or POST must be `application/json` (parameters such as
/// `charset` aside): ARM answers anything else with 415.
pub fn content_type(method: &Method, headers: &HeaderMap, body: &[u8]) -> Result<(), ApiError> {
    match keyless_core::envelope::non_json_write(method, headers, body) {
        None => Ok(()),
        Some(sent) => Err(ApiError::new("UnsupportedMediaType", &[("type", sent)])),
    }
}

/// A provider namespace: dot-separated words of ASCII letters and digits, at least two
/// (`Microsoft.Storage`, `84codes.CloudAMQP`).
pub fn namespace(ns: &str) -> Result<(), ApiError> {
    let words_ok = ns.split('.').count() >= 2
        && ns
            .split('.')
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric()));
    if words_ok && ns.len() <= MAX_TYPE_SEGMENT {
        return Ok(());
    }
    Err(ApiError::new(
        "InvalidResourceNamespace",
        &[("namespace", ns)],
    ))
}

/// A resource type segment: an ASCII letter, then letters and digits.
pub fn resource_type(t: &str) -> Result<(), ApiError> {
    let ok = t.len() <= MAX_TYPE_SEGMENT
        && t.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && t.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        return Ok(());
    }
    Err(ApiError::new("InvalidResourceType", &[("type", t)]))
}

/// A generic resource name: 1 to 260 characters, none of `<>%&:\?/#` or a control
/// character, and not `.` or `..`.
pub fn resource_name(name: &str) -> bool {
    (1..=260).contains(&name.chars().count())
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c.is_control() || "<>%&:\\?/#".contains(c))
}

/// The canonical name of a location given by name or display name, in any case
/// (`West Europe` and `westeurope` are both `westeurope`); `None` if ARM has no such
/// region (`global` is accepted where `global_ok`).
pub fn location(given: &str, global_ok: bool) -> Option<&'static str> {
    if given.len() > 64 {
        return None;
    }
    let squeezed: String = given
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if global_ok && squeezed == "global" {
        return Some("global");
    }
    LOCATIONS
        .iter()
        .find(|(name, _)| *name == squeezed)
        .map(|(name, _)| *name)
}

/// The regions listed in location errors.
pub fn regions() -> String {
    LOCATIONS
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(",")
}

/// ARM's tag rules: at most 50, names of 1 to 512 characters without `<>%&\?/` or control
/// characters, values strings of at most 256 characters.
pub fn tags(tags: &Map<String, Value>) -> Result<(), ApiError> {
    if tags.len() > MAX_TAGS {
        return Err(ApiError::detail(
            "BadRequest",
            format!(
                "A resource can have at most {MAX_TAGS} tags; the request has {}.",
                tags.len()
            ),
        ));
    }
    for (k, v) in tags {
        let name_ok = (1..=MAX_TAG_NAME).contains(&k.chars().count())
            && !k.chars().any(|c| c.is_control() || "<>%&\\?/".contains(c));
        let value_ok = v
            .as_str()
            .is_some_and(|v| v.chars().count() <= MAX_TAG_VALUE);
        if !name_ok || !value_ok {
            return Err(ApiError::detail(
                "BadRequest",
                format!(
                    "The tag '{}' is invalid: names are 1 to {MAX_TAG_NAME} characters without reserved characters, and values are strings of at most {MAX_TAG_VALUE} characters.",
                    sanitize(k)
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_and_types() {
        for ok in ["Microsoft.Storage", "84codes.CloudAMQP", "Sendgrid.Email"] {
            assert!(namespace(ok).is_ok(), "{ok}");
        }
        for bad in [
            "..",
            "Microsoft",
            "Microsoft.",
            ".x",
            "a..b",
            "a/b.c",
            "a.b c",
            "",
        ] {
            assert!(namespace(bad).is_err(), "{bad}");
        }
        for ok in ["storageAccounts", "sites", "v2Things"] {
            assert!(resource_type(ok).is_ok(), "{ok}");
        }
        for bad in ["..", "..//x", "2things", "a-b", "", &"a".repeat(129)] {
            assert!(resource_type(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_locations_and_tags() {
        assert!(resource_name("sa1"));
        for bad in [".", "..", "a/b", "a%2F", "", &"a".repeat(261)] {
            assert!(!resource_name(bad), "{bad}");
        }
        assert_eq!(location("West Europe", false), Some("westeurope"));
        assert_eq!(location("WESTEUROPE", false), Some("westeurope"));
        assert_eq!(location("global", false), None);
        assert_eq!(location("global", true), Some("global"));
        assert_eq!(location(&"a".repeat(100_000), true), None);
        let many: Map<String, Value> = (0..51)
            .map(|i| (format!("t{i}"), Value::from("v")))
            .collect();
        assert!(tags(&many).is_err());
        let bad_name: Map<String, Value> = [("a/b".to_string(), Value::from("v"))]
            .into_iter()
            .collect();
        assert!(tags(&bad_name).is_err());
        let long: Map<String, Value> = [("a".to_string(), Value::from("v".repeat(257)))]
            .into_iter()
            .collect();
        assert!(tags(&long).is_err());
    }
}
