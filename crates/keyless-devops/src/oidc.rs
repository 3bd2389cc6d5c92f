//! The job's token request: `POST …/plans/{plan}/jobs/{job}/oidctoken?serviceConnectionId=`
//! with the job token as bearer. Answers exactly 200 `{"oidcToken":…}` on success and a
//! JSON error with a non-200 status otherwise (clients misreport anything else).

use super::{find_org_cached, find_project_cached};
use crate::data::*;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use keyless_core::auth::presented_token;
use keyless_core::envelope::{ApiError, DevopsError};
use keyless_core::keyring::Issuer;
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::devops::{
    ConnectionState, IssuerGeneration, Job, Organization, Pipeline, Project, ServiceConnection,
};
use keyless_model::federation::devops_principal_oid;
use keyless_model::federation::{
    AZURE_DEVOPS_APP_ID, ENTRA_PIPELINE_AUDIENCE, TOKEN_EXCHANGE_AUDIENCE, devops_issuer,
};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Azure DevOps-generation ID tokens are valid from ten minutes before issue; every ID token
/// until `AppState::id_token_lifetime` (ten minutes unless the server setting shortens it).
pub const DEVOPS_TOKEN_NBF_BACKDATE: i64 = 600;

fn unauthenticated(detail: &str) -> ApiError {
    ApiError::detail("Unauthenticated", detail)
}

pub(super) async fn job_from_token(s: &AppState, headers: &HeaderMap) -> Result<Job, DevopsError> {
    let token = presented_token(headers)
        .ok_or_else(|| unauthenticated("No job token was sent. Send System.AccessToken (SYSTEM_ACCESSTOKEN) as 'Authorization: Bearer <token>'."))?;
    let job = s
        .db()
        .find_job_by_token_hash(&keyless_jose::sha256_hex(token.as_bytes()))
        .await
        .map_err(|_| {
            unauthenticated(
                "The job token is not valid. Use the SYSTEM_ACCESSTOKEN of a running job.",
            )
        })?;
    if job.finished_at.is_some() || job.expires_at <= s.now() {
        return Err((ApiError::detail(
            "TokenExpired",
            "The job token has expired or its job has finished. ID tokens can be requested only while the job runs.",
        )).into());
    }
    Ok(job)
}

