//! `/v1.0/applications/{id}/owners`: the app's owner, its creator (a user or a service
//! principal), as a list of directory objects.

use super::service_principals::sp_json;
use super::{Ctx, Key, find_app, list_json};
use crate::envelope::ApiError;
use crate::state::AppState;
use axum::response::Response;
use keyless_store::StoreError;
use serde_json::{Value, json};

pub async fn list(s: &AppState, ctx: &Ctx, key: &Key) -> Result<Response, ApiError> {
    let app = find_app(s, ctx, key).await?;
    let mut value: Vec<Value> = Vec::new();
    if let Some(owner) = app.created_by {
        match s.store.get_user(owner).await {
            Ok(u) => value.push(json!({
                "@odata.type": "#microsoft.graph.user",
                "id": u.id.to_string(),
                "displayName": u.display_name,
                "userPrincipalName": u.user_principal_name,
                "userType": u.user_type,
            })),
            Err(StoreError::NotFound) => match s.store.get_service_principal(owner).await {
                Ok(sp) => {
                    let mut v = sp_json(s, &sp);
                    v["@odata.type"] = json!("#microsoft.graph.servicePrincipal");
                    if let Some(o) = v.as_object_mut() {
                        o.remove("@odata.context");
                    }
                    value.push(v);
                }
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            },
            Err(e) => return Err(e.into()),
        }
    }
    Ok(list_json(
        s,
        &format!("applications('{}')/owners", app.id),
        value,
    ))
}
