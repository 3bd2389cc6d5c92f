//! `file:line:col: severity[CODE]: message`, then `  fix: …`, grouped by file (a blank line
//! between files), then the summary line. ANSI colour only when asked.

use super::summary;
use crate::diag::{Diagnostic, Severity};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";

fn colour(s: Severity) -> &'static str {
    match s {
        Severity::Error => "\x1b[1;31m",
        Severity::Warning => "\x1b[1;33m",
        Severity::Note => "\x1b[1;36m",
    }
}

pub fn human(d: &[Diagnostic], files: usize, color: bool) -> String {
    let mut out = String::new();
    let mut last: Option<&str> = None;
    for x in d {
        if last.is_some_and(|f| f != &*x.loc.file) {
            out.push('\n');
        }
        last = Some(&x.loc.file);
        let sev = x.severity.as_str();
        if color {
            out.push_str(&format!(
                "{BOLD}{}{RESET}: {}{sev}[{}]{RESET}: {}\n",
                x.loc,
                colour(x.severity),
                x.code,
                x.message
            ));
        } else {
            out.push_str(&format!("{}: {sev}[{}]: {}\n", x.loc, x.code, x.message));
        }
        if let Some(fix) = &x.fix {
            out.push_str(&format!("  fix: {fix}\n"));
        }
    }
    if !d.is_empty() {
        out.push('\n');
    }
    let line = summary(d, files);
    if color {
        out.push_str(&format!("{BOLD}{line}{RESET}\n"));
    } else {
        out.push_str(&line);
        out.push('\n');
    }
    out
}
