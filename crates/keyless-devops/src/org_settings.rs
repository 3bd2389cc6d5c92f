//! An organization's settings and people (`/keyless/v1/organizations/{org}/…`):
//! `settings` (its owner and preview features), `members` (its organization groups:
//! Project Collection Administrators) and `users` (access levels). Every user of the
//! organization reads them; only Project Collection Administrators (its owner, the members
//! of that group, keyless administrators) change them: `OrganizationSettingsForbidden`
//! names who may.

use super::security::user_by;
use crate::data::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use keyless_core::envelope::{ApiError, parse_json};
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::catalogue::sanitize;
use keyless_model::devops::Organization;
use keyless_model::devops::organization::{AccessLevel, OrganizationGroup, PreviewFeature};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// The organization, once the caller is found to be one of its Project Collection
/// Administrators.
async fn changeable(
    s: &AppState,
    headers: &HeaderMap,
    root: &str,
) -> Result<Organization, ApiError> {
    let (_, org) =
        collection_administrator(s, headers, root, "OrganizationSettingsForbidden").await?;
    Ok(org)
}

/// The caller and the organization, once the caller is found to be one of its Project
/// Collection Administrators; else the catalogue's `refusal` (placeholders `org`, `owners`).
pub(crate) async fn collection_administrator(
    s: &AppState,
    headers: &HeaderMap,
    root: &str,
    refusal: &str,
) -> Result<(keyless_core::auth::Caller, Organization), ApiError> {
    let (caller, org) = super::managed_org(s, headers, root).await?;
    if super::org_people::is_collection_administrator(s, &caller, &org).await? {
        return Ok((caller, org));
    }
    let owners = super::org_people::owners_text(s, &org).await?;
    Err(ApiError::new(
        refusal,
        &[("org", &org.name), ("owners", &owners)],
    ))
}

/// Refuses to create a connection that needs a preview feature the organization turned off
/// (`PreviewFeatureOff`, naming who turns it on).
pub async fn require_feature(
    s: &AppState,
    org: &Organization,
    feature: PreviewFeature,
) -> Result<(), ApiError> {
    if feature.enabled_in(&s.db().list_preview_features(org.id).await?) {
        return Ok(());
    }
    let owners = super::org_people::owners_text(s, org).await?;
    Err(ApiError::new(
        "PreviewFeatureOff",
        &[
            ("feature", feature.as_str()),
            ("feature_id", feature.id()),
            ("org", &org.name),
            ("owners", &owners),
        ],
    ))
}

fn bad(detail: String) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

async fn user_json(s: &AppState, id: keyless_model::Uuid) -> Result<Value, ApiError> {
    let u = s.db().get_user(id).await?;
    Ok(json!({"user": u.user_principal_name, "userId": u.id.to_string()}))
}

async fn settings_json(s: &AppState, org: &Organization) -> Result<Value, ApiError> {
    let owner = match org.owner_id {
        Some(id) => user_json(s, id).await?,
        None => Value::Null,
    };
    let recorded = s.db().list_preview_features(org.id).await?;
    let features: Vec<Value> = PreviewFeature::ALL
        .iter()
        .map(|f| json!({"id": f.id(), "name": f.as_str(), "enabled": f.enabled_in(&recorded)}))
        .collect();
    Ok(json!({"organization": org.name, "owner": owner, "previewFeatures": features}))
}

