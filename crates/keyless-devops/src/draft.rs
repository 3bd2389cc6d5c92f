//! Draft connections: a manual workload identity connection whose creator
//! may not write the identity's federated credentials is saved as Draft, with Azure DevOps'
//! message and the issuer and subject to hand to the identity's owner. A verify that
//! succeeds (once the owner added the credential) makes it Ready.

use crate::data::*;
use keyless_core::auth::Caller;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_core::{bearer::BearerCaller as ArmCaller, rbac::Authz};
use keyless_model::catalogue::Rendered;
use keyless_model::devops::{ConnectionState, Organization, Project, ServiceConnection};
use keyless_model::directory::SP_TYPE_MANAGED_IDENTITY;

const FIC_WRITE: &str =
    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write";

/// Whether the caller may write federated credentials on the connection's identity: the
/// owner of the app registration, or `…/federatedIdentityCredentials/write` on the
/// user-assigned identity. `None` when the identity does not exist in the tenant (nothing
/// to decide: verify will report it).
pub async fn may_write_credentials(
    s: &AppState,
    caller: &Caller,
    c: &ServiceConnection,
) -> Result<Option<bool>, ApiError> {
    if caller.is_admin() {
        return Ok(Some(true));
    }
    let Ok(tenant) = s.db().get_tenant(c.tenant_id).await else {
        return Ok(None);
    };
    let me = caller.user_type_in(tenant.id).map(|_| &caller.user);
    if let Ok(app) = s.db().find_application_by_app_id(c.client_id).await
        && app.tenant_id == tenant.id
    {
        return Ok(Some(me.is_some_and(|u| app.is_owner(u.id))));
    }
    let Ok(sp) = s.db().find_service_principal(tenant.id, c.client_id).await else {
        return Ok(None);
    };
    if sp.service_principal_type != SP_TYPE_MANAGED_IDENTITY {
        return Ok(None);
    }
    let (Some(u), Some(resource)) = (me, sp.alternative_names.iter().find(|n| n.starts_with('/')))
    else {
        return Ok(Some(false));
    };
    let who = ArmCaller {
        oid: u.id,
        tenant_id: u.tenant_id,
        client: u.user_principal_name.clone(),
    };
    let mut authz = Authz::load(s, &who).await?;
    Ok(Some(authz.allows(s, FIC_WRITE, resource).await?))
}

/// Azure DevOps' draft message followed by the issuer and subject.
pub fn draft_message(issuer: &str, subject: &str) -> String {
    let r = Rendered::new("ConnectionSavedAsDraft", &[]);
    format!(
        "{} Issuer: {issuer} Subject identifier: {subject}",
        r.message
    )
}

/// Decides Ready or Draft for a new manual workload identity connection.
pub async fn settle(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
    project: &Project,
    c: &mut ServiceConnection,
) -> Result<(), ApiError> {
    if may_write_credentials(s, caller, c).await? == Some(false) {
        let (iss, sub) = super::render::issuer_and_subject(&s.origin, c, org, project);
        c.state = ConnectionState::Draft;
        c.status_message = draft_message(&iss, &sub);
    }
    Ok(())
}
