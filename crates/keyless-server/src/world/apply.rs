//! Applying a world: validate everything, then create what is missing and update what
//! differs, in dependency order. Returns what changed.

use super::WorldError;
use super::audited::{Change, write};
use super::schema::*;
use crate::admin::ops;
use crate::state::AppState;
use keyless_model::Uuid;
use keyless_model::arm::{ResourceGroup, RoleAssignment};
use keyless_model::devops::data::ConnectionData;
use keyless_model::devops::{
    ConnectionState, CreationMode, EndpointType, IssuerGeneration, Organization, Project, Scheme,
    ServiceConnection,
};
use keyless_model::directory::{Application, Cloud, FederatedCredential, ServicePrincipal, Tenant};
use keyless_model::directory_roles::PrincipalType;
use keyless_model::federation::TOKEN_EXCHANGE_AUDIENCE;
use keyless_model::rbac::{built_in, built_in_by_name, canonical_scope};
use std::collections::HashMap;

/// Projects of an organization by lowercase name, each with its connections by name.
pub(super) type ProjectsByName = HashMap<String, (Project, HashMap<String, ServiceConnection>)>;

#[derive(Debug, Default, Clone)]
pub struct Report {
    pub changes: Vec<String>,
    pub unchanged: usize,
}

impl Report {
    pub(super) fn changed(&mut self, what: String) {
        self.changes.push(what);
    }
}

pub(super) fn err(path: String, message: impl Into<String>) -> WorldError {
    WorldError {
        path,
        line: None,
        message: message.into(),
    }
}

pub(super) fn api(path: &str, e: crate::envelope::ApiError) -> WorldError {
    err(path.to_string(), e.rendered.message)
}

fn store(path: &str, e: keyless_store::StoreError) -> WorldError {
    api(path, e.into())
}

/// Everything the file defines, by name, for reference checks before writing.
pub(super) fn role_of(role: &str) -> Option<&'static keyless_model::rbac::RoleDefinition> {
    built_in_by_name(role).or_else(|| Uuid::parse_str(role).ok().and_then(built_in))
}

