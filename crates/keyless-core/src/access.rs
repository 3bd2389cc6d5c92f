//! What a principal is in a tenant (member, guest, service principal) and which directory
//! roles it holds there: the inputs of `keyless_model::directory_roles::may`, read from the
//! store on every request. Graph and the admin API both decide through [`Access::permits`].

use crate::auth::Principal;
use crate::envelope::ApiError;
use crate::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::{Application, Tenant};
use keyless_model::directory_roles::{
    self, DirectoryRole, Object, Operation, Subject, SubjectKind,
};

/// A principal as seen from one tenant.
#[derive(Debug, Clone)]
pub struct Access {
    pub principal_id: Uuid,
    pub kind: SubjectKind,
    pub roles: Vec<DirectoryRole>,
    pub keyless_admin: bool,
}

impl Access {
    /// `None` when the principal has no place in the tenant: a user neither at home there
    /// nor invited as a guest, or a service principal of another tenant (keyless
    /// administrators are members everywhere).
    pub async fn of(
        s: &AppState,
        principal: &Principal,
        tenant: &Tenant,
    ) -> Result<Option<Access>, ApiError> {
        let kind = match principal {
            Principal::User(c) if c.user.tenant_id == tenant.id => {
                if c.user.user_type.eq_ignore_ascii_case("Guest") {
                    SubjectKind::Guest
                } else {
                    SubjectKind::Member
                }
            }
            Principal::User(c) => {
                let guest = s
                    .store
                    .list_guest_memberships(c.user.id)
                    .await?
                    .iter()
                    .any(|g| g.tenant_id == tenant.id);
                match (guest, c.is_admin()) {
                    (true, _) => SubjectKind::Guest,
                    (false, true) => SubjectKind::Member,
                    (false, false) => return Ok(None),
                }
            }
            Principal::ServicePrincipal(sp) if sp.tenant_id == tenant.id => {
                SubjectKind::ServicePrincipal
            }
            Principal::ServicePrincipal(_) => return Ok(None),
        };
        let roles = s
            .store
            .list_principal_directory_roles(tenant.id, principal.id())
            .await?
            .into_iter()
            .map(|a| a.role)
            .collect();
        Ok(Some(Access {
            principal_id: principal.id(),
            kind,
            roles,
            keyless_admin: principal.is_admin(),
        }))
    }

    fn subject(&self) -> Subject<'_> {
        Subject {
            id: self.principal_id,
            kind: self.kind,
            roles: &self.roles,
            keyless_admin: self.keyless_admin,
        }
    }

    pub fn permits(&self, op: Operation, object: Object, tenant: &Tenant) -> bool {
        directory_roles::may(&self.subject(), op, object, &tenant.settings)
    }

    /// [`Access::permits`] on one application, given its owners.
    pub fn permits_on_app(&self, op: Operation, app: &Application, tenant: &Tenant) -> bool {
        self.permits(
            op,
            Object::App {
                owners: &app.owners,
            },
            tenant,
        )
    }
}
