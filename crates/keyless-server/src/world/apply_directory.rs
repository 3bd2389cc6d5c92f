//! Applying a tenant's guests and directory roles, after every tenant's users and apps
//! exist: the same operations as the admin API (`admin::directory`).

use super::WorldError;
use super::apply::Report;
use super::schema::TenantSpec;
use crate::admin::directory::{assign_role, invite_guest};
use crate::state::AppState;
use keyless_model::directory::Tenant;

fn fail(path: String, e: crate::envelope::ApiError) -> WorldError {
    WorldError {
        path,
        line: None,
        message: e.rendered.message,
    }
}

pub(super) async fn directory(
    s: &AppState,
    t: &TenantSpec,
    tenant: &Tenant,
    ti: usize,
    r: &mut Report,
) -> Result<(), WorldError> {
    let p = format!("tenants[{ti}]");
    for (gi, upn) in t.guests.iter().enumerate() {
        let (_, created) = invite_guest(s, None, tenant, upn)
            .await
            .map_err(|e| fail(format!("{p}.guests[{gi}]"), e))?;
        if created {
            r.changes
                .push(format!("invited {upn} into tenant {}", tenant.name));
        } else {
            r.unchanged += 1;
        }
    }
    for (ri, role) in t.directory_roles.iter().enumerate() {
        let (a, created) = assign_role(s, None, tenant, role)
            .await
            .map_err(|e| fail(format!("{p}.directoryRoles[{ri}]"), e))?;
        if created {
            r.changes.push(format!(
                "gave {} {} the role {} in tenant {}",
                a.principal_type.as_str(),
                role.user.as_deref().or(role.app.as_deref()).unwrap_or(""),
                a.role.display_name(),
                tenant.name
            ));
        } else {
            r.unchanged += 1;
        }
    }
    Ok(())
}
