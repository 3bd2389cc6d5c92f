//! An application's credentials: secrets (`addPassword`/`removePassword`, the secret shown
//! once and stored as a salted hash) and federated identity credentials, with Graph's saving
//! rules and texts.

use super::{Call, Key, bad, created, find_app, list_json, not_found};
use crate::data::*;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use keyless_core::credentials::{fic_conflict, new_password};
use keyless_core::envelope::{ApiError, parse_json, parse_json_or_default};
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::FederatedCredential;
use keyless_model::directory_roles::Operation;
use keyless_model::federation::{validate_fic_fields, validate_fic_name};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PasswordRequest {
    display_name: Option<String>,
    end_date_time: Option<String>,
    start_date_time: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AddPassword {
    #[serde(default)]
    password_credential: Option<PasswordRequest>,
}

pub async fn add_password(c: &Call<'_>, key: &Key) -> Result<Response, ApiError> {
    let (s, ctx, body) = (c.s, c.ctx, c.body);
    let app = find_app(s, ctx, key).await?;
    ctx.permit_app(Operation::ManageAppCredentials, &app)?;
    let body: AddPassword = parse_json_or_default(body)?;
    let req = body.password_credential.unwrap_or_default();
    let now = s.now();
    let max_days = ctx.tenant.settings.secret_lifetime_days;
    let parse = |v: &Option<String>, field: &str| -> Result<Option<i64>, ApiError> {
        match v {
            None => Ok(None),
            Some(t) => keyless_model::time_fmt::parse_iso(t)
                .map(Some)
                .ok_or_else(|| {
                    bad(format!(
                        "Invalid value for '{field}': use an ISO 8601 date-time."
                    ))
                }),
        }
    };
    let start = parse(&req.start_date_time, "startDateTime")?.unwrap_or(now);
    let end = parse(&req.end_date_time, "endDateTime")?.unwrap_or(start + max_days * 86_400);
    if end <= start {
        return Err(bad("endDateTime must be after startDateTime."));
    }
    if end - start > max_days * 86_400 {
        return Err(bad(format!(
            "Credential lifetime exceeds the max value allowed as per the tenant's policy ({max_days} days)."
        )));
    }
    let (p, secret) = new_password(
        app.id,
        req.display_name.as_deref().unwrap_or(""),
        start,
        end,
    );
    ctx.change(s, "addPassword", app.id, async |tx| {
        tx.data().add_password(&p).await
    })
    .await?;
    let mut v = super::applications::password_json(&p, Some(&secret));
    v["@odata.context"] = json!(format!(
        "{}/v1.0/$metadata#microsoft.graph.passwordCredential",
        s.origin
    ));
    Ok(axum::Json(v).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RemovePassword {
    key_id: String,
}

pub async fn remove_password(c: &Call<'_>, key: &Key) -> Result<Response, ApiError> {
    let (s, ctx, body) = (c.s, c.ctx, c.body);
    let app = find_app(s, ctx, key).await?;
    ctx.permit_app(Operation::ManageAppCredentials, &app)?;
    let body: RemovePassword = parse_json(body)?;
    let key_id = Uuid::parse_str(&body.key_id).map_err(|_| bad("keyId must be a GUID."))?;
    ctx.change(s, "removePassword", app.id, async |tx| {
        tx.data().remove_password(app.id, key_id).await
    })
    .await
    .map_err(|_| {
        bad(format!(
            "No password credential with keyId '{key_id}' exists on the application."
        ))
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub fn fic_json(s: &AppState, f: &FederatedCredential) -> Value {
    json!({
        "@odata.context": format!("{}/v1.0/$metadata#applications('{}')/federatedIdentityCredentials/$entity", s.origin, f.parent_id),
        "@odata.type": "#microsoft.graph.federatedIdentityCredential",
        "id": f.id.to_string(),
        "name": f.name,
        "issuer": f.issuer,
        "subject": f.subject,
        "audiences": f.audiences,
        "description": f.description,
        "claimsMatchingExpression": f.claims_matching_expression.as_ref().map(|e| json!({"value": e, "languageVersion": 1})),
    })
}

/// Parses `{"value": "...", "languageVersion": 1}`; malformed expressions are refused here,
/// at creation, never at exchange time. Returns the expression in canonical form.
fn expression(v: &Value) -> Result<Option<String>, ApiError> {
    if v.is_null() {
        return Ok(None);
    }
    let text = v["value"].as_str().ok_or_else(|| {
        bad("claimsMatchingExpression must be an object with 'value' (text) and 'languageVersion' (1).")
    })?;
    let version = v["languageVersion"].as_i64().unwrap_or(1);
    keyless_model::federation::expression::parse(text, version)
        .map(|e| Some(e.to_string()))
        .map_err(|e| bad(format!("Invalid claimsMatchingExpression: {e}.")))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FicBody {
    name: Option<String>,
    issuer: Option<String>,
    subject: Option<String>,
    audiences: Option<Vec<String>>,
    description: Option<String>,
    claims_matching_expression: Option<Value>,
}

/// Unlike Entra, which allows flexible credentials only for a few issuers, keyless accepts
/// them for every issuer (both Azure DevOps generations included). Returns the expression.
fn check(
    f: &FicBody,
    issuer: &str,
    subject: Option<&str>,
    audiences: &[String],
) -> Result<Option<String>, ApiError> {
    let expr = match &f.claims_matching_expression {
        Some(v) => expression(v)?,
        None => None,
    };
    if let Some(d) = &f.description
        && d.chars().count() > 600
    {
        return Err(bad("The description must be at most 600 characters."));
    }
    validate_fic_fields(issuer, subject, audiences, expr.is_some()).map_err(bad)?;
    Ok(expr)
}

pub async fn fic_collection(c: &Call<'_>, key: &Key) -> Result<Response, ApiError> {
    let (s, ctx, method, body) = (c.s, c.ctx, c.method, c.body);
    let app = find_app(s, ctx, key).await?;
    match *method {
        Method::GET => {
            let value = s
                .db()
                .list_fics(app.id)
                .await?
                .iter()
                .map(|f| fic_json(s, f))
                .collect();
            Ok(list_json(
                s,
                &format!("applications('{}')/federatedIdentityCredentials", app.id),
                value,
            ))
        }
        Method::POST => {
            ctx.permit_app(Operation::CreateFederatedCredential, &app)?;
            let f: FicBody = parse_json(body)?;
            let name = f.name.clone().unwrap_or_default();
            validate_fic_name(&name).map_err(bad)?;
            let issuer = f.issuer.clone().unwrap_or_default();
            let audiences = f.audiences.clone().unwrap_or_default();
            let expr = check(&f, &issuer, f.subject.as_deref(), &audiences)?;
            let fic = FederatedCredential {
                id: Uuid::new_v4(),
                parent_id: app.id,
                name,
                issuer,
                subject: f.subject,
                audiences,
                description: f.description,
                claims_matching_expression: expr,
                created_at: s.now(),
            };
            ctx.change(s, "createFederatedIdentityCredential", app.id, async |tx| {
                tx.data().create_fic(&fic).await
            })
            .await
            .map_err(fic_conflict)?;
            Ok(created(fic_json(s, &fic)))
        }
        _ => Err(bad("Unsupported method on federatedIdentityCredentials.")),
    }
}

/// A credential addressed by id or by name (Graph accepts both). A name may itself look
/// like a GUID (`[A-Za-z0-9_-]` allows it), so a GUID that is no id is tried as a name.
async fn find_fic(s: &AppState, parent: Uuid, id: &str) -> Result<FederatedCredential, ApiError> {
    let by_id = match Uuid::parse_str(id) {
        Ok(u) => s.db().get_fic(parent, u).await.ok(),
        Err(_) => None,
    };
    match by_id {
        Some(f) => Ok(f),
        None => s
            .db()
            .find_fic_by_name(parent, id)
            .await
            .map_err(|_| not_found(id)),
    }
}

pub async fn fic_item(c: &Call<'_>, key: &Key, id: &str) -> Result<Response, ApiError> {
    let (s, ctx, method, body) = (c.s, c.ctx, c.method, c.body);
    let app = find_app(s, ctx, key).await?;
    let mut fic = find_fic(s, app.id, id).await?;
    match *method {
        Method::GET => Ok(axum::Json(fic_json(s, &fic)).into_response()),
        Method::PATCH => {
            ctx.permit_app(Operation::ManageAppCredentials, &app)?;
            let f: FicBody = parse_json(body)?;
            if f.name.as_ref().is_some_and(|n| n != &fic.name) {
                return Err(bad(
                    "The name of a federated identity credential cannot be changed.",
                ));
            }
            let issuer = f.issuer.clone().unwrap_or(fic.issuer.clone());
            // A new expression replaces the subject and vice versa.
            let (subject, expr_given) = match (&f.subject, &f.claims_matching_expression) {
                (Some(sub), _) => (Some(sub.clone()), false),
                (None, Some(v)) if !v.is_null() => (None, true),
                _ => (fic.subject.clone(), false),
            };
            let audiences = f.audiences.clone().unwrap_or(fic.audiences.clone());
            let mut body = f;
            if !expr_given && subject.is_none() {
                body.claims_matching_expression = fic
                    .claims_matching_expression
                    .as_ref()
                    .map(|e| json!({"value": e, "languageVersion": 1}));
            }
            let expr = check(&body, &issuer, subject.as_deref(), &audiences)?;
            let f = body;
            fic.issuer = issuer;
            fic.subject = subject;
            fic.audiences = audiences;
            fic.claims_matching_expression = expr;
            if f.description.is_some() {
                fic.description = f.description;
            }
            ctx.change(s, "updateFederatedIdentityCredential", app.id, async |tx| {
                tx.data().update_fic(&fic).await
            })
            .await
            .map_err(fic_conflict)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Method::DELETE => {
            ctx.permit_app(Operation::ManageAppCredentials, &app)?;
            ctx.change(s, "deleteFederatedIdentityCredential", app.id, async |tx| {
                tx.data().delete_fic(app.id, fic.id).await
            })
            .await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(bad(
            "Unsupported method on a federated identity credential.",
        )),
    }
}
