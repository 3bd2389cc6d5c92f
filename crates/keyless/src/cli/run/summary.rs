//! The end of a run: a table of every step (job, step, result, time), the run's result,
//! and for failed steps the explanation and fix of the errors the catalogue knows.

use super::job::{StepRecord, mark};
use super::scope::Outcome;
use keyless_model::catalogue::{self, Entry};

/// The Build API's result of the run.
pub fn run_result(records: &[StepRecord], canceled: bool) -> &'static str {
    if canceled || records.iter().any(|r| r.outcome == Outcome::Canceled) {
        "canceled"
    } else if records.iter().any(|r| r.outcome == Outcome::Failed) {
        "failed"
    } else if records
        .iter()
        .any(|r| r.outcome == Outcome::SucceededWithIssues)
    {
        "partiallySucceeded"
    } else {
        "succeeded"
    }
}

/// The catalogue entries a line names: an `AADSTS` code, or a known message (any case).
pub fn known_errors(line: &str) -> Vec<&'static Entry> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("AADSTS") {
        let digits: String = rest[i + 6..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Some(e) = catalogue::find(&digits) {
            found.push(e);
        }
        rest = &rest[i + 6..];
    }
    let lower = line.to_ascii_lowercase();
    for e in catalogue::all() {
        if e.patterns
            .iter()
            .any(|p| lower.contains(&p.to_ascii_lowercase()))
            && !found.iter().any(|f| f.code == e.code)
        {
            found.push(e);
        }
    }
    found
}

pub fn print(records: &[StepRecord], result: &str, seconds: f64) {
    println!("\n══ Summary ══");
    let job_w = records
        .iter()
        .map(|r| r.job.chars().count())
        .max()
        .unwrap_or(3)
        .max(3);
    let step_w = records
        .iter()
        .map(|r| r.step.chars().count().min(60))
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:job_w$}  {:step_w$}  {:20}  {:>8}",
        "Job", "Step", "Result", "Time"
    );
    for r in records {
        let step: String = r.step.chars().take(60).collect();
        println!(
            "{:job_w$}  {:step_w$}  {:20}  {:>7.2}s",
            r.job,
            step,
            format!("{} {}", mark(r.outcome), r.outcome.text()),
            r.seconds
        );
        if let Some(n) = &r.note {
            println!("{:job_w$}  └ {n}", "");
        }
        for (error, message) in &r.issues {
            println!(
                "{:job_w$}  └ {}: {message}",
                "",
                if *error { "error" } else { "warning" }
            );
        }
    }
    let mut explained: Vec<&str> = Vec::new();
    for r in records
        .iter()
        .filter(|r| r.outcome == Outcome::Failed || r.outcome == Outcome::SucceededWithIssues)
    {
        for line in &r.tail {
            for e in known_errors(line) {
                if explained.contains(&e.code) {
                    continue;
                }
                explained.push(e.code);
                let code = if e.code.chars().all(|c| c.is_ascii_digit()) {
                    format!("AADSTS{}", e.code)
                } else {
                    e.code.to_string()
                };
                println!("\n{} ▸ {}: {code}", r.job, r.step);
                println!("  cause: {}", e.cause);
                println!("  check: {}", e.checks);
                println!("  fix:   {}", e.fix);
            }
        }
    }
    println!("\nRun {result} in {seconds:.2}s");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_errors_are_found_in_output_lines() {
        let codes = |l: &str| known_errors(l).iter().map(|e| e.code).collect::<Vec<_>>();
        assert_eq!(
            codes("ERROR: AADSTS700024: Client assertion is not within its valid time range."),
            vec!["700024"]
        );
        assert!(
            codes("unrecognized arguments: --federated-token abc")
                .contains(&"FederatedTokenArgument")
        );
        assert!(
            !codes("Failed to obtain the JSON Web Token (JWT) using service principal client ID")
                .is_empty()
        );
        assert!(codes("all good").is_empty());
    }
}
