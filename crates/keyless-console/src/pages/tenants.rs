//! Tenants: the list the user may see, and one tenant's settings (with their edit form),
//! directory roles, guests, app registrations, service principals and managed identities,
//! each section showing the API's refusal on its own. Graph is asked in the page's tenant
//! (`X-Keyless-Tenant`).

use super::connection_extras::text;
use super::tenant_settings::SettingsForm;
use crate::api::Refusal;
use crate::paths::{query, segment};
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

/// An app registration or a service principal as Graph lists it.
pub struct DirectoryRow {
    /// Its object id.
    pub id: String,
    pub name: String,
    pub app_id: String,
    pub kind: String,
}

impl DirectoryRow {
    fn of(v: &Value) -> DirectoryRow {
        DirectoryRow {
            id: text(&v["id"]),
            name: text(&v["displayName"]),
            app_id: text(&v["appId"]),
            kind: text(&v["servicePrincipalType"]),
        }
    }
}

/// Objects a Graph list shows on the page (Graph's largest page).
const LISTED: &str = "999";

/// The first page of a Graph list, and whether more follow.
struct Listed {
    rows: Vec<DirectoryRow>,
    more: bool,
}

async fn graph_list(api: &crate::api::Api<'_>, collection: &str) -> Result<Listed, Refusal> {
    let v = api
        .get(&format!("/v1.0/{collection}?{}", query([("$top", LISTED)])))
        .await?;
    Ok(Listed {
        rows: view::sorted_rows(&v, DirectoryRow::of, |r| &r.name),
        more: v.get("@odata.nextLink").is_some(),
    })
}

/// Service principals of type `ManagedIdentity` are the tenant's managed identities.
const MANAGED_IDENTITY: &str = "ManagedIdentity";

#[derive(Template)]
#[template(path = "tenant.html")]
struct Tenant {
    chrome: Chrome,
    t: TenantRow,
    /// The tenant as the console's addresses name it, percent-encoded.
    at: String,
    settings: Vec<Setting>,
    form: SettingsForm,
    /// The API's refusal of the settings form last posted.
    refusal: Option<Refusal>,
    roles: Result<Vec<RoleRow>, Refusal>,
    guests: Result<Vec<GuestRow>, Refusal>,
    apps: Result<Listed, Refusal>,
    principals: Result<Listed, Refusal>,
    identities: Result<Listed, Refusal>,
}

pub async fn page(ctx: Ctx, Path(tenant): Path<String>) -> Response {
    render(&ctx, &tenant, None).await
}

/// The tenant's page; after a refused settings form, the form as posted with the refusal
/// (answered with the refusal's status).
pub async fn render(ctx: &Ctx, tenant: &str, refused: Option<(SettingsForm, Refusal)>) -> Response {
    let base = format!("/keyless/v1/tenants/{}", segment(tenant));
    let api = ctx.api().in_tenant(tenant);
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
    let apps = graph_list(&api, "applications").await;
    let (principals, identities) = match graph_list(&api, "servicePrincipals").await {
        Ok(l) => {
            let (mi, sp) = l.rows.into_iter().partition(|r| r.kind == MANAGED_IDENTITY);
            let more = l.more;
            (Ok(Listed { rows: sp, more }), Ok(Listed { rows: mi, more }))
        }
        Err(r) => (Err(r.clone()), Err(r)),
    };
    let t = TenantRow::of(&v);
    let (form, refusal) = match refused {
        Some((f, r)) => (f, Some(r)),
        None => (SettingsForm::of(&v["settings"]), None),
    };
    let status = refusal.as_ref().map_or(StatusCode::OK, |r| r.status);
    view::html(
        status,
        &Tenant {
            chrome: ctx.chrome(&format!("Tenant {}", t.name)),
            t,
            at: segment(tenant),
            settings: all,
            form,
            refusal,
            roles,
            guests,
            apps,
            principals,
            identities,
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
