//! A tenant's directory roles and guests, changed from the tenant's page through the admin
//! API: `POST|DELETE /keyless/v1/tenants/{t}/roles` (Privileged Role and Global
//! Administrators) and `POST /keyless/v1/tenants/{t}/guests`, `DELETE …/guests/{upn}` (User
//! Administrators). The API decides; a refusal shows the tenant's page with the API's status
//! and text beside the form, nothing changed.

use super::connection_extras::text;
use super::tenants::{Shown, render};
use crate::api::Refusal;
use crate::paths::segment;
use crate::view::{self, Ctx, Posted};
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use keyless_model::directory_roles::DirectoryRole;
use serde_json::{Value, json};
use std::collections::HashMap;

/// What the role form names: a role, and a user or an app.
#[derive(Default)]
pub struct RoleForm {
    /// The role's display name.
    pub role: String,
    /// `user` (a user principal name or its local part) or `app` (a name or an appId).
    pub kind: String,
    pub principal: String,
}

impl RoleForm {
    fn posted(form: &Posted) -> RoleForm {
        RoleForm {
            role: form.get("role").trim().into(),
            kind: form.get("kind").into(),
            principal: form.get("principal").trim().into(),
        }
    }

    /// The API's body: `{"role", "user"}` or `{"role", "app"}`; any other kind goes as
    /// `user` for the API to judge.
    fn body(&self) -> Value {
        let field = if self.kind == "app" { "app" } else { "user" };
        json!({ "role": self.role, field: self.principal })
    }

    /// Whether the form names the role `name`.
    pub fn is(&self, name: &str) -> bool {
        self.role == name
    }

    /// Whether the form names an app.
    pub fn app(&self) -> bool {
        self.kind == "app"
    }
}

/// The roles the API knows, by display name, for the form's list.
pub fn role_names() -> Vec<&'static str> {
    DirectoryRole::ALL
        .iter()
        .map(|r| r.display_name())
        .collect()
}

/// One assignment as the page shows it, with what its Remove button posts.
pub struct RoleRow {
    pub role: String,
    /// The principal's user principal name or app name; its id when neither is known.
    pub principal: String,
    pub principal_id: String,
    pub principal_type: String,
    /// The Remove button's principal: `user` or `app`, and the name the API takes.
    pub remove: RoleForm,
}

/// The assignments of `GET …/roles`, their principals named from `users` (object id →
/// user principal name) and `apps` (service principal id → display name and appId).
pub fn role_rows(
    list: &Value,
    users: &HashMap<String, String>,
    apps: &HashMap<String, (String, String)>,
) -> Vec<RoleRow> {
    list["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let id = text(&a["principalId"]);
            let role = text(&a["role"]);
            let (principal, kind, name) = match text(&a["principalType"]).as_str() {
                "ServicePrincipal" => match apps.get(&id) {
                    Some((n, app_id)) => (n.clone(), "app", app_id.clone()),
                    None => (id.clone(), "app", id.clone()),
                },
                _ => match users.get(&id) {
                    Some(upn) => (upn.clone(), "user", upn.clone()),
                    None => (id.clone(), "user", id.clone()),
                },
            };
            RoleRow {
                remove: RoleForm {
                    role: role.clone(),
                    kind: kind.into(),
                    principal: name,
                },
                role,
                principal,
                principal_id: id,
                principal_type: text(&a["principalType"]),
            }
        })
        .collect()
}

/// The tenant's admin API path, `tail` appended.
fn api_path(tenant: &str, tail: &str) -> String {
    format!("/keyless/v1/tenants/{}{tail}", segment(tenant))
}

/// After a change: the tenant's page again, or on a refusal the page showing it.
async fn answer(
    ctx: &Ctx,
    tenant: &str,
    result: Result<Value, Refusal>,
    refused: impl FnOnce(Refusal) -> Shown,
) -> Response {
    match result {
        Ok(_) => view::to(&format!("{}/tenants/{}", crate::PREFIX, segment(tenant))),
        Err(r) => render(ctx, tenant, refused(r)).await,
    }
}

pub async fn assign_role(ctx: Ctx, Path(tenant): Path<String>, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let f = RoleForm::posted(&form);
    let result = ctx
        .api()
        .post(&api_path(&tenant, "/roles"), &f.body())
        .await;
    answer(&ctx, &tenant, result, |r| Shown {
        role: f,
        role_refusal: Some(r),
        ..Shown::default()
    })
    .await
}

pub async fn remove_role(ctx: Ctx, Path(tenant): Path<String>, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let f = RoleForm::posted(&form);
    let path = api_path(&tenant, "/roles");
    let result = ctx.api().delete_with(&path, &f.body()).await;
    answer(&ctx, &tenant, result, |r| Shown {
        role_refusal: Some(r),
        ..Shown::default()
    })
    .await
}

pub async fn invite_guest(ctx: Ctx, Path(tenant): Path<String>, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let user = form.get("user").trim().to_string();
    let path = api_path(&tenant, "/guests");
    let result = ctx.api().post(&path, &json!({ "user": user })).await;
    answer(&ctx, &tenant, result, |r| Shown {
        guest: user,
        guest_refusal: Some(r),
        ..Shown::default()
    })
    .await
}

pub async fn remove_guest(ctx: Ctx, Path(tenant): Path<String>, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let path = api_path(&tenant, &format!("/guests/{}", segment(form.get("user"))));
    let result = ctx.api().delete(&path).await;
    answer(&ctx, &tenant, result, |r| Shown {
        guest_refusal: Some(r),
        ..Shown::default()
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_name_their_principals_and_remove_by_the_apis_names() {
        let list = json!({"value": [
            {"role": "User Administrator", "principalId": "u1", "principalType": "User"},
            {"role": "Directory Readers", "principalId": "sp1", "principalType": "ServicePrincipal"},
            {"role": "Directory Readers", "principalId": "u2", "principalType": "User"},
        ]});
        let users = HashMap::from([("u1".to_string(), "ann@contoso.example".to_string())]);
        let apps = HashMap::from([("sp1".to_string(), ("web".to_string(), "a-1".to_string()))]);
        let got: Vec<(String, String, Value)> = role_rows(&list, &users, &apps)
            .into_iter()
            .map(|r| (r.role, r.principal, r.remove.body()))
            .collect();
        let row =
            |role: &str, shown: &str, body: Value| (role.to_string(), shown.to_string(), body);
        assert_eq!(
            got,
            [
                row(
                    "User Administrator",
                    "ann@contoso.example",
                    json!({"role": "User Administrator", "user": "ann@contoso.example"})
                ),
                row(
                    "Directory Readers",
                    "web",
                    json!({"role": "Directory Readers", "app": "a-1"})
                ),
                row(
                    "Directory Readers",
                    "u2",
                    json!({"role": "Directory Readers", "user": "u2"})
                ),
            ]
        );
    }
}
