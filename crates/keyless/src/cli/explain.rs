//! `keyless explain <code or message>`: the catalogue entry for a code, or for the code or
//! known message found inside a pasted error text.

use clap::Args;
use keyless_model::catalogue;
use std::process::ExitCode;

#[derive(Args)]
pub struct ExplainArgs {
    /// A code (AADSTS700213, 700213, AuthorizationFailed…) or a pasted error message.
    #[arg(required = true, num_args = 1..)]
    text: Vec<String>,
}

pub fn explain(a: &ExplainArgs) -> ExitCode {
    let text = a.text.join(" ");
    match catalogue::identify(&text) {
        Some(e) => {
            let prefix = if e.code.chars().all(|c| c.is_ascii_digit()) {
                "AADSTS"
            } else {
                ""
            };
            // Entries without an HTTP status are what a task or the linter reports.
            match e.status {
                0 => println!("{prefix}{} ({})", e.code, e.error),
                status => println!("{prefix}{} ({status} {})", e.code, e.error),
            }
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
