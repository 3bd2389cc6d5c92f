//! The preflight of automatic creation: gathers what is known about the creator
//! in the tenant of the chosen scope (a member or a guest there, and what the directory
//! rules say of registering an app) and asks `keyless_model::devops::automatic::preflight`
//! for every problem, before anything is written. Also the subscription picker's rule: the
//! tenants the creator belongs to and the subscriptions they can see in each.

use super::security::role_of;
use crate::data::*;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyless_core::access::Access;
use keyless_core::auth::{Caller, Principal};
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_core::{bearer::BearerCaller as ArmCaller, rbac::Authz};
use keyless_model::Uuid;
use keyless_model::catalogue::Rendered;
use keyless_model::devops::automatic::{CreatorFacts, Problem, ScopeLevel, preflight};
use keyless_model::devops::data::{self as keys, ConnectionData};
use keyless_model::devops::security::EndpointAction;
use keyless_model::devops::{Organization, Project};
use keyless_model::directory::{Tenant, User};
use keyless_model::directory_roles::{Object, Operation};
use serde_json::{Value, json};

pub const ROLE_ASSIGNMENT_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";

/// Every tenant the creator belongs to (`keyless_model::membership::user_type_in`), with
/// the subscriptions they hold a role on there.
pub async fn tenants_and_subscriptions(
    s: &AppState,
    caller: &Caller,
) -> Result<Vec<(Tenant, Vec<keyless_model::arm::Subscription>)>, ApiError> {
    let subs = s.db().list_subscriptions().await?;
    let mut authz = Authz::load(s, &arm_caller(&caller.user)).await?;
    let mut out = Vec::new();
    for t in s.db().list_tenants().await? {
        if caller.user_type_in(t.id).is_none() {
            continue;
        }
        let mut visible = Vec::new();
        for sub in subs.iter().filter(|x| x.tenant_id == t.id) {
            if caller.is_admin()
                || authz
                    .touches(s, &format!("/subscriptions/{}", sub.id))
                    .await?
            {
                visible.push(sub.clone());
            }
        }
        out.push((t, visible));
    }
    Ok(out)
}

fn arm_caller(u: &User) -> ArmCaller {
    ArmCaller {
        oid: u.id,
        tenant_id: u.tenant_id,
        client: u.user_principal_name.clone(),
    }
}

/// "You don't appear to have an active Azure subscription." with the tenants to try.
pub fn no_subscription(
    current: Option<&Tenant>,
    all: &[(Tenant, Vec<keyless_model::arm::Subscription>)],
) -> ApiError {
    let others: Vec<String> = all
        .iter()
        .filter(|(t, subs)| Some(t.id) != current.map(|c| c.id) && !subs.is_empty())
        .map(|(t, subs)| format!("{} ({}, {} subscriptions)", t.domain, t.id, subs.len()))
        .collect();
    let detail = if others.is_empty() {
        "You hold no role on a subscription in any tenant you belong to.".to_string()
    } else {
        format!("Select another tenant: {}.", others.join(", "))
    };
    ApiError::new("NoActiveSubscription", &[("detail", &detail)])
}

/// Where the connection's role assignment goes and the tenant that scope lives in.
pub struct Target {
    pub level: ScopeLevel,
    pub scope: String,
    pub tenant: Tenant,
    pub subscription_name: Option<String>,
}

/// Resolves the scope named by `data` and checks it exists. An unknown subscription is the
/// picker's "no active subscription" (with the tenants to try).
pub async fn target(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
    data: &serde_json::Map<String, Value>,
) -> Result<Target, ApiError> {
    let (level, scope) = keyless_model::devops::automatic::scope_of(data).map_err(|field| {
        ApiError::detail(
            "BadRequest",
            format!(
                "data.{field} is missing or invalid for automatic creation at this scope level."
            ),
        )
    })?;
    let sub_id = data.scope_text(keys::SUBSCRIPTION_ID).map(str::trim);
    let (tenant_id, sub_name) = if level == ScopeLevel::ManagementGroup {
        let name = data.scope_text(keys::MANAGEMENT_GROUP_ID).unwrap_or("");
        let g = s.db().get_management_group(name).await.map_err(|_| {
            ApiError::detail(
                "NotFound",
                format!(
                    "The management group '{}' does not exist.",
                    keyless_model::catalogue::sanitize(name)
                ),
            )
        })?;
        (g.tenant_id, None)
    } else {
        let found = match sub_id.and_then(|v| Uuid::parse_str(v).ok()) {
            Some(id) => s.db().get_subscription(id).await.ok(),
            None => None,
        };
        let Some(sub) = found else {
            let all = tenants_and_subscriptions(s, caller).await?;
            let current = match org.tenant_id {
                Some(t) => s.db().get_tenant(t).await.ok(),
                None => None,
            };
            return Err(no_subscription(current.as_ref(), &all));
        };
        (sub.tenant_id, Some(sub.display_name))
    };
    if matches!(
        level,
        ScopeLevel::ResourceGroup | ScopeLevel::MachineLearningWorkspace
    ) {
        let sub = Uuid::parse_str(sub_id.unwrap_or("")).unwrap_or_default();
        let rg = data.scope_text(keys::RESOURCE_GROUP_NAME).unwrap_or("");
        s.db()
            .get_resource_group(sub, rg)
            .await
            .map_err(|_| ApiError::new("ResourceGroupNotFound", &[("name", rg)]))?;
        if level == ScopeLevel::MachineLearningWorkspace {
            s.db().get_resource(&scope).await.map_err(|_| {
                ApiError::detail(
                    "NotFound",
                    format!(
                        "The Machine Learning workspace '{}' does not exist.",
                        keyless_model::catalogue::sanitize(&scope)
                    ),
                )
            })?;
        }
    }
    let tenant = s.db().get_tenant(tenant_id).await?;
    Ok(Target {
        level,
        scope,
        tenant,
        subscription_name: sub_name,
    })
}

