//! `/v1.0/users[/{id or userPrincipalName}]`: the tenant's members and its guests (users of
//! other tenants invited into it, `userType` `Guest`). Reading needs `ReadUsers`: limited
//! guests and service principals without a role are refused.

use super::{Call, Ctx, Key, bad, not_found, paged_list};
use crate::data::*;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::{User, UserType};
use keyless_model::directory_roles::Operation;
use keyless_model::membership::user_type_in;
use keyless_model::time_fmt::iso;
use serde_json::{Value, json};

fn user_json(s: &AppState, u: &User, user_type: UserType) -> Value {
    json!({
        "@odata.context": format!("{}/v1.0/$metadata#users/$entity", s.origin),
        "id": u.id.to_string(),
        "userPrincipalName": u.user_principal_name,
        "displayName": u.display_name,
        "mail": null,
        "userType": user_type,
        "accountEnabled": true,
        "createdDateTime": iso(u.created_at),
    })
}

/// The tenant's users, members then guests, each with what it is to the tenant
/// (`keyless_model::membership::user_type_in`; every guest listed holds a membership here).
async fn everyone(s: &AppState, ctx: &Ctx) -> Result<Vec<(User, UserType)>, ApiError> {
    let tenant = ctx.tenant.id;
    let mut all: Vec<(User, &[Uuid])> = s
        .db()
        .list_users(tenant)
        .await?
        .into_iter()
        .map(|u| (u, &[][..]))
        .collect();
    let here = [tenant];
    for g in s.db().list_tenant_guests(tenant).await? {
        all.push((s.db().get_user(g.user_id).await?, &here[..]));
    }
    Ok(all
        .into_iter()
        .filter_map(|(u, guest_of)| {
            user_type_in(tenant, u.tenant_id, guest_of, u.is_admin).map(|t| (u, t))
        })
        .collect())
}

pub async fn collection(c: &Call<'_>) -> Result<Response, ApiError> {
    let (s, ctx, method, q) = (c.s, c.ctx, c.method, c.q);
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

pub async fn item(c: &Call<'_>, key: &Key) -> Result<Response, ApiError> {
    let (s, ctx, method) = (c.s, c.ctx, c.method);
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
