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
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}
