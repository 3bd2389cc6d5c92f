//! `GET /keyless/v1/organizations/{org}/projects/{project}/connections/{connection}/doctor`:
//! the troubleshooting checklist of Azure DevOps' pages for one service connection. This module only
//! gathers facts from the store; the checks are `keyless_model::doctor`. Administrators
//! of keyless and of the connection only: the credential check shows the nearest
//! credential's field diff, which the token endpoint's caller never sees.

use super::find_project;
use super::security::{connection_by_id, projects_of, require};
use crate::data::*;
use axum::Json;
use axum::extract::Path;
use keyless_core::envelope::ApiError;
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_core::{bearer::BearerCaller as ArmCaller, rbac::Authz};
use keyless_model::audit::{AuditEntry, AuditFilter};
use keyless_model::catalogue::Rendered;
use keyless_model::devops::automatic::{ScopeLevel, scope_of};
use keyless_model::devops::security::EndpointAction;
use keyless_model::devops::{EndpointType, Organization, Project, ServiceConnection};
use keyless_model::directory::{Application, ServicePrincipal, Tenant};
use keyless_model::doctor::{self as d, Finding, Status};
use keyless_model::federation::AZURE_DEVOPS_APP_ID;
use keyless_model::rbac::{built_in, canonical_scope, scope_covers};
use keyless_store::StoreError;
use serde_json::{Value, json};

/// How many audit entries of the connection are read for the denials check.
const AUDIT_WINDOW: u32 = 50;

/// The connection's identity in its tenant, when it exists there.
pub(crate) struct Identity {
    pub(crate) principal: ServicePrincipal,
    pub(crate) app: Option<Application>,
}

fn not_found_or(e: StoreError) -> Result<(), ApiError> {
    match e {
        StoreError::NotFound => Ok(()),
        e => Err(e.into()),
    }
}

async fn identity_of(s: &AppState, c: &ServiceConnection) -> Result<Option<Identity>, ApiError> {
    let principal = match s
        .db()
        .find_service_principal(c.tenant_id, c.client_id)
        .await
    {
        Ok(p) => p,
        Err(e) => return not_found_or(e).map(|_| None),
    };
    let app = match s.db().find_application_by_app_id(c.client_id).await {
        Ok(a) => Some(a),
        Err(e) => {
            not_found_or(e)?;
            None
        }
    };
    // A single-tenant app of another tenant does not authenticate here (700016).
    if app
        .as_ref()
        .is_some_and(|a| a.tenant_id != c.tenant_id && !a.is_multitenant())
    {
        return Ok(None);
    }
    Ok(Some(Identity { principal, app }))
}

/// The checklist of one connection, in the order of Azure DevOps' troubleshooting checklist.
pub async fn diagnose(
    s: &AppState,
    org: &Organization,
    project: &Project,
    c: &ServiceConnection,
) -> Result<Vec<Finding>, ApiError> {
    let mut out = vec![d::connection_state(
        c.state,
        &c.status_message,
        c.scheme,
        c.issuer_generation,
    )];
    if c.issuer_generation == keyless_model::devops::IssuerGeneration::Legacy {
        out.push(d::legacy_issuer(
            &keyless_model::federation::legacy_issuer(&s.origin),
            &keyless_model::federation::devops_issuer(&s.origin, org.id),
        ));
    }
    let tenant = match s.db().get_tenant(c.tenant_id).await {
        Ok(t) => Some(t),
        Err(e) => {
            not_found_or(e)?;
            out.push(Finding::from_catalogue(
                "identity",
                Status::Fail,
                Rendered::new("90002", &[("tenant", &c.tenant_id.to_string())]),
            ));
            None
        }
    };
    let identity = match &tenant {
        // A managed identity connection's identity is the agent VM's: each agent's, with its
        // roles at the connection's scope.
        Some(t) if !super::schemes::names_client(c.scheme) => {
            let found = super::schemes::agent_identities(s, org).await?;
            out.extend(super::schemes::vm_identity_findings(&found));
            for a in found {
                let client = a.principal.app_id.to_string();
                let id = Identity {
                    principal: a.principal,
                    app: None,
                };
                out.push(roles_check(s, c, &client, t, &id).await?);
            }
            None
        }
        Some(t) => {
            let found = identity_of(s, c).await?;
            let facts = found.as_ref().map(|i| d::IdentityFacts {
                display_name: i
                    .app
                    .as_ref()
                    .map(|a| a.display_name.clone())
                    .unwrap_or_else(|| i.principal.display_name.clone()),
                principal_enabled: i.principal.account_enabled,
                app_enabled: i.app.as_ref().map(|a| a.enabled),
            });
            out.push(d::identity(
                &c.client_id.to_string(),
                &t.id.to_string(),
                facts.as_ref(),
            ));
            found.map(|i| (t, i))
        }
        None => None,
    };
    if let Some((tenant, id)) = &identity {
        let ctx = super::schemes::DoctorContext {
            s,
            org,
            project,
            c,
            tenant,
            identity: id,
        };
        out.extend(super::schemes::rules(c.scheme).doctor_checks(ctx).await?);
        out.push(roles_check(s, c, &c.client_id.to_string(), tenant, id).await?);
    }
    out.extend(pipelines_check(s, org, project, c).await?);
    let audit = audit_of(s, c).await?;
    if let Some((tenant, id)) = &identity {
        out.push(organization_check(s, org, project, c, tenant, id, &audit).await?);
    }
    out.extend(d::denials(&audit));
    Ok(out)
}

