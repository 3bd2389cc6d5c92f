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
    /// A credential mismatch: the nearest credential beside the assertion.
    pub nearest: Option<Nearest>,
}

/// A value shown in two parts: what both sides share, then where they differ (marked).
pub struct Marked {
    pub same: String,
    pub differs: String,
}

impl Marked {
    /// `value` with its characters from `at` on marked (`None`: not marked at all).
    fn split(value: &str, at: Option<usize>) -> Marked {
        let at = at.unwrap_or(usize::MAX);
        Marked {
            same: value.chars().take(at).collect(),
            differs: value.chars().skip(at).collect(),
        }
    }
}

/// One field of the credential and of the assertion, side by side.
pub struct FieldDiff {
    pub field: &'static str,
    pub differs: bool,
    pub configured: Marked,
    pub presented: Marked,
}

/// The audit entry's `detail.nearestCredential` (administrators read it).
pub struct Nearest {
    pub name: String,
    pub fields: Vec<FieldDiff>,
}

impl Nearest {
    fn of(v: &Value) -> Option<Nearest> {
        let near = v.get("nearestCredential")?;
        let differs = |f: &str| {
            near["differs"]
                .as_array()
                .is_some_and(|d| d.iter().any(|x| x == f))
        };
        let first = &near["firstDifference"];
        let fields = ["issuer", "subject", "audiences"]
            .into_iter()
            .map(|field| {
                let value = |side: &str| match &near[side][field] {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.as_str().unwrap_or_default().to_string(),
                };
                // The first differing character where it is known, else the whole value.
                let at = match (differs(field), first["field"] == field) {
                    (false, _) => None,
                    (true, true) => first["at"].as_u64().map(|n| n as usize).or(Some(0)),
                    (true, false) => Some(0),
                };
                FieldDiff {
                    field,
                    differs: differs(field),
                    configured: Marked::split(&value("configured"), at),
                    presented: Marked::split(&value("presented"), at),
                }
            })
            .collect();
        Some(Nearest {
            name: near["name"].as_str().unwrap_or_default().to_string(),
            fields,
        })
    }
}

impl Entry {
    pub fn of(v: &Value) -> Entry {
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
            nearest: Nearest::of(&v["detail"]),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_nearest_credential_marks_where_the_values_part() {
        let detail = json!({"nearestCredential": {
            "name": "c",
            "differs": ["subject", "audiences"],
            "configured": {"issuer": "https://i", "subject": "sc://o/p/conn", "audiences": ["a"]},
            "presented": {"issuer": "https://i", "subject": "sc://o/p/cxnn", "audiences": ["b", "c"]},
            "firstDifference": {"field": "subject", "at": 10, "configured": "onn", "presented": "xnn"},
        }});
        let n = Nearest::of(&detail).unwrap();
        assert_eq!(n.name, "c");
        let row = |i: usize| {
            let f = &n.fields[i];
            (
                f.field,
                f.differs,
                [
                    &f.configured.same,
                    &f.configured.differs,
                    &f.presented.same,
                    &f.presented.differs,
                ]
                .map(|s| s.as_str())
                .to_vec(),
            )
        };
        assert_eq!(
            row(0),
            ("issuer", false, vec!["https://i", "", "https://i", ""])
        );
        assert_eq!(
            row(1),
            (
                "subject",
                true,
                vec!["sc://o/p/c", "onn", "sc://o/p/c", "xnn"]
            )
        );
        assert_eq!(row(2), ("audiences", true, vec!["", "a", "", "b, c"]));
        assert!(Nearest::of(&json!({"action": "read"})).is_none());
    }
}