/// Records every job-token request in the audit log, granted or denied.
pub async fn oidc_token(
    Req { s, headers }: Req,
    Path((root, project, _hub, plan, job_id)): Path<(String, String, String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DevopsError> {
    let mut rec = job_request_entry(&s, "oidc", (&root, &project, &job_id), &q);
    let outcome = issue(&s, &root, &project, &plan, &job_id, &q, &headers, &mut rec).await;
    s.audit
        .record_outcome(rec, outcome.as_ref().err().map(|e| e.0.code()));
    outcome
}

/// The job of a job-token request, after checking that the token belongs to the job the
/// path names (organization, project, plan, job), with its organization, project and
/// pipeline. Everything but the job comes through the grant cache (see cache.rs).
pub(super) async fn job_of_path(
    s: &AppState,
    headers: &HeaderMap,
    root: &str,
    project: &str,
    plan: &str,
    job_id: &str,
) -> Result<(Job, Organization, Project, Pipeline), DevopsError> {
    let job = job_from_token(s, headers).await?;
    let org = find_org_cached(s, root).await?;
    let project = find_project_cached(s, &org, project).await?;
    if job.project_id != project.id
        || Uuid::parse_str(plan).ok() != Some(job.plan_id)
        || Uuid::parse_str(job_id).ok() != Some(job.id)
    {
        return Err((unauthenticated(
            "The job token does not belong to this job. Use the SYSTEM_OIDCREQUESTURI and SYSTEM_ACCESSTOKEN of the same job.",
        )).into());
    }
    let pipeline = s.cache.pipeline(job.pipeline_id).await?;
    Ok((job, org, project, pipeline))
}

/// The audit entry of a job's request of `kind`: where the job runs and the connection asked
/// for.
pub(super) fn job_request_entry(
    s: &AppState,
    kind: &str,
    (root, project, job_id): (&str, &str, &str),
    q: &HashMap<String, String>,
) -> keyless_model::audit::AuditEntry {
    let mut rec = keyless_core::audit::entry(kind, s.now());
    rec.connection_id = requested_connection(q);
    rec.detail = json!({"organization": root, "project": project, "job": job_id});
    rec
}

/// The `serviceConnectionId` query parameter, any case, when it is a GUID.
pub(super) fn requested_connection(q: &HashMap<String, String>) -> Option<Uuid> {
    q.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("serviceConnectionId"))
        .and_then(|(_, v)| Uuid::parse_str(v.trim()).ok())
}

/// A connection the job may use: in the project (or shared with it), named by the
/// pipeline's YAML when the run was queued, and open to the pipeline by its permissions.
pub(super) async fn usable_connection(
    s: &AppState,
    org: &Organization,
    project: &Project,
    (job, pipeline): (&Job, &Pipeline),
    conn_id: Uuid,
) -> Result<ServiceConnection, DevopsError> {
    let not_usable = |why: &str| {
        ApiError::detail(
            "ConnectionNotFound",
            format!("Service connection '{conn_id}' {why}"),
        )
    };
    let conn = s.cache.connection(conn_id).await.map_err(|_| {
        not_usable("was not found in this organization. Check the serviceConnectionId.")
    })?;
    if conn.project_id != project.id
        && !s
            .cache
            .connection_shares(conn.id)
            .await?
            .contains(&project.id)
    {
        return Err((not_usable(&format!(
            "belongs to another project than '{}'. Share it with this project or use a connection of this project.",
            project.name
        ))).into());
    }
    if !job.usable_connections(pipeline).contains(&conn.id) {
        return Err((not_usable(&format!(
            "('{}') is not referenced by the pipeline '{}'. Name it in a task input of the pipeline's YAML and queue a new run.",
            conn.name, pipeline.name
        ))).into());
    }
    crate::pipeline_permissions::require_open(
        s,
        (org, project),
        pipeline,
        &conn,
        "PipelineNotAuthorized",
    )
    .await?;
    Ok(conn)
}

#[allow(clippy::too_many_arguments)]
async fn issue(
    s: &AppState,
    root: &str,
    project: &str,
    plan: &str,
    job_id: &str,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    rec: &mut keyless_model::audit::AuditEntry,
) -> Result<Json<Value>, DevopsError> {
    let (job, org, project, pipeline) =
        job_of_path(s, headers, root, project, plan, job_id).await?;
    // As the real service: without a (GUID) connection id the job gets a pipeline token.
    let Some(conn_id) = requested_connection(q) else {
        let token = pipeline_token(s, &org, &project, &pipeline, &job).await?;
        return Ok(Json(json!({"oidcToken": token})));
    };
    let conn = usable_connection(s, &org, &project, (&job, &pipeline), conn_id).await?;
    if conn.state != ConnectionState::Ready {
        return Err((ApiError::detail(
            "ConnectionNotReady",
            format!(
                "Service connection '{}' is in state {} and cannot issue ID tokens. Finish its configuration, then verify it.",
                conn.name, conn.state
            ),
        )).into());
    }
    if !super::schemes::federates(&conn) {
        return Err((ApiError::detail(
            "ConnectionNotReady",
            format!(
                "Service connection '{}' uses the scheme {}, which does not federate.",
                conn.name, conn.scheme
            ),
        ))
        .into());
    }
    rec.tenant_id = Some(conn.tenant_id);
    rec.client_id = Some(conn.client_id.to_string());
    let minted = mint_id_token(s, &conn, &org, &project).await?;
    rec.issuer = Some(minted.issuer);
    rec.subject = Some(minted.subject);
    rec.audience = Some(minted.audience.to_string());
    let token = minted.token;
    // At debug, like access-token grants: the audit log has every one.
    tracing::debug!(decision = "granted", sc.id = %conn.id, job.id = %job.id, "pipeline ID token issued");
    Ok(Json(json!({"oidcToken": token})))
}

/// A connection's ID token and what it says (for the audit log and verify).
pub struct IdToken {
    pub token: String,
    pub issuer: String,
    pub subject: String,
    pub audience: &'static str,
}

/// Signs a connection's ID token with its issuer generation's key: the tenant's for the Entra
/// generation, the organization's for the Azure DevOps one.
pub async fn mint_id_token(
    s: &AppState,
    conn: &ServiceConnection,
    org: &Organization,
    project: &Project,
) -> Result<IdToken, ApiError> {
    let now = s.now();
    let (iss, sub) = super::render::issuer_and_subject(&s.origin, conn, org, project);
    let jti = Uuid::new_v4().to_string();
    match (conn.issuer_generation, org.tenant_id) {
        (IssuerGeneration::EntraId, Some(tid)) => {
            let keys = s.keys.get(Issuer::Tenant(tid)).await?;
            let claims = json!({
                "aud": ENTRA_PIPELINE_AUDIENCE,
                "iss": iss,
                "iat": now,
                "nbf": now,
                "exp": now + s.id_token_lifetime,
                "azp": AZURE_DEVOPS_APP_ID,
                "azpacr": "2",
                "idtyp": "app",
                "oid": devops_principal_oid(tid).to_string(),
                "sub": sub,
                "tid": tid.to_string(),
                "uti": keyless_jose::b64url(keyless_jose::random_bytes(16)),
                "ver": "2.0",
                "jti": jti,
            });
            let token = keys.active.sign_jwt(&claims)?;
            Ok(IdToken {
                token,
                issuer: iss,
                subject: sub,
                audience: ENTRA_PIPELINE_AUDIENCE,
            })
        }
        (generation, _) => {
            let owner = if generation == IssuerGeneration::Legacy {
                keyless_model::federation::LEGACY_ISSUER_KEYS
            } else {
                org.id
            };
            let keys = s.keys.get(Issuer::Organization(owner)).await?;
            let claims = json!({
                "jti": jti,
                "sub": sub,
                "aud": TOKEN_EXCHANGE_AUDIENCE,
                "iss": iss,
                "nbf": now - DEVOPS_TOKEN_NBF_BACKDATE,
                "exp": now + s.id_token_lifetime,
                "iat": now,
            });
            let token = keys.active.sign_jwt(&claims)?;
            Ok(IdToken {
                token,
                issuer: iss,
                subject: sub,
                audience: TOKEN_EXCHANGE_AUDIENCE,
            })
        }
    }
}

async fn pipeline_token(
    s: &AppState,
    org: &Organization,
    project: &Project,
    pipeline: &keyless_model::devops::Pipeline,
    job: &Job,
) -> Result<String, DevopsError> {
    let now = s.now();
    let keys = s.keys.get(Issuer::Organization(org.id)).await?;
    let claims = json!({
        "jti": Uuid::new_v4().to_string(),
        "sub": format!("p://{}/{}/{}", org.name, project.name, pipeline.name),
        "aud": TOKEN_EXCHANGE_AUDIENCE,
        "iss": devops_issuer(&s.origin, org.id),
        "nbf": now - DEVOPS_TOKEN_NBF_BACKDATE,
        "exp": now + s.id_token_lifetime,
        "iat": now,
        "org_id": org.id.to_string(),
        "prj_id": project.id.to_string(),
        "def_id": pipeline.id.to_string(),
        "run_id": job.plan_id.to_string(),
    });
    Ok(keys.active.sign_jwt(&claims)?)
}
