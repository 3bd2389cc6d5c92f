//! Tenants: the list the user may see, and one tenant's settings (with their edit form),
//! directory roles, guests, app registrations, service principals and managed identities,
//! each section showing the API's refusal on its own. Graph is asked in the page's tenant
//! (`X-Keyless-Tenant`).

use super::connection_extras::text;
use super::tenant_directory::{RoleForm, RoleRow, role_names, role_rows};
use super::tenant_settings::SettingsForm;
use crate::api::Refusal;
use crate::paths::{query, segment};
use crate::view::{self, Chrome, Ctx};
use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use serde_json::Value;
use std::collections::HashMap;

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

/// The tenant's users by object id: their user principal names (none when Graph refuses).
async fn user_names(api: &crate::api::Api<'_>) -> HashMap<String, String> {
    let path = format!("/v1.0/users?{}", query([("$top", LISTED)]));
    let v = api.get(&path).await.unwrap_or_default();
    list(&v)
        .map(|u| (text(&u["id"]), text(&u["userPrincipalName"])))
        .collect()
}

/// What the page shows besides the tenant: the forms as last posted and the API's refusal
/// of one of them.
#[derive(Default)]
pub struct Shown {
    /// The settings form as posted, with its refusal.
    pub settings: Option<(SettingsForm, Refusal)>,
    pub role: RoleForm,
    pub role_refusal: Option<Refusal>,
    /// The user principal name the guest form last posted.
    pub guest: String,
    pub guest_refusal: Option<Refusal>,
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
    /// The directory roles the role form offers.
    role_names: Vec<&'static str>,
    roles: Result<Vec<RoleRow>, Refusal>,
    guests: Result<Vec<GuestRow>, Refusal>,
    apps: Result<Listed, Refusal>,
    principals: Result<Listed, Refusal>,
    identities: Result<Listed, Refusal>,
    role_form: RoleForm,
    role_refusal: Option<Refusal>,
    guest_form: String,
    guest_refusal: Option<Refusal>,
}

pub async fn page(ctx: Ctx, Path(tenant): Path<String>) -> Response {
    render(&ctx, &tenant, Shown::default()).await
}

/// The tenant's page with `shown`; after a refused form, the form as posted with the
/// refusal (answered with the refusal's status).
pub async fn render(ctx: &Ctx, tenant: &str, shown: Shown) -> Response {
    let base = format!("/keyless/v1/tenants/{}", segment(tenant));
    let api = ctx.api().in_tenant(tenant);
    let v = match api.get(&base).await {
        Ok(v) => v,
        Err(r) => return ctx.refused(r),
    };
    let mut all = Vec::new();
    settings("", &v["settings"], &mut all);
    let guests = api.get(&format!("{base}/guests")).await.map(|g| {
        list(&g)
            .map(|e| GuestRow {
                name: text(&e["user"]["displayName"]),
                upn: text(&e["user"]["userPrincipalName"]),
            })
            .collect()
    });
    let apps = graph_list(&api, "applications").await;
    let listed = graph_list(&api, "servicePrincipals").await;
    let app_names: HashMap<String, (String, String)> = listed
        .iter()
        .flat_map(|l| &l.rows)
        .map(|r| (r.id.clone(), (r.name.clone(), r.app_id.clone())))
        .collect();
    let roles = match api.get(&format!("{base}/roles")).await {
        Ok(r) => Ok(role_rows(&r, &user_names(&api).await, &app_names)),
        Err(r) => Err(r),
    };
    let (principals, identities) = match listed {
        Ok(l) => {
            let (mi, sp) = l.rows.into_iter().partition(|r| r.kind == MANAGED_IDENTITY);
            let more = l.more;
            (Ok(Listed { rows: sp, more }), Ok(Listed { rows: mi, more }))
        }
        Err(r) => (Err(r.clone()), Err(r)),
    };
    let t = TenantRow::of(&v);
    let (form, refusal) = match shown.settings {
        Some((f, r)) => (f, Some(r)),
        None => (SettingsForm::of(&v["settings"]), None),
    };
    let status = view::status_of(&[&refusal, &shown.role_refusal, &shown.guest_refusal]);
    view::html(
        status,
        &Tenant {
            chrome: ctx.chrome(&format!("Tenant {}", t.name)),
            t,
            at: segment(tenant),
            settings: all,
            form,
            refusal,
            role_names: role_names(),
            roles,
            guests,
            apps,
            principals,
            identities,
            role_form: shown.role,
            role_refusal: shown.role_refusal,
            guest_form: shown.guest,
            guest_refusal: shown.guest_refusal,
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
