//! The subscriptions of the tenants the user is a member or a guest of, each linked to its
//! page (`subscription.rs`: resource groups and role assignments, through ARM).

use crate::view::{self, Chrome, Ctx};
use askama::Template;
use axum::response::Response;
use serde_json::Value;

/// The API's list of subscriptions.
const SUBSCRIPTIONS: &str = "/keyless/v1/subscriptions";

pub struct SubscriptionRow {
    pub id: String,
    pub name: String,
    pub tenant: String,
    pub state: String,
}

impl SubscriptionRow {
    pub fn of(v: &Value) -> SubscriptionRow {
        let text = |x: &Value| x.as_str().map(String::from).unwrap_or_default();
        SubscriptionRow {
            id: text(&v["id"]),
            name: text(&v["displayName"]),
            tenant: text(&v["tenantId"]),
            state: text(&v["state"]),
        }
    }
}

#[derive(Template)]
#[template(path = "subscriptions.html")]
struct Subscriptions {
    chrome: Chrome,
    rows: Vec<SubscriptionRow>,
}

pub async fn page(ctx: Ctx) -> Response {
    ctx.page(SUBSCRIPTIONS, |v| {
        let rows = view::sorted_rows(&v, SubscriptionRow::of, |r| &r.name);
        Subscriptions {
            chrome: ctx.chrome("Subscriptions"),
            rows,
        }
    })
    .await
}
