//! An application's `identifierUris` and `api` object: checked on create and PATCH, stored
//! as given, shown with Graph's defaults.

use super::bad;
use crate::data::*;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use serde_json::{Map, Value, json};

/// Each URI is absolute (`scheme:rest`, `api://…` included), without spaces, and listed once.
pub fn check_identifier_uris(uris: &[String]) -> Result<(), ApiError> {
    for (i, u) in uris.iter().enumerate() {
        let absolute = u.split_once(':').is_some_and(|(scheme, rest)| {
            !rest.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        });
        if !absolute || u.chars().any(char::is_whitespace) {
            return Err(bad(format!(
                "Invalid value specified for property 'identifierUris' of resource 'Application': '{}' is not an absolute URI.",
                keyless_model::catalogue::sanitize(u)
            )));
        }
        if uris[..i].contains(u) {
            return Err(bad(
                "Invalid value specified for property 'identifierUris' of resource 'Application': values must be unique.",
            ));
        }
    }
    Ok(())
}

/// No other application of the tenant may use one of `uris` (compared case-insensitively).
pub async fn check_unique(
    s: &AppState,
    tenant: Uuid,
    this_app: Uuid,
    uris: &[String],
) -> Result<(), ApiError> {
    for other in s.db().list_applications(tenant).await? {
        let clash = other.id != this_app
            && other
                .identifier_uris
                .iter()
                .any(|o| uris.iter().any(|u| u.eq_ignore_ascii_case(o)));
        if clash {
            return Err(bad(
                "Another object with the same value for property identifierUris already exists.",
            ));
        }
    }
    Ok(())
}

/// `requestedAccessTokenVersion` is null, 1 or 2; the lists are lists of objects.
pub fn check_api(api: &Map<String, Value>) -> Result<(), ApiError> {
    match api.get("requestedAccessTokenVersion") {
        None | Some(Value::Null) => {}
        Some(v) if v.as_i64() == Some(1) || v.as_i64() == Some(2) => {}
        Some(_) => {
            return Err(bad(
                "Invalid value specified for property 'api.requestedAccessTokenVersion': use 1, 2 or null.",
            ));
        }
    }
    for list in ["oauth2PermissionScopes", "preAuthorizedApplications"] {
        let ok = match api.get(list) {
            None | Some(Value::Null) => true,
            Some(Value::Array(items)) => items.iter().all(Value::is_object),
            Some(_) => false,
        };
        if !ok {
            return Err(bad(format!(
                "Invalid value specified for property 'api.{list}': use a list of objects."
            )));
        }
    }
    Ok(())
}

/// The stored `api` over Graph's defaults.
pub fn api_json(api: &Map<String, Value>) -> Value {
    let mut out = json!({
        "requestedAccessTokenVersion": null,
        "oauth2PermissionScopes": [],
        "preAuthorizedApplications": [],
    });
    if let Some(o) = out.as_object_mut() {
        for (k, v) in api {
            o.insert(k.clone(), v.clone());
        }
    }
    out
}
