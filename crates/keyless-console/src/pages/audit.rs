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
const PAGE: usize = 100;

/// The filters of the audit page, as typed into its form, and the page: `before`, the id of
/// the entry the page starts after (empty: the newest).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Filters {
    pub since: String,
    pub until: String,
    pub decision: String,
    pub code: String,
    pub connection: String,
    pub client: String,
    pub before: String,
}

impl Filters {
    /// The filters as query pairs, the page starting after the entry `before`.
    fn pairs<'a>(&'a self, before: &'a str) -> [(&'a str, &'a str); 7] {
        [
            ("since", self.since.as_str()),
            ("until", self.until.as_str()),
            ("decision", self.decision.as_str()),
            ("code", self.code.as_str()),
            ("connection", self.connection.as_str()),
            ("client", self.client.as_str()),
            ("before", before),
        ]
    }

    /// The console's query string of that page.
    fn query(&self, before: &str) -> String {
        query(self.pairs(before))
    }
}

pub struct Entry {
    pub id: String,
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
            id: text(&v["id"]),
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
    /// The query of the next page (the same filters, the entries older than this page's
    /// last), when this page is full.
    older: Option<String>,
    /// The query of the first page with the same filters, when this page is a later one.
    newest: Option<String>,
}

pub async fn page(ctx: Ctx, Query(f): Query<Filters>) -> Response {
    let limit = PAGE.to_string();
    let q = query(
        f.pairs(&f.before)
            .into_iter()
            .chain([("limit", limit.as_str())]),
    );
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
    let older = match entries.last() {
        Some(last) if entries.len() == PAGE => Some(f.query(&last.id)),
        _ => None,
    };
    let newest = (!f.before.trim().is_empty()).then(|| f.query(""));
    view::html(
        status,
        &Audit {
            chrome: ctx.chrome("Audit log"),
            f,
            entries,
            error,
            older,
            newest,
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
