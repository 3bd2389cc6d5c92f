//! `keyless doctor <org> <project> <connection>`: the troubleshooting checklist of one
//! service connection (administrators of keyless or of the connection). Exit code 0 when
//! no line fails, 1 when any does. `keyless doctor --all <org>` summarizes every connection
//! of the organization the caller administers.

use super::client::{Client, Conn};
use clap::Args;
use reqwest::Method;
use serde_json::Value;
use std::process::ExitCode;

#[derive(Args)]
pub struct DoctorArgs {
    /// Organization name or id.
    org: String,
    /// Project name or id.
    #[arg(required_unless_present = "all")]
    project: Option<String>,
    /// Service connection name or id.
    #[arg(required_unless_present = "all")]
    connection: Option<String>,
    /// Summarize every connection of the organization the caller administers.
    #[arg(long, conflicts_with_all = ["project", "connection"])]
    all: bool,
    #[command(flatten)]
    conn: Conn,
}

/// One path segment, percent-encoded where a name could break the path.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The checklist as text: one line per finding, its fix and administrator detail below.
pub fn render(v: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut out = format!(
        "doctor {} ({})\n",
        s(&v["connection"]["name"]),
        s(&v["connection"]["id"])
    );
    for f in v["findings"].as_array().cloned().unwrap_or_default() {
        let code = f["code"].as_str().unwrap_or("-");
        out.push_str(&format!(
            "{:4}  {:12} {:22} {}\n",
            s(&f["status"]),
            s(&f["check"]),
            code,
            s(&f["finding"])
        ));
        if let Some(fix) = f["fix"].as_str() {
            out.push_str(&format!("      fix: {fix}\n"));
        }
        if let Some(near) = f["detail"].get("nearestCredential") {
            let diff = &near["firstDifference"];
            out.push_str(&format!(
                "      nearest credential '{}' differs in {}; {} at {}: configured {} / expected {}\n",
                s(&near["name"]),
                near["differs"],
                s(&diff["field"]),
                diff["at"],
                diff["configured"],
                diff.get("expected").unwrap_or(&diff["presented"]),
            ));
        }
    }
    out.push_str(&format!("result: {}\n", s(&v["status"])));
    out
}

/// The organization summary as text: one line per connection with its problems.
pub fn render_all(v: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut out = String::new();
    for c in v["value"].as_array().cloned().unwrap_or_default() {
        let problems = c["problems"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|p| {
                format!(
                    "{} {} {}",
                    s(&p["status"]),
                    s(&p["check"]),
                    p["code"].as_str().unwrap_or("-")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        out.push_str(&format!(
            "{:4}  {}/{}  {problems}\n",
            s(&c["status"]),
            s(&c["project"]),
            s(&c["connection"]["name"]),
        ));
    }
    out.push_str(&format!(
        "{} connections, result: {}\n",
        v["count"],
        s(&v["status"])
    ));
    out
}

pub async fn doctor(a: DoctorArgs) -> anyhow::Result<ExitCode> {
    let c = Client::new(&a.conn)?;
    let path = match (&a.project, &a.connection) {
        (Some(p), Some(conn)) if !a.all => format!(
            "/keyless/v1/organizations/{}/projects/{}/connections/{}/doctor",
            segment(&a.org),
            segment(p),
            segment(conn)
        ),
        _ => format!("/keyless/v1/organizations/{}/doctor", segment(&a.org)),
    };
    let v = c.send(Method::GET, &path, None).await?;
    if super::output::machine(&v)? {
    } else if a.all {
        print!("{}", render_all(&v));
    } else {
        print!("{}", render(&v));
    }
    Ok(if v["status"] == "FAIL" {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
