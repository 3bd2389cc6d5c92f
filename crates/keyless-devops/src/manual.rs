//! The manual create body: validation and the connection it makes (scheme
//! `WorkloadIdentityFederation` with an existing identity, or `ServicePrincipal` with a
//! given secret).

use super::endpoints::CreateBody;
use super::schemes::rules;
use keyless_core::auth::Caller;
use keyless_core::envelope::{ApiError, DevopsError};
use keyless_model::Uuid;
use keyless_model::devops::data::ConnectionData;
use keyless_model::devops::{
    ConnectionState, CreationMode, EndpointType, IssuerGeneration, Organization, Project, Scheme,
    ServiceConnection,
};
use serde_json::Value;
use std::collections::HashMap;

pub(super) fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

pub(super) fn param(p: &HashMap<String, Value>, name: &str) -> Option<String> {
    p.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str().map(String::from))
}

fn guid_param(p: &HashMap<String, Value>, name: &str) -> Result<Uuid, ApiError> {
    let v = param(p, name).ok_or_else(|| {
        bad(format!(
            "authorization.parameters.{name} is required (a GUID)."
        ))
    })?;
    Uuid::parse_str(&v).map_err(|_| {
        bad(format!(
            "authorization.parameters.{name} must be a GUID, got '{}'.",
            keyless_model::catalogue::sanitize(&v)
        ))
    })
}

pub(super) fn validate_name(name: &str) -> Result<(), DevopsError> {
    let n = name.trim();
    if n.is_empty()
        || n.chars().count() > 256
        || n.chars().any(|c| c.is_control() || "/\\".contains(c))
    {
        return Err((bad(
            "The service connection name must be 1 to 256 characters without '/', '\\' or control characters.",
        )).into());
    }
    Ok(())
}

/// Turns a create body into a connection, or the first thing wrong with it.
pub(super) fn build(
    body: CreateBody,
    org: &Organization,
    project: &Project,
    caller: &Caller,
    now: i64,
) -> Result<ServiceConnection, DevopsError> {
    validate_name(&body.name)?;
    let Some(endpoint_type) = EndpointType::parse(&body.endpoint_type) else {
        return Err((bad(format!(
            "Service connections of type '{}' are not supported; use 'AzureRM' or 'AzureDevOps'.",
            keyless_model::catalogue::sanitize(&body.endpoint_type)
        )))
        .into());
    };
    let scheme = Scheme::parse(&body.authorization.scheme);
    if endpoint_type == EndpointType::AzureDevOps
        && scheme.is_none_or(|s| !rules(s).supports(endpoint_type))
    {
        return Err((bad(
            "Azure DevOps service connections authenticate with workload identity federation only: use the scheme 'WorkloadIdentityFederation'.",
        ))
        .into());
    }
    let Some(scheme) = scheme.filter(|s| rules(*s).supports(endpoint_type)) else {
        return Err((bad(format!(
            "The authorization scheme '{}' is not supported; use 'WorkloadIdentityFederation' or 'ServicePrincipal'.",
            keyless_model::catalogue::sanitize(&body.authorization.scheme)
        )))
        .into());
    };
    rules(scheme).validate_parameters(&body.authorization.parameters)?;
    let mode_text = body
        .data
        .creation_mode_text()
        .unwrap_or(CreationMode::Manual.as_str());
    let Some(mode @ CreationMode::Manual) = CreationMode::parse(mode_text) else {
        return Err((bad(format!(
            "creationMode '{}' is not supported yet; create the identity yourself and use 'Manual'.",
            keyless_model::catalogue::sanitize(mode_text)
        ))).into());
    };
    let p = &body.authorization.parameters;
    let tenant_id = guid_param(p, "tenantid")?;
    let client_id = if super::schemes::names_client(scheme) {
        guid_param(p, "serviceprincipalid")?
    } else {
        Uuid::nil()
    };
    let generation = match param(p, "workloadIdentityFederationIssuerType") {
        None => IssuerGeneration::EntraId,
        Some(v) => IssuerGeneration::parse(&v).ok_or_else(|| {
            bad("workloadIdentityFederationIssuerType must be 'EntraID' or 'AzureDevOps'.")
        })?,
    };
    super::legacy::require_administrator(caller, generation)?;
    if generation == IssuerGeneration::EntraId && org.tenant_id.is_none() {
        return Err((bad(format!(
            "The organization '{}' is not connected to a Microsoft Entra tenant, so it cannot use the Entra issuer. Connect it to a tenant or ask for workloadIdentityFederationIssuerType 'AzureDevOps'.",
            org.name
        ))).into());
    }
    let mut data = body.data;
    data.set_creation_mode(mode);
    match endpoint_type {
        // The organization whose REST API the connection reaches: its own by default.
        EndpointType::AzureDevOps => data.default_organization_name(&org.name),
        EndpointType::AzureRm => data.default_arm_scope(),
    }
    Ok(ServiceConnection {
        id: Uuid::new_v4(),
        organization_id: org.id,
        project_id: project.id,
        name: body.name.trim().to_string(),
        endpoint_type,
        scheme,
        tenant_id,
        client_id,
        issuer_generation: generation,
        creation_mode: mode,
        state: ConnectionState::Ready,
        status_message: String::new(),
        description: body.description.unwrap_or_default(),
        data,
        created_by: Some(caller.user.id),
        created_at: now,
    })
}
