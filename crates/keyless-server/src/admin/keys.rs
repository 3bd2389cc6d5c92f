//! Signing keys, for administrators: `GET /keyless/v1/keys` lists every issuer's keys and
//! where each is in its life (never private material); `POST /keyless/v1/keys/rotate`
//! rotates one issuer's keys or every issuer's (`{"issuer": "tenant:<id or name>" |
//! "organization:<id or name>" | "all"}`, `all` when the body is empty).

use super::handlers::resolve_tenant;
use crate::auth::caller;
use crate::envelope::{ApiError, parse_json};
use crate::keyring::{Issuer, KeyState};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use keyless_core::req::Req;
use keyless_model::keys::SigningKeyRecord;
use keyless_model::time_fmt;
use serde::Deserialize;
use serde_json::{Value, json};

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

/// What the API shows of a key: identifiers and times (RFC 3339), never key material.
fn describe(r: &SigningKeyRecord, state: KeyState) -> Value {
    let published_until = r
        .retired_at
        .map(|t| time_fmt::iso(t + crate::keyring::PUBLISHED_AFTER_RETIREMENT));
    json!({
        "kid": r.kid,
        "issuer": r.owner,
        "alg": r.alg,
        "state": state.as_str(),
        "created": time_fmt::iso(r.created_at),
        "signingFrom": time_fmt::iso(r.not_before),
        "retired": r.retired_at.map(time_fmt::iso),
        "publishedUntil": published_until,
    })
}

pub async fn list(State(s): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    caller(&s, &headers).await?.require_admin()?;
    let keys: Vec<Value> = s
        .keys
        .list()
        .await?
        .iter()
        .map(|(r, state)| describe(r, *state))
        .collect();
    Ok(Json(json!({"value": keys})))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RotateBody {
    issuer: Option<String>,
}

/// `tenant:<id|name|domain>`, `organization:<id|name>` or `legacy` (the legacy pipeline
/// issuer, one for every organization).
async fn issuer(s: &AppState, spec: &str) -> Result<Issuer, ApiError> {
    let unknown = || {
        bad(format!(
            "Unknown issuer '{}': use tenant:<id or name>, organization:<id or name>, legacy or all.",
            keyless_model::catalogue::sanitize(spec)
        ))
    };
    if spec.eq_ignore_ascii_case("legacy") {
        return Ok(Issuer::Organization(
            keyless_model::federation::LEGACY_ISSUER_KEYS,
        ));
    }
    let (kind, name) = spec.split_once(':').ok_or_else(unknown)?;
    match kind {
        "tenant" => Ok(Issuer::Tenant(resolve_tenant(s, name).await?.id)),
        "organization" => Ok(Issuer::Organization(
            crate::devops::find_org(s, name).await?.id,
        )),
        _ => Err(unknown()),
    }
}

pub async fn rotate(Req { s, headers }: Req, body: Bytes) -> Result<Json<Value>, ApiError> {
    let c = caller(&s, &headers).await?;
    c.require_admin()?;
    let by = Some(c.user.id);
    let body: RotateBody = if body.iter().all(u8::is_ascii_whitespace) {
        RotateBody::default()
    } else {
        parse_json(&body)?
    };
    let rotated = match body.issuer.as_deref().map(str::trim) {
        None | Some("all") | Some("") => s.keys.rotate_all(by).await?,
        Some(spec) => {
            let issuer = issuer(&s, spec).await?;
            s.keys.rotate(issuer, by).await?
        }
    };
    let now = s.now();
    let keys: Vec<Value> = rotated
        .iter()
        .map(|r| describe(r, KeyState::of(r, now)))
        .collect();
    Ok(Json(json!({"value": keys})))
}
