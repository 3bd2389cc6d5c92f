//! Creating the objects that have no public API (tenants, users, organizations, projects,
//! subscriptions, pipelines, jobs). The admin API and world files both call these, so a
//! rule lives in one place.

use crate::envelope::ApiError;
use crate::state::AppState;
use keyless_model::Uuid;
use keyless_model::arm::Subscription;
use keyless_model::devops::{Job, Organization, Pipeline, PipelineDefinition, Project};
use keyless_model::directory::{Cloud, Tenant, TenantSettings, User, UserType};
use keyless_store::UnitOfWork;

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

pub use keyless_core::names::check_short_name;

/// The audit entry of an administrative change (`operation` on `object`), for the change's
/// own transaction. The admin API checked its caller; world files and the demo are
/// administrators' too.
fn change(
    s: &AppState,
    tenant: Option<Uuid>,
    operation: &str,
    object: impl serde::Serialize,
) -> keyless_model::audit::AuditEntry {
    change_by(s, tenant, None, operation, object)
}

/// The audit entry of `operation` on `object` by the user `by` (`None`: a world file, the
/// demo or the server itself). `object` names what changed, never a secret.
pub fn change_by(
    s: &AppState,
    tenant: Option<Uuid>,
    by: Option<Uuid>,
    operation: &str,
    object: impl serde::Serialize,
) -> keyless_model::audit::AuditEntry {
    keyless_core::audit::admin_change(s.now(), tenant, by, operation, object)
}

/// Appends `entry` to the audit log inside `uow`, then commits: the change and its entry
/// are durable together or not at all. The one way the admin API and world files commit a
/// change: a unit of work dropped before it (a write that failed) leaves no entry.
pub async fn commit_audited(
    uow: Box<dyn UnitOfWork>,
    entry: keyless_model::audit::AuditEntry,
) -> Result<(), ApiError> {
    Ok(keyless_core::audit::commit(uow, &[entry]).await?)
}

pub struct NewTenant {
    pub name: String,
    pub id: Option<Uuid>,
    pub display_name: Option<String>,
    pub cloud: Cloud,
    pub settings: TenantSettings,
}

pub async fn create_tenant(s: &AppState, t: NewTenant) -> Result<Tenant, ApiError> {
    check_short_name("tenant", &t.name)?;
    let tenant = Tenant {
        id: t.id.unwrap_or_else(Uuid::new_v4),
        domain: format!("{}.onmicrosoft.com", t.name.to_ascii_lowercase()),
        display_name: t.display_name.unwrap_or_else(|| t.name.clone()),
        name: t.name,
        cloud: t.cloud,
        settings: t.settings,
        created_at: s.now(),
    };
    let rec = change(s, Some(tenant.id), "createTenant", tenant.id);
    let uow = s.shared_store().begin().await?;
    uow.create_tenant(&tenant).await?;
    commit_audited(uow, rec).await?;
    Ok(tenant)
}

pub async fn create_user(
    s: &AppState,
    tenant: &Tenant,
    name: &str,
    display_name: Option<String>,
    is_admin: bool,
) -> Result<User, ApiError> {
    let local = name.split('@').next().unwrap_or(name);
    check_short_name("user", local)?;
    let user = User {
        id: Uuid::new_v4(),
        tenant_id: tenant.id,
        user_principal_name: format!("{local}@{}", tenant.domain),
        display_name: display_name.unwrap_or_else(|| local.to_string()),
        user_type: UserType::Member,
        is_admin,
        created_at: s.now(),
    };
    let rec = change(s, Some(tenant.id), "createUser", user.id);
    let uow = s.shared_store().begin().await?;
    uow.create_user(&user).await?;
    commit_audited(uow, rec).await?;
    Ok(user)
}

pub async fn create_organization(
    s: &AppState,
    name: &str,
    tenant: Option<&Tenant>,
    cloud: Option<Cloud>,
    owner: Option<Uuid>,
) -> Result<Organization, ApiError> {
    check_short_name("organization", name)?;
    let org = Organization {
        id: Uuid::new_v4(),
        name: name.to_string(),
        tenant_id: tenant.map(|t| t.id),
        // Unless told otherwise, an organization runs in the cloud of its tenant.
        cloud: cloud.or(tenant.map(|t| t.cloud)).unwrap_or_default(),
        owner_id: owner,
        created_at: s.now(),
    };
    let rec = change(s, org.tenant_id, "createOrganization", org.id);
    let uow = s.shared_store().begin().await?;
    uow.create_organization(&org).await?;
    commit_audited(uow, rec).await?;
    Ok(org)
}

