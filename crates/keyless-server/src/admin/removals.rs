//! Changing and deleting tenants and users (`PATCH`/`DELETE /keyless/v1/tenants/{tenant}`
//! and `…/users/{user}`), and renaming subscriptions (`PATCH /keyless/v1/subscriptions/{id}`). A delete takes along what its store cascade lists, in one
//! transaction with its audit entry, and is refused (409, nothing changed) while something
//! outside still depends on the object: the error names what.

use super::handlers::resolve_tenant;
use super::{directory, ops};
use crate::auth::administrator;
use crate::auth::{Caller, caller};
use crate::envelope::{ApiError, parse_json};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use keyless_core::req::Req;
use keyless_model::Uuid;
use keyless_model::catalogue::sanitize;
use keyless_model::directory::{Tenant, User};
use keyless_model::directory_roles::Operation;
use serde::Deserialize;
use serde_json::{Value, json};

/// Longest display name, as Entra's `displayName` of users.
const MAX_DISPLAY_NAME: usize = 256;
/// Longest subscription name, as Azure's.
const MAX_SUBSCRIPTION_NAME: usize = 64;

/// The body of an update: what may change is the display name.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateBody {
    display_name: String,
}

impl UpdateBody {
    /// The new display name, 1 to `max` characters.
    fn parse(body: &Bytes, max: usize) -> Result<String, ApiError> {
        let b: UpdateBody = parse_json(body)?;
        let name = b.display_name.trim();
        if name.is_empty() || name.chars().count() > max {
            return Err(ApiError::detail(
                "BadRequest",
                format!("displayName must be 1 to {max} characters."),
            ));
        }
        Ok(name.to_string())
    }
}

