//! Commands about the CLI itself: `completion` (shell completions), `man` (manual pages)
//! and `status` (where the CLI points, as whom, and whether the server answers). The
//! completions and pages are generated from the same clap definitions as `--help`.

use super::client::{Client, Conn};
use super::output::{self, Col, View};
use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct CompletionArgs {
    /// bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// `keyless completion SHELL`: the completion script on standard output.
pub fn completion(a: &CompletionArgs) -> ExitCode {
    let mut cmd = super::command();
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "keyless", &mut script);
    // A reader that stops early (| head) is not an error.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), &script);
    ExitCode::SUCCESS
}

#[derive(Args)]
pub struct ManArgs {
    /// Write one page per command (keyless.1, keyless-sc.1, keyless-sc-create.1…) into
    /// this folder instead of printing the page of `keyless`.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// `keyless man [--dir DIR]`.
pub fn man(a: &ManArgs) -> anyhow::Result<ExitCode> {
    let cmd = super::command();
    match &a.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            clap_mangen::generate_to(cmd, dir)?;
            let n = std::fs::read_dir(dir)?.count();
            println!("{n} manual pages in {}", dir.display());
        }
        None => clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?,
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct StatusArgs {
    #[command(flatten)]
    conn: Conn,
}

const STATUS: View = View {
    items: "",
    columns: &[
        Col::text("Server", "url"),
        Col::text("Reachable", "reachable"),
        Col::text("Ready", "ready"),
        Col::text("Server version", "server.version"),
        Col::text("Database", "server.database"),
        Col::text("Replicas seen", "server.replicas"),
        Col::seconds("Server uptime", "server.uptimeSeconds"),
        Col::text("User", "me.user.userPrincipalName"),
        Col::text("Administrator", "me.user.isAdmin"),
        Col::text("Tenants", "me.tenants[].name"),
        Col::text("Token", "me.token.name"),
        Col::text("Token scopes", "me.token.scopes"),
        Col::time("Token expires", "me.token.expiresAt"),
        Col::text("CA file", "ca"),
        Col::text("Saved login", "login"),
        Col::text("CLI version", "cli"),
    ],
};

/// `keyless status`: one screen on where the CLI points. Fails (exit 3) only when the
/// server cannot be reached; a refused token is shown, with exit 1.
pub async fn status(a: StatusArgs) -> anyhow::Result<ExitCode> {
    let c = Client::new(&a.conn)?;
    let conn = a.conn.resolved();
    let origin = c.origin().to_string();
    let ready = c
        .send_to(Method::GET, &format!("{origin}/readyz"), "", None)
        .await;
    let reachable = match &ready {
        Err(e) => e
            .chain()
            .all(|c| c.downcast_ref::<output::error::Unreachable>().is_none()),
        Ok(_) => true,
    };
    if !reachable {
        return Err(ready
            .err()
            .unwrap_or_else(|| anyhow::anyhow!("unreachable")));
    }
    let server = c
        .send(Method::GET, "/keyless/v1/status", None)
        .await
        .unwrap_or(Value::Null);
    let me = c.send(Method::GET, "/keyless/v1/me", None).await;
    let refused = me.as_ref().err().map(|e| format!("{e:#}"));
    let v = json!({
        "url": origin,
        "reachable": true,
        "ready": ready.is_ok(),
        "server": server,
        "me": me.unwrap_or(Value::Null),
        "ca": c.ca_file().map(|p| p.display().to_string()),
        "login": super::login::config_file()
            .filter(|p| p.exists())
            .map(|p| p.display().to_string()),
        "cli": env!("CARGO_PKG_VERSION"),
        "tokenSource": if conn.token.is_some() { "set" } else { "none" },
    });
    output::one(&v, &STATUS, "keyless status", &[])?;
    if let Some(why) = refused {
        eprintln!("the token is refused: {why}");
        return Ok(ExitCode::from(output::error::FAILED));
    }
    Ok(ExitCode::SUCCESS)
}
