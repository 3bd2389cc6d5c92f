//! Findings as text for people ([`human`]), as JSON ([`json`]) and as SARIF 2.1.0
//! ([`sarif`]). Every function takes the findings of every file linted, sorted (see
//! [`crate::lint::sort`]), and how many files were linted.

mod human;
mod json;
pub mod sarif;

pub use human::human;
pub use json::{json, write_json};
pub use sarif::sarif;

use crate::diag::{Diagnostic, Severity};

/// `N errors, M warnings[, P notes] in K files`.
pub fn summary(d: &[Diagnostic], files: usize) -> String {
    let count = |s: Severity| d.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let mut out = format!(
        "{}, {}",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning")
    );
    let notes = count(Severity::Note);
    if notes > 0 {
        out.push_str(&format!(", {}", plural(notes, "note")));
    }
    out.push_str(&format!(" in {}", plural(files, "file")));
    out
}

#[cfg(test)]
mod tests;
