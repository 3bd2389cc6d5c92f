//! Directory roles and guests of a tenant (`/keyless/v1/tenants/{t}/roles`, `…/guests`).
//! Who may change them is `keyless_model::directory_roles::may` (assigning roles: Global
//! Administrator, Privileged Role Administrator; inviting guests: User Administrator), asked
//! through [`crate::access::Access`]; keyless administrators may always. World files reuse
//! [`assign_role`] and [`invite_guest`].

use super::handlers::resolve_tenant;
use super::ops;
use crate::access::{Access, user_type_of};
use crate::auth::{Principal, caller};
use crate::envelope::{ApiError, parse_json};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use keyless_core::req::Req;
use keyless_model::Uuid;
use keyless_model::audit::AuditEntry;
use keyless_model::catalogue::sanitize;
use keyless_model::directory::{GuestMembership, Tenant, User};
use keyless_model::directory_roles::{
    DirectoryRole, DirectoryRoleAssignment, Object, Operation, PrincipalType,
};
use keyless_store::UnitOfWork;
use keyless_store::{StoreError, conflict};
use serde::Deserialize;
use serde_json::{Value, json};

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

/// A user or an app of the tenant, as the API and world files name them.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleBody {
    /// A role display name (`Application Administrator`) or template id.
    pub role: String,
    /// A user principal name (a member, or a guest of this tenant), or the local part.
    pub user: Option<String>,
    /// An app by display name or appId: its service principal in this tenant.
    pub app: Option<String>,
}

pub fn parse_role(name: &str) -> Result<DirectoryRole, ApiError> {
    DirectoryRole::parse(name).ok_or_else(|| {
        let known: Vec<&str> = DirectoryRole::ALL
            .iter()
            .map(|r| r.display_name())
            .collect();
        bad(format!(
            "Unknown directory role '{}'. Known roles: {}.",
            sanitize(name),
            known.join(", ")
        ))
    })
}

/// A user by full UPN, or by the local part in this tenant's domain.
pub async fn find_user(s: &AppState, tenant: &Tenant, name: &str) -> Result<User, ApiError> {
    let upn = if name.contains('@') {
        name.to_string()
    } else {
        format!("{name}@{}", tenant.domain)
    };
    match s.shared_store().find_user_by_upn(&upn).await {
        Ok(u) => Ok(u),
        Err(StoreError::NotFound) => Err(bad(format!("No user '{}'.", sanitize(&upn)))),
        Err(e) => Err(e.into()),
    }
}

/// The principal a role body names, which must belong to the tenant.
pub async fn principal_of(
    s: &AppState,
    tenant: &Tenant,
    body: &RoleBody,
) -> Result<(Uuid, PrincipalType), ApiError> {
    match (&body.user, &body.app) {
        (Some(u), None) => {
            let user = find_user(s, tenant, u).await?;
            if user_type_of(s, &user, tenant.id).await?.is_none() {
                return Err(bad(format!(
                    "The user '{}' is neither a member nor a guest of the tenant '{}'. Invite them first: keyless user guest add.",
                    sanitize(&user.user_principal_name),
                    sanitize(&tenant.name)
                )));
            }
            Ok((user.id, PrincipalType::User))
        }
        (None, Some(a)) => {
            let app = match Uuid::parse_str(a) {
                Ok(id) => s.shared_store().find_application_by_app_id(id).await,
                Err(_) => {
                    s.shared_store()
                        .find_application_by_name(tenant.id, a)
                        .await
                }
            };
            let app_id = match app {
                Ok(app) => app.app_id,
                Err(StoreError::NotFound) => {
                    return Err(bad(format!("No app '{}'.", sanitize(a))));
                }
                Err(e) => return Err(e.into()),
            };
            match s
                .shared_store()
                .find_service_principal(tenant.id, app_id)
                .await
            {
                Ok(sp) => Ok((sp.id, PrincipalType::ServicePrincipal)),
                Err(StoreError::NotFound) => Err(bad(format!(
                    "The app '{}' has no service principal in the tenant '{}'.",
                    sanitize(a),
                    sanitize(&tenant.name)
                ))),
                Err(e) => Err(e.into()),
            }
        }
        _ => Err(bad("Name exactly one of user or app.")),
    }
}