pub async fn create_project(
    s: &AppState,
    org: &Organization,
    name: &str,
    description: Option<String>,
) -> Result<Project, ApiError> {
    check_short_name("project", name)?;
    let p = Project {
        id: Uuid::new_v4(),
        organization_id: org.id,
        name: name.to_string(),
        description: description.unwrap_or_default(),
        created_at: s.now(),
    };
    let rec = change(s, None, "createProject", p.id);
    let uow = s.shared_store().begin().await?;
    uow.create_project(&p).await?;
    commit_audited(uow, rec).await?;
    Ok(p)
}

/// A subscription's display name: 1 to 64 characters, as Azure's.
pub fn check_subscription_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(bad("The subscription name must be 1 to 64 characters."));
    }
    Ok(())
}

pub async fn create_subscription(
    s: &AppState,
    tenant: &Tenant,
    name: &str,
    id: Option<Uuid>,
) -> Result<Subscription, ApiError> {
    check_subscription_name(name)?;
    let sub = Subscription {
        id: id.unwrap_or_else(Uuid::new_v4),
        tenant_id: tenant.id,
        display_name: name.to_string(),
        state: "Enabled".into(),
        created_at: s.now(),
    };
    let rec = change(s, Some(tenant.id), "createSubscription", sub.id);
    let uow = s.shared_store().begin().await?;
    uow.create_subscription(&sub).await?;
    commit_audited(uow, rec).await?;
    Ok(sub)
}

/// Creates the pipeline and authorizes it for the connections in `authorize`, as saving a
/// pipeline in Azure DevOps does for the connections it names when the saver (`by`) holds
/// the User role on them (the caller has checked that). One unit of work: both or neither.
pub async fn create_pipeline(
    s: &AppState,
    project: &Project,
    name: &str,
    definition: PipelineDefinition,
    connections: Vec<Uuid>,
    authorize: &[Uuid],
    by: Option<Uuid>,
) -> Result<Pipeline, ApiError> {
    if name.trim().is_empty() || name.chars().count() > 128 {
        return Err(bad("The pipeline name must be 1 to 128 characters."));
    }
    let mut p = Pipeline {
        id: 0,
        project_id: project.id,
        name: name.to_string(),
        connections,
        definition: Some(definition),
        created_at: s.now(),
    };
    let uow = s.shared_store().begin().await?;
    p.id = uow.create_pipeline(&p).await?;
    authorize_in(s, &*uow, p.id, authorize, by).await?;
    commit_audited(uow, change_by(s, None, by, "createPipeline", p.id)).await?;
    Ok(p)
}

/// Replaces the pipeline's connections and authorizes it for those in `authorize`, in one
/// unit of work.
pub async fn update_pipeline(
    s: &AppState,
    p: &Pipeline,
    authorize: &[Uuid],
    by: Option<Uuid>,
) -> Result<(), ApiError> {
    let uow = s.shared_store().begin().await?;
    uow.update_pipeline(p).await?;
    authorize_in(s, &*uow, p.id, authorize, by).await?;
    commit_audited(uow, change_by(s, None, by, "updatePipeline", p.id)).await
}

/// Authorizes the pipeline for these connections (idempotent).
async fn authorize_in(
    s: &AppState,
    uow: &dyn UnitOfWork,
    pipeline_id: i64,
    connections: &[Uuid],
    by: Option<Uuid>,
) -> Result<(), ApiError> {
    for c in connections {
        uow.authorize_pipeline(*c, pipeline_id, by, s.now()).await?;
    }
    Ok(())
}

/// A started job and the secrets a job sees in its environment (shown once).
pub struct StartedJob {
    pub job: Job,
    pub access_token: String,
    pub oidc_request_uri: String,
    /// The pool and agent the job runs on.
    pub placement: crate::devops::agents::Placement,
}

/// What a job started by [`start_job`] comes with, written or checked in its unit of work.
#[derive(Default)]
pub enum JobFor<'a> {
    /// The pipeline alone.
    #[default]
    Pipeline,
    /// `keyless exec`: the job must be able to use this connection, else it is refused and
    /// nothing is written.
    Connection(&'a keyless_model::devops::ServiceConnection),
    /// A job of a run: its record on the run (in progress from now).
    Run {
        run: i64,
        stage: Option<&'a str>,
        name: &'a str,
    },
}

