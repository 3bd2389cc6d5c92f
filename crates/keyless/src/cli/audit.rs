//! `keyless audit`: read the audit log with filters.

use super::client::{Client, Conn};
use clap::Args;
use reqwest::Method;
use std::process::ExitCode;

#[derive(Args)]
pub struct AuditArgs {
    /// Entries at or after this time: RFC 3339, Unix seconds, or an age like 15m, 2h, 7d.
    #[arg(long)]
    since: Option<String>,
    /// Entries before this time (same forms).
    #[arg(long)]
    until: Option<String>,
    /// Tenant id.
    #[arg(long)]
    tenant: Option<String>,
    /// Client (application) id.
    #[arg(long)]
    client: Option<String>,
    /// Service connection id.
    #[arg(long)]
    connection: Option<String>,
    /// granted or denied.
    #[arg(long)]
    decision: Option<String>,
    /// A catalogue code (700213, AADSTS700213, AuthorizationFailed…).
    #[arg(long)]
    code: Option<String>,
    /// token, oidc, arm, job (job starts), endpoints (a job reading its connections),
    /// devops (identities calling the Azure DevOps REST API with an Entra token) or change
    /// (a change, written in its own transaction).
    #[arg(long)]
    kind: Option<String>,
    #[arg(long, default_value_t = 100)]
    limit: u32,
    #[command(flatten)]
    conn: Conn,
}

/// `15m`, `2h`, `7d` → that long ago, in Unix seconds; other forms pass through.
fn when(v: &str) -> String {
    let unit = |c: char| match c {
        's' => Some(1),
        'm' => Some(60),
        'h' => Some(3600),
        'd' => Some(86_400),
        _ => None,
    };
    let (n, u) = v.split_at(v.len().saturating_sub(1));
    match (n.parse::<i64>(), u.chars().next().and_then(unit)) {
        (Ok(n), Some(mult)) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            (now - n * mult).to_string()
        }
        _ => v.to_string(),
    }
}

pub async fn audit(a: AuditArgs) -> anyhow::Result<ExitCode> {
    let mut q: Vec<(&str, String)> = vec![("limit", a.limit.to_string())];
    let opts = [
        ("since", a.since.as_deref().map(when)),
        ("until", a.until.as_deref().map(when)),
        ("tenant", a.tenant.clone()),
        ("client", a.client.clone()),
        ("connection", a.connection.clone()),
        ("decision", a.decision.clone()),
        ("code", a.code.clone()),
        ("kind", a.kind.clone()),
    ];
    for (k, v) in opts {
        if let Some(v) = v {
            q.push((k, v));
        }
    }
    let query = q
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('&', "%26").replace(' ', "%20")))
        .collect::<Vec<_>>()
        .join("&");
    let c = Client::new(&a.conn)?;
    let v = c
        .send(Method::GET, &format!("/keyless/v1/audit?{query}"), None)
        .await?;
    if c.json() {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    for e in v["value"].as_array().cloned().unwrap_or_default() {
        let s = |k: &str| e[k].as_str().unwrap_or("-").to_string();
        println!(
            "{} {:5} {:7} {:>22} client={} subject={}",
            keyless_model::time_fmt::iso(e["at"].as_i64().unwrap_or(0)),
            s("kind"),
            s("decision"),
            s("code"),
            s("clientId"),
            s("subject"),
        );
        if let Some(org) = e["detail"]["organization"].as_str() {
            let who = &e["detail"]["identity"];
            println!(
                "    identity {} ({}) organization {} project {}",
                who["displayName"].as_str().unwrap_or("-"),
                who["objectId"].as_str().unwrap_or("-"),
                org,
                e["detail"]["project"].as_str().unwrap_or("-"),
            );
        }
        if let Some(near) = e["detail"].get("nearestCredential") {
            println!(
                "    nearest credential '{}' differs in {}: configured {} / presented {}",
                near["name"].as_str().unwrap_or(""),
                near["differs"],
                near["firstDifference"]["configured"],
                near["firstDifference"]["presented"],
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
