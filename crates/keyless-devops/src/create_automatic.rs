//! Automatic creation (`creationMode: Automatic`): preflight, then app registration,
//! service principal, federated credential (workload identity) or secret (service
//! principal scheme), role assignment at the scope, the connection. All or nothing: the steps
//! write through one unit of work of the store, committed after the last one; when a step
//! fails, the unit of work is dropped (rolled back) and the error names the step.

use super::endpoints::{CreateBody, param, validate_name};
use super::preflight::{self, PreflightFailure, Target};
use super::schemes::{AutomaticCredential, automatic_schemes, rules};
use crate::data::*;
use axum::Json;
use axum::response::{IntoResponse, Response};
use keyless_core::auth::Caller;
use keyless_core::envelope::{ApiError, DevopsError};
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::arm::RoleAssignment;
use keyless_model::devops::automatic::{AUTOMATIC_SECRET_DAYS, Step, app_display_name};
use keyless_model::devops::data::{ConnectionData, DEFAULT_ENVIRONMENT};
use keyless_model::devops::{
    ConnectionState, CreationMode, EndpointType, IssuerGeneration, Organization, Project, Scheme,
    ServiceConnection,
};
use keyless_model::directory::{Application, FederatedCredential, ServicePrincipal, User};
use keyless_model::directory_roles::PrincipalType;
use keyless_model::federation::TOKEN_EXCHANGE_AUDIENCE;
use serde_json::Value;

fn failed(step: Step, e: &ApiError) -> ApiError {
    ApiError::new(
        "AutomaticCreationFailed",
        &[("step", step.as_str()), ("detail", &e.rendered.message)],
    )
}

/// The role to assign: `data.roleDefinitionName` (a built-in, or a custom role of the scope's
/// tenant, by name) or `data.roleDefinitionId` (GUID or role definition id, built-in or
/// custom); Contributor by default. A custom role must be assignable at the scope.
async fn role(
    s: &AppState,
    data: &serde_json::Map<String, Value>,
    target: &Target,
) -> Result<(Uuid, String), ApiError> {
    use keyless_core::rbac::{RoleRef, resolve};
    use keyless_model::rbac::built_in_by_name;
    let by_name = data.role_definition_name();
    let by_id = data.role_definition_id();
    let tenant = target.tenant.id;
    let found = match (by_name, by_id) {
        (Some(n), _) => match built_in_by_name(n) {
            Some(b) => Some(RoleRef::BuiltIn(b)),
            None => s
                .db()
                .list_custom_roles(tenant)
                .await?
                .into_iter()
                .find(|c| c.role_name.eq_ignore_ascii_case(n.trim()))
                .map(RoleRef::Custom),
        },
        (None, Some(id)) => resolve(s, tenant, id).await,
        (None, None) => built_in_by_name("Contributor").map(RoleRef::BuiltIn),
    };
    let requested = keyless_model::catalogue::sanitize(by_name.or(by_id).unwrap_or(""));
    let Some(r) = found else {
        return Err(ApiError::detail(
            "BadRequest",
            format!(
                "The role '{requested}' is neither a built-in role nor a custom role of the tenant {}.",
                target.tenant.name
            ),
        ));
    };
    if !r.assignable_at(&target.scope) {
        return Err(ApiError::detail(
            "BadRequest",
            format!(
                "The custom role '{requested}' is not assignable at {}: add the scope to its assignableScopes.",
                target.scope
            ),
        ));
    }
    let name = match &r {
        RoleRef::BuiltIn(b) => b.name.to_string(),
        RoleRef::Custom(c) => c.role_name.clone(),
    };
    Ok((r.id(), name))
}

