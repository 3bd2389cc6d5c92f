//! `keyless explain <code or message>`: the catalogue entry for a code, or for the code or
//! known message found inside a pasted error text.

use clap::Args;
use keyless_model::catalogue::{self, Entry};
use std::process::ExitCode;

#[derive(Args)]
pub struct ExplainArgs {
    /// A code (AADSTS700213, 700213, AuthorizationFailed…) or a pasted error message.
    #[arg(required = true, num_args = 1..)]
    text: Vec<String>,
}

/// Finds the entry a text refers to: an exact code, an `AADSTS…` code inside it, or the
/// first catalogue code that appears as a word.
pub fn lookup(text: &str) -> Option<&'static Entry> {
    if let Some(e) = catalogue::find(text) {
        return Some(e);
    }
    if let Some(i) = text.find("AADSTS") {
        let digits: String = text[i + 6..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Some(e) = catalogue::find(&digits) {
            return Some(e);
        }
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    catalogue::ENTRIES
        .iter()
        .find(|e| words.iter().any(|w| *w == e.code && e.code.len() > 4))
}

pub fn explain(a: &ExplainArgs) -> ExitCode {
    let text = a.text.join(" ");
    match lookup(&text) {
        Some(e) => {
            let prefix = if e.code.chars().all(|c| c.is_ascii_digit()) {
                "AADSTS"
            } else {
                ""
            };
            println!("{prefix}{} ({} {})", e.code, e.status, e.error);
            println!("\n  {}\n", e.template);
            println!("Cause:  {}", e.cause);
            println!("Checks: {}", e.checks);
            println!("Fix:    {}", e.fix);
            ExitCode::SUCCESS
        }
        None => {
            eprintln!(
                "'{}' is not in the keyless error catalogue. Try the code alone (for example AADSTS700213) or the first line of the error.",
                text.trim()
            );
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::lookup;

    #[test]
    fn finds_codes_in_text() {
        assert_eq!(lookup("AADSTS700213").map(|e| e.code), Some("700213"));
        assert_eq!(
            lookup("Error: AADSTS7000215: Invalid client secret").map(|e| e.code),
            Some("7000215")
        );
        assert_eq!(
            lookup("(AuthorizationFailed) The client").map(|e| e.code),
            Some("AuthorizationFailed")
        );
        assert!(lookup("something else entirely").is_none());
    }
}