/// Runs every check; `Ok(user)` is the creator's account (also in a tenant they are a
/// guest of).
pub async fn run(
    s: &AppState,
    caller: &Caller,
    sign_in_expired: bool,
    org: &Organization,
    project: &Project,
    target: &Target,
    role_name: &str,
) -> Result<User, PreflightFailure> {
    let has_creator_role = role_of(s, caller, org, project.id, None)
        .await?
        .is_some_and(|r| r.allows(EndpointAction::Create));
    let creator = Principal::User(caller.clone());
    let Some(access) = Access::of(s, &creator, &target.tenant).await? else {
        let all = tenants_and_subscriptions(s, caller).await?;
        return Err(no_subscription(Some(&target.tenant), &all).into());
    };
    let user = &caller.user;
    let can_write = caller.is_admin()
        || Authz::load(s, &arm_caller(user))
            .await?
            .allows(s, ROLE_ASSIGNMENT_WRITE, &target.scope)
            .await?;
    let facts = CreatorFacts {
        app_registration: access.decide(Operation::CreateApp, Object::Tenant, &target.tenant),
        can_write_role_assignments: can_write,
        sign_in_expired,
        has_creator_role,
    };
    let problems = preflight(&facts);
    if problems.is_empty() {
        return Ok(user.clone());
    }
    let rendered = problems
        .iter()
        .map(|p| render(*p, user, target, project, role_name))
        .collect();
    Err(PreflightFailure::Problems(rendered))
}

fn render(p: Problem, user: &User, t: &Target, project: &Project, role: &str) -> Rendered {
    let values: Vec<(&str, &str)> = match p {
        Problem::GuestLimited => vec![
            ("user", &user.user_principal_name),
            ("tenant", &t.tenant.domain),
        ],
        Problem::RoleAssignmentForbidden => vec![("role", role), ("scope", &t.scope)],
        Problem::MissingCreatorRole => vec![("project", &project.name)],
        Problem::SignInExpired => vec![("user", &user.user_principal_name)],
        Problem::AppRegistrationForbidden => vec![],
    };
    Rendered::new(p.code(), &values)
}

/// Why the preflight stopped the creation.
pub enum PreflightFailure {
    Error(ApiError),
    /// Every problem found, each its catalogue entry.
    Problems(Vec<Rendered>),
}

impl<E: Into<ApiError>> From<E> for PreflightFailure {
    fn from(e: E) -> Self {
        PreflightFailure::Error(e.into())
    }
}

impl IntoResponse for PreflightFailure {
    fn into_response(self) -> Response {
        match self {
            PreflightFailure::Error(e) => keyless_core::envelope::DevopsError(e).into_response(),
            PreflightFailure::Problems(list) => problems_response(&list),
        }
    }
}

/// The DevOps exception shape: the first problem's status, every problem's message in
/// `message` (numbered when there are several) and in `customProperties.problems`.
pub fn problems_response(list: &[Rendered]) -> Response {
    let Some(first) = list.first() else {
        return StatusCode::NO_CONTENT.into_response();
    };
    let message = if list.len() == 1 {
        first.message.clone()
    } else {
        let parts: Vec<String> = list
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{}. {}", i + 1, r.message))
            .collect();
        format!(
            "The service connection was not created; {} problems were found before anything was written: {}",
            list.len(),
            parts.join(" ")
        )
    };
    let problems: Vec<Value> = list
        .iter()
        .map(|r| json!({"code": r.code(), "message": r.message}))
        .collect();
    let status = StatusCode::from_u16(first.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({
        "$id": "1",
        "innerException": null,
        "message": message,
        "typeName": "Microsoft.VisualStudio.Services.ServiceEndpoints.WebApi.ServiceEndpointException, Microsoft.VisualStudio.Services.WebApi",
        "typeKey": "ServiceEndpointException",
        "errorCode": 0,
        "eventId": 3000,
        "customProperties": {"problems": problems},
    });
    (status, Json(body)).into_response()
}

/// The caller of a create, also when their sign-in (PAT) has expired or was revoked: the
/// automatic preflight reports that with every other problem. The error is what a caller
/// with a valid token would never see (`TokenExpired`), for the manual path to return.
pub async fn caller_even_expired(
    s: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<(Caller, Option<ApiError>), ApiError> {
    match keyless_core::auth::caller(s, headers).await {
        Ok(c) => Ok((c, None)),
        Err(e) if e.code() == "TokenExpired" => {
            let token = keyless_core::auth::presented_token(headers).unwrap_or_default();
            let pat = s
                .db()
                .find_pat_by_hash(&keyless_jose::sha256_hex(token.as_bytes()))
                .await?;
            let user = s.db().get_user(pat.user_id).await?;
            Ok((Caller::load(s, user, pat).await?, Some(e)))
        }
        Err(e) => Err(e),
    }
}