pub async fn create(
    s: &AppState,
    caller: &Caller,
    sign_in_expired: bool,
    org: &Organization,
    project: &Project,
    body: CreateBody,
) -> Result<Response, DevopsError> {
    validate_name(&body.name)?;
    if EndpointType::parse(&body.endpoint_type) != Some(EndpointType::AzureRm) {
        return Err(ApiError::detail(
            "BadRequest",
            "Automatic creation makes Azure Resource Manager (AzureRM) connections only.",
        )
        .into());
    }
    let automatic = automatic_schemes();
    let Some(scheme) = Scheme::parse(&body.authorization.scheme).filter(|s| automatic.contains(s))
    else {
        let names: Vec<&str> = automatic.iter().map(|s| s.as_str()).collect();
        return Err(ApiError::detail(
            "BadRequest",
            format!(
                "Automatic creation supports the schemes {}, not '{}'.",
                names.join(" and "),
                keyless_model::catalogue::sanitize(&body.authorization.scheme)
            ),
        )
        .into());
    };
    let generation = match param(
        &body.authorization.parameters,
        "workloadIdentityFederationIssuerType",
    ) {
        None => IssuerGeneration::EntraId,
        Some(v) => IssuerGeneration::parse(&v).ok_or_else(|| {
            ApiError::detail(
                "BadRequest",
                "workloadIdentityFederationIssuerType must be 'EntraID' or 'AzureDevOps'.",
            )
        })?,
    };
    super::legacy::require_administrator(caller, generation)?;
    let generation = if org.tenant_id.is_none() && generation != IssuerGeneration::Legacy {
        IssuerGeneration::AzureDevOps
    } else {
        generation
    };
    let target = preflight::target(s, caller, org, &body.data).await?;
    let (role_id, role_name) = role(s, &body.data, &target).await?;
    let user = match preflight::run(
        s,
        caller,
        sign_in_expired,
        org,
        project,
        &target,
        &role_name,
    )
    .await
    {
        Ok(u) => u,
        Err(PreflightFailure::Error(e)) => return Err(e.into()),
        Err(p @ PreflightFailure::Problems(_)) => return Ok(p.into_response()),
    };
    let plan = Plan {
        org,
        project,
        target: &target,
        user: &user,
        name: body.name.trim().to_string(),
        scheme,
        generation,
        role_id,
        description: body.description.unwrap_or_default(),
        data: body.data,
    };
    match run_in_unit_of_work(s, caller, &plan).await {
        Ok((conn, _secret)) => {
            // The secret stays write-only here too: only a job reads it back.
            let v = super::render::connection_json(s, &conn, org).await?;
            tracing::info!(sc.id = %conn.id, sc.name = %conn.name, "service connection created automatically");
            Ok(Json(v).into_response())
        }
        Err((step, e)) => Err(failed(step, &e).into()),
    }
}

struct Plan<'a> {
    org: &'a Organization,
    project: &'a Project,
    target: &'a Target,
    user: &'a User,
    name: String,
    scheme: Scheme,
    generation: IssuerGeneration,
    role_id: Uuid,
    description: String,
    data: serde_json::Map<String, Value>,
}

fn check(s: &AppState, name: &str, step: Step) -> Result<(), (Step, ApiError)> {
    if s.faults.armed(name, step) {
        Err((
            step,
            ApiError::detail(
                "InternalError",
                format!("fault injected at the {} step", step.as_str()),
            ),
        ))
    } else {
        Ok(())
    }
}

/// Runs the steps in one unit of work and commits it. On an error the unit of work is
/// dropped, which rolls back every step.
async fn run_in_unit_of_work(
    s: &AppState,
    caller: &Caller,
    p: &Plan<'_>,
) -> Result<(ServiceConnection, Option<String>), (Step, ApiError)> {
    let at = |step: Step| move |e: keyless_store::StoreError| (step, ApiError::from(e));
    let tx = s.begin().await.map_err(at(Step::AppRegistration))?;
    let made = run_steps(s, tx.data(), caller, p).await?;
    let rec = super::lifecycle::change_entry(s, Some(caller), "created", &made.0);
    tx.commit_audited(&[rec])
        .await
        .map_err(at(Step::Connection))?;
    Ok(made)
}

