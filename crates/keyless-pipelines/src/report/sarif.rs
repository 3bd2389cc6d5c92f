//! SARIF 2.1.0: one run of the tool `keyless` with one rule per code (in code order, so a
//! result's `ruleIndex` is stable), each result at its file, line and column. A finding's
//! fix is in the result's property bag (`properties.fix`).

use crate::diag::{Code, Diagnostic, Severity};
use serde_json::{Value, json};

pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A path as a URI reference: `/` separators, characters outside the unreserved set and
/// `/` percent-encoded; an absolute path becomes a `file://` URI.
pub fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

fn rule(c: Code) -> Value {
    let mut r = json!({
        "id": c.as_str(),
        "name": format!("{c:?}"),
        "shortDescription": {"text": c.title()},
        "defaultConfiguration": {"level": level(c.severity())},
    });
    if let Some(e) = keyless_model::catalogue::find(c.as_str()) {
        r["fullDescription"] = json!({"text": e.cause});
        r["help"] = json!({"text": e.fix});
    }
    r
}

fn result(d: &Diagnostic) -> Value {
    let index = Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0);
    let mut r = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": index,
        "level": level(d.severity),
        "message": {"text": d.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri(&d.loc.file)},
                "region": {"startLine": d.loc.line.max(1), "startColumn": d.loc.col.max(1)},
            }
        }],
    });
    if let Some(fix) = &d.fix {
        r["properties"] = json!({"fix": fix});
    }
    r
}

pub fn sarif(d: &[Diagnostic]) -> String {
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "keyless",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": Code::ALL.iter().map(|c| rule(*c)).collect::<Vec<_>>(),
            }},
            "columnKind": "unicodeCodePoints",
            "results": d.iter().map(result).collect::<Vec<_>>(),
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}
