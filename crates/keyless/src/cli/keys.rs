//! `keyless keys`: list and rotate the signing keys of the issuers (administrators), through
//! `GET /keyless/v1/keys` and `POST /keyless/v1/keys/rotate`.

use super::client::{Body, Client, Conn};
use super::output::{self, views};
use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Every issuer's keys: kid, issuer, algorithm, state, created, signing from, retired.
    List {
        #[command(flatten)]
        conn: Conn,
    },
    /// Rotate: a new key is published now and signs after the server's
    /// --key-publish-ahead; the old one stays published until its tokens have expired.
    Rotate {
        /// tenant:<id or name>, organization:<id or name>, or all.
        #[arg(long, default_value = "all")]
        issuer: String,
        #[command(flatten)]
        conn: Conn,
    },
}

fn print_keys(v: &Value) -> anyhow::Result<()> {
    output::list(
        v,
        &views::KEY,
        "no signing keys yet (each issuer makes its first when it first signs)",
    )
}

pub async fn keys(command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::List { conn } => {
            let c = Client::new(&conn)?;
            let v = c.send(Method::GET, "/keyless/v1/keys", None).await?;
            print_keys(&v)?;
        }
        KeysCommand::Rotate { issuer, conn } => {
            let c = Client::new(&conn)?;
            let body = json!({ "issuer": issuer });
            let v = c
                .send(
                    Method::POST,
                    "/keyless/v1/keys/rotate",
                    Some(Body::Json(body)),
                )
                .await?;
            if output::human() {
                let n = v["value"].as_array().map_or(0, Vec::len);
                println!("{}{n} new key(s), published now:", output::tick());
            }
            print_keys(&v)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
