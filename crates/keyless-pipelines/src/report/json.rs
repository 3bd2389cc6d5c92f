//! The JSON report, version 1:
//!
//! ```json
//! {"version": 1, "files": 2, "diagnostics": [{"code": "KL101", "severity": "error",
//!   "file": "a.yml", "line": 3, "column": 20, "message": "…", "fix": "…"}]}
//! ```
//!
//! `files` counts the files linted; `fix` is `null` when there is none. Keys keep this
//! order; fields are only ever added, under a new `version` if their meaning changes.

use crate::diag::Diagnostic;
use serde::Serialize;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    files: usize,
    diagnostics: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    code: &'static str,
    severity: &'static str,
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
    fix: Option<&'a str>,
}

pub fn json(d: &[Diagnostic], files: usize) -> String {
    let mut out = Vec::new();
    // Writing to a `Vec` does not fail, and the report holds only text and numbers.
    let _ = write_json(&mut out, d, files);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the report of [`json`] to `w` as it is serialized, without building it in
/// memory first.
pub fn write_json(
    w: &mut dyn std::io::Write,
    d: &[Diagnostic],
    files: usize,
) -> std::io::Result<()> {
    let report = Report {
        version: 1,
        files,
        diagnostics: d
            .iter()
            .map(|d| Entry {
                code: d.code.as_str(),
                severity: d.severity.as_str(),
                file: &d.loc.file,
                line: d.loc.line,
                column: d.loc.col,
                message: &d.message,
                fix: d.fix.as_deref(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *w, &report).map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}
