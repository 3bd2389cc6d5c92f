//! Who calls an organization's REST API: a user by personal access token, or a service
//! principal or managed identity by an Entra access token for Azure DevOps. An identity must
//! have been added to the organization (else TF401444) and sees a project only through one
//! of its groups (else VS800075), as in Azure DevOps. Every call an identity makes with an
//! Entra token is audited (kind `devops`), granted or refused, with the identity, the
//! organization and the project.

use super::may_manage;
use crate::data::*;
use axum::http::HeaderMap;
use keyless_core::auth::{Caller, Principal, principal};
use keyless_core::envelope::{ApiError, DevopsError};
use keyless_core::state::AppState;
use keyless_model::devops::identities::OrganizationIdentity;
use keyless_model::devops::{Organization, Project};
use keyless_model::directory::ServicePrincipal;
use keyless_model::federation::AZURE_DEVOPS_APP_ID;
use keyless_store::StoreError;

/// The audiences of an access token for Azure DevOps.
pub fn is_devops_audience(aud: &str) -> bool {
    aud == AZURE_DEVOPS_APP_ID || aud.trim_end_matches('/') == "https://app.vssps.visualstudio.com"
}

pub enum DevopsCaller {
    User(Caller),
    Identity {
        principal: ServicePrincipal,
        membership: OrganizationIdentity,
    },
}

/// Authenticates the caller and checks that it may use `org`.
pub async fn organization_caller(
    s: &AppState,
    headers: &HeaderMap,
    org: &Organization,
) -> Result<DevopsCaller, DevopsError> {
    match principal(s, headers, is_devops_audience).await? {
        Principal::User(c) => {
            may_manage(&c, org)?;
            Ok(DevopsCaller::User(c))
        }
        Principal::ServicePrincipal(sp) => {
            let membership = identity_membership(s, &sp, org).await?;
            Ok(DevopsCaller::Identity {
                principal: sp,
                membership,
            })
        }
    }
}

/// The identity as a user of `org`; TF401444 (audited) when it was never added.
pub async fn identity_membership(
    s: &AppState,
    sp: &ServicePrincipal,
    org: &Organization,
) -> Result<OrganizationIdentity, DevopsError> {
    match s.db().get_organization_identity(org.id, sp.id).await {
        Ok(membership) => Ok(membership),
        Err(StoreError::NotFound) => {
            audit(s, sp, org, None, Some("TF401444"));
            let tenant = sp.tenant_id.to_string();
            let object = sp.id.to_string();
            Err(ApiError::new("TF401444", &[("tenant", &tenant), ("object", &object)]).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// One audit entry for a call of an identity to the organization's REST API: granted
/// (`code` none) or refused with `code`; `project` is the project asked for, by name or id.
pub(crate) fn audit(
    s: &AppState,
    sp: &ServicePrincipal,
    org: &Organization,
    project: Option<&str>,
    code: Option<&str>,
) {
    let mut rec = keyless_core::audit::entry("devops", s.now());
    rec.tenant_id = Some(sp.tenant_id);
    rec.client_id = Some(sp.app_id.to_string());
    rec.audience = Some(AZURE_DEVOPS_APP_ID.into());
    rec.detail = serde_json::json!({
        "identity": {"objectId": sp.id, "displayName": sp.display_name},
        "organization": org.name,
        "project": project,
    });
    s.audit.record_outcome(rec, code);
}

impl DevopsCaller {
    /// Audits an organization-wide call (no project): granted for an identity that got
    /// this far. Users calling with a personal access token are not audited here.
    pub fn audit_organization(&self, s: &AppState, org: &Organization) {
        if let DevopsCaller::Identity { principal, .. } = self {
            audit(s, principal, org, None, None);
        }
    }

    /// Audits a refusal of a project that does not exist (answered as a hidden one).
    pub fn audit_unknown_project(&self, s: &AppState, org: &Organization, project: &str) {
        if let DevopsCaller::Identity { principal, .. } = self {
            audit(s, principal, org, Some(project), Some("VS800075"));
        }
    }

    /// Whether the caller sees `project`: through one of its groups there (keyless
    /// administrators see every project).
    pub async fn sees(&self, s: &AppState, project: &Project) -> Result<bool, StoreError> {
        match self {
            DevopsCaller::User(c) => Ok(c.is_admin()
                || !s
                    .db()
                    .list_project_groups(project.id, c.user.id)
                    .await?
                    .is_empty()),
            DevopsCaller::Identity { principal, .. } => {
                match s.db().get_project_identity(project.id, principal.id).await {
                    Ok(_) => Ok(true),
                    Err(StoreError::NotFound) => Ok(false),
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// VS800075 unless the caller sees `project`.
    pub async fn require_project(
        &self,
        s: &AppState,
        project: &Project,
    ) -> Result<(), DevopsError> {
        let sees = self.sees(s, project).await?;
        if let DevopsCaller::Identity { principal, .. } = self {
            let org = s.db().get_organization(project.organization_id).await?;
            let code = (!sees).then_some("VS800075");
            audit(s, principal, &org, Some(&project.name), code);
        }
        if sees {
            Ok(())
        } else {
            let id = project.id.to_string();
            Err(ApiError::new("VS800075", &[("project", &id)]).into())
        }
    }
}

/// An Azure DevOps connection's identity must be a user of the organization it reaches
/// (`data.organizationName`), else creating it fails with the portal's message.
pub async fn require_organization_user(
    s: &AppState,
    c: &keyless_model::devops::ServiceConnection,
) -> Result<(), DevopsError> {
    use keyless_model::devops::data::ConnectionData;
    let target = c.data.organization_name().unwrap_or_default();
    let org = super::find_org(s, target).await?;
    let refused = |name: &str| -> DevopsError {
        ApiError::new(
            "IdentityNotInOrganization",
            &[("name", name), ("org", &org.name)],
        )
        .into()
    };
    let sp = match s
        .db()
        .find_service_principal(c.tenant_id, c.client_id)
        .await
    {
        Ok(sp) => sp,
        Err(StoreError::NotFound) => return Err(refused(&c.client_id.to_string())),
        Err(e) => return Err(e.into()),
    };
    match s.db().get_organization_identity(org.id, sp.id).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound) => Err(refused(&sp.display_name)),
        Err(e) => Err(e.into()),
    }
}
