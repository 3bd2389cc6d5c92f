//! Handlers for tenants, users, PATs, organizations, projects and subscriptions.

use super::ops;
use crate::auth::{caller, issue_pat};
use crate::devops::{find_org, find_project};
use crate::envelope::{ApiError, parse_json};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use keyless_core::req::Req;
use keyless_model::Uuid;
use keyless_model::directory::{Cloud, TenantSettings, UserType};
use keyless_model::directory_roles::Operation;
use keyless_model::pat_scopes::PatScope;
use serde::Deserialize;
use serde_json::{Value, json};

type JsonResult = Result<Json<Value>, ApiError>;

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

/// A tenant by id, short name (`contoso`) or domain, as the CLI and world files name it.
/// (The token endpoint's resolver accepts only ids and domains and answers in Entra's
/// envelope; neither suits this API.)
pub async fn resolve_tenant(
    s: &AppState,
    key: &str,
) -> Result<keyless_model::directory::Tenant, ApiError> {
    let found = match Uuid::parse_str(key) {
        Ok(id) => s.shared_store().get_tenant(id).await,
        Err(_) => s.shared_store().find_tenant(key).await,
    };
    found.map_err(|e| match e {
        keyless_store::StoreError::NotFound => ApiError::detail(
            "NotFound",
            format!(
                "The tenant '{}' does not exist. keyless tenant list shows the tenants.",
                keyless_model::catalogue::sanitize(key)
            ),
        ),
        e => e.into(),
    })
}

pub async fn me(State(s): State<AppState>, headers: HeaderMap) -> JsonResult {
    let c = caller(&s, &headers).await?;
    // Every tenant the person belongs to (home, then guest memberships), with their roles
    // there: the tenants to choose from when one's subscriptions are not visible.
    let mut tenants = Vec::new();
    let ids = std::iter::once(c.user.tenant_id).chain(c.guest_of.iter().copied());
    for tenant_id in ids {
        let user_type = c.user_type_in(tenant_id).map(UserType::as_str);
        let t = s.shared_store().get_tenant(tenant_id).await?;
        let roles: Vec<&str> = s
            .shared_store()
            .list_principal_directory_roles(tenant_id, c.user.id)
            .await?
            .iter()
            .map(|a| a.role.display_name())
            .collect();
        tenants.push(
            json!({"id": t.id, "name": t.name, "userType": user_type, "directoryRoles": roles}),
        );
    }
    Ok(Json(
        json!({"user": c.user, "token": c.pat, "tenants": tenants}),
    ))
}

