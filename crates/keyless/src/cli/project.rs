//! `keyless project`: an organization's projects and their groups' memberships.

use super::admin::{Show, call, get, post, show_in_list};
use super::client::{Conn, OrgArgs, ProjectArgs};
use super::output::views;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::json;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ProjectCommand {
    /// Create a project in an organization.
    Create {
        /// The organization (name or id).
        org: String,
        /// The project's name.
        name: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// List the projects of an organization.
    List(OrgArgs),
    /// Show one project (name or id).
    Show(ProjectArgs),
    /// Rename a project (its Project Administrators): `sc://` subjects of identities keyless
    /// created follow; manual connections are marked with their new subject.
    Update {
        /// The organization (name or id).
        org: String,
        /// The project (name or id).
        project: String,
        /// The new name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Delete a project with its connections, pipelines, runs and memberships (its Project
    /// Administrators); refused while a run is in progress.
    Delete {
        /// The organization (name or id).
        org: String,
        /// The project (name or id).
        project: String,
        #[command(flatten)]
        confirm: super::lifecycle::Confirm,
        #[command(flatten)]
        conn: Conn,
    },
    /// The project's groups: a user has a place in a project only through them.
    Member {
        #[command(subcommand)]
        command: MemberCommand,
    },
}

#[derive(Subcommand)]
pub enum MemberCommand {
    /// Put a user in a group (Project Administrators only).
    Add(MembershipArgs),
    /// Every membership of the project (members of the project).
    List(ProjectArgs),
    /// Take a user out of a group (Project Administrators only).
    Remove(MembershipArgs),
}

/// One membership of a project group.
#[derive(Args)]
pub struct MembershipArgs {
    /// The organization (name or id).
    org: String,
    /// The project (name or id).
    project: String,
    /// The user (UPN or id).
    user: String,
    /// The group: Readers, Contributors, Build Administrators, Project Administrators,
    /// Endpoint Creators or Endpoint Administrators.
    group: String,
    #[command(flatten)]
    conn: Conn,
}

async fn member(c: MemberCommand) -> anyhow::Result<ExitCode> {
    let path = |org: &str, project: &str| {
        format!("/keyless/v1/organizations/{org}/projects/{project}/members")
    };
    let (conn, method, path, body) = match c {
        MemberCommand::Add(m) => (
            m.conn,
            Method::POST,
            path(&m.org, &m.project),
            Some(json!({"user": m.user, "group": m.group})),
        ),
        MemberCommand::List(a) => (a.conn, Method::GET, path(&a.org, &a.project), None),
        MemberCommand::Remove(m) => {
            let url = super::client::membership_url(&path(&m.org, &m.project), m.user, m.group)?;
            (m.conn, Method::DELETE, url, None)
        }
    };
    let show = match method == Method::DELETE {
        true => Show::done("Removed the membership"),
        false => Show::list(&views::MEMBER, "no memberships"),
    };
    call(&conn, method, &path, body, show).await
}

pub async fn project(c: ProjectCommand) -> anyhow::Result<ExitCode> {
    match c {
        ProjectCommand::Create { org, name, conn } => {
            let path = format!("/keyless/v1/organizations/{org}/projects");
            let show = Show::one(&views::PROJECT, format!("Created project {org}/{name}"));
            post(&conn, &path, json!({"name": name}), show).await
        }
        ProjectCommand::Show(a) => {
            let path = format!("/keyless/v1/organizations/{}/projects", a.org);
            let what = format!("project in {}", a.org);
            show_in_list(&a.conn, &path, &a.project, &views::PROJECT, &what).await
        }
        ProjectCommand::List(a) => {
            get(
                &a.conn,
                &format!("/keyless/v1/organizations/{}/projects", a.org),
                Show::list(&views::PROJECT, format!("no projects in {}", a.org)),
            )
            .await
        }
        ProjectCommand::Update {
            org,
            project,
            name,
            conn,
        } => super::lifecycle::project_update(org, project, name, conn).await,
        ProjectCommand::Delete {
            org,
            project,
            confirm,
            conn,
        } => super::lifecycle::project_delete(org, project, confirm, conn).await,
        ProjectCommand::Member { command } => member(command).await,
    }
}
