//! `update` and `delete` of organizations, projects, users and tenants. A delete finds the
//! object by name or id in its list first (an unknown name fails before anything is sent)
//! and `-o json` prints the object as it was; deletes that take many objects along
//! (an organization, a project, a tenant) need `--yes`.

use super::admin::{Show, call, delete_found, fetch, find_in_list};
use super::client::Conn;
use super::output::{self, error::Usage, views};
use clap::Args;
use reqwest::Method;
use serde_json::json;
use std::process::ExitCode;

/// The confirmation of a delete that takes what is inside along.
#[derive(Args)]
pub struct Confirm {
    /// Confirm the delete (it cannot be undone).
    #[arg(long)]
    yes: bool,
}

impl Confirm {
    /// A usage error (exit 2) naming what would go, unless `--yes` was given.
    fn check(&self, what: &str, takes: &str) -> anyhow::Result<()> {
        if self.yes {
            return Ok(());
        }
        Err(Usage::error(format!(
            "deleting {what} also deletes {takes}, and cannot be undone: run again with --yes"
        )))
    }
}

/// The change of a display name (a user's, a tenant's).
#[derive(Args)]
pub struct DisplayName {
    /// The new display name.
    #[arg(long)]
    display_name: String,
    #[command(flatten)]
    conn: Conn,
}

impl DisplayName {
    /// `PATCH path` with the new display name; the answer shown as `show` says.
    async fn send(self, path: &str, show: Show) -> anyhow::Result<ExitCode> {
        let body = json!({"displayName": self.display_name});
        call(&self.conn, Method::PATCH, path, Some(body), show).await
    }
}

/// `org update`: a new name (as `org rename`), a new owner (as `org settings --owner`), or
/// both; then the organization as `org list` shows it.
pub async fn org_update(
    org: String,
    name: Option<String>,
    owner: Option<String>,
    conn: Conn,
) -> anyhow::Result<ExitCode> {
    if name.is_none() && owner.is_none() {
        return Err(Usage::error(
            "nothing to change: give --name, --owner or both",
        ));
    }
    // The new name is checked before anything changes: its spelling, and that no
    // organization the caller sees has it. Then the owner (a user that does not exist is
    // refused with nothing changed), then the rename.
    if let Some(name) = &name {
        keyless_server::admin::ops::check_short_name("organization", name)
            .map_err(|e| Usage::error(e.rendered.message))?;
        let orgs = fetch(&conn, Method::GET, "/keyless/v1/organizations", None).await?;
        let same = |o: &serde_json::Value, key: &str| {
            o["id"] == key
                || o["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(key))
        };
        let items = views::ORGANIZATION.items(&orgs);
        if items.iter().any(|o| same(o, name) && !same(o, &org)) {
            anyhow::bail!("an organization named '{name}' already exists; nothing was changed");
        }
    }
    if let Some(owner) = owner {
        let path = format!("/keyless/v1/organizations/{org}/settings");
        fetch(&conn, Method::PATCH, &path, Some(json!({"owner": owner}))).await?;
    }
    let mut current = org.clone();
    if let Some(name) = &name {
        let path = format!("/keyless/v1/organizations/{org}");
        fetch(&conn, Method::PATCH, &path, Some(json!({"name": name}))).await?;
        current = name.clone();
    }
    let view = &views::ORGANIZATION;
    let found = find_in_list(
        &conn,
        "/keyless/v1/organizations",
        &current,
        view,
        "organization",
    )
    .await?;
    Show::one(view, format!("Updated organization {current}")).print(&found)?;
    Ok(ExitCode::SUCCESS)
}

pub async fn org_delete(org: String, confirm: Confirm, conn: Conn) -> anyhow::Result<ExitCode> {
    confirm.check(
        &format!("organization {org}"),
        "its projects, connections, pipelines, runs, agent pools and memberships",
    )?;
    let said = format!("Deleted organization {org}");
    let path = "/keyless/v1/organizations";
    delete_found(
        &conn,
        path,
        &org,
        &views::ORGANIZATION,
        "organization",
        said,
    )
    .await
}

/// `project update`: a new name, as the rename in Azure DevOps' project settings.
pub async fn project_update(
    org: String,
    project: String,
    name: String,
    conn: Conn,
) -> anyhow::Result<ExitCode> {
    call(
        &conn,
        Method::PATCH,
        &format!("/keyless/v1/organizations/{org}/projects/{project}"),
        Some(json!({"name": name})),
        Show::one(
            &views::RENAMED,
            format!("Renamed project {org}/{project} to {name}"),
        ),
    )
    .await
}

pub async fn project_delete(
    org: String,
    project: String,
    confirm: Confirm,
    conn: Conn,
) -> anyhow::Result<ExitCode> {
    confirm.check(
        &format!("project {org}/{project}"),
        "its connections, pipelines, runs and memberships",
    )?;
    let said = format!("Deleted project {org}/{project}");
    let path = format!("/keyless/v1/organizations/{org}/projects");
    let what = format!("project in {org}");
    delete_found(&conn, &path, &project, &views::PROJECT, &what, said).await
}

pub async fn user_update(tenant: String, user: String, d: DisplayName) -> anyhow::Result<ExitCode> {
    let path = format!("/keyless/v1/tenants/{tenant}/users/{user}");
    let show = Show::one(&views::USER, format!("Updated user {user} in {tenant}"));
    d.send(&path, show).await
}

pub async fn user_delete(tenant: String, user: String, conn: Conn) -> anyhow::Result<ExitCode> {
    let said = format!("Deleted user {user} from {tenant}");
    let path = format!("/keyless/v1/tenants/{tenant}/users");
    let what = format!("user in {tenant}");
    delete_found(&conn, &path, &user, &views::USER, &what, said).await
}

pub async fn tenant_update(tenant: String, d: DisplayName) -> anyhow::Result<ExitCode> {
    let path = format!("/keyless/v1/tenants/{tenant}");
    let show = Show::one(&views::TENANT_DETAIL, format!("Updated tenant {tenant}"));
    d.send(&path, show).await
}

pub async fn tenant_delete(
    tenant: String,
    confirm: Confirm,
    conn: Conn,
) -> anyhow::Result<ExitCode> {
    confirm.check(
        &format!("tenant {tenant}"),
        "its users, applications, service principals, credentials and directory roles",
    )?;
    let said = format!("Deleted tenant {tenant}");
    let view = &views::TENANT;
    delete_found(&conn, "/keyless/v1/tenants", &tenant, view, "tenant", said).await
}

/// `subscription update`: a new display name, sent to the subscription's id.
pub async fn subscription_update(
    subscription: String,
    name: String,
    conn: Conn,
) -> anyhow::Result<ExitCode> {
    let path = "/keyless/v1/subscriptions";
    let view = &views::SUBSCRIPTION;
    let found = find_in_list(&conn, path, &subscription, view, "subscription").await?;
    let id = found["id"].as_str().unwrap_or(&subscription).to_string();
    let title = format!("Renamed subscription {subscription} to {name}");
    let body = json!({"displayName": name});
    let path = format!("{path}/{id}");
    call(
        &conn,
        Method::PATCH,
        &path,
        Some(body),
        Show::one(view, title),
    )
    .await
}

/// `pat show`: one of your tokens (never its value).
pub async fn pat_show(token: String, conn: Conn) -> anyhow::Result<ExitCode> {
    let view = &views::PAT;
    let found = find_in_list(&conn, "/keyless/v1/pats", &token, view, "token of yours").await?;
    output::one(&found, view, "", &[])?;
    Ok(ExitCode::SUCCESS)
}
