//! `GET /keyless/v1/audit`: the audit log, newest first, for administrators.
//! Filters: `since`/`until` (Unix seconds or RFC 3339), `tenant`, `client`, `connection`,
//! `decision`, `code`, `kind`, `limit` (≤ 1000), `before` (an entry's id: the entries older
//! than it, for the next page).

use crate::auth::administrator;
use crate::envelope::ApiError;
use axum::Json;
use axum::extract::Query;
use keyless_core::req::Req;
use keyless_model::audit::AuditFilter;
use serde_json::{Value, json};
use std::collections::HashMap;

fn bad(detail: String) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

fn time(v: &str, name: &str) -> Result<i64, ApiError> {
    v.parse::<i64>()
        .ok()
        .or_else(|| keyless_model::time_fmt::parse_iso(v))
        .ok_or_else(|| {
            bad(format!(
                "'{name}' must be Unix seconds or an RFC 3339 time."
            ))
        })
}

fn guid(v: &str, name: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(v).map_err(|_| bad(format!("'{name}' must be a GUID.")))
}

pub fn filter(q: &HashMap<String, String>) -> Result<AuditFilter, ApiError> {
    let mut f = AuditFilter::default();
    for (k, v) in q {
        match k.as_str() {
            "since" => f.since = Some(time(v, k)?),
            "until" => f.until = Some(time(v, k)?),
            "tenant" => f.tenant_id = Some(guid(v, k)?),
            "connection" => f.connection_id = Some(guid(v, k)?),
            "before" => f.before = Some(guid(v, k)?),
            "client" => f.client_id = Some(v.clone()),
            "decision" if v == "granted" || v == "denied" => f.decision = Some(v.clone()),
            "decision" => return Err(bad("'decision' is granted or denied.".into())),
            "code" => f.code = Some(v.trim_start_matches("AADSTS").to_string()),
            "kind"
                if [
                    "token",
                    "oidc",
                    "arm",
                    "job",
                    "endpoints",
                    "devops",
                    "managed_identity",
                    "change",
                ]
                .contains(&v.as_str()) =>
            {
                f.kind = Some(v.clone())
            }
            "kind" => {
                return Err(bad(
                    "'kind' is token, oidc, arm, job, endpoints, devops, managed_identity or change."
                        .into(),
                ));
            }
            "limit" => {
                f.limit = v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=AuditFilter::MAX_LIMIT).contains(n))
                    .ok_or_else(|| bad("'limit' is 1 to 1000.".into()))?
            }
            other => {
                return Err(bad(format!(
                    "Unknown filter '{}'.",
                    keyless_model::catalogue::sanitize(other)
                )));
            }
        }
    }
    Ok(f)
}

pub async fn query(
    Req { s, headers }: Req,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    administrator(&s, &headers).await?;
    let f = filter(&q)?;
    // Changes are written in their own transactions, never batched: only the other kinds
    // wait for the batch writer.
    if f.kind.as_deref() != Some("change") {
        s.audit.flush().await;
    }
    Ok(Json(
        json!({"value": s.shared_store().query_audit(&f).await?}),
    ))
}