pub(super) fn lc(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// Validates, then applies. Nothing is written when validation fails.
pub async fn apply(s: &AppState, w: &World) -> Result<Report, WorldError> {
    super::validate::validate(s, w).await?;
    let mut r = Report::default();
    let mut tenants: HashMap<String, Tenant> = HashMap::new();
    for (ti, t) in w.tenants.iter().enumerate() {
        let tenant = super::apply_tenant::tenant(s, t, ti, &mut r).await?;
        tenants.insert(lc(&t.name), tenant);
    }
    // Guests and roles after every tenant's users and apps exist (guests come from others).
    for (ti, t) in w.tenants.iter().enumerate() {
        if let Some(tenant) = tenants.get(&lc(&t.name)) {
            super::apply_directory::directory(s, t, tenant, ti, &mut r).await?;
        }
    }
    let mut orgs: HashMap<String, (Organization, ProjectsByName)> = HashMap::new();
    for (oi, o) in w.organizations.iter().enumerate() {
        let p = format!("organizations[{oi}]");
        let tenant = match &o.tenant {
            Some(t) => Some(
                find_tenant(s, &tenants, t)
                    .await
                    .map_err(|e| store(&format!("{p}.tenant"), e))?,
            ),
            None => None,
        };
        // Validated before anything was applied.
        let cloud = o.cloud.as_deref().and_then(Cloud::parse);
        let org = match s.shared_store().find_organization(&o.name).await {
            Ok(org) => {
                if org.tenant_id != tenant.as_ref().map(|t| t.id) {
                    return Err(err(
                        format!("{p}.tenant"),
                        "an existing organization cannot be moved to another tenant by a world file",
                    ));
                }
                if cloud.is_some_and(|c| c != org.cloud) {
                    return Err(err(
                        format!("{p}.cloud"),
                        "an existing organization cannot be moved to another cloud by a world file",
                    ));
                }
                r.unchanged += 1;
                org
            }
            Err(_) => {
                let org = ops::create_organization(s, &o.name, tenant.as_ref(), cloud, None)
                    .await
                    .map_err(|e| api(&p, e))?;
                r.changed(format!("created organization {}", o.name));
                org
            }
        };
        super::apply_org::organization(s, o, &org, &p, &mut r).await?;
        let mut projects = HashMap::new();
        for (pi, pr) in o.projects.iter().enumerate() {
            let pp = format!("{p}.projects[{pi}]");
            let project = match s.shared_store().find_project(org.id, &pr.name).await {
                Ok(x) => {
                    r.unchanged += 1;
                    x
                }
                Err(_) => {
                    let x = ops::create_project(s, &org, &pr.name, pr.description.clone())
                        .await
                        .map_err(|e| api(&pp, e))?;
                    r.changed(format!("created project {}/{}", o.name, pr.name));
                    x
                }
            };
            let mut conns = HashMap::new();
            for (ci, c) in pr.connections.iter().enumerate() {
                let cp = format!("{pp}.connections[{ci}]");
                let conn = connection(s, &tenants, &org, &project, c, &cp, &mut r).await?;
                conns.insert(lc(&c.name), conn);
            }
            for (qi, pl) in pr.pipelines.iter().enumerate() {
                let qp = format!("{pp}.pipelines[{qi}]");
                let def = pl
                    .definition(&w.files)
                    .map_err(|m| api(&qp, crate::envelope::ApiError::detail("BadRequest", m)))?;
                let named = crate::devops::runs::named_connections(s, &project, &def)
                    .await
                    .map_err(|e| api(&qp, e))?;
                let ids: Vec<Uuid> = named.iter().map(|c| c.id).collect();
                // Saving a pipeline authorizes the connections it names, except those whose
                // spec in this file lists the pipelines it is open to (`apply_security`
                // sets those).
                let authorize: Vec<Uuid> = named
                    .iter()
                    .filter(|n| {
                        !pr.connections
                            .iter()
                            .any(|c| lc(&c.name) == lc(&n.name) && c.pipelines.is_some())
                    })
                    .map(|c| c.id)
                    .collect();
                match s.shared_store().find_pipeline(project.id, &pl.name).await {
                    Ok(mut existing) => {
                        if existing.connections != ids || existing.definition.as_ref() != Some(&def)
                        {
                            existing.connections = ids;
                            existing.definition = Some(def);
                            ops::update_pipeline(s, &existing, &authorize, None)
                                .await
                                .map_err(|e| api(&qp, e))?;
                            r.changed(format!(
                                "updated pipeline {}/{}/{}",
                                o.name, pr.name, pl.name
                            ));
                        } else {
                            r.unchanged += 1;
                        }
                    }
                    Err(_) => {
                        ops::create_pipeline(s, &project, &pl.name, def, ids, &authorize, None)
                            .await
                            .map_err(|e| api(&qp, e))?;
                        r.changed(format!(
                            "created pipeline {}/{}/{}",
                            o.name, pr.name, pl.name
                        ));
                    }
                }
            }
            projects.insert(lc(&pr.name), (project, conns));
        }
        super::apply_security::organization(s, o, &projects, &p, &mut r).await?;
        orgs.insert(lc(&o.name), (org, projects));
    }
    for (ti, t) in w.tenants.iter().enumerate() {
        let tenant = &tenants[&lc(&t.name)];
        for (ai, a) in t.apps.iter().enumerate() {
            let app = s
                .shared_store()
                .find_application_by_name(tenant.id, &a.name)
                .await
                .map_err(|e| store(&format!("tenants[{ti}].apps[{ai}]"), e))?;
            for (fi, f) in a.federated_credentials.iter().enumerate() {
                let fp = format!("tenants[{ti}].apps[{ai}].federatedCredentials[{fi}]");
                let (issuer, subject) = match &f.connection {
                    Some(c) => {
                        let parts: Vec<&str> = c.split('/').collect();
                        let (org, projects) = &orgs[&lc(parts[0])];
                        let (project, conns) = &projects[&lc(parts[1])];
                        let conn = &conns[&lc(parts[2])];
                        crate::devops::render::issuer_and_subject(&s.origin, conn, org, project)
                    }
                    None => (
                        f.issuer.clone().unwrap_or_default(),
                        f.subject.clone().unwrap_or_default(),
                    ),
                };
                let audiences = f
                    .audiences
                    .clone()
                    .unwrap_or_else(|| vec![TOKEN_EXCHANGE_AUDIENCE.into()]);
                fic(s, &app, f, issuer, subject, audiences, &fp, &mut r).await?;
            }
        }
        for (si, sub) in t.subscriptions.iter().enumerate() {
            let subscription = find_sub(s, tenant, &sub.name)
                .await
                .map_err(|e| store(&format!("tenants[{ti}].subscriptions[{si}]"), e))?;
            for (ri, ra) in sub.role_assignments.iter().enumerate() {
                let rp = format!("tenants[{ti}].subscriptions[{si}].roleAssignments[{ri}]");
                role_assignment(s, tenant, subscription.id, ra, &rp, &mut r).await?;
            }
        }
    }
    Ok(r)
}

pub(super) async fn find_tenant(
    s: &AppState,
    known: &HashMap<String, Tenant>,
    name: &str,
) -> Result<Tenant, keyless_store::StoreError> {
    match known.get(&lc(name)) {
        Some(t) => Ok(t.clone()),
        None => s.shared_store().find_tenant(name).await,
    }
}

pub(super) async fn find_sub(
    s: &AppState,
    t: &Tenant,
    name: &str,
) -> Result<keyless_model::arm::Subscription, keyless_store::StoreError> {
    s.shared_store()
        .list_subscriptions()
        .await?
        .into_iter()
        .find(|x| x.tenant_id == t.id && x.display_name.eq_ignore_ascii_case(name))
        .ok_or(keyless_store::StoreError::NotFound)
}

async fn connection(
    s: &AppState,
    tenants: &HashMap<String, Tenant>,
    org: &Organization,
    project: &Project,
    c: &ConnectionSpec,
    cp: &str,
    r: &mut Report,
) -> Result<ServiceConnection, WorldError> {
    if let Ok(existing) = s.shared_store().find_connection(project.id, &c.name).await {
        r.unchanged += 1;
        return Ok(existing);
    }
    let at = if c.managed_identity() {
        "tenant"
    } else {
        "app"
    };
    let tenant = find_tenant(s, tenants, c.tenant_name())
        .await
        .map_err(|e| store(&format!("{cp}.{at}"), e))?;
    // A managed identity connection has no client of its own (as the REST create path).
    let client_id = match c.app.as_deref().and_then(|a| a.split_once('/')) {
        Some((_, aname)) => {
            s.shared_store()
                .find_application_by_name(tenant.id, aname)
                .await
                .map_err(|e| store(&format!("{cp}.app"), e))?
                .app_id
        }
        None => Uuid::nil(),
    };
    let mut data = serde_json::Map::new();
    data.default_arm_scope();
    data.set_creation_mode(CreationMode::Manual);
    if let Some(sub) = &c.subscription {
        let sub = find_sub(s, &tenant, sub)
            .await
            .map_err(|e| store(&format!("{cp}.subscription"), e))?;
        data.set_subscription(sub.id, &sub.display_name);
    }
    let conn = ServiceConnection {
        id: Uuid::new_v4(),
        organization_id: org.id,
        project_id: project.id,
        name: c.name.clone(),
        endpoint_type: EndpointType::AzureRm,
        scheme: if c.managed_identity() {
            Scheme::ManagedServiceIdentity
        } else {
            Scheme::WorkloadIdentityFederation
        },
        tenant_id: tenant.id,
        client_id,
        issuer_generation: c
            .issuer
            .as_deref()
            .and_then(IssuerGeneration::parse)
            .unwrap_or_default(),
        creation_mode: CreationMode::Manual,
        state: ConnectionState::Ready,
        status_message: String::new(),
        description: c.description.clone().unwrap_or_default(),
        data,
        created_by: None,
        created_at: s.now(),
    };
    let change = Change::of(Some(tenant.id), "createConnection", conn.id);
    write(s, change, async |u| u.create_connection(&conn).await)
        .await
        .map_err(|e| store(cp, e))?;
    r.changed(format!(
        "created service connection {}/{}/{}",
        org.name, project.name, c.name
    ));
    Ok(conn)
}

#[allow(clippy::too_many_arguments)]
async fn fic(
    s: &AppState,
    app: &Application,
    f: &FicSpec,
    issuer: String,
    subject: String,
    audiences: Vec<String>,
    fp: &str,
    r: &mut Report,
) -> Result<(), WorldError> {
    match s.shared_store().find_fic_by_name(app.id, &f.name).await {
        Ok(mut existing) => {
            if existing.issuer == issuer
                && existing.subject.as_deref() == Some(&subject)
                && existing.audiences == audiences
            {
                r.unchanged += 1;
                return Ok(());
            }
            existing.issuer = issuer;
            existing.subject = Some(subject);
            existing.audiences = audiences;
            let change = Change::of(
                Some(app.tenant_id),
                "updateFederatedCredential",
                existing.id,
            );
            write(s, change, async |u| u.update_fic(&existing).await)
                .await
                .map_err(|e| api(fp, crate::graph::fic_conflict(e)))?;
            r.changed(format!(
                "updated federated credential {} of {}",
                f.name, app.display_name
            ));
        }
        Err(_) => {
            let fic = FederatedCredential {
                id: Uuid::new_v4(),
                parent_id: app.id,
                name: f.name.clone(),
                issuer,
                subject: Some(subject),
                audiences,
                description: f.description.clone(),
                claims_matching_expression: None,
                created_at: s.now(),
            };
            let change = Change::of(Some(app.tenant_id), "createFederatedCredential", fic.id);
            write(s, change, async |u| u.create_fic(&fic).await)
                .await
                .map_err(|e| api(fp, crate::graph::fic_conflict(e)))?;
            r.changed(format!(
                "created federated credential {} of {}",
                f.name, app.display_name
            ));
        }
    }
    Ok(())
}

async fn role_assignment(
    s: &AppState,
    tenant: &Tenant,
    sub: Uuid,
    ra: &RoleAssignmentSpec,
    rp: &str,
    r: &mut Report,
) -> Result<(), WorldError> {
    let role = role_of(&ra.role).ok_or_else(|| err(format!("{rp}.role"), "unknown role"))?;
    let (principal, kind, who) = match (&ra.app, &ra.user) {
        (Some(a), _) => {
            let app = s
                .shared_store()
                .find_application_by_name(tenant.id, a)
                .await
                .map_err(|e| store(&format!("{rp}.app"), e))?;
            let sp = s
                .shared_store()
                .find_service_principal(tenant.id, app.app_id)
                .await
                .map_err(|e| store(&format!("{rp}.app"), e))?;
            (
                sp.id,
                PrincipalType::ServicePrincipal.as_str(),
                format!("app {a}"),
            )
        }
        (_, Some(u)) => {
            let user = s
                .shared_store()
                .find_user_by_upn(&format!("{u}@{}", tenant.domain))
                .await
                .map_err(|e| store(&format!("{rp}.user"), e))?;
            (user.id, PrincipalType::User.as_str(), format!("user {u}"))
        }
        _ => return Err(err(rp.to_string(), "name exactly one of app or user")),
    };
    let scope = match &ra.resource_group {
        Some(rg) => {
            let group = s
                .shared_store()
                .get_resource_group(sub, rg)
                .await
                .map_err(|e| store(&format!("{rp}.resourceGroup"), e))?;
            group.arm_id()
        }
        None => format!("/subscriptions/{sub}"),
    };
    let scope = canonical_scope(&scope);
    let existing = s
        .shared_store()
        .list_role_assignments_for_principal(principal)
        .await
        .map_err(|e| store(rp, e))?;
    if existing
        .iter()
        .any(|a| a.scope == scope && a.role_definition_id == role.id)
    {
        r.unchanged += 1;
        return Ok(());
    }
    let a = RoleAssignment {
        id: Uuid::new_v4(),
        scope: scope.clone(),
        role_definition_id: role.id,
        principal_id: principal,
        principal_type: kind.into(),
        created_by: None,
        created_at: s.now(),
    };
    let change = Change::of(Some(tenant.id), "createRoleAssignment", a.id);
    write(s, change, async |u| u.create_role_assignment(&a).await)
        .await
        .map_err(|e| store(rp, e))?;
    r.changed(format!("assigned {} to {who} at {scope}", role.name));
    Ok(())
}

/// Shared by tenant application: the app's service principal in its own tenant.
pub(super) async fn ensure_principal(
    s: &AppState,
    tenant: &Tenant,
    app: &Application,
) -> Result<bool, keyless_store::StoreError> {
    match s
        .shared_store()
        .find_service_principal(tenant.id, app.app_id)
        .await
    {
        Ok(_) => Ok(false),
        Err(_) => {
            let sp = ServicePrincipal::of_application(app, tenant.id, s.now());
            let change = Change::of(Some(tenant.id), "createServicePrincipal", sp.id);
            write(s, change, async |u| u.create_service_principal(&sp).await).await?;
            Ok(true)
        }
    }
}

pub(super) fn resource_group(sub: Uuid, rg: &ResourceGroupSpec, now: i64) -> ResourceGroup {
    ResourceGroup {
        subscription_id: sub,
        name: rg.name.clone(),
        location: rg.location.clone(),
        tags: rg.tags.clone(),
        created_at: now,
    }
}
