//! `/v1.0/users[/{id or userPrincipalName}]`: the tenant's members and its guests (users of
//! other tenants invited into it, `userType` `Guest`). Reading needs `ReadUsers`: limited
//! guests and service principals without a role are refused.

use super::{Ctx, Key, bad, not_found, paged_list};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::User;
use keyless_model::directory_roles::Operation;
use keyless_model::time_fmt::iso;
use serde_json::{Value, json};
use std::collections::HashMap;

fn user_json(s: &AppState, u: &User, guest: bool) -> Value {
    json!({
        "@odata.context": format!("{}/v1.0/$metadata#users/$entity", s.origin),
        "id": u.id.to_string(),
        "userPrincipalName": u.user_principal_name,
        "displayName": u.display_name,
        "mail": null,
        "userType": if guest { "Guest" } else { u.user_type.as_str() },
        "accountEnabled": true,
        "createdDateTime": iso(u.created_at),
    })
}

/// Members, then guests.
async fn everyone(s: &AppState, ctx: &Ctx) -> Result<Vec<(User, bool)>, ApiError> {
    let mut all: Vec<(User, bool)> = s
        .store
        .list_users(ctx.tenant.id)
        .await?
        .into_iter()
        .map(|u| (u, false))
        .collect();
    for g in s.store.list_tenant_guests(ctx.tenant.id).await? {
        all.push((s.store.get_user(g.user_id).await?, true));
    }
    Ok(all)
}

pub async fn collection(
    s: &AppState,
    ctx: &Ctx,
    method: &Method,
    q: &HashMap<String, String>,
) -> Result<Response, ApiError> {
    if method != Method::GET {
        return Err(bad("Unsupported method on users."));
    }
    ctx.permit(Operation::ReadUsers)?;
    let value = everyone(s, ctx)
        .await?
        .iter()
        .map(|(u, g)| user_json(s, u, *g))
        .collect();
    paged_list(s, "users", q, value)
}

pub async fn item(
    s: &AppState,
    ctx: &Ctx,
    method: &Method,
    key: &Key,
) -> Result<Response, ApiError> {
    if method != Method::GET {
        return Err(bad("Unsupported method on a user."));
    }
    ctx.permit(Operation::ReadUsers)?;
    let Key::Id(raw) = key else {
        return Err(not_found("users"));
    };
    let id = Uuid::parse_str(raw).ok();
    everyone(s, ctx)
        .await?
        .iter()
        .find(|(u, _)| Some(u.id) == id || u.user_principal_name.eq_ignore_ascii_case(raw))
        .map(|(u, g)| axum::Json(user_json(s, u, *g)).into_response())
        .ok_or_else(|| not_found(raw))
}
