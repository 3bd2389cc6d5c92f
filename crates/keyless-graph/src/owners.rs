//! `/v1.0/applications/{id}/owners`: the app's owners (users or service principals) as a
//! list of directory objects; `POST …/owners/$ref` adds one by `@odata.id`, `DELETE
//! …/owners/{ownerId}/$ref` removes one. Adding and removing need the right to update the
//! app (its owners, or an application administrator). As in Graph, removing the last owner
//! is allowed.

use super::service_principals::sp_json;
use super::{Call, Ctx, Key, bad, find_app, list_json, not_found};
use crate::data::*;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyless_core::access::user_type_of;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::Application;
use keyless_model::directory_roles::Operation;
use keyless_model::membership::user_type_in;
use keyless_store::StoreError;
use serde_json::{Value, json};

/// Graph's refusal of an owner who already is one.
pub const DUPLICATE: &str = "One or more added object references already exist for the following modified properties: 'owners'.";

pub async fn list(s: &AppState, ctx: &Ctx, key: &Key) -> Result<Response, ApiError> {
    let app = find_app(s, ctx, key).await?;
    let mut value: Vec<Value> = Vec::new();
    for owner in &app.owners {
        if let Some(v) = directory_object(s, &app, *owner).await? {
            value.push(v);
        }
    }
    Ok(list_json(
        s,
        &format!("applications('{}')/owners", app.id),
        value,
    ))
}

/// A user or service principal as a directory object, or `None` when it no longer exists.
/// A user's `userType` is what it is to the app's tenant.
async fn directory_object(
    s: &AppState,
    app: &Application,
    id: Uuid,
) -> Result<Option<Value>, ApiError> {
    match s.db().get_user(id).await {
        Ok(u) => {
            return Ok(Some(json!({
                "@odata.type": "#microsoft.graph.user",
                "id": u.id.to_string(),
                "displayName": u.display_name,
                "userPrincipalName": u.user_principal_name,
                "userType": user_type_of(s, &u, app.tenant_id).await?,
            })));
        }
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    match s.db().get_service_principal(id).await {
        Ok(sp) => {
            let mut v = sp_json(s, &sp);
            v["@odata.type"] = json!("#microsoft.graph.servicePrincipal");
            if let Some(o) = v.as_object_mut() {
                o.remove("@odata.context");
            }
            Ok(Some(v))
        }
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The object id at the end of an `@odata.id` (any host, `…/directoryObjects/{id}`, or a
/// bare GUID).
fn referenced_id(body: &[u8]) -> Result<Uuid, ApiError> {
    let malformed = || {
        bad(
            "The request body must be {\"@odata.id\": \"https://graph.microsoft.com/v1.0/directoryObjects/{id}\"}.",
        )
    };
    let v: Value = serde_json::from_slice(body).map_err(|_| malformed())?;
    let reference = v
        .get("@odata.id")
        .and_then(Value::as_str)
        .ok_or_else(malformed)?;
    let last = reference
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    // `directoryObjects('{id}')` is the key form of the same reference.
    let last = last
        .rsplit_once('(')
        .map(|(_, k)| k.trim_end_matches(')').trim_matches('\''))
        .unwrap_or(last);
    Uuid::parse_str(last).map_err(|_| {
        bad(format!(
            "Invalid object identifier '{last}': @odata.id must end with a directory object id."
        ))
    })
}

/// Whether `id` is a user or service principal of the app's tenant (a guest counts:
/// `keyless_model::membership::user_type_in`).
async fn in_tenant(s: &AppState, app: &Application, id: Uuid) -> Result<bool, ApiError> {
    match s.db().get_user(id).await {
        Ok(u) => return Ok(user_type_of(s, &u, app.tenant_id).await?.is_some()),
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    match s.db().get_service_principal(id).await {
        Ok(sp) => Ok(user_type_in(app.tenant_id, sp.tenant_id, &[], false).is_some()),
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub async fn add(c: &Call<'_>, key: &Key) -> Result<Response, ApiError> {
    let (s, ctx, body) = (c.s, c.ctx, c.body);
    let app = find_app(s, ctx, key).await?;
    ctx.permit_app(Operation::UpdateApp, &app)?;
    let owner = referenced_id(body)?;
    if !in_tenant(s, &app, owner).await? {
        return Err(not_found(&owner.to_string()));
    }
    if app.is_owner(owner) {
        return Err(bad(DUPLICATE));
    }
    match ctx
        .change(s, "addOwner", app.id, async |tx| {
            tx.data()
                .add_application_owner(app.id, owner, s.now())
                .await
        })
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        // Added by a concurrent request since the app was read.
        Err(StoreError::Conflict(_)) => Err(bad(DUPLICATE)),
        Err(StoreError::NotFound) => Err(not_found(&app.id.to_string())),
        Err(e) => Err(e.into()),
    }
}

pub async fn remove(s: &AppState, ctx: &Ctx, key: &Key, owner: &str) -> Result<Response, ApiError> {
    let app = find_app(s, ctx, key).await?;
    ctx.permit_app(Operation::UpdateApp, &app)?;
    let id = Uuid::parse_str(owner).map_err(|_| not_found(owner))?;
    match ctx
        .change(s, "removeOwner", app.id, async |tx| {
            tx.data().remove_application_owner(app.id, id).await
        })
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(StoreError::NotFound) => Err(not_found(owner)),
        Err(e) => Err(e.into()),
    }
}
