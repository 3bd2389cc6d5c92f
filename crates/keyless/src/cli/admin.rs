//! Client commands for keyless' admin API and the DevOps REST shapes.

use super::client::{Body, Client, Conn, OrgArgs, TenantArgs};
use super::output::{self, View, views};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};
use std::process::ExitCode;

/// How a command's answer is shown to people (programs get the body, see [`output`]).
pub(super) enum Show {
    /// A list of objects of a view; the sentence said when it is empty.
    List(&'static View, String),
    /// One object of a view, under a title.
    One(&'static View, String),
    /// A sentence.
    Done(String),
}

impl Show {
    pub fn list(view: &'static View, empty: impl Into<String>) -> Show {
        Show::List(view, empty.into())
    }

    pub fn one(view: &'static View, title: impl Into<String>) -> Show {
        Show::One(view, title.into())
    }

    pub fn done(said: impl Into<String>) -> Show {
        Show::Done(said.into())
    }

    pub fn print(&self, v: &Value) -> anyhow::Result<()> {
        match self {
            Show::List(view, empty) => output::list(v, view, empty),
            Show::One(view, title) => output::one(v, view, title, &[]),
            Show::Done(said) => output::done(v, said),
        }
    }
}

/// Sends the request and returns the answer's body.
pub(super) async fn fetch(
    conn: &Conn,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<Value> {
    Client::new(conn)?
        .send(method, path, body.map(Body::Json))
        .await
}

pub(super) async fn call(
    conn: &Conn,
    method: Method,
    path: &str,
    body: Option<Value>,
    show: Show,
) -> anyhow::Result<ExitCode> {
    let v = fetch(conn, method, path, body).await?;
    show.print(&v)?;
    Ok(ExitCode::SUCCESS)
}

/// `keyless X show`: the object of the list at `path` whose id or name is `key` (names
/// compared without case; a user also by the part of the UPN before `@`).
pub(super) async fn show_in_list(
    conn: &Conn,
    path: &str,
    key: &str,
    view: &'static View,
    what: &str,
) -> anyhow::Result<ExitCode> {
    let found = find_in_list(conn, path, key, view, what).await?;
    output::one(&found, view, "", &[])?;
    Ok(ExitCode::SUCCESS)
}

/// The object of the list at `path` whose id or name is `key` (see [`show_in_list`]).
pub(super) async fn find_in_list(
    conn: &Conn,
    path: &str,
    key: &str,
    view: &'static View,
    what: &str,
) -> anyhow::Result<Value> {
    let v = fetch(conn, Method::GET, path, None).await?;
    let same = |x: &Value| {
        let text = |k: &str| {
            x[k].as_str()
                .map(str::to_string)
                .unwrap_or_else(|| x[k].to_string())
        };
        text("id") == key
            || ["name", "displayName", "userPrincipalName"]
                .iter()
                .any(|k| text(k).eq_ignore_ascii_case(key))
            || x["userPrincipalName"]
                .as_str()
                .and_then(|u| u.split_once('@'))
                .is_some_and(|(local, _)| local.eq_ignore_ascii_case(key))
    };
    let Some(found) = view.items(&v).into_iter().find(same) else {
        anyhow::bail!("no {what} matches '{key}'");
    };
    Ok(found)
}

/// `keyless X delete`: the object of the list at `path` whose id or name is `key` is
/// deleted at `{path}/{id}`; people read `said`, `-o json` gets the object as it was.
pub(super) async fn delete_found(
    conn: &Conn,
    path: &str,
    key: &str,
    view: &'static View,
    what: &str,
    said: String,
) -> anyhow::Result<ExitCode> {
    let found = find_in_list(conn, path, key, view, what).await?;
    let id = found["id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| found["id"].to_string());
    fetch(conn, Method::DELETE, &format!("{path}/{id}"), None).await?;
    Show::done(said).print(&found)?;
    Ok(ExitCode::SUCCESS)
}

/// [`call`] with GET and no body.
pub(super) async fn get(conn: &Conn, path: &str, show: Show) -> anyhow::Result<ExitCode> {
    call(conn, Method::GET, path, None, show).await
}

/// [`call`] with POST and a JSON body.
pub(super) async fn post(
    conn: &Conn,
    path: &str,
    body: Value,
    show: Show,
) -> anyhow::Result<ExitCode> {
    call(conn, Method::POST, path, Some(body), show).await
}

#[derive(Subcommand)]
pub enum PatCommand {
    /// Create a token (shown once).
    Create {
        /// The token's name.
        name: String,
        /// Days until the token expires.
        #[arg(long, default_value_t = 30)]
        days: i64,
        /// Administrators: create it for another user (UPN).
        #[arg(long)]
        user: Option<String>,
        /// full (default), read, directory, resources, connections; repeat for several.
        #[arg(long = "scope")]
        scopes: Vec<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// List your tokens (never their values).
    List(Conn),
    /// Show one of your tokens (never its value).
    Show {
        /// The token (name or id; keyless pat list shows them).
        id: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Revoke a token (name or id); `delete` is the same command.
    #[command(visible_alias = "delete")]
    Revoke {
        /// The token (name or id; keyless pat list shows them).
        id: String,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn pat(c: PatCommand) -> anyhow::Result<ExitCode> {
    match c {
        PatCommand::Create {
            name,
            days,
            user,
            scopes,
            conn,
        } => {
            let mut body = json!({"name": name, "days": days, "user": user});
            if !scopes.is_empty() {
                body["scopes"] = json!(scopes);
            }
            let v = fetch(&conn, Method::POST, "/keyless/v1/pats", Some(body)).await?;
            let next = [
                "The token is shown once: store it now (keyless login --token …, or KEYLESS_TOKEN)."
                    .to_string(),
            ];
            let title = format!("Created personal access token {name}");
            output::one(&v, &views::PAT_CREATED, &title, &next)?;
            Ok(ExitCode::SUCCESS)
        }
        PatCommand::List(conn) => {
            let show = Show::list(&views::PAT, "no personal access tokens");
            get(&conn, "/keyless/v1/pats", show).await
        }
        PatCommand::Show { id, conn } => super::lifecycle::pat_show(id, conn).await,
        PatCommand::Revoke { id, conn } => {
            let path = "/keyless/v1/pats";
            let pat = find_in_list(&conn, path, &id, &views::PAT, "token of yours").await?;
            let id = pat["id"].as_str().unwrap_or(&id).to_string();
            call(
                &conn,
                Method::DELETE,
                &format!("/keyless/v1/pats/{id}"),
                None,
                Show::done(format!("Revoked token {id}")),
            )
            .await
        }
    }
}

#[derive(Subcommand)]
pub enum TenantCommand {
    /// Create a tenant (an Entra directory) with its domain NAME.onmicrosoft.com.
    Create {
        /// The tenant's name (its domain is NAME.onmicrosoft.com).
        name: String,
        /// public, usgov or china.
        #[arg(long)]
        cloud: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// List the tenants: name, domain, cloud, federation, id.
    List(Conn),
    /// Show one tenant and its settings.
    Show(TenantArgs),
    /// Change tenant settings and policy: KEY=VALUE pairs, dotted keys for nesting, values
    /// as JSON when they parse (e.g. usersCanRegisterApps=false federation.enabled=false
    /// 'federation.allowedIssuersForApps=["https://…"]').
    Set {
        /// The tenant (name, domain or id).
        tenant: String,
        /// KEY=VALUE pairs; dotted keys for nested settings.
        #[arg(required = true)]
        settings: Vec<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Change a tenant's display name (Global Administrators of the tenant).
    Update {
        /// The tenant (name, domain or id).
        tenant: String,
        #[command(flatten)]
        change: super::lifecycle::DisplayName,
    },
    /// Delete a tenant with its users, applications and service principals (keyless
    /// administrators); refused while organizations, subscriptions or connections depend on it.
    Delete {
        /// The tenant (name, domain or id).
        tenant: String,
        #[command(flatten)]
        confirm: super::lifecycle::Confirm,
        #[command(flatten)]
        conn: Conn,
    },
}

/// Turns `a.b=v` pairs into a nested JSON patch.
fn settings_patch(pairs: &[String]) -> anyhow::Result<Value> {
    let mut patch = json!({});
    for pair in pairs {
        let (key, raw) = pair
            .split_once('=')
            .ok_or_else(|| output::error::Usage::error(format!("'{pair}' is not KEY=VALUE")))?;
        let value: Value =
            serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
        let mut node = &mut patch;
        let parts: Vec<&str> = key.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            if i + 1 == parts.len() {
                node[*part] = value.clone();
            } else {
                if !node[*part].is_object() {
                    node[*part] = json!({});
                }
                node = &mut node[*part];
            }
        }
    }
    Ok(patch)
}

pub async fn tenant(c: TenantCommand) -> anyhow::Result<ExitCode> {
    match c {
        TenantCommand::Create { name, cloud, conn } => {
            let body = json!({"name": name, "cloud": cloud});
            let show = Show::one(&views::TENANT, format!("Created tenant {name}"));
            post(&conn, "/keyless/v1/tenants", body, show).await
        }
        TenantCommand::List(conn) => {
            let show = Show::list(&views::TENANT, "no tenants");
            get(&conn, "/keyless/v1/tenants", show).await
        }
        TenantCommand::Show(a) => {
            let path = format!("/keyless/v1/tenants/{}", a.tenant);
            get(&a.conn, &path, Show::one(&views::TENANT_DETAIL, "")).await
        }
        TenantCommand::Update { tenant, change } => {
            super::lifecycle::tenant_update(tenant, change).await
        }
        TenantCommand::Delete {
            tenant,
            confirm,
            conn,
        } => super::lifecycle::tenant_delete(tenant, confirm, conn).await,
        TenantCommand::Set {
            tenant,
            settings,
            conn,
        } => {
            // Nested objects are merged with the current settings so one key can change alone.
            let c = Client::new(&conn)?;
            let path = format!("/keyless/v1/tenants/{tenant}");
            let current = c.send(Method::GET, &path, None).await?;
            let mut patch = settings_patch(&settings)?;
            if let (Some(cur), Some(p)) = (current["settings"].as_object(), patch.as_object_mut()) {
                for (k, v) in p.iter_mut() {
                    if let (Some(base), Some(over)) =
                        (cur.get(k).and_then(Value::as_object), v.as_object())
                    {
                        let mut merged = base.clone();
                        merged.extend(over.clone());
                        *v = Value::Object(merged);
                    }
                }
            }
            call(
                &conn,
                Method::PATCH,
                &format!("{path}/settings"),
                Some(patch),
                Show::one(&views::TENANT_DETAIL, format!("Changed tenant {tenant}")),
            )
            .await
        }
    }
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Create an organization connected to a tenant.
    Create {
        /// The organization's name.
        name: String,
        /// The connected Entra tenant (name or id).
        #[arg(long)]
        tenant: Option<String>,
        /// public, usgov or china (default: the tenant's cloud).
        #[arg(long)]
        cloud: Option<String>,
        /// The owner, a user's UPN or id (default: you).
        #[arg(long)]
        owner: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// List the organizations: name, cloud, tenant, owner, id.
    List(Conn),
    /// The organization's owner and preview features.
    Show(OrgArgs),
    /// Change the owner or preview features (the owner and Project Collection
    /// Administrators only), then show the settings.
    Settings {
        /// The organization (name or id).
        org: String,
        /// The new owner, a user's UPN or id.
        #[arg(long)]
        owner: Option<String>,
        /// ID=on or ID=off, for example workload-identity-arm=off; repeat for several.
        #[arg(long = "feature", value_name = "ID=on|off")]
        features: Vec<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// The organization's groups (Project Collection Administrators).
    Member {
        #[command(subcommand)]
        command: super::org_people::MemberCommand,
    },
    /// Users' access levels (Basic, Stakeholder).
    User {
        #[command(subcommand)]
        command: super::org_people::UserCommand,
    },
    /// Rename an organization: `sc://` subjects of identities keyless created follow; manual
    /// connections are marked with their new subject.
    Rename {
        /// The organization (name or id).
        org: String,
        /// The new name.
        new_name: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Change the name, the owner or both (Project Collection Administrators): the same
    /// changes as `org rename` and `org settings --owner`, then the organization.
    Update {
        /// The organization (name or id).
        org: String,
        /// The new name (`sc://` subjects follow, as with `org rename`).
        #[arg(long)]
        name: Option<String>,
        /// The new owner, a user's UPN or id.
        #[arg(long)]
        owner: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    /// Delete an organization with its projects, connections, pipelines, runs, agent pools
    /// and memberships (Project Collection Administrators); refused while a run is in progress.
    Delete {
        /// The organization (name or id).
        org: String,
        #[command(flatten)]
        confirm: super::lifecycle::Confirm,
        #[command(flatten)]
        conn: Conn,
    },
    /// Service principals and managed identities as users of the organization.
    Identity {
        #[command(subcommand)]
        command: super::org_identity::IdentityCommand,
    },
}

pub async fn org(c: OrgCommand) -> anyhow::Result<ExitCode> {
    match c {
        OrgCommand::Create {
            name,
            tenant,
            cloud,
            owner,
            conn,
        } => {
            let body = json!({"name": name, "tenant": tenant, "cloud": cloud, "owner": owner});
            let show = Show::one(&views::ORGANIZATION, format!("Created organization {name}"));
            post(&conn, "/keyless/v1/organizations", body, show).await
        }
        OrgCommand::List(conn) => {
            let show = Show::list(&views::ORGANIZATION, "no organizations");
            get(&conn, "/keyless/v1/organizations", show).await
        }
        OrgCommand::Rename {
            org,
            new_name,
            conn,
        } => {
            call(
                &conn,
                Method::PATCH,
                &format!("/keyless/v1/organizations/{org}"),
                Some(json!({"name": new_name})),
                Show::one(
                    &views::RENAMED,
                    format!("Renamed organization {org} to {new_name}"),
                ),
            )
            .await
        }
        OrgCommand::Update {
            org,
            name,
            owner,
            conn,
        } => super::lifecycle::org_update(org, name, owner, conn).await,
        OrgCommand::Delete { org, confirm, conn } => {
            super::lifecycle::org_delete(org, confirm, conn).await
        }
        OrgCommand::Identity { command } => super::org_identity::identity(command).await,
        OrgCommand::Show(a) => super::org_people::show(a).await,
        OrgCommand::Settings {
            org,
            owner,
            features,
            conn,
        } => super::org_people::settings(org, owner, features, conn).await,
        OrgCommand::Member { command } => super::org_people::member(command).await,
        OrgCommand::User { command } => super::org_people::user(command).await,
    }
}

#[derive(Subcommand)]
pub enum SubscriptionCommand {
    /// Create a subscription in a tenant.
    Create {
        /// The subscription's display name.
        name: String,
        /// The tenant (name, domain or id).
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// List the subscriptions: name, state, tenant, id.
    List(Conn),
    /// Show one subscription (name or id).
    Show(SubscriptionArgs),
    /// Rename a subscription (keyless administrators), as az account subscription rename.
    Update {
        /// The subscription (name or id).
        subscription: String,
        /// The new display name (1 to 64 characters).
        #[arg(long)]
        name: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Delete a subscription and the role assignments at or below it (keyless
    /// administrators); refused while it holds resource groups.
    Delete(SubscriptionArgs),
}

#[derive(Args)]
pub struct SubscriptionArgs {
    /// The subscription (name or id).
    subscription: String,
    #[command(flatten)]
    conn: Conn,
}

pub async fn subscription(c: SubscriptionCommand) -> anyhow::Result<ExitCode> {
    let path = "/keyless/v1/subscriptions";
    match c {
        SubscriptionCommand::Create { name, tenant, conn } => {
            let body = json!({"name": name, "tenant": tenant});
            let show = Show::one(&views::SUBSCRIPTION, format!("Created subscription {name}"));
            post(&conn, path, body, show).await
        }
        SubscriptionCommand::Show(a) => {
            show_in_list(
                &a.conn,
                path,
                &a.subscription,
                &views::SUBSCRIPTION,
                "subscription",
            )
            .await
        }
        SubscriptionCommand::Update {
            subscription,
            name,
            conn,
        } => super::lifecycle::subscription_update(subscription, name, conn).await,
        SubscriptionCommand::Delete(a) => {
            let said = format!("Deleted subscription {}", a.subscription);
            let view = &views::SUBSCRIPTION;
            delete_found(&a.conn, path, &a.subscription, view, "subscription", said).await
        }
        SubscriptionCommand::List(conn) => {
            get(
                &conn,
                path,
                Show::list(&views::SUBSCRIPTION, "no subscriptions"),
            )
            .await
        }
    }
}