/// Longest job a caller may ask for: a day, as hosted agents' maximum run time is shorter.
pub const MAX_JOB_MINUTES: i64 = 24 * 60;

/// What a job start asks for: how long the job may run (60 minutes when absent), its pool
/// (the Microsoft-hosted one when absent), who asks, and what the job comes with.
#[derive(Default)]
pub struct JobRequest<'a> {
    pub minutes: Option<i64>,
    pub pool: Option<keyless_model::devops::agents::PoolRequest>,
    pub by: Option<Uuid>,
    pub what: JobFor<'a>,
}

impl<'a> JobRequest<'a> {
    /// A job start that `by` asked for, with the body's `minutes` and `pool`.
    pub fn asked(
        minutes: Option<i64>,
        pool: Option<keyless_model::devops::agents::PoolRequest>,
        by: Uuid,
        what: JobFor<'a>,
    ) -> JobRequest<'a> {
        JobRequest {
            minutes,
            pool,
            by: Some(by),
            what,
        }
    }
}

/// Starts a job of `pipeline`: the job and what goes with it in one unit of work, audited
/// as `startJob`.
pub async fn start_job(
    s: &AppState,
    (org, project, pipeline): (&Organization, &Project, &Pipeline),
    req: JobRequest<'_>,
) -> Result<StartedJob, ApiError> {
    let JobRequest {
        minutes,
        pool,
        by,
        what,
    } = req;
    let minutes = minutes.unwrap_or(60);
    if !(1..=MAX_JOB_MINUTES).contains(&minutes) {
        return Err(bad(format!("A job runs 1 to {MAX_JOB_MINUTES} minutes.")));
    }
    // Queue time: the YAML compiles, every connection it names exists and is open to it.
    let connections = crate::devops::runs::queue_connections(s, org, project, pipeline).await?;
    let placement = crate::devops::agents::place(s, org, &pool.unwrap_or_default()).await?;
    let token = keyless_jose::random_token(crate::auth::JOB_TOKEN_PREFIX, 32);
    let now = s.now();
    let run_id = match what {
        JobFor::Run { run, .. } => Some(run),
        _ => None,
    };
    let job = Job {
        id: Uuid::new_v4(),
        plan_id: Uuid::new_v4(),
        pipeline_id: pipeline.id,
        project_id: project.id,
        token_hash: keyless_jose::sha256_hex(token.as_bytes()),
        created_at: now,
        expires_at: now + minutes * 60,
        finished_at: None,
        run_id,
        connections,
        pool_id: Some(placement.pool.id),
        agent_id: placement.agent.as_ref().map(|a| a.id),
    };
    // The entry names the job; its token never leaves this function but in the answer.
    let rec = change_by(s, None, by, "startJob", job.id);
    let uow = s.shared_store().begin().await?;
    uow.create_job(&job).await?;
    match what {
        JobFor::Pipeline => {}
        JobFor::Connection(conn) => {
            if !job.usable_connections(pipeline).contains(&conn.id) {
                return Err(ApiError::detail(
                    "ConnectionNotFound",
                    format!(
                        "Service connection '{}' is not referenced by the pipeline '{}'. Name it in a task input of the pipeline's YAML, or leave out the pipeline.",
                        conn.name, pipeline.name
                    ),
                ));
            }
        }
        // Read, changed and written under the run's lock: other jobs' records stay.
        JobFor::Run { run, stage, name } => {
            uow.modify_run(run, &mut |r: &mut keyless_model::devops::runs::Run| {
                let j = r.job_mut(stage, name);
                j.state = keyless_model::devops::runs::JobState::InProgress;
                j.job_id = Some(job.id);
                j.started_at = Some(now);
            })
            .await?;
        }
    }
    commit_audited(uow, rec).await?;
    let oidc_request_uri = format!(
        "{}/{}/{}/_apis/distributedtask/hubs/build/plans/{}/jobs/{}/oidctoken",
        s.origin, org.name, project.id, job.plan_id, job.id
    );
    Ok(StartedJob {
        job,
        access_token: token,
        oidc_request_uri,
        placement,
    })
}