/// Whether an insert in `uow` added its row (`true`: committed with `rec`) or found it there
/// already (`false`: the store answered the conflict `existing`; nothing written, no entry).
async fn created_or_held(
    uow: Box<dyn UnitOfWork>,
    added: Result<(), StoreError>,
    existing: &str,
    rec: AuditEntry,
) -> Result<bool, ApiError> {
    match added {
        Ok(()) => ops::commit_audited(uow, rec).await.map(|()| true),
        Err(StoreError::Conflict(c)) if c == existing => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Removes a row in `uow` and commits with `rec`; `missing` when there was none.
async fn removed(
    uow: Box<dyn UnitOfWork>,
    removal: Result<(), StoreError>,
    rec: AuditEntry,
    missing: String,
) -> Result<StatusCode, ApiError> {
    match removal {
        Ok(()) => ops::commit_audited(uow, rec)
            .await
            .map(|()| StatusCode::NO_CONTENT),
        Err(StoreError::NotFound) => Err(bad(missing)),
        Err(e) => Err(e.into()),
    }
}

/// 201 for what a request added, 200 for what was there already.
fn added_status(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// Assigns the role; `false` when the principal already held it.
pub async fn assign_role(
    s: &AppState,
    by: Option<Uuid>,
    tenant: &Tenant,
    body: &RoleBody,
) -> Result<(DirectoryRoleAssignment, bool), ApiError> {
    let a = assignment(s, tenant, body).await?;
    let rec = role_change(s, by, "assignRole", &a);
    let uow = s.shared_store().begin().await?;
    let added = uow.add_directory_role(&a).await;
    let created = created_or_held(uow, added, conflict::DIRECTORY_ROLE_EXISTS, rec).await?;
    Ok((a, created))
}

/// Makes a user of another tenant a guest of this one; `false` when they already were.
pub async fn invite_guest(
    s: &AppState,
    by: Option<Uuid>,
    tenant: &Tenant,
    upn: &str,
) -> Result<(User, bool), ApiError> {
    if !upn.contains('@') {
        return Err(bad(
            "Name the guest by their full user principal name (alice@fabrikam.onmicrosoft.com).",
        ));
    }
    let user = find_user(s, tenant, upn).await?;
    if user.tenant_id == tenant.id {
        return Err(bad(format!(
            "The user '{}' is a member of the tenant '{}' and cannot be its guest.",
            sanitize(&user.user_principal_name),
            sanitize(&tenant.name)
        )));
    }
    let g = GuestMembership {
        tenant_id: tenant.id,
        user_id: user.id,
        created_at: s.now(),
    };
    let rec = ops::change_by(s, Some(tenant.id), by, "inviteGuest", user.id);
    let uow = s.shared_store().begin().await?;
    let added = uow.add_guest_membership(&g).await;
    let created = created_or_held(uow, added, conflict::GUEST_EXISTS, rec).await?;
    Ok((user, created))
}

/// The caller (a PAT user) may do `op` in the tenant, or is refused in Graph's words. The
/// caller's user id.
pub async fn permit(
    s: &AppState,
    headers: &HeaderMap,
    tenant: &Tenant,
    op: Operation,
) -> Result<Uuid, ApiError> {
    let principal = Principal::User(caller(s, headers).await?);
    let access = Access::of(s, &principal, tenant).await?;
    if access.is_some_and(|a| a.permits(op, Object::Tenant, tenant)) {
        Ok(principal.id())
    } else {
        Err(ApiError::new("Authorization_RequestDenied", &[]))
    }
}

pub async fn list_roles(
    Req { s, headers }: Req,
    Path(t): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let tenant = resolve_tenant(&s, &t).await?;
    permit(&s, &headers, &tenant, Operation::ReadUsers).await?;
    let value: Vec<Value> = s
        .shared_store()
        .list_directory_roles(tenant.id)
        .await?
        .iter()
        .map(role_json)
        .collect();
    Ok(Json(json!({"value": value})))
}

fn role_json(a: &DirectoryRoleAssignment) -> Value {
    json!({
        "principalId": a.principal_id,
        "principalType": a.principal_type.as_str(),
        "role": a.role.display_name(),
        "roleTemplateId": a.role.template_id(),
        "createdAt": a.created_at,
    })
}

pub async fn add_role(
    Req { s, headers }: Req,
    Path(t): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let tenant = resolve_tenant(&s, &t).await?;
    let by = permit(&s, &headers, &tenant, Operation::AssignRoles).await?;
    let b: RoleBody = parse_json(&body)?;
    let (a, created) = assign_role(&s, Some(by), &tenant, &b).await?;
    let status = added_status(created);
    Ok((status, Json(role_json(&a))))
}

pub async fn remove_role(
    Req { s, headers }: Req,
    Path(t): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let tenant = resolve_tenant(&s, &t).await?;
    let by = permit(&s, &headers, &tenant, Operation::AssignRoles).await?;
    let b: RoleBody = parse_json(&body)?;
    let a = assignment(&s, &tenant, &b).await?;
    let rec = role_change(&s, Some(by), "removeRole", &a);
    let uow = s.shared_store().begin().await?;
    let removal = uow
        .remove_directory_role(tenant.id, a.principal_id, a.role)
        .await;
    let missing = format!(
        "The principal does not hold the role '{}' in this tenant.",
        a.role.display_name()
    );
    removed(uow, removal, rec, missing).await
}

/// The assignment `body` names in `tenant`.
async fn assignment(
    s: &AppState,
    tenant: &Tenant,
    body: &RoleBody,
) -> Result<DirectoryRoleAssignment, ApiError> {
    let role = parse_role(&body.role)?;
    let (principal_id, principal_type) = principal_of(s, tenant, body).await?;
    Ok(DirectoryRoleAssignment {
        tenant_id: tenant.id,
        principal_id,
        principal_type,
        role,
        created_at: s.now(),
    })
}

/// The entry of a change to a directory role assignment: the principal and the role.
fn role_change(
    s: &AppState,
    by: Option<Uuid>,
    operation: &str,
    a: &DirectoryRoleAssignment,
) -> AuditEntry {
    let object = json!({"principal": a.principal_id, "role": a.role.display_name()});
    ops::change_by(s, Some(a.tenant_id), by, operation, object)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GuestBody {
    user: String,
}

pub async fn list_guests(
    Req { s, headers }: Req,
    Path(t): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let tenant = resolve_tenant(&s, &t).await?;
    permit(&s, &headers, &tenant, Operation::ReadUsers).await?;
    let mut value = Vec::new();
    for g in s.shared_store().list_tenant_guests(tenant.id).await? {
        let u = s.shared_store().get_user(g.user_id).await?;
        value.push(json!({"user": u, "invitedAt": g.created_at}));
    }
    Ok(Json(json!({"value": value})))
}

pub async fn add_guest(
    Req { s, headers }: Req,
    Path(t): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let tenant = resolve_tenant(&s, &t).await?;
    let by = permit(&s, &headers, &tenant, Operation::ManageUsers).await?;
    let b: GuestBody = parse_json(&body)?;
    let (user, created) = invite_guest(&s, Some(by), &tenant, &b.user).await?;
    let status = added_status(created);
    Ok((status, Json(json!({"user": user, "tenantId": tenant.id}))))
}

pub async fn remove_guest(
    Req { s, headers }: Req,
    Path((t, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let tenant = resolve_tenant(&s, &t).await?;
    let by = permit(&s, &headers, &tenant, Operation::ManageUsers).await?;
    let user = find_user(&s, &tenant, &user).await?;
    let rec = ops::change_by(&s, Some(tenant.id), Some(by), "removeGuest", user.id);
    let uow = s.shared_store().begin().await?;
    let removal = uow.remove_guest_membership(tenant.id, user.id).await;
    let missing = format!(
        "The user '{}' is not a guest of this tenant.",
        sanitize(&user.user_principal_name)
    );
    removed(uow, removal, rec, missing).await
}
