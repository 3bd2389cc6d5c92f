//! World files: a declarative description of tenants, users, subscriptions, resource
//! groups, apps with federated credentials, role assignments, directory roles and guests,
//! organizations, projects,
//! connections and pipelines. Applying one is idempotent: objects are found by name,
//! created when missing, updated when they differ, and a second apply reports no change.
//!
//! Applying validates every reference before writing anything, so a bad file changes
//! nothing; errors name the line and the field (`tenants[0].apps[1].federatedCredentials[0].issuer`).

mod apply;
mod apply_directory;
mod apply_org;
mod apply_security;
mod apply_tenant;
mod audited;
pub mod demo;
mod locate;
mod schema;
mod validate;

pub use apply::{Report, apply};
pub use locate::line_of;
pub use schema::World;

use crate::auth::caller;
use crate::envelope::ApiError;
use axum::Json;
use axum::body::Bytes;
use keyless_core::req::Req;
use serde_json::{Value, json};

/// A problem in a world file, located at a field path and (when found) a line.
#[derive(Debug, Clone)]
pub struct WorldError {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for WorldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// The largest world file read: 1 MiB, the admin API's body limit.
pub const MAX_WORLD_BYTES: usize = keyless_pipelines::yaml::MAX_INPUT_BYTES;
/// How long parsing a world file may take before the request is answered with an error.
pub const PARSE_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Parses a world from YAML text, with type errors located by line.
///
/// The text first goes through the bounded reader of `keyless_pipelines::yaml`: at most
/// [`MAX_WORLD_BYTES`], nesting at most `MAX_DEPTH` levels, at most `MAX_NODES` nodes and
/// `MAX_TEXT_BYTES` of text with every alias counted as the copy it expands to. Only a text
/// within those limits reaches the typed reader, whose cost is then bounded by them.
pub fn parse(text: &str) -> Result<World, WorldError> {
    check_limits(text)?;
    yaml_serde::from_str::<World>(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        WorldError {
            path: "(file)".into(),
            line,
            message: e.to_string(),
        }
    })
}

/// Refuses a world file over the size, depth, node or text limits (see [`parse`]).
pub fn check_limits(text: &str) -> Result<(), WorldError> {
    if text.len() > MAX_WORLD_BYTES {
        return Err(WorldError {
            path: "(file)".into(),
            line: None,
            message: format!(
                "the world file has {} bytes; at most {MAX_WORLD_BYTES} are read",
                text.len()
            ),
        });
    }
    let name: std::sync::Arc<str> = "world".into();
    keyless_pipelines::yaml::parse(&name, text)
        .map(|_| ())
        .map_err(|d| WorldError {
            path: "(file)".into(),
            line: Some(d.loc.line as usize),
            message: d.message,
        })
}

/// [`parse`] on a blocking thread, so a large file never holds an async worker, answered
/// within [`PARSE_TIME_LIMIT`].
pub async fn parse_off_worker(text: String) -> Result<World, WorldError> {
    let task = tokio::task::spawn_blocking(move || parse(&text));
    match tokio::time::timeout(PARSE_TIME_LIMIT, task).await {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(_)) => Err(WorldError {
            path: "(file)".into(),
            line: None,
            message: "the world file could not be read".into(),
        }),
        Err(_) => Err(WorldError {
            path: "(file)".into(),
            line: None,
            message: format!(
                "reading the world file took longer than {} s",
                PARSE_TIME_LIMIT.as_secs()
            ),
        }),
    }
}

/// A world file with the files its pipelines read, as `keyless apply` sends them.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WorldWithFiles {
    world: String,
    #[serde(default)]
    files: std::collections::BTreeMap<String, String>,
}

/// `POST /keyless/v1/apply`: the world file's YAML text as body, or JSON
/// `{"world": text, "files": {path: text}}` with the files its pipelines read (paths
/// relative to the world file's folder). Administrators only.
pub async fn apply_handler(Req { s, headers }: Req, body: Bytes) -> Result<Json<Value>, ApiError> {
    caller(&s, &headers).await?.require_admin()?;
    let json_body = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (text, files) = if json_body {
        let b: WorldWithFiles = crate::envelope::parse_json(&body)?;
        (b.world, b.files)
    } else {
        let text = std::str::from_utf8(&body)
            .map_err(|_| ApiError::detail("BadRequest", "The world file must be UTF-8 text."))?;
        (text.to_string(), Default::default())
    };
    let mut world = parse_off_worker(text.clone())
        .await
        .map_err(|e| world_error(&e))?;
    world.files = files;
    let report = apply(&s, &world).await.map_err(|mut e| {
        e.line = locate::line_of(&text, &e.path);
        world_error(&e)
    })?;
    Ok(Json(json!({
        "changes": report.changes,
        "unchanged": report.unchanged,
    })))
}

fn world_error(e: &WorldError) -> ApiError {
    ApiError::detail("BadRequest", e.to_string())
}
