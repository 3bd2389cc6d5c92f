//! `/v1.0/servicePrincipals`: create for an app, list (`$filter` appId), get, update
//! (`accountEnabled`, `displayName`), delete (with the role assignments naming it).

use super::{Call, Ctx, Key, bad, created, not_found, paged_list};
use crate::data::*;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::{ApiError, parse_json};
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::ServicePrincipal;
use keyless_model::directory_roles::Operation;
use keyless_model::time_fmt::iso;
use keyless_store::{StoreError, conflict};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn sp_json(s: &AppState, sp: &ServicePrincipal) -> Value {
    json!({
        "@odata.context": format!("{}/v1.0/$metadata#servicePrincipals/$entity", s.origin),
        "id": sp.id.to_string(),
        "appId": sp.app_id.to_string(),
        "appOwnerOrganizationId": sp.tenant_id.to_string(),
        "displayName": sp.display_name,
        "accountEnabled": sp.account_enabled,
        "servicePrincipalType": sp.service_principal_type,
        "alternativeNames": sp.alternative_names,
        "servicePrincipalNames": [sp.app_id.to_string()],
        "createdDateTime": iso(sp.created_at),
        "tags": [],
        "keyCredentials": [],
        "passwordCredentials": [],
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpBody {
    app_id: Option<String>,
    account_enabled: Option<bool>,
    display_name: Option<String>,
}

async fn find(s: &AppState, ctx: &Ctx, key: &Key) -> Result<ServicePrincipal, ApiError> {
    let found = match key {
        Key::Id(id) => match Uuid::parse_str(id) {
            Ok(u) => s.db().get_service_principal(u).await.ok(),
            Err(_) => None,
        },
        Key::AppId(id) => match Uuid::parse_str(id) {
            Ok(u) => s.db().find_service_principal(ctx.tenant.id, u).await.ok(),
            Err(_) => None,
        },
    };
    let raw = match key {
        Key::Id(i) | Key::AppId(i) => i,
    };
    let sp = found
        .filter(|sp| sp.tenant_id == ctx.tenant.id)
        .ok_or_else(|| not_found(raw))?;
    permit(s, ctx, Operation::ReadApps, &sp).await?;
    Ok(sp)
}

/// `op` on a principal is judged by its application's owners when the application lives
/// in this tenant; a managed identity's principal, or another tenant's multitenant app's,
/// has no owner here.
async fn permit(
    s: &AppState,
    ctx: &Ctx,
    op: Operation,
    sp: &ServicePrincipal,
) -> Result<(), ApiError> {
    match s.db().find_application_by_app_id(sp.app_id).await {
        Ok(app) if app.tenant_id == ctx.tenant.id => ctx.permit_app(op, &app),
        Ok(_) | Err(StoreError::NotFound) => ctx.permit(op),
        Err(e) => Err(e.into()),
    }
}

pub async fn collection(c: &Call<'_>) -> Result<Response, ApiError> {
    let (s, ctx, method, q, body) = (c.s, c.ctx, c.method, c.q, c.body);
    match *method {
        Method::GET => {
            ctx.permit(Operation::ReadApps)?;
            let want = match q.get("$filter").map(|f| f.trim()) {
                None => None,
                Some(f) => {
                    let v = f
                        .strip_prefix("appId eq ")
                        .ok_or_else(|| bad("Unsupported filter. Use appId eq '<id>'."))?;
                    Some(crate::filter::literal(v, f)?.to_ascii_lowercase())
                }
            };
            let value: Vec<Value> = s
                .db()
                .list_service_principals(ctx.tenant.id)
                .await?
                .iter()
                .filter(|sp| want.as_ref().is_none_or(|w| &sp.app_id.to_string() == w))
                .map(|sp| sp_json(s, sp))
                .collect();
            paged_list(s, "servicePrincipals", q, value)
        }
        Method::POST => {
            let body: SpBody = parse_json(body)?;
            let app_id = body
                .app_id
                .as_deref()
                .and_then(|a| Uuid::parse_str(a).ok())
                .ok_or_else(|| bad("Property 'appId' is required and must be a GUID."))?;
            let app = s
                .db()
                .find_application_by_app_id(app_id)
                .await
                .map_err(|_| not_found(&app_id.to_string()))?;
            // A single-tenant app gets a principal only in its own tenant (Entra: 700016 at sign-in).
            if app.tenant_id != ctx.tenant.id && !app.is_multitenant() {
                return Err(bad(format!(
                    "The application '{}' is single-tenant ({}) and cannot have a service principal in another tenant.",
                    app.app_id, app.sign_in_audience
                )));
            }
            if app.tenant_id == ctx.tenant.id {
                ctx.permit_app(Operation::CreateServicePrincipal, &app)?;
            } else {
                ctx.permit(Operation::CreateServicePrincipal)?;
            }
            let sp = ServicePrincipal {
                account_enabled: body.account_enabled.unwrap_or(true),
                ..ServicePrincipal::of_application(&app, ctx.tenant.id, s.now())
            };
            match ctx
                .change(s, "createServicePrincipal", sp.id, async |tx| {
                    tx.data().create_service_principal(&sp).await
                })
                .await
            {
                Ok(()) => Ok(created(sp_json(s, &sp))),
                Err(StoreError::Conflict(c)) if c == conflict::SERVICE_PRINCIPAL => {
                    Err(ApiError::detail(
                        "Conflict",
                        "Another object with the same value for property servicePrincipalNames already exists.",
                    ))
                }
                Err(e) => Err(e.into()),
            }
        }
        _ => Err(bad("Unsupported method on servicePrincipals.")),
    }
}

pub async fn item(c: &Call<'_>, key: &Key) -> Result<Response, ApiError> {
    let (s, ctx, method, body) = (c.s, c.ctx, c.method, c.body);
    let mut sp = find(s, ctx, key).await?;
    match *method {
        Method::GET => Ok(axum::Json(sp_json(s, &sp)).into_response()),
        Method::PATCH => {
            permit(s, ctx, Operation::UpdateServicePrincipal, &sp).await?;
            let body: SpBody = parse_json(body)?;
            if let Some(e) = body.account_enabled {
                sp.account_enabled = e;
            }
            if let Some(n) = body.display_name {
                sp.display_name = n;
            }
            ctx.change(s, "updateServicePrincipal", sp.id, async |tx| {
                tx.data().update_service_principal(&sp).await
            })
            .await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Method::DELETE => {
            permit(s, ctx, Operation::UpdateServicePrincipal, &sp).await?;
            ctx.change(s, "deleteServicePrincipal", sp.id, async |tx| {
                tx.data().delete_service_principal(sp.id).await
            })
            .await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(bad("Unsupported method on a service principal.")),
    }
}
