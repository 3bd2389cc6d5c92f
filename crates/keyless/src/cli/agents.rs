//! `keyless pool list|create|delete` and `keyless agent list|add|remove`: an
//! organization's agent pools and the agents registered in them.

use super::admin::{Show, call, fetch};
use super::client::{Conn, OrgArgs};
use super::output::{self, views};
use clap::Subcommand;
use reqwest::Method;
use serde_json::json;
use std::process::ExitCode;

fn pools(org: &str) -> String {
    format!("/keyless/v1/organizations/{org}/pools")
}

#[derive(Subcommand)]
pub enum PoolCommand {
    /// The organization's agent pools, the Microsoft-hosted one (Azure Pipelines) first.
    List(OrgArgs),
    /// Add a self-hosted pool (Project Collection Administrators only).
    Create {
        /// The organization.
        org: String,
        /// The new pool's name.
        name: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Delete a self-hosted pool and its agents (Project Collection Administrators only).
    Delete {
        /// The organization.
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
            let show = Show::list(&views::POOL, format!("no agent pools in {}", a.org));
            call(&a.conn, Method::GET, &pools(&a.org), None, show).await
        }
        PoolCommand::Create { org, name, conn } => {
            let body = json!({"name": name});
            let show = Show::one(&views::POOL, format!("Created self-hosted pool {name}"));
            call(&conn, Method::POST, &pools(&org), Some(body), show).await
        }
        PoolCommand::Delete { org, pool, conn } => {
            let path = format!("{}/{pool}", pools(&org));
            let show = Show::done(format!("Deleted pool {pool} and its agents"));
            call(&conn, Method::DELETE, &path, None, show).await
        }
    }
}

#[derive(Subcommand)]
pub enum AgentCommand {
    /// The agents of a pool.
    List {
        /// The organization.
        org: String,
        /// The pool: name or id.
        #[arg(long)]
        pool: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Register an agent in a self-hosted pool (Project Collection Administrators only);
    /// prints its secret once.
    Add {
        /// The organization.
        org: String,
        /// The agent's name.
        name: String,
        /// The self-hosted pool: name or id.
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
        /// The organization.
        org: String,
        /// The agent: name or id.
        agent: String,
        /// The pool: name or id.
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
            let show = Show::list(&views::AGENT, format!("no agents in pool {pool}"));
            call(&conn, Method::GET, &path(&org, &pool), None, show).await
        }
        AgentCommand::Add {
            org,
            name,
            pool,
            vm,
            conn,
        } => {
            let body = json!({"name": name, "vm": vm});
            let v = fetch(&conn, Method::POST, &path(&org, &pool), Some(body)).await?;
            let next = ["The secret is shown once: the agent proves itself with it.".to_string()];
            let title = format!("Registered agent {name} in pool {pool}");
            output::one(&v, &views::AGENT_CREATED, &title, &next)?;
            Ok(ExitCode::SUCCESS)
        }
        AgentCommand::Remove {
            org,
            agent,
            pool,
            conn,
        } => {
            let url = format!("{}/{agent}", path(&org, &pool));
            let show = Show::done(format!("Removed agent {agent} from pool {pool}"));
            call(&conn, Method::DELETE, &url, None, show).await
        }
    }
}
