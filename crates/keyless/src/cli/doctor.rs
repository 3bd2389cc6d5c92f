//! `keyless doctor <org> <project> <connection>`: the troubleshooting checklist of one
//! service connection (administrators of keyless or of the connection). Exit code 0 when
//! no line fails, 1 when any does.

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
    project: String,
    /// Service connection name or id.
    connection: String,
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

pub async fn doctor(a: DoctorArgs) -> anyhow::Result<ExitCode> {
    let c = Client::new(&a.conn)?;
    let path = format!(
        "/keyless/v1/organizations/{}/projects/{}/connections/{}/doctor",
        segment(&a.org),
        segment(&a.project),
        segment(&a.connection)
    );
    let v = c.send(Method::GET, &path, None).await?;
    if c.json() {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", render(&v));
    }
    Ok(if v["status"] == "FAIL" {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
