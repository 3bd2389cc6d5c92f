//! `keyless org identity …`: service principals and managed identities as users of an
//! organization, with their project groups (TF401444 and VS800075 come from their absence).

use super::admin::{Show, call, get};
use super::client::{Conn, OrgArgs};
use super::output::views;
use clap::Subcommand;
use reqwest::Method;
use serde_json::{Map, Value, json};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum IdentityCommand {
    /// Adds a service principal or managed identity to the organization (or changes it).
    Add {
        /// The organization (name or id).
        org: String,
        /// Object id, or client id in the organization's tenant.
        principal: String,
        /// Basic (default) or Stakeholder.
        #[arg(long)]
        access_level: Option<String>,
        /// PROJECT=GROUP (Readers, Contributors, Project Administrators); repeat for several.
        /// Replaces the identity's project groups in this organization.
        #[arg(long = "project", value_name = "PROJECT=GROUP")]
        projects: Vec<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// List the service principals and managed identities that are users of the
    /// organization.
    List(OrgArgs),
    /// Removes the identity from the organization and all its projects.
    Remove {
        /// The organization (name or id).
        org: String,
        /// Object id, or client id in the organization's tenant.
        principal: String,
        #[command(flatten)]
        conn: Conn,
    },
}

fn projects(pairs: &[String]) -> anyhow::Result<Map<String, Value>> {
    let mut map = Map::new();
    for p in pairs {
        let Some((project, group)) = p.split_once('=') else {
            return Err(super::output::error::Usage::error(format!(
                "--project takes PROJECT=GROUP, for example web=Contributors (got {p:?})"
            )));
        };
        map.insert(project.trim().to_string(), json!(group.trim()));
    }
    Ok(map)
}

pub async fn identity(c: IdentityCommand) -> anyhow::Result<ExitCode> {
    let path = |org: &str| format!("/keyless/v1/organizations/{org}/identities");
    match c {
        IdentityCommand::Add {
            org,
            principal,
            access_level,
            projects: pairs,
            conn,
        } => {
            let body = json!({"accessLevel": access_level, "projects": projects(&pairs)?});
            let url = format!("{}/{principal}", path(&org));
            let show = Show::one(&views::IDENTITY, format!("{principal} is a user of {org}"));
            call(&conn, Method::PUT, &url, Some(body), show).await
        }
        IdentityCommand::List(a) => {
            let show = Show::list(
                &views::IDENTITY,
                format!("no service principals or managed identities in {}", a.org),
            );
            get(&a.conn, &path(&a.org), show).await
        }
        IdentityCommand::Remove {
            org,
            principal,
            conn,
        } => {
            let url = format!("{}/{principal}", path(&org));
            let show = Show::done(format!("Removed {principal} from {org}"));
            call(&conn, Method::DELETE, &url, None, show).await
        }
    }
}
