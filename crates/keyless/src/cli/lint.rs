//! `keyless lint PATH…`: checks pipeline files offline (the task catalogue, container
//! resources, connections from run-time variables, connection types) and, given an
//! organization and project, against a server (connections exist, are ready, their secret
//! and tenant, the pipeline's authorization). Exit code 0 when clean, 1 when a finding is at
//! or above `--fail-on`, 2 when a file cannot be read (KL001) or the command is misused.

use super::client::Conn;
use super::lint_files::{self, Inputs};
use super::lint_live;
use clap::{Args, ValueEnum};
use keyless_pipelines::{Code, Diagnostic, Severity, lint, report};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Note,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// When standard output is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Args)]
pub struct LintArgs {
    /// Pipeline files, and folders (every *.yml and *.yaml below, hidden folders skipped).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// How findings are written: human, json, sarif…
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// The least severity that makes the exit code 1.
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// A local copy of a repository resource, for `file@ALIAS` templates (repeatable).
    #[arg(long = "repo", value_name = "ALIAS=PATH")]
    repos: Vec<String>,
    /// A value of a top-level parameter of the pipelines (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Colour in the human format.
    #[arg(long, value_enum, default_value = "auto")]
    color: Color,
    /// Check the connections against this server (with --org and --project) [default: the
    /// saved login's].
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// Organization of the live checks.
    #[arg(long, requires = "project")]
    org: Option<String>,
    /// Project of the live checks.
    #[arg(long, requires = "org")]
    project: Option<String>,
    /// The pipeline whose authorization on each connection is checked.
    #[arg(long, requires = "org")]
    pipeline: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

fn pairs(values: &[String], what: &str) -> Result<Vec<(String, String)>, String> {
    values
        .iter()
        .map(|v| match v.split_once('=') {
            Some((k, val)) if !k.trim().is_empty() => Ok((k.trim().to_string(), val.to_string())),
            _ => Err(format!("--{what} wants NAME=VALUE, got '{v}'")),
        })
        .collect()
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn colour(c: Color) -> bool {
    match c {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// The exit code of a set of findings.
pub fn exit_code(d: &[Diagnostic], fail_on: FailOn) -> u8 {
    let least = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Note => Severity::Note,
    };
    if d.iter().any(|d| d.code == Code::UnreadableFile) {
        2
    } else if d.iter().any(|d| d.severity >= least) {
        1
    } else {
        0
    }
}

pub async fn lint(a: LintArgs) -> anyhow::Result<ExitCode> {
    let repos = match pairs(&a.repos, "repo") {
        Ok(r) => r.into_iter().map(|(k, v)| (k, PathBuf::from(v))).collect(),
        Err(e) => return Ok(usage(&e)),
    };
    let params = match pairs(&a.params, "param") {
        Ok(p) => p,
        Err(e) => return Ok(usage(&e)),
    };
    if a.server.is_some() && a.org.is_none() {
        return Ok(usage("--server needs --org and --project"));
    }
    let inputs = Inputs { repos, params };
    let targets = lint_files::discover(&a.paths);
    let mut all: Vec<Diagnostic> = Vec::new();
    let progress = (targets.len() > 1)
        .then(|| super::output::progress::Progress::counter("linting files", targets.len()));
    let step = || progress.iter().for_each(|p| p.inc());
    match (&a.org, &a.project) {
        (Some(org), Some(project)) => {
            // The facts need every connection name first: keep the compiled files.
            let compiled: Vec<_> = targets
                .iter()
                .map(|t| {
                    step();
                    lint_files::compile(t, &inputs)
                })
                .collect();
            let mut conn = a.conn.clone();
            if a.server.is_some() {
                conn.url = a.server.clone();
            }
            let pipelines: Vec<_> = compiled
                .iter()
                .filter_map(|c| c.pipeline.as_ref())
                .collect();
            let facts = match lint_live::facts(
                &conn,
                org,
                project,
                a.pipeline.as_deref(),
                &pipelines,
            )
            .await
            {
                Ok(f) => f,
                Err(e) => return Ok(usage(&format!("the live checks failed: {e:#}"))),
            };
            for (t, c) in targets.iter().zip(&compiled) {
                let mut d = lint::run(c, Some(&facts));
                lint_files::rename(t, &mut d);
                all.extend(d);
            }
        }
        // Offline, one file at a time: memory stays that of one pipeline.
        _ => {
            for t in &targets {
                step();
                let mut d = lint::run(&lint_files::compile(t, &inputs), None);
                lint_files::rename(t, &mut d);
                all.extend(d);
            }
        }
    }
    progress.into_iter().for_each(|p| p.finish());
    lint::sort(&mut all);
    let files = targets.len();
    // Standard output is line-buffered: the report goes through one large buffer instead
    // (the JSON report is written as it is serialized).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = match a.format {
        Format::Human => out.write_all(report::human(&all, files, colour(a.color)).as_bytes()),
        Format::Json => report::write_json(&mut out, &all, files),
        Format::Sarif => out.write_all(report::sarif(&all).as_bytes()),
    };
    written.and_then(|()| out.flush())?;
    Ok(ExitCode::from(exit_code(&all, a.fail_on)))
}