pub async fn list_tenants(State(s): State<AppState>, headers: HeaderMap) -> JsonResult {
    let c = caller(&s, &headers).await?;
    let all = s.shared_store().list_tenants().await?;
    let value: Vec<_> = all
        .into_iter()
        .filter(|t| c.user_type_in(t.id).is_some())
        .collect();
    Ok(Json(json!({"value": value})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantBody {
    name: String,
    id: Option<Uuid>,
    display_name: Option<String>,
    cloud: Option<String>,
    settings: Option<TenantSettings>,
}

pub async fn create_tenant(
    Req { s, headers }: Req,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller(&s, &headers).await?.require_admin()?;
    let b: TenantBody = parse_json(&body)?;
    let cloud = match b.cloud.as_deref() {
        None => Cloud::Public,
        Some(c) => Cloud::parse(c).ok_or_else(|| bad("cloud must be public, usgov or china."))?,
    };
    let t = ops::create_tenant(
        &s,
        ops::NewTenant {
            name: b.name,
            id: b.id,
            display_name: b.display_name,
            cloud,
            settings: b.settings.unwrap_or_default(),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!(t))))
}

pub async fn get_tenant(Req { s, headers }: Req, Path(t): Path<String>) -> JsonResult {
    let c = caller(&s, &headers).await?;
    let t = resolve_tenant(&s, &t).await?;
    if c.user_type_in(t.id).is_none() {
        return Err(ApiError::detail(
            "Forbidden",
            "You may only read the tenants you belong to (your own, and those you are a guest of).",
        ));
    }
    Ok(Json(json!(t)))
}

pub async fn update_settings(
    Req { s, headers }: Req,
    Path(t): Path<String>,
    body: Bytes,
) -> JsonResult {
    let t = resolve_tenant(&s, &t).await?;
    let by = super::directory::permit(&s, &headers, &t, Operation::ChangeTenantSettings).await?;
    let mut current = serde_json::to_value(&t.settings).map_err(anyhow::Error::from)?;
    let patch: Value = parse_json(&body)?;
    let Value::Object(patch) = patch else {
        return Err(bad("The body must be a JSON object of settings."));
    };
    // Settings deserialize leniently (defaults for what is missing), so a misspelt key
    // would otherwise be dropped in silence and the caller believe the change was made.
    for (k, v) in patch {
        if current.get(&k).is_none() {
            let known: Vec<&str> = current
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            return Err(bad(format!(
                "Unknown setting '{}'. Known settings: {}.",
                keyless_model::catalogue::sanitize(&k),
                known.join(", ")
            )));
        }
        current[k] = v;
    }
    let settings: TenantSettings =
        serde_json::from_value(current).map_err(|e| bad(format!("Invalid settings: {e}")))?;
    let uow = s.shared_store().begin().await?;
    uow.update_tenant_settings(t.id, &settings).await?;
    let rec = ops::change_by(&s, Some(t.id), Some(by), "updateTenantSettings", t.id);
    ops::commit_audited(uow, rec).await?;
    Ok(Json(json!(settings)))
}

pub async fn list_users(Req { s, headers }: Req, Path(t): Path<String>) -> JsonResult {
    let t = resolve_tenant(&s, &t).await?;
    super::directory::permit(&s, &headers, &t, Operation::ReadUsers).await?;
    Ok(Json(
        json!({"value": s.shared_store().list_users(t.id).await?}),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserBody {
    name: String,
    display_name: Option<String>,
    #[serde(default)]
    admin: bool,
}

pub async fn create_user(
    Req { s, headers }: Req,
    Path(t): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let c = caller(&s, &headers).await?;
    let t = resolve_tenant(&s, &t).await?;
    super::directory::permit(&s, &headers, &t, Operation::ManageUsers).await?;
    let b: UserBody = parse_json(&body)?;
    if b.admin {
        // Only keyless administrators make keyless administrators.
        c.require_admin()?;
    }
    let u = ops::create_user(&s, &t, &b.name, b.display_name, b.admin).await?;
    Ok((StatusCode::CREATED, Json(json!(u))))
}

pub async fn list_pats(State(s): State<AppState>, headers: HeaderMap) -> JsonResult {
    let c = caller(&s, &headers).await?;
    Ok(Json(
        json!({"value": s.shared_store().list_pats(c.user.id).await?}),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatBody {
    name: String,
    days: Option<i64>,
    /// An administrator may create a token for another user.
    user: Option<String>,
    /// `full` (default), `read`, `directory`, `resources`, `connections`.
    scopes: Option<Vec<String>>,
}

pub async fn create_pat(
    Req { s, headers }: Req,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let c = caller(&s, &headers).await?;
    let b: PatBody = parse_json(&body)?;
    let user = match b.user {
        None => c.user.clone(),
        Some(upn) => {
            c.require_admin()?;
            s.shared_store().find_user_by_upn(&upn).await.map_err(|_| {
                bad(format!(
                    "No user '{}'.",
                    keyless_model::catalogue::sanitize(&upn)
                ))
            })?
        }
    };
    if b.name.trim().is_empty() {
        return Err(bad("A token needs a name."));
    }
    let scopes = b.scopes.unwrap_or_else(|| vec!["full".into()]);
    if scopes.is_empty() {
        return Err(bad("A token needs at least one scope."));
    }
    if let Some(unknown) = scopes.iter().find(|x| PatScope::parse(x).is_none()) {
        let known: Vec<&str> = PatScope::ALL.iter().map(|p| p.as_str()).collect();
        return Err(bad(format!(
            "Unknown scope '{}'. Known scopes: {}.",
            keyless_model::catalogue::sanitize(unknown),
            known.join(", ")
        )));
    }
    // Creating tokens needs a full token (`auth::enforce_pat_scopes`: no area, a write);
    // a lifetime outside `auth::PAT_DAYS` is refused there.
    let (token, pat) = issue_pat(
        &s,
        Some(c.user.id),
        &user,
        &b.name,
        b.days.unwrap_or(30),
        scopes,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "pat": pat})),
    ))
}

pub async fn revoke_pat(
    Req { s, headers }: Req,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let c = caller(&s, &headers).await?;
    let mine = s
        .shared_store()
        .list_pats(c.user.id)
        .await?
        .iter()
        .any(|p| p.id == id);
    if !mine {
        c.require_admin()?;
    }
    let uow = s.shared_store().begin().await?;
    uow.revoke_pat(id, s.now()).await?;
    let rec = ops::change_by(&s, None, Some(c.user.id), "revokePat", id);
    ops::commit_audited(uow, rec).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_orgs(State(s): State<AppState>, headers: HeaderMap) -> JsonResult {
    let c = caller(&s, &headers).await?;
    let value: Vec<_> = s
        .shared_store()
        .list_organizations()
        .await?
        .into_iter()
        .filter(|o| crate::devops::may_manage(&c, o).is_ok())
        .collect();
    Ok(Json(json!({"value": value})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgBody {
    name: String,
    tenant: Option<String>,
    /// `public`, `usgov` or `china`; the tenant's cloud when absent.
    cloud: Option<String>,
    /// The owner (a user id or principal name); the administrator creating it when absent.
    owner: Option<String>,
}

pub async fn create_org(
    Req { s, headers }: Req,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let c = caller(&s, &headers).await?;
    c.require_admin()?;
    let b: OrgBody = parse_json(&body)?;
    let owner = match &b.owner {
        Some(o) => owner_by(&s, o).await?,
        None => c.user.id,
    };
    let tenant = match &b.tenant {
        Some(t) => Some(resolve_tenant(&s, t).await?),
        None => None,
    };
    let cloud = match b.cloud.as_deref() {
        None => None,
        Some(c) => {
            Some(Cloud::parse(c).ok_or_else(|| bad("cloud must be public, usgov or china."))?)
        }
    };
    let o = ops::create_organization(&s, &b.name, tenant.as_ref(), cloud, Some(owner)).await?;
    Ok((StatusCode::CREATED, Json(json!(o))))
}

/// A user by id or principal name, to own an organization.
async fn owner_by(s: &AppState, key: &str) -> Result<Uuid, ApiError> {
    let found = match Uuid::parse_str(key) {
        Ok(id) => s.shared_store().get_user(id).await,
        Err(_) => s.shared_store().find_user_by_upn(key).await,
    };
    found.map(|u| u.id).map_err(|_| {
        bad(format!(
            "The owner '{}' is not a user.",
            keyless_model::catalogue::sanitize(key)
        ))
    })
}

pub async fn list_projects(Req { s, headers }: Req, Path(org): Path<String>) -> JsonResult {
    let c = caller(&s, &headers).await?;
    let org = find_org(&s, &org).await?;
    crate::devops::may_manage(&c, &org)?;
    // Only the projects where the caller has a group (administrators see all).
    let mut value = Vec::new();
    for p in s.shared_store().list_projects(org.id).await? {
        if c.is_admin()
            || !s
                .shared_store()
                .list_project_groups(p.id, c.user.id)
                .await?
                .is_empty()
        {
            value.push(p);
        }
    }
    Ok(Json(json!({ "value": value })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProjectBody {
    name: String,
    description: Option<String>,
}

pub async fn create_project(
    Req { s, headers }: Req,
    Path(org): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // Creating projects is for Project Collection Administrators: keyless administrators.
    caller(&s, &headers).await?.require_admin()?;
    let org = find_org(&s, &org).await?;
    let b: ProjectBody = parse_json(&body)?;
    let p = ops::create_project(&s, &org, &b.name, b.description).await?;
    Ok((StatusCode::CREATED, Json(json!(p))))
}

pub async fn list_subscriptions(State(s): State<AppState>, headers: HeaderMap) -> JsonResult {
    let c = caller(&s, &headers).await?;
    let value: Vec<_> = s
        .shared_store()
        .list_subscriptions()
        .await?
        .into_iter()
        .filter(|x| c.user_type_in(x.tenant_id).is_some())
        .collect();
    Ok(Json(json!({"value": value})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscriptionBody {
    name: String,
    tenant: String,
    id: Option<Uuid>,
}

pub async fn create_subscription(
    Req { s, headers }: Req,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller(&s, &headers).await?.require_admin()?;
    let b: SubscriptionBody = parse_json(&body)?;
    let t = resolve_tenant(&s, &b.tenant).await?;
    let sub = ops::create_subscription(&s, &t, &b.name, b.id).await?;
    Ok((StatusCode::CREATED, Json(json!(sub))))
}

/// Deletes a subscription and the role assignments at or below it (keyless
/// administrators). One that still holds resource groups is refused with 409 and kept:
/// what it holds is deleted first, through ARM, as `az group delete` does.
pub async fn delete_subscription(
    Req { s, headers }: Req,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    let c = caller(&s, &headers).await?;
    c.require_admin()?;
    let uow = s.shared_store().begin().await?;
    uow.delete_subscription(id).await?;
    let rec = ops::change_by(&s, None, Some(c.user.id), "deleteSubscription", id);
    ops::commit_audited(uow, rec).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Projects are addressed by name or id inside an organization.
pub async fn project_of(
    s: &AppState,
    org: &str,
    project: &str,
) -> Result<
    (
        keyless_model::devops::Organization,
        keyless_model::devops::Project,
    ),
    ApiError,
> {
    let org = find_org(s, org).await?;
    let p = find_project(s, &org, project).await?;
    Ok((org, p))
}
