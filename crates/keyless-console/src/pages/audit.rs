//! The audit log with its filters, and the catalogue's explanation of a code.

use crate::paths::query;
use crate::view::{self, Chrome, Ctx};
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

/// Entries a page shows.
const PAGE: &str = "100";

/// The filters of the audit page, as typed into its form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Filters {
    pub since: String,
    pub until: String,
    pub decision: String,
    pub code: String,
    pub connection: String,
    pub client: String,
}

pub struct Entry {
    pub at: String,
    pub kind: String,
    pub decision: String,
    pub code: String,
    pub client: String,
    pub connection: String,
    pub subject: String,
}

impl Entry {
    fn of(v: &Value) -> Entry {
        let text = |x: &Value| x.as_str().map(String::from).unwrap_or_default();
        Entry {
            at: v["at"]
                .as_i64()
                .map(keyless_model::time_fmt::iso)
                .unwrap_or_default(),
            kind: text(&v["kind"]),
            decision: text(&v["decision"]),
            code: text(&v["code"]),
            client: text(&v["clientId"]),
            connection: text(&v["connectionId"]),
            subject: text(&v["subject"]),
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct Audit {
    chrome: Chrome,
    f: Filters,
    entries: Vec<Entry>,
    /// The API's refusal of the filters or of the reader.
    error: Option<String>,
}

pub async fn page(ctx: Ctx, Query(f): Query<Filters>) -> Response {
    let q = query([
        ("since", f.since.as_str()),
        ("until", f.until.as_str()),
        ("decision", f.decision.as_str()),
        ("code", f.code.as_str()),
        ("connection", f.connection.as_str()),
        ("client", f.client.as_str()),
        ("limit", PAGE),
    ]);
    let (status, entries, error) = match ctx.api().get(&format!("/keyless/v1/audit?{q}")).await {
        Ok(v) => (
            StatusCode::OK,
            v["value"]
                .as_array()
                .into_iter()
                .flatten()
                .map(Entry::of)
                .collect(),
            None,
        ),
        Err(r) => (r.status, Vec::new(), Some(r.message)),
    };
    view::html(
        status,
        &Audit {
            chrome: ctx.chrome("Audit log"),
            f,
            entries,
            error,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Search {
    pub code: String,
}

#[derive(Template)]
#[template(path = "explain.html")]
struct Explain {
    chrome: Chrome,
    code: String,
    answer: Option<String>,
}

/// The catalogue's entry for a code (`AADSTS700213`, `700213`, `AuthorizationFailed`…).
pub async fn explain(ctx: Ctx, Query(s): Query<Search>) -> Response {
    let code = s.code.trim().to_string();
    let answer = if code.is_empty() {
        None
    } else {
        let bare = code.strip_prefix("AADSTS").unwrap_or(&code);
        match ctx
            .api()
            .get_text(&format!("/error?{}", query([("code", bare)])))
            .await
        {
            Ok(t) => Some(t),
            Err(r) => return ctx.refused(r),
        }
    };
    view::html(
        StatusCode::OK,
        &Explain {
            chrome: ctx.chrome("Explain an error"),
            code,
            answer,
        },
    )
}
