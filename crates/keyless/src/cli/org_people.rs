//! `keyless org show|settings|member|user …`: an organization's owner and preview features,
//! its Project Collection Administrators and its users' access levels.

use super::admin::{Show, call, fetch};
use super::client::{Conn, OrgArgs};
use super::output::{self, views};
use clap::Subcommand;
use reqwest::Method;
use serde_json::{Map, Value, json};
use std::process::ExitCode;

fn base(org: &str) -> String {
    format!("/keyless/v1/organizations/{org}")
}

/// Sends a request about the organization's settings and prints the settings: for people
/// as lines, for `-o table`/`tsv` the preview features.
async fn send(
    conn: &Conn,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<ExitCode> {
    let v = fetch(conn, method, path, body).await?;
    if output::machine(&v)? {
        return Ok(ExitCode::SUCCESS);
    }
    if output::human() {
        for l in settings_lines(&v) {
            println!("{l}");
        }
    } else {
        output::list(&v, &views::PREVIEW_FEATURE, "")?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn text<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_default()
}

fn settings_lines(v: &Value) -> Vec<String> {
    let owner = match v["owner"].as_object() {
        Some(_) => text(&v["owner"], "user").to_string(),
        None => "(none: keyless administrators)".to_string(),
    };
    let mut out = vec![
        format!("Organization     {}", text(v, "organization")),
        format!("Owner            {owner}"),
        "Preview features".to_string(),
    ];
    for f in v["previewFeatures"].as_array().into_iter().flatten() {
        let state = if f["enabled"].as_bool().unwrap_or(false) {
            "on"
        } else {
            "off"
        };
        out.push(format!(
            "  {:3}  {:24} {}",
            state,
            text(f, "id"),
            text(f, "name")
        ));
    }
    out
}

#[derive(Subcommand)]
pub enum MemberCommand {
    /// Put a user in an organization group (Project Collection Administrators only).
    Add {
        /// The organization (name or id).
        org: String,
        /// UPN or id.
        user: String,
        /// Project Collection Administrators.
        group: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Every membership of the organization's groups.
    List(OrgArgs),
    /// Take a user out of an organization group (Project Collection Administrators only).
    Remove {
        /// The organization (name or id).
        org: String,
        /// The user (UPN or id).
        user: String,
        /// The group (its display name).
        group: String,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn member(c: MemberCommand) -> anyhow::Result<ExitCode> {
    let path = |org: &str| format!("{}/members", base(org));
    let lines = || Show::list(&views::MEMBER, "no members in the organization's groups");
    match c {
        MemberCommand::Add {
            org,
            user,
            group,
            conn,
        } => {
            let body = json!({"user": user, "group": group});
            call(&conn, Method::POST, &path(&org), Some(body), lines()).await
        }
        MemberCommand::List(a) => call(&a.conn, Method::GET, &path(&a.org), None, lines()).await,
        MemberCommand::Remove {
            org,
            user,
            group,
            conn,
        } => {
            let url = super::client::membership_url(&path(&org), user, group)?;
            let show = Show::done("Removed the membership");
            call(&conn, Method::DELETE, &url, None, show).await
        }
    }
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Give a user of the organization an access level (Project Collection Administrators
    /// only).
    Set {
        /// The organization (name or id).
        org: String,
        /// UPN or id.
        user: String,
        /// Basic or Stakeholder.
        access_level: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// The users whose access level was set (every other user is Basic).
    List(OrgArgs),
}

pub async fn user(c: UserCommand) -> anyhow::Result<ExitCode> {
    let lines = || {
        Show::list(
            &views::ACCESS_LEVEL,
            "no access levels set (every user is Basic)",
        )
    };
    match c {
        UserCommand::Set {
            org,
            user,
            access_level,
            conn,
        } => {
            let url = format!("{}/users/{user}", base(&org));
            let body = json!({"accessLevel": access_level});
            call(&conn, Method::PUT, &url, Some(body), lines()).await
        }
        UserCommand::List(a) => {
            let url = format!("{}/users", base(&a.org));
            call(&a.conn, Method::GET, &url, None, lines()).await
        }
    }
}

/// `keyless org show ORG`.
pub async fn show(a: OrgArgs) -> anyhow::Result<ExitCode> {
    let url = format!("{}/settings", base(&a.org));
    send(&a.conn, Method::GET, &url, None).await
}

/// `keyless org settings ORG [--owner USER] [--feature ID=on|off]…`: changes what is given,
/// then shows the settings.
pub async fn settings(
    org: String,
    owner: Option<String>,
    features: Vec<String>,
    conn: Conn,
) -> anyhow::Result<ExitCode> {
    let url = format!("{}/settings", base(&org));
    if owner.is_none() && features.is_empty() {
        return send(&conn, Method::GET, &url, None).await;
    }
    let mut map = Map::new();
    for f in &features {
        let on = match f.rsplit_once('=') {
            Some((id, "on" | "true")) => Some((id, true)),
            Some((id, "off" | "false")) => Some((id, false)),
            _ => None,
        };
        let Some((id, on)) = on else {
            return Err(super::output::error::Usage::error(format!(
                "--feature takes ID=on or ID=off, for example workload-identity-arm=on (got {f:?})"
            )));
        };
        map.insert(id.trim().to_string(), json!(on));
    }
    let mut body = json!({"previewFeatures": map});
    if let Some(o) = owner {
        body["owner"] = json!(o);
    }
    send(&conn, Method::PATCH, &url, Some(body)).await
}
