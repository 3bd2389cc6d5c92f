//! The signing keys of every issuer, and their rotation (keyless administrators, as the
//! API decides).

use super::connection_extras::text;
use crate::view::{self, Chrome, Ctx, Posted};
use askama::Template;
use axum::body::Bytes;
use axum::response::Response;
use serde_json::{Value, json};

/// The API's list of signing keys, and where the rotation form posts.
const KEYS: &str = "/keyless/v1/keys";
const ROTATE: &str = "/keyless/v1/keys/rotate";
/// This page.
const PAGE: &str = "/_console/keys";

/// One signing key as the API lists it (never key material).
pub struct KeyRow {
    pub kid: String,
    pub issuer: String,
    pub alg: String,
    pub state: String,
    pub created: String,
    pub signing_from: String,
    pub retired: String,
    pub published_until: String,
}

impl KeyRow {
    fn of(v: &Value) -> KeyRow {
        let field = |name: &str| text(&v[name]);
        KeyRow {
            kid: field("kid"),
            issuer: field("issuer"),
            alg: field("alg"),
            state: field("state"),
            created: field("created"),
            signing_from: field("signingFrom"),
            retired: field("retired"),
            published_until: field("publishedUntil"),
        }
    }

    pub fn badge(&self) -> &'static str {
        match self.state.as_str() {
            "signing" => "ok",
            "pending" => "draft",
            _ => "warn",
        }
    }
}

#[derive(Template)]
#[template(path = "keys.html")]
struct Keys {
    chrome: Chrome,
    rows: Vec<KeyRow>,
}

/// The rows of the API's answer (`{"value": [...]}`).
fn rows(v: &Value) -> Vec<KeyRow> {
    v["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(KeyRow::of)
        .collect()
}

pub async fn page(ctx: Ctx) -> Response {
    ctx.page(KEYS, |v| Keys {
        chrome: ctx.chrome("Signing keys"),
        rows: rows(&v),
    })
    .await
}

/// Rotates the keys of the issuer chosen (`all` when none), then shows the list again.
pub async fn rotate(ctx: Ctx, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let issuer = match form.get("issuer") {
        "" => "all",
        chosen => chosen,
    };
    match ctx.api().post(ROTATE, &json!({ "issuer": issuer })).await {
        Ok(_) => view::to(PAGE),
        Err(r) => ctx.refused(r),
    }
}