fn read_action(level: ScopeLevel) -> &'static str {
    match level {
        ScopeLevel::Subscription => "Microsoft.Resources/subscriptions/read",
        ScopeLevel::ResourceGroup => "Microsoft.Resources/subscriptions/resourceGroups/read",
        ScopeLevel::ManagementGroup => "Microsoft.Management/managementGroups/read",
        ScopeLevel::MachineLearningWorkspace => "Microsoft.MachineLearningServices/workspaces/read",
    }
}

/// The roles of the identity (`client`, `id`) at the connection's scope.
async fn roles_check(
    s: &AppState,
    c: &ServiceConnection,
    client: &str,
    tenant: &Tenant,
    id: &Identity,
) -> Result<Finding, ApiError> {
    let (level, scope) = match scope_of(&c.data) {
        Ok(x) => x,
        Err(field) => {
            return Ok(Finding::from_catalogue(
                "roles",
                Status::Fail,
                Rendered::new(
                    "BadRequest",
                    &[(
                        "detail",
                        &format!("The connection's data.{field} is missing."),
                    )],
                ),
            ));
        }
    };
    let who = ArmCaller {
        oid: id.principal.id,
        tenant_id: tenant.id,
        client: client.to_string(),
    };
    let mut authz = Authz::load(s, &who).await?;
    let action = read_action(level);
    let allowed = authz.allows(s, action, &scope).await?;
    let above = authz.groups_above(s, &scope).await?;
    let target = canonical_scope(&scope);
    let mut covering = Vec::new();
    for a in authz.assignments() {
        let at = canonical_scope(&a.scope);
        if !(scope_covers(&at, &target) || above.contains(&at)) {
            continue;
        }
        let role = match built_in(a.role_definition_id) {
            Some(r) => r.name.to_string(),
            None => match s.db().get_custom_role(a.role_definition_id).await {
                Ok(r) => r.role_name,
                Err(_) => a.role_definition_id.to_string(),
            },
        };
        covering.push((role, a.scope.clone()));
    }
    Ok(d::roles(&d::RoleFacts {
        client_id: client,
        object_id: &id.principal.id.to_string(),
        scope: &scope,
        action,
        covering: &covering,
        allowed,
    }))
}

async fn pipelines_check(
    s: &AppState,
    org: &Organization,
    project: &Project,
    c: &ServiceConnection,
) -> Result<Vec<Finding>, ApiError> {
    let perms = s.db().get_pipeline_permissions(c.id).await?;
    let mut referencing = Vec::new();
    for p in projects_of(s, c).await? {
        for pipeline in s.db().list_pipelines(p.id).await? {
            if pipeline.connections.contains(&c.id) {
                referencing.push((pipeline.id, pipeline.name));
            }
        }
    }
    let authorized: Vec<i64> = perms.pipelines.iter().map(|p| p.pipeline_id).collect();
    Ok(d::pipelines(&d::PipelineFacts {
        organization: &org.name,
        project: &project.name,
        connection: &c.name,
        connection_id: &c.id.to_string(),
        all_pipelines: perms.all_pipelines,
        authorized: &authorized,
        referencing: &referencing,
    }))
}

