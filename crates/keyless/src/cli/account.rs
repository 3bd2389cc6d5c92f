//! `keyless account get-access-token`: the signed-in user's ARM access token, printed as
//! `az account get-access-token` prints it, through `POST /keyless/v1/me/token`.

use super::client::{Body, Client, Conn};
use super::output::{self, Format};
use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AccountCommand {
    /// Your access token for ARM (which takes no personal access token), as JSON:
    /// accessToken, expiresOn, expires_on, tenant, tokenType. It lives an hour, never past
    /// your personal access token; ARM then decides by your role assignments.
    GetAccessToken {
        /// A tenant you are a member or a guest of (id, name or domain) [default: your own].
        #[arg(long)]
        tenant: Option<String>,
        /// The ARM audience the token is for.
        #[arg(long, default_value = "https://management.azure.com/")]
        resource: String,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn account(command: AccountCommand) -> anyhow::Result<ExitCode> {
    match command {
        AccountCommand::GetAccessToken {
            tenant,
            resource,
            conn,
        } => {
            let c = Client::new(&conn)?;
            let mut body = json!({ "resource": resource });
            if let Some(t) = tenant {
                body["tenant"] = json!(t);
            }
            let v = c
                .send(Method::POST, "/keyless/v1/me/token", Some(Body::Json(body)))
                .await?;
            let v = output::queried(&v)?;
            match (output::format(), &v) {
                // `--query accessToken -o tsv`, as with az: the bare value.
                (Format::Tsv | Format::Table, Value::String(s)) => println!("{s}"),
                (Format::Yaml, _) => print!("{}", yaml_serde::to_string(&v)?),
                _ => println!("{}", serde_json::to_string_pretty(&v)?),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