/// `GET …/settings`.
pub async fn get_settings(
    Req { s, headers }: Req,
    Path(root): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (_, org) = super::managed_org(&s, &headers, &root).await?;
    Ok(Json(settings_json(&s, &org).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SettingsBody {
    #[serde(default)]
    owner: Option<String>,
    /// Feature id or name → on or off.
    #[serde(default)]
    preview_features: BTreeMap<String, bool>,
}

/// `PATCH …/settings` `{"owner": "<user>", "previewFeatures": {"<id or name>": bool}}`.
pub async fn patch_settings(
    Req { s, headers }: Req,
    Path(root): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let org = changeable(&s, &headers, &root).await?;
    let b: SettingsBody = parse_json(&body)?;
    let mut features = Vec::new();
    for (name, on) in &b.preview_features {
        let f = PreviewFeature::by_id_or_name(name).ok_or_else(|| {
            bad(format!(
                "The preview feature '{}' does not exist; use {}.",
                sanitize(name),
                PreviewFeature::ALL
                    .iter()
                    .map(|f| f.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        features.push((f, *on));
    }
    let owner = match &b.owner {
        Some(o) => Some(user_by(&s, o).await?),
        None => None,
    };
    let tx = s.begin().await?;
    if let Some(o) = owner {
        tx.data().set_organization_owner(org.id, o).await?;
    }
    for (f, on) in features {
        tx.data().set_preview_feature(org.id, f, on).await?;
    }
    tx.commit_audited(&[org_change(&s, "changeSettings", &org, None)])
        .await?;
    tracing::info!(org.id = %org.id, "organization settings changed");
    let org = s.db().get_organization(org.id).await?;
    Ok(Json(settings_json(&s, &org).await?))
}

fn group_of(name: &str) -> Result<OrganizationGroup, ApiError> {
    OrganizationGroup::parse(name.trim()).ok_or_else(|| {
        bad(format!(
            "The organization group '{}' does not exist; use Project Collection Administrators.",
            sanitize(name)
        ))
    })
}

/// `{"count", "value"}` of the users of `rows`, each with `key` set to what its row holds.
pub(crate) async fn people_json(
    s: &AppState,
    rows: Vec<(keyless_model::Uuid, impl std::fmt::Display)>,
    key: &str,
) -> Result<Value, ApiError> {
    let mut value = Vec::new();
    for (user, what) in rows {
        let mut v = user_json(s, user).await?;
        v[key] = json!(what.to_string());
        value.push(v);
    }
    Ok(json!({"count": value.len(), "value": value}))
}

async fn members_json(s: &AppState, org: &Organization) -> Result<Value, ApiError> {
    people_json(s, s.db().list_organization_members(org.id).await?, "group").await
}

/// `GET …/members`.
pub async fn list_members(
    Req { s, headers }: Req,
    Path(root): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (_, org) = super::managed_org(&s, &headers, &root).await?;
    Ok(Json(members_json(&s, &org).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MemberBody {
    user: String,
    group: String,
}

/// `POST …/members` `{"user","group"}`.
pub async fn add_member(
    Req { s, headers }: Req,
    Path(root): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let org = changeable(&s, &headers, &root).await?;
    let b: MemberBody = parse_json(&body)?;
    let group = group_of(&b.group)?;
    let user = user_by(&s, &b.user).await?;
    let rec = org_change(&s, "addMember", &org, Some(user));
    audited(&s, rec, async |tx| {
        tx.data().add_organization_member(org.id, user, group).await
    })
    .await?;
    Ok((StatusCode::CREATED, Json(members_json(&s, &org).await?)))
}

/// `DELETE …/members?user=&group=`.
pub async fn remove_member(
    Req { s, headers }: Req,
    Path(root): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<StatusCode, ApiError> {
    let org = changeable(&s, &headers, &root).await?;
    let (Some(user), Some(group)) = (q.get("user"), q.get("group")) else {
        return Err(bad(
            "Pass the membership to remove as ?user=…&group=….".to_string()
        ));
    };
    let group = group_of(group)?;
    let user = user_by(&s, user).await?;
    let rec = org_change(&s, "removeMember", &org, Some(user));
    audited(&s, rec, async |tx| {
        tx.data()
            .remove_organization_member(org.id, user, group)
            .await
            .map_err(|_| ApiError::detail("NotFound", "The user is not in that group."))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn users_json(s: &AppState, org: &Organization) -> Result<Value, ApiError> {
    people_json(s, s.db().list_access_levels(org.id).await?, "accessLevel").await
}

/// `GET …/users`: the users whose access level was set (every other user is Basic).
pub async fn list_users(
    Req { s, headers }: Req,
    Path(root): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (_, org) = super::managed_org(&s, &headers, &root).await?;
    Ok(Json(users_json(&s, &org).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserBody {
    access_level: String,
}

/// `PUT …/users/{user}` `{"accessLevel": "Basic" | "Stakeholder"}`.
pub async fn put_user(
    Req { s, headers }: Req,
    Path((root, user)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let org = changeable(&s, &headers, &root).await?;
    let b: UserBody = parse_json(&body)?;
    let level = AccessLevel::parse(b.access_level.trim()).ok_or_else(|| {
        bad(format!(
            "The access level '{}' does not exist; use Basic or Stakeholder.",
            sanitize(&b.access_level)
        ))
    })?;
    let user = user_by(&s, &user).await?;
    let rec = org_change(&s, "setAccessLevel", &org, Some(user));
    audited(&s, rec, async |tx| {
        tx.data().set_access_level(org.id, user, level).await
    })
    .await?;
    Ok(Json(users_json(&s, &org).await?))
}

/// The entry of a change to the organization's settings or people (`user`, when one).
fn org_change(
    s: &AppState,
    operation: &str,
    org: &Organization,
    user: Option<keyless_model::Uuid>,
) -> keyless_model::audit::AuditEntry {
    let object = json!({"organization": org.id, "user": user});
    super::lifecycle::object_entry(s, None, operation, object)
}
