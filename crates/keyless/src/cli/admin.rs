//! Client commands for keyless' admin API and the DevOps REST shapes.

use super::client::{Body, Client, Conn, OrgArgs, ProjectArgs, TenantArgs};
use anyhow::Context;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn print(c: &Client, v: &Value) {
    if c.json() {
        println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
        return;
    }
    match v.get("value").and_then(Value::as_array) {
        Some(items) => {
            for i in items {
                let id = i
                    .get("id")
                    .map(|x| x.to_string().trim_matches('"').to_string())
                    .unwrap_or_default();
                let name = ["name", "displayName", "userPrincipalName"]
                    .iter()
                    .find_map(|k| i.get(*k).and_then(Value::as_str))
                    .unwrap_or("");
                println!("{id}\t{name}");
            }
        }
        None => println!("{}", serde_json::to_string_pretty(v).unwrap_or_default()),
    }
}

pub(super) async fn call(
    conn: &Conn,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<ExitCode> {
    let c = Client::new(conn)?;
    let v = c.send(method, path, body.map(Body::Json)).await?;
    print(&c, &v);
    Ok(ExitCode::SUCCESS)
}

/// [`call`] with GET and no body.
pub(super) async fn get(conn: &Conn, path: &str) -> anyhow::Result<ExitCode> {
    call(conn, Method::GET, path, None).await
}

/// [`call`] with POST and a JSON body.
pub(super) async fn post(conn: &Conn, path: &str, body: Value) -> anyhow::Result<ExitCode> {
    call(conn, Method::POST, path, Some(body)).await
}

#[derive(Args)]
pub struct ApplyArgs {
    /// The world file (YAML).
    #[arg(short = 'f', long = "file")]
    file: PathBuf,
    #[command(flatten)]
    conn: Conn,
}

pub async fn apply(a: ApplyArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&a.file)
        .with_context(|| format!("cannot read {}", a.file.display()))?;
    let files = world_files(&a.file, &text)?;
    let c = Client::new(&a.conn)?;
    let body = if files.is_empty() {
        Body::Yaml(text)
    } else {
        Body::Json(serde_json::json!({"world": text, "files": files}))
    };
    let v = match c.send(Method::POST, "/keyless/v1/apply", Some(body)).await {
        Ok(v) => v,
        Err(e) => anyhow::bail!("{}: {e}", a.file.display()),
    };
    if c.json() {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    let changes = v["changes"].as_array().cloned().unwrap_or_default();
    for ch in &changes {
        println!("  {}", ch.as_str().unwrap_or_default());
    }
    let unchanged = v["unchanged"].as_u64().unwrap_or(0);
    if changes.is_empty() {
        println!(
            "{}: no changes ({unchanged} objects already as described)",
            a.file.display()
        );
    } else {
        println!(
            "{}: {} changes, {unchanged} unchanged",
            a.file.display(),
            changes.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum PatCommand {
    /// Create a token (shown once).
    Create {
        name: String,
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
    /// Revoke a token by id.
    Revoke {
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
            post(&conn, "/keyless/v1/pats", body).await
        }
        PatCommand::List(conn) => get(&conn, "/keyless/v1/pats").await,
        PatCommand::Revoke { id, conn } => {
            call(
                &conn,
                Method::DELETE,
                &format!("/keyless/v1/pats/{id}"),
                None,
            )
            .await
        }
    }
}

#[derive(Subcommand)]
pub enum TenantCommand {
    Create {
        name: String,
        #[arg(long)]
        cloud: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
    List(Conn),
    Show(TenantArgs),
    /// Change tenant settings and policy: KEY=VALUE pairs, dotted keys for nesting, values
    /// as JSON when they parse (e.g. usersCanRegisterApps=false federation.enabled=false
    /// 'federation.allowedIssuersForApps=["https://…"]').
    Set {
        tenant: String,
        #[arg(required = true)]
        settings: Vec<String>,
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
            .with_context(|| format!("'{pair}' is not KEY=VALUE"))?;
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
            post(&conn, "/keyless/v1/tenants", body).await
        }
        TenantCommand::List(conn) => get(&conn, "/keyless/v1/tenants").await,
        TenantCommand::Show(a) => get(&a.conn, &format!("/keyless/v1/tenants/{}", a.tenant)).await,
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
            )
            .await
        }
    }
}

#[derive(Subcommand)]
pub enum OrgCommand {
    Create {
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
    List(Conn),
    /// The organization's owner and preview features.
    Show(OrgArgs),
    /// Change the owner or preview features (the owner and Project Collection
    /// Administrators only), then show the settings.
    Settings {
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
        org: String,
        new_name: String,
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
            post(&conn, "/keyless/v1/organizations", body).await
        }
        OrgCommand::List(conn) => get(&conn, "/keyless/v1/organizations").await,
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
            )
            .await
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
pub enum ProjectCommand {
    Create {
        org: String,
        name: String,
        #[command(flatten)]
        conn: Conn,
    },
    List(OrgArgs),
    /// The project's groups: a user has a place in a project only through them.
    Member {
        #[command(subcommand)]
        command: MemberCommand,
    },
}

#[derive(Subcommand)]
pub enum MemberCommand {
    /// Put a user in a group (Project Administrators only).
    Add {
        org: String,
        project: String,
        /// UPN or id.
        user: String,
        /// Readers, Contributors, Build Administrators, Project Administrators, Endpoint
        /// Creators or Endpoint Administrators.
        group: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Every membership of the project (members of the project).
    List(ProjectArgs),
    /// Take a user out of a group (Project Administrators only).
    Remove {
        org: String,
        project: String,
        user: String,
        group: String,
        #[command(flatten)]
        conn: Conn,
    },
}

async fn member(c: MemberCommand) -> anyhow::Result<ExitCode> {
    let path = |org: &str, project: &str| {
        format!("/keyless/v1/organizations/{org}/projects/{project}/members")
    };
    let (conn, method, path, body) = match c {
        MemberCommand::Add {
            org,
            project,
            user,
            group,
            conn,
        } => (
            conn,
            Method::POST,
            path(&org, &project),
            Some(json!({"user": user, "group": group})),
        ),
        MemberCommand::List(a) => (a.conn, Method::GET, path(&a.org, &a.project), None),
        MemberCommand::Remove {
            org,
            project,
            user,
            group,
            conn,
        } => (
            conn,
            Method::DELETE,
            super::client::membership_url(&path(&org, &project), user, group)?,
            None,
        ),
    };
    let c = Client::new(&conn)?;
    let v = c.send(method, &path, body.map(Body::Json)).await?;
    if c.json() {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for m in v["value"].as_array().into_iter().flatten() {
            println!(
                "{}\t{}",
                m["user"].as_str().unwrap_or_default(),
                m["group"].as_str().unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn project(c: ProjectCommand) -> anyhow::Result<ExitCode> {
    match c {
        ProjectCommand::Create { org, name, conn } => {
            let path = format!("/keyless/v1/organizations/{org}/projects");
            post(&conn, &path, json!({"name": name})).await
        }
        ProjectCommand::List(a) => {
            get(
                &a.conn,
                &format!("/keyless/v1/organizations/{}/projects", a.org),
            )
            .await
        }
        ProjectCommand::Member { command } => member(command).await,
    }
}

#[derive(Subcommand)]
pub enum SubscriptionCommand {
    Create {
        name: String,
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        conn: Conn,
    },
    List(Conn),
}

pub async fn subscription(c: SubscriptionCommand) -> anyhow::Result<ExitCode> {
    let path = "/keyless/v1/subscriptions";
    match c {
        SubscriptionCommand::Create { name, tenant, conn } => {
            post(&conn, path, json!({"name": name, "tenant": tenant})).await
        }
        SubscriptionCommand::List(conn) => get(&conn, path).await,
    }
}

/// The files the world's pipelines read: for each `file:` of
/// `organizations[].projects[].pipelines[]`, that file and the templates it includes, by
/// path relative to the world file's folder (their repository). Empty when no pipeline
/// names a file.
fn world_files(world: &Path, text: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    // A file over the server's limits is not read here either; the server refuses it.
    if keyless_server::world::check_limits(text).is_err() {
        return Ok(files);
    }
    let Ok(doc) = yaml_serde::from_str::<yaml_serde::Value>(text) else {
        // The server reports the parse error with its line.
        return Ok(files);
    };
    let root = world
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let root =
        std::fs::canonicalize(root).with_context(|| format!("cannot read {}", root.display()))?;
    let list = |v: &yaml_serde::Value, key: &str| -> Vec<yaml_serde::Value> {
        v.get(key)
            .and_then(|l| l.as_sequence())
            .cloned()
            .unwrap_or_default()
    };
    for org in list(&doc, "organizations") {
        for project in list(&org, "projects") {
            for pipeline in list(&project, "pipelines") {
                if let Some(file) = pipeline.get("file").and_then(|f| f.as_str()) {
                    let (_, read) = super::pipeline_files::bundle(&root, &root.join(file))
                        .with_context(|| format!("pipeline file {file} of {}", world.display()))?;
                    files.extend(read);
                }
            }
        }
    }
    Ok(files)
}
