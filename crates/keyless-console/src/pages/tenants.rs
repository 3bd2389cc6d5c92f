//! Tenants: the list the user may see, and one tenant's settings, directory roles and guests
//! (read-only), each section showing the API's refusal on its own.

use super::connection_extras::text;
use crate::api::Refusal;
use crate::paths::segment;
use crate::view::{self, Chrome, Ctx};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

fn list(v: &Value) -> impl Iterator<Item = &Value> {
    v["value"].as_array().into_iter().flatten()
}

pub struct TenantRow {
    pub name: String,
    pub display_name: String,
    pub domain: String,
    pub id: String,
}

impl TenantRow {
    fn of(v: &Value) -> TenantRow {
        TenantRow {
            name: text(&v["name"]),
            display_name: text(&v["displayName"]),
            domain: text(&v["domain"]),
            id: text(&v["id"]),
        }
    }
}

#[derive(Template)]
#[template(path = "tenants.html")]
struct Tenants {
    chrome: Chrome,
    rows: Vec<TenantRow>,
}

pub async fn list_page(ctx: Ctx) -> Response {
    ctx.page("/keyless/v1/tenants", |v| Tenants {
        chrome: ctx.chrome("Tenants"),
        rows: list(&v).map(TenantRow::of).collect(),
    })
    .await
}

/// One setting, its nested objects spelled `outer.inner`.
pub struct Setting {
    pub name: String,
    pub value: String,
}

fn settings(prefix: &str, v: &Value, out: &mut Vec<Setting>) {
    match v {
        Value::Object(map) => {
            for (k, inner) in map {
                let name = match prefix {
                    "" => k.clone(),
                    p => format!("{p}.{k}"),
                };
                settings(&name, inner, out);
            }
        }
        other => out.push(Setting {
            name: prefix.into(),
            value: text(other),
        }),
    }
}

pub struct RoleRow {
    pub role: String,
    pub principal: String,
    pub principal_type: String,
}

pub struct GuestRow {
    pub name: String,
    pub upn: String,
}

#[derive(Template)]
#[template(path = "tenant.html")]
struct Tenant {
    chrome: Chrome,
    t: TenantRow,
    settings: Vec<Setting>,
    roles: Result<Vec<RoleRow>, Refusal>,
    guests: Result<Vec<GuestRow>, Refusal>,
}

pub async fn page(ctx: Ctx, Path(tenant): Path<String>) -> Response {
    let base = format!("/keyless/v1/tenants/{}", segment(&tenant));
    let api = ctx.api();
    let v = match api.get(&base).await {
        Ok(v) => v,
        Err(r) => return ctx.refused(r),
    };
    let mut all = Vec::new();
    settings("", &v["settings"], &mut all);
    let roles = api.get(&format!("{base}/roles")).await.map(|r| {
        list(&r)
            .map(|a| RoleRow {
                role: text(&a["role"]),
                principal: text(&a["principalId"]),
                principal_type: text(&a["principalType"]),
            })
            .collect()
    });
    let guests = api.get(&format!("{base}/guests")).await.map(|g| {
        list(&g)
            .map(|e| GuestRow {
                name: text(&e["user"]["displayName"]),
                upn: text(&e["user"]["userPrincipalName"]),
            })
            .collect()
    });
    let t = TenantRow::of(&v);
    view::html(
        StatusCode::OK,
        &Tenant {
            chrome: ctx.chrome(&format!("Tenant {}", t.name)),
            t,
            settings: all,
            roles,
            guests,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_settings_are_named_by_their_path() {
        let mut out = Vec::new();
        settings(
            "",
            &json!({"a": 1, "b": {"c": true, "d": "x"}, "e": null}),
            &mut out,
        );
        let got: Vec<(&str, &str)> = out
            .iter()
            .map(|s| (s.name.as_str(), s.value.as_str()))
            .collect();
        assert_eq!(got, [("a", "1"), ("b.c", "true"), ("b.d", "x"), ("e", "")]);
    }
}