/// The steps in order, every write through `uow`.
async fn run_steps(
    s: &AppState,
    uow: &(impl DevopsData + ?Sized),
    caller: &Caller,
    p: &Plan<'_>,
) -> Result<(ServiceConnection, Option<String>), (Step, ApiError)> {
    let at = |step: Step| move |e: keyless_store::StoreError| (step, ApiError::from(e));
    let now = s.now();
    let tenant = &p.target.tenant;
    let conn_id = Uuid::new_v4();

    check(s, &p.name, Step::AppRegistration)?;
    let app = Application {
        id: Uuid::new_v4(),
        app_id: Uuid::new_v4(),
        tenant_id: tenant.id,
        display_name: app_display_name(&p.org.name, &p.project.name, &p.name),
        sign_in_audience: "AzureADMyOrg".into(),
        enabled: true,
        created_by: Some(p.user.id),
        owners: vec![p.user.id],
        created_at: now,
        identifier_uris: Vec::new(),
        api: Default::default(),
    };
    uow.create_application(&app)
        .await
        .map_err(at(Step::AppRegistration))?;

    check(s, &p.name, Step::ServicePrincipal)?;
    let sp = ServicePrincipal::of_application(&app, tenant.id, now);
    uow.create_service_principal(&sp)
        .await
        .map_err(at(Step::ServicePrincipal))?;

    let mut conn = ServiceConnection {
        id: conn_id,
        organization_id: p.org.id,
        project_id: p.project.id,
        name: p.name.clone(),
        endpoint_type: EndpointType::AzureRm,
        scheme: p.scheme,
        tenant_id: tenant.id,
        client_id: app.app_id,
        issuer_generation: p.generation,
        creation_mode: CreationMode::Automatic,
        state: ConnectionState::Ready,
        status_message: String::new(),
        description: p.description.clone(),
        data: p.data.clone(),
        created_by: Some(caller.user.id),
        created_at: now,
    };
    let mut secret = None;
    if rules(p.scheme).automatic_credential() == Some(AutomaticCredential::Federated) {
        check(s, &p.name, Step::FederatedCredential)?;
        let (issuer, subject) =
            super::render::issuer_and_subject(&s.origin, &conn, p.org, p.project);
        let fic = FederatedCredential {
            id: Uuid::new_v4(),
            parent_id: app.id,
            name: format!("sc-{conn_id}"),
            issuer,
            subject: Some(subject),
            audiences: vec![TOKEN_EXCHANGE_AUDIENCE.to_string()],
            description: Some(format!(
                "Azure DevOps service connection {}/{}/{}",
                p.org.name, p.project.name, p.name
            )),
            claims_matching_expression: None,
            created_at: now,
        };
        uow.create_fic(&fic)
            .await
            .map_err(at(Step::FederatedCredential))?;
    } else {
        check(s, &p.name, Step::Secret)?;
        let (pw, clear) = keyless_core::credentials::new_password(
            app.id,
            "Azure DevOps service connection",
            now,
            now + AUTOMATIC_SECRET_DAYS * 86_400,
        );
        uow.add_password(&pw).await.map_err(at(Step::Secret))?;
        conn.data
            .set_secret_key(pw.key_id, &keyless_model::time_fmt::iso(pw.end_date_time));
        super::secrets::store_secret(s, &mut conn, &clear).map_err(|e| (Step::Secret, e))?;
        secret = Some(clear);
    }

    check(s, &p.name, Step::RoleAssignment)?;
    let assignment = RoleAssignment {
        id: Uuid::new_v4(),
        scope: keyless_model::rbac::canonical_scope(&p.target.scope),
        role_definition_id: p.role_id,
        principal_id: sp.id,
        principal_type: PrincipalType::ServicePrincipal.as_str().into(),
        created_by: Some(p.user.id),
        created_at: now,
    };
    uow.create_role_assignment(&assignment)
        .await
        .map_err(at(Step::RoleAssignment))?;

    check(s, &p.name, Step::Connection)?;
    let d = &mut conn.data;
    d.set_creation_mode(CreationMode::Automatic);
    d.set_environment(DEFAULT_ENVIRONMENT);
    d.default_arm_scope();
    if let Some(n) = &p.target.subscription_name {
        d.default_subscription_name(n);
    }
    d.set_created(app.id, sp.id, assignment.id);
    d.set_scope(&p.target.scope);
    let _ = p.target.level;
    uow.create_connection(&conn)
        .await
        .map_err(at(Step::Connection))?;
    uow.set_connection_role(conn.id, caller.user.id, "Administrator")
        .await
        .map_err(at(Step::Connection))?;
    Ok((conn, secret))
}
