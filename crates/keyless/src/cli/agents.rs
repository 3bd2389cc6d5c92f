//! `keyless pool list|create|delete` and `keyless agent list|add|remove`: an
//! organization's agent pools and the agents registered in them.

use super::client::{Conn, OrgArgs};
use super::org_people::{send, text};
use clap::Subcommand;
use reqwest::Method;
use serde_json::{Value, json};
use std::process::ExitCode;

fn pools(org: &str) -> String {
    format!("/keyless/v1/organizations/{org}/pools")
}

fn pool_line(p: &Value) -> String {
    let kind = if p["isHosted"].as_bool().unwrap_or(false) {
        "hosted"
    } else {
        "self-hosted"
    };
    format!(
        "{}\t{}\t{kind}\t{} agents",
        p["id"],
        text(p, "name"),
        p["size"]
    )
}

fn agent_line(a: &Value) -> String {
    let vm = a["systemCapabilities"]["Azure.VirtualMachine"]
        .as_str()
        .unwrap_or("(no VM)");
    format!("{}\t{}\t{vm}", a["id"], text(a, "name"))
}

fn listed(v: &Value, line: fn(&Value) -> String) -> Vec<String> {
    v["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(line)
        .collect()
}

#[derive(Subcommand)]
pub enum PoolCommand {
    /// The organization's agent pools, the Microsoft-hosted one (Azure Pipelines) first.
    List(OrgArgs),
    /// Add a self-hosted pool (Project Collection Administrators only).
    Create {
        org: String,
        name: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Delete a self-hosted pool and its agents (Project Collection Administrators only).
    Delete {
        org: String,
        /// Name or id.
        pool: String,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn pool(c: PoolCommand) -> anyhow::Result<ExitCode> {
    match c {
        PoolCommand::List(a) => {
            send(&a.conn, Method::GET, &pools(&a.org), None, |v| {
                listed(v, pool_line)
            })
            .await
        }
        PoolCommand::Create { org, name, conn } => {
            let body = json!({"name": name});
            send(&conn, Method::POST, &pools(&org), Some(body), |v| {
                vec![pool_line(v)]
            })
            .await
        }
        PoolCommand::Delete { org, pool, conn } => {
            let path = format!("{}/{pool}", pools(&org));
            send(&conn, Method::DELETE, &path, None, |_| Vec::new()).await
        }
    }
}

#[derive(Subcommand)]
pub enum AgentCommand {
    /// The agents of a pool.
    List {
        org: String,
        /// Name or id.
        #[arg(long)]
        pool: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Register an agent in a self-hosted pool (Project Collection Administrators only);
    /// prints its secret once.
    Add {
        org: String,
        name: String,
        #[arg(long)]
        pool: String,
        /// The ARM id of the Azure VM the agent runs on: its managed identities are the
        /// agent's.
        #[arg(long)]
        vm: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Remove an agent from its pool (Project Collection Administrators only).
    Remove {
        org: String,
        /// Name or id.
        agent: String,
        #[arg(long)]
        pool: String,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn agent(c: AgentCommand) -> anyhow::Result<ExitCode> {
    let path = |org: &str, pool: &str| format!("{}/{pool}/agents", pools(org));
    match c {
        AgentCommand::List { org, pool, conn } => {
            send(&conn, Method::GET, &path(&org, &pool), None, |v| {
                listed(v, agent_line)
            })
            .await
        }
        AgentCommand::Add {
            org,
            name,
            pool,
            vm,
            conn,
        } => {
            let body = json!({"name": name, "vm": vm});
            send(&conn, Method::POST, &path(&org, &pool), Some(body), |v| {
                vec![agent_line(v), format!("secret\t{}", text(v, "secret"))]
            })
            .await
        }
        AgentCommand::Remove {
            org,
            agent,
            pool,
            conn,
        } => {
            let url = format!("{}/{agent}", path(&org, &pool));
            send(&conn, Method::DELETE, &url, None, |_| Vec::new()).await
        }
    }
}