/// Commits the delete done in `uow` with the audit entry of `operation` on `object`, in
/// tenant `tenant` by `by`: 204.
async fn deleted(
    s: &AppState,
    uow: Box<dyn keyless_store::UnitOfWork>,
    (tenant, by): (Uuid, Uuid),
    (operation, object): (&str, Value),
) -> Result<StatusCode, ApiError> {
    let rec = ops::change_by(s, Some(tenant), Some(by), operation, object);
    ops::commit_audited(uow, rec).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn conflict(detail: String) -> ApiError {
    ApiError::detail("Conflict", detail)
}

/// `what` and the names in `names`, for a refusal: `organizations a, b`.
fn naming(what: &str, names: &[String]) -> Option<String> {
    (!names.is_empty()).then(|| format!("{what} {}", names.join(", ")))
}

pub async fn update_tenant(
    Req { s, headers }: Req,
    Path(t): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let t = resolve_tenant(&s, &t).await?;
    let by = directory::permit(&s, &headers, &t, Operation::ChangeTenantSettings).await?;
    let name = UpdateBody::parse(&body, MAX_DISPLAY_NAME)?;
    let uow = s.shared_store().begin().await?;
    uow.update_tenant_display_name(t.id, &name).await?;
    let rec = ops::change_by(&s, Some(t.id), Some(by), "updateTenant", t.id);
    ops::commit_audited(uow, rec).await?;
    Ok(Json(json!(s.shared_store().get_tenant(t.id).await?)))
}

/// Keyless administrators delete a tenant that is not their own and that no organization,
/// subscription or connection depends on.
pub async fn delete_tenant(
    Req { s, headers }: Req,
    Path(t): Path<String>,
) -> Result<StatusCode, ApiError> {
    let c = administrator(&s, &headers).await?;
    let t = resolve_tenant(&s, &t).await?;
    if c.user.tenant_id == t.id {
        return Err(conflict(format!(
            "You sign in from the tenant {}: it cannot be deleted by you.",
            t.name
        )));
    }
    if let Some(users) = tenant_dependents(&s, &t).await? {
        return Err(conflict(format!(
            "The tenant {} is still used by {users}: delete them first.",
            t.name
        )));
    }
    let uow = s.shared_store().begin().await?;
    uow.delete_tenant(t.id).await?;
    let object = json!({"tenant": t.id, "name": t.name});
    let answer = deleted(&s, uow, (t.id, c.user.id), ("deleteTenant", object)).await?;
    tracing::info!(tenant.id = %t.id, tenant.name = %t.name, "tenant deleted");
    Ok(answer)
}

/// The organizations connected to the tenant and its subscriptions, named; `None` when
/// there are none. (The store refuses the delete in its transaction as well, also for
/// connections naming the tenant and organizations its users own.)
async fn tenant_dependents(s: &AppState, t: &Tenant) -> Result<Option<String>, ApiError> {
    let orgs: Vec<String> = s
        .shared_store()
        .list_organizations()
        .await?
        .into_iter()
        .filter(|o| o.tenant_id == Some(t.id))
        .map(|o| o.name)
        .collect();
    let subs: Vec<String> = s
        .shared_store()
        .list_subscriptions()
        .await?
        .into_iter()
        .filter(|x| x.tenant_id == t.id)
        .map(|x| format!("{} ({})", x.display_name, x.id))
        .collect();
    let parts: Vec<String> = [
        naming("organizations", &orgs),
        naming("subscriptions", &subs),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok((!parts.is_empty()).then(|| parts.join(" and ")))
}

/// The member of `tenant` that `key` names (id, principal name, or the part before `@`),
/// after checking that the caller may manage it: the tenant's user administrators, and
/// for a keyless administrator only keyless administrators.
async fn managed_user(
    s: &AppState,
    headers: &HeaderMap,
    tenant: &str,
    key: &str,
) -> Result<(Caller, Tenant, User), ApiError> {
    let c = caller(s, headers).await?;
    let tenant = resolve_tenant(s, tenant).await?;
    directory::permit(s, headers, &tenant, Operation::ManageUsers).await?;
    let found = match Uuid::parse_str(key) {
        Ok(id) => s.shared_store().get_user(id).await.ok(),
        Err(_) => directory::find_user(s, &tenant, key).await.ok(),
    };
    let Some(user) = found.filter(|u| u.tenant_id == tenant.id) else {
        return Err(ApiError::detail(
            "NotFound",
            format!(
                "The user '{}' is not a member of the tenant {}. keyless user list {} shows them.",
                sanitize(key),
                tenant.name,
                tenant.name
            ),
        ));
    };
    if user.is_admin {
        // Only keyless administrators make, change or delete keyless administrators.
        c.require_admin()?;
    }
    Ok((c, tenant, user))
}

pub async fn update_user(
    Req { s, headers }: Req,
    Path((t, key)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let (c, tenant, user) = managed_user(&s, &headers, &t, &key).await?;
    let name = UpdateBody::parse(&body, MAX_DISPLAY_NAME)?;
    let uow = s.shared_store().begin().await?;
    uow.update_user_display_name(user.id, &name).await?;
    let rec = ops::change_by(&s, Some(tenant.id), Some(c.user.id), "updateUser", user.id);
    ops::commit_audited(uow, rec).await?;
    Ok(Json(json!(s.shared_store().get_user(user.id).await?)))
}

/// Deletes a user with its tokens, memberships and roles; refused for oneself and while
/// the user owns an organization.
pub async fn delete_user(
    Req { s, headers }: Req,
    Path((t, key)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (c, tenant, user) = managed_user(&s, &headers, &t, &key).await?;
    if user.id == c.user.id {
        return Err(conflict(
            "You cannot delete yourself: ask another administrator.".into(),
        ));
    }
    let owned: Vec<String> = s
        .shared_store()
        .list_organizations()
        .await?
        .into_iter()
        .filter(|o| o.owner_id == Some(user.id))
        .map(|o| o.name)
        .collect();
    if let Some(orgs) = naming("organizations", &owned) {
        return Err(conflict(format!(
            "The user {} owns the {orgs}: give them another owner first (keyless org update ORG --owner USER).",
            user.user_principal_name
        )));
    }
    let uow = s.shared_store().begin().await?;
    uow.delete_user(user.id).await?;
    let object = json!({"user": user.id, "userPrincipalName": user.user_principal_name});
    deleted(&s, uow, (tenant.id, c.user.id), ("deleteUser", object)).await
}

/// Renames a subscription (keyless administrators), as `az account subscription rename`.
pub async fn rename_subscription(
    Req { s, headers }: Req,
    Path(id): Path<Uuid>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let c = administrator(&s, &headers).await?;
    let name = UpdateBody::parse(&body, MAX_SUBSCRIPTION_NAME)?;
    let uow = s.shared_store().begin().await?;
    uow.rename_subscription(id, &name).await?;
    let rec = ops::change_by(&s, None, Some(c.user.id), "renameSubscription", id);
    ops::commit_audited(uow, rec).await?;
    Ok(Json(json!(s.shared_store().get_subscription(id).await?)))
}
