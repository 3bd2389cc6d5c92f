//! `keyless audit`: read the audit log with filters.

use super::client::{Client, Conn};
use super::output::{self, views};
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
    /// Most entries to show, newest first.
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

/// The lines an entry's detail adds: the identity that called Azure DevOps, the nearest
/// federated credential of a mismatch.
fn detail(e: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(org) = e["detail"]["organization"].as_str() {
        let who = &e["detail"]["identity"];
        out.push(format!(
            "identity {} ({}) organization {} project {}",
            who["displayName"].as_str().unwrap_or("-"),
            who["objectId"].as_str().unwrap_or("-"),
            org,
            e["detail"]["project"].as_str().unwrap_or("-"),
        ));
    }
    if let Some(near) = e["detail"].get("nearestCredential") {
        out.push(format!(
            "nearest credential '{}' differs in {}: configured {} / presented {}",
            near["name"].as_str().unwrap_or(""),
            near["differs"],
            near["firstDifference"]["configured"],
            near["firstDifference"]["presented"],
        ));
    }
    out
}

/// The filters given, as `--name value` words.
fn opts_named(a: &AuditArgs) -> Vec<String> {
    [
        ("until", &a.until),
        ("tenant", &a.tenant),
        ("client", &a.client),
        ("connection", &a.connection),
        ("decision", &a.decision),
        ("code", &a.code),
        ("kind", &a.kind),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("--{k} {v}")))
    .collect()
}

/// What is said when no entry matched, with a wider `--since` to try.
fn empty(since: Option<&str>, filters: &[String]) -> String {
    let with = match filters.is_empty() {
        true => String::new(),
        false => format!(" with {}", filters.join(" ")),
    };
    match since {
        Some(s) => {
            let wider = match s.chars().last() {
                Some('s' | 'm') => "24h",
                Some('h') if s.trim_end_matches('h').parse::<u32>().is_ok_and(|h| h < 24) => "24h",
                _ => "30d",
            };
            format!("no audit entries since {s}{with} (try --since {wider})")
        }
        None if filters.is_empty() => "no audit entries yet".to_string(),
        None => format!("no audit entries{with}"),
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
    let filtered = opts_named(&a);
    if !output::human() || v["value"].as_array().is_none_or(Vec::is_empty) {
        output::list(&v, &views::AUDIT, &empty(a.since.as_deref(), &filtered))?;
        return Ok(ExitCode::SUCCESS);
    }
    // The table of entries, each row followed by what its detail adds for people.
    let entries = views::AUDIT.items(&v);
    let rows: Vec<Vec<String>> = entries.iter().map(|e| views::AUDIT.cells(e)).collect();
    let headers: Vec<&str> = views::AUDIT.columns.iter().map(|c| c.header).collect();
    let text = output::table(&headers, &rows, true);
    let mut lines = text.lines();
    println!("{}", output::bold(lines.next().unwrap_or_default()));
    for (line, e) in lines.zip(&entries) {
        println!("{line}");
        for d in detail(e) {
            println!("    {d}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
