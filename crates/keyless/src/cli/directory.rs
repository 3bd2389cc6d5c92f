//! `keyless user …`: users of a tenant, their directory roles and guest invitations.

use super::admin::{Show, call, get, post, show_in_list};
use super::client::{Conn, TenantArgs};
use super::output::{View, views};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::json;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user NAME@DOMAIN in a tenant.
    Create {
        /// The tenant (name, domain or id).
        tenant: String,
        /// The user's name: the part of the UPN before @.
        name: String,
        /// Make the user an administrator of keyless.
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        conn: Conn,
    },
    /// List the users of a tenant.
    List(TenantArgs),
    /// Show one user (UPN, the part before @, or id).
    Show {
        /// The tenant (name, domain or id).
        tenant: String,
        /// The user (UPN, the part before @, or id).
        user: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Change a user's display name (User Administrators of the tenant).
    Update {
        /// The tenant (name, domain or id).
        tenant: String,
        /// The user (UPN, the part before @, or id).
        user: String,
        #[command(flatten)]
        change: super::lifecycle::DisplayName,
    },
    /// Delete a user with their tokens, memberships and roles (User Administrators of the
    /// tenant); refused for yourself and while the user owns an organization.
    Delete {
        /// The tenant (name, domain or id).
        tenant: String,
        /// The user (UPN, the part before @, or id).
        user: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Directory roles (Global Administrator, Application Administrator…) of users and apps.
    Role {
        #[command(subcommand)]
        command: RoleCommand,
    },
    /// Guests: users of other tenants invited into a tenant.
    Guest {
        #[command(subcommand)]
        command: GuestCommand,
    },
}

/// Whom a role is for: a user (UPN or local part) or an app (name or appId).
#[derive(Args)]
pub struct RoleTarget {
    /// The tenant (name, domain or id).
    tenant: String,
    /// The role's display name or template id (`"Application Administrator"`).
    role: String,
    /// The user (UPN or id).
    #[arg(long, conflicts_with = "app", required_unless_present = "app")]
    user: Option<String>,
    /// An app by name or appId: its service principal in the tenant gets the role.
    #[arg(long)]
    app: Option<String>,
    #[command(flatten)]
    conn: Conn,
}

#[derive(Subcommand)]
pub enum RoleCommand {
    /// Give a user or an app a directory role.
    Add(RoleTarget),
    /// Take a directory role from a user or an app.
    Remove(RoleTarget),
    /// List the directory role assignments of a tenant.
    List(TenantArgs),
}

#[derive(Subcommand)]
pub enum GuestCommand {
    /// Invite a user of another tenant (full UPN) into the tenant.
    Add {
        /// The tenant (name, domain or id).
        tenant: String,
        /// The guest's UPN in their home tenant (alice@fabrikam.onmicrosoft.com).
        upn: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Remove a guest from the tenant.
    Remove {
        /// The tenant (name, domain or id).
        tenant: String,
        /// The guest's UPN in their home tenant (alice@fabrikam.onmicrosoft.com).
        upn: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// List the guests of a tenant.
    List(TenantArgs),
}

pub async fn user(c: UserCommand) -> anyhow::Result<ExitCode> {
    match c {
        UserCommand::Create {
            tenant,
            name,
            admin,
            conn,
        } => {
            let path = format!("/keyless/v1/tenants/{tenant}/users");
            let show = Show::one(&views::USER, format!("Created user {name} in {tenant}"));
            post(&conn, &path, json!({"name": name, "admin": admin}), show).await
        }
        UserCommand::Show { tenant, user, conn } => {
            let path = format!("/keyless/v1/tenants/{tenant}/users");
            let what = format!("user in {tenant}");
            show_in_list(&conn, &path, &user, &views::USER, &what).await
        }
        UserCommand::Update {
            tenant,
            user,
            change,
        } => super::lifecycle::user_update(tenant, user, change).await,
        UserCommand::Delete { tenant, user, conn } => {
            super::lifecycle::user_delete(tenant, user, conn).await
        }
        UserCommand::List(a) => list_in_tenant(&a, "users", &views::USER, "users").await,
        UserCommand::Role { command } => role(command).await,
        UserCommand::Guest { command } => guest(command).await,
    }
}

async fn role(c: RoleCommand) -> anyhow::Result<ExitCode> {
    let (method, t, verb) = match c {
        RoleCommand::List(a) => {
            let none = "directory role assignments";
            return list_in_tenant(&a, "roles", &views::ROLE, none).await;
        }
        RoleCommand::Add(t) => (Method::POST, t, "Assigned"),
        RoleCommand::Remove(t) => (Method::DELETE, t, "Removed"),
    };
    let said = format!("{verb} {} in {}", t.role, t.tenant);
    let mut body = json!({"role": t.role});
    if let Some(u) = t.user {
        body["user"] = json!(u);
    }
    if let Some(a) = t.app {
        body["app"] = json!(a);
    }
    call(
        &t.conn,
        method,
        &format!("/keyless/v1/tenants/{}/roles", t.tenant),
        Some(body),
        Show::done(said),
    )
    .await
}

async fn guest(c: GuestCommand) -> anyhow::Result<ExitCode> {
    match c {
        GuestCommand::Add { tenant, upn, conn } => {
            let path = format!("/keyless/v1/tenants/{tenant}/guests");
            let show = Show::done(format!("Invited {upn} into {tenant}"));
            post(&conn, &path, json!({"user": upn}), show).await
        }
        GuestCommand::Remove { tenant, upn, conn } => {
            call(
                &conn,
                Method::DELETE,
                &format!("/keyless/v1/tenants/{tenant}/guests/{upn}"),
                None,
                Show::done(format!("Removed guest {upn} from {tenant}")),
            )
            .await
        }
        GuestCommand::List(a) => list_in_tenant(&a, "guests", &views::GUEST, "guests").await,
    }
}

/// Lists `/keyless/v1/tenants/{tenant}/{collection}`; an empty list says there are no `none`.
async fn list_in_tenant(
    a: &TenantArgs,
    collection: &str,
    view: &'static View,
    none: &str,
) -> anyhow::Result<ExitCode> {
    let show = Show::list(view, format!("no {none} in {}", a.tenant));
    let path = format!("/keyless/v1/tenants/{}/{collection}", a.tenant);
    get(&a.conn, &path, show).await
}
