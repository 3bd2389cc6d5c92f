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
pub mod demo;
mod locate;
mod schema;
mod validate;

pub use apply::{Report, apply};
pub use schema::World;

use crate::auth::caller;
use crate::envelope::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
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

/// Parses a world from YAML text, with type errors located by line.
pub fn parse(text: &str) -> Result<World, WorldError> {
    yaml_serde::from_str::<World>(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        WorldError {
            path: "(file)".into(),
            line,
            message: e.to_string(),
        }
    })
}

/// `POST /keyless/v1/apply` with the YAML text as body. Administrators only.
pub async fn apply_handler(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    caller(&s, &headers).await?.require_admin()?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::detail("BadRequest", "The world file must be UTF-8 text."))?;
    let world = parse(text).map_err(|e| world_error(&e))?;
    let report = apply(&s, &world).await.map_err(|mut e| {
        e.line = locate::line_of(text, &e.path);
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