/// Whether the identity asked for Azure DevOps tokens (seen in the audit log).
fn asked_for_devops(audit: &[AuditEntry]) -> bool {
    audit.iter().any(|e| {
        e.detail["resource"]
            .as_str()
            .is_some_and(|r| r.contains(AZURE_DEVOPS_APP_ID))
    })
}

async fn organization_check(
    s: &AppState,
    org: &Organization,
    project: &Project,
    c: &ServiceConnection,
    tenant: &Tenant,
    id: &Identity,
    audit: &[AuditEntry],
) -> Result<Finding, ApiError> {
    let level = match s
        .db()
        .get_organization_identity(org.id, id.principal.id)
        .await
    {
        Ok(m) => Some(m.access_level),
        Err(e) => {
            not_found_or(e)?;
            None
        }
    };
    let mut projects = Vec::new();
    for m in s.db().list_projects_of_identity(id.principal.id).await? {
        if let Ok(p) = s.db().get_project(m.project_id).await
            && p.organization_id == org.id
        {
            projects.push((p.name, m.group));
        }
    }
    let devops_use =
        c.endpoint_type != EndpointType::AzureRm || level.is_some() || asked_for_devops(audit);
    Ok(d::organization(&d::OrganizationFacts {
        devops_use,
        tenant: &tenant.id.to_string(),
        object_id: &id.principal.id.to_string(),
        access_level: level.as_deref(),
        projects: &projects,
        project: (&project.id.to_string(), &project.name),
    }))
}

/// The connection's audit entries and its client's, newest first, without duplicates.
async fn audit_of(s: &AppState, c: &ServiceConnection) -> Result<Vec<AuditEntry>, ApiError> {
    s.audit.flush().await;
    let by_connection = AuditFilter {
        connection_id: Some(c.id),
        limit: AUDIT_WINDOW,
        ..AuditFilter::default()
    };
    let by_client = AuditFilter {
        client_id: Some(c.client_id.to_string()),
        tenant_id: Some(c.tenant_id),
        limit: AUDIT_WINDOW,
        ..AuditFilter::default()
    };
    let mut all = s.db().query_audit(&by_connection).await?;
    for e in s.db().query_audit(&by_client).await? {
        if !all.iter().any(|x| x.id == e.id) {
            all.push(e);
        }
    }
    all.sort_by_key(|e| std::cmp::Reverse(e.at));
    Ok(all)
}

/// A connection of the project by name (case-insensitive) or id.
async fn connection_in(
    s: &AppState,
    org: &Organization,
    project: &Project,
    name_or_id: &str,
) -> Result<ServiceConnection, ApiError> {
    if uuid::Uuid::parse_str(name_or_id).is_ok() {
        return connection_by_id(s, org, name_or_id).await;
    }
    s.db()
        .find_connection(project.id, name_or_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => {
                super::security::connection_not_in_project("NotFound", name_or_id, project)
            }
            e => e.into(),
        })
}

pub fn findings_json(c: &ServiceConnection, org: &Organization, findings: &[Finding]) -> Value {
    json!({
        "connection": {"id": c.id.to_string(), "name": c.name, "organization": org.name},
        "status": d::overall(findings),
        "findings": findings,
    })
}

/// `GET …/connections/{connection}/doctor`: keyless administrators and the connection's
/// Administrators.
pub async fn doctor(
    Req { s, headers }: Req,
    Path((root, project, connection)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (caller, org) = super::managed_org(&s, &headers, &root).await?;
    let project = find_project(&s, &org, &project).await?;
    let c = connection_in(&s, &org, &project, &connection).await?;
    let home = if c.project_id == project.id {
        project
    } else {
        s.db().get_project(c.project_id).await?
    };
    require(&s, &caller, &org, &home, Some(&c), EndpointAction::Manage).await?;
    let findings = diagnose(&s, &org, &home, &c).await?;
    Ok(Json(findings_json(&c, &org, &findings)))
}
