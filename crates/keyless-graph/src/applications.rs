//! `/v1.0/applications`: create, list (`$filter` on appId/displayName, `$top`, paging), get,
//! update (PATCH displayName/signInAudience), delete (with everything that hangs off it).

use super::app_identifiers::{api_json, check_api, check_identifier_uris, check_unique};
use super::{Call, Ctx, Key, bad, created, find_app, paged_list};
use crate::data::*;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::{ApiError, parse_json};
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::{Application, PasswordCredential};
use keyless_model::directory_roles::Operation;
use keyless_model::time_fmt::iso;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

pub const AUDIENCES: [&str; 4] = [
    "AzureADMyOrg",
    "AzureADMultipleOrgs",
    "AzureADandPersonalMicrosoftAccount",
    "PersonalMicrosoftAccount",
];

pub fn password_json(p: &PasswordCredential, secret_text: Option<&str>) -> Value {
    json!({
        "customKeyIdentifier": null,
        "displayName": p.display_name,
        "endDateTime": iso(p.end_date_time),
        "hint": p.hint,
        "keyId": p.key_id.to_string(),
        "secretText": secret_text,
        "startDateTime": iso(p.start_date_time),
    })
}

pub async fn app_json(s: &AppState, ctx: &Ctx, a: &Application) -> Result<Value, ApiError> {
    let passwords: Vec<Value> = s
        .db()
        .list_passwords(a.id)
        .await?
        .iter()
        .map(|p| password_json(p, None))
        .collect();
    Ok(json!({
        "@odata.context": format!("{}/v1.0/$metadata#applications/$entity", s.origin),
        "id": a.id.to_string(),
        "appId": a.app_id.to_string(),
        "displayName": a.display_name,
        "signInAudience": a.sign_in_audience,
        "createdDateTime": iso(a.created_at),
        "publisherDomain": ctx.tenant.domain,
        "description": null,
        "identifierUris": a.identifier_uris,
        "tags": [],
        "keyCredentials": [],
        "passwordCredentials": passwords,
        "requiredResourceAccess": [],
        "api": api_json(&a.api),
        "web": {"redirectUris": [], "homePageUrl": null, "logoutUrl": null},
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppBody {
    display_name: Option<String>,
    sign_in_audience: Option<String>,
    identifier_uris: Option<Vec<String>>,
    api: Option<serde_json::Map<String, Value>>,
}

fn check_audience(a: &str) -> Result<(), ApiError> {
    if AUDIENCES.contains(&a) {
        Ok(())
    } else {
        Err(bad(format!(
            "Invalid value specified for property 'signInAudience' of resource 'Application': '{}'. Use one of {}.",
            keyless_model::catalogue::sanitize(a),
            AUDIENCES.join(", ")
        )))
    }
}

fn check_name(n: &str) -> Result<(), ApiError> {
    if n.trim().is_empty() || n.chars().count() > 256 {
        return Err(bad(
            "Property 'displayName' is required and must be at most 256 characters.",
        ));
    }
    Ok(())
}

/// Parses the two `$filter` forms clients use on applications.
fn filter(q: &HashMap<String, String>) -> Result<Option<(&'static str, String)>, ApiError> {
    let Some(f) = q.get("$filter").map(|f| f.trim()) else {
        return Ok(None);
    };
    if let Some(v) = f
        .strip_prefix("startswith(displayName,")
        .and_then(|r| r.strip_suffix(')'))
    {
        return Ok(Some(("startswith", crate::filter::literal(v, f)?)));
    }
    for field in ["appId", "displayName"] {
        if let Some(v) = f
            .strip_prefix(field)
            .and_then(|r| r.trim_start().strip_prefix("eq "))
        {
            return Ok(Some((field, crate::filter::literal(v, f)?)));
        }
    }
    Err(bad(format!(
        "Unsupported filter '{}'. Use appId eq '<id>', displayName eq '<name>' or startswith(displayName,'<prefix>').",
        keyless_model::catalogue::sanitize(f)
    )))
}

pub async fn collection(c: &Call<'_>) -> Result<Response, ApiError> {
    let (s, ctx, method, q, body) = (c.s, c.ctx, c.method, c.q, c.body);
    match *method {
        Method::GET => {
            ctx.permit(Operation::ReadApps)?;
            let f = filter(q)?;
            let mut value = Vec::new();
            for a in s.db().list_applications(ctx.tenant.id).await? {
                let keep = match &f {
                    Some(("appId", v)) => a.app_id.to_string().eq_ignore_ascii_case(v),
                    Some(("startswith", v)) => {
                        a.display_name.to_lowercase().starts_with(&v.to_lowercase())
                    }
                    Some((_, v)) => &a.display_name == v,
                    None => true,
                };
                if keep {
                    value.push(app_json(s, ctx, &a).await?);
                }
            }
            paged_list(s, "applications", q, value)
        }
        Method::POST => {
            ctx.permit(Operation::CreateApp)?;
            let body: AppBody = parse_json(body)?;
            let name = body.display_name.unwrap_or_default();
            check_name(&name)?;
            let audience = body
                .sign_in_audience
                .unwrap_or_else(|| "AzureADMyOrg".into());
            check_audience(&audience)?;
            let identifier_uris = body.identifier_uris.unwrap_or_default();
            check_identifier_uris(&identifier_uris)?;
            let api = body.api.unwrap_or_default();
            check_api(&api)?;
            let id = Uuid::new_v4();
            check_unique(s, ctx.tenant.id, id, &identifier_uris).await?;
            let app = Application {
                id,
                app_id: Uuid::new_v4(),
                tenant_id: ctx.tenant.id,
                display_name: name,
                sign_in_audience: audience,
                enabled: true,
                created_by: Some(ctx.principal_id()),
                owners: vec![ctx.principal_id()],
                created_at: s.now(),
                identifier_uris,
                api,
            };
            ctx.change(s, "createApplication", app.id, async |tx| {
                tx.data().create_application(&app).await
            })
            .await?;
            Ok(created(app_json(s, ctx, &app).await?))
        }
        _ => Err(bad("Unsupported method on applications.")),
    }
}

pub async fn item(c: &Call<'_>, key: &Key) -> Result<Response, ApiError> {
    let (s, ctx, method, body) = (c.s, c.ctx, c.method, c.body);
    let mut app = find_app(s, ctx, key).await?;
    match *method {
        Method::GET => Ok(axum::Json(app_json(s, ctx, &app).await?).into_response()),
        Method::PATCH => {
            ctx.permit_app(Operation::UpdateApp, &app)?;
            let body: AppBody = parse_json(body)?;
            if let Some(n) = body.display_name {
                check_name(&n)?;
                app.display_name = n;
            }
            if let Some(a) = body.sign_in_audience {
                check_audience(&a)?;
                app.sign_in_audience = a;
            }
            if let Some(uris) = body.identifier_uris {
                check_identifier_uris(&uris)?;
                check_unique(s, app.tenant_id, app.id, &uris).await?;
                app.identifier_uris = uris;
            }
            if let Some(api) = body.api {
                check_api(&api)?;
                app.api = api;
            }
            ctx.change(s, "updateApplication", app.id, async |tx| {
                tx.data().update_application(&app).await
            })
            .await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Method::DELETE => {
            ctx.permit_app(Operation::UpdateApp, &app)?;
            ctx.change(s, "deleteApplication", app.id, async |tx| {
                tx.data().delete_application(app.id).await
            })
            .await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(bad("Unsupported method on an application.")),
    }
}
