//! What a principal is in a tenant (member, guest, service principal) and which directory
//! roles it holds there: the inputs of `keyless_model::directory_roles::may`, read from the
//! store on every request. Graph and the admin API both decide through [`Access::permits`].

use crate::auth::Principal;
use crate::envelope::ApiError;
use crate::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::{Application, Tenant, User, UserType};
use keyless_model::directory_roles::{
    self, Decision, DirectoryRole, Object, Operation, Subject, SubjectKind,
};
use keyless_model::membership::user_type_in;

/// What `user` (any user, not only the caller) is to `tenant`, its guest memberships read
/// from the store.
pub async fn user_type_of(
    s: &AppState,
    user: &User,
    tenant: Uuid,
) -> Result<Option<UserType>, ApiError> {
    let guest_of = crate::auth::guest_tenants(s, user.id).await?;
    Ok(user_type_in(
        tenant,
        user.tenant_id,
        &guest_of,
        user.is_admin,
    ))
}

/// A principal as seen from one tenant.
#[derive(Debug, Clone)]
pub struct Access {
    pub principal_id: Uuid,
    pub kind: SubjectKind,
    pub roles: Vec<DirectoryRole>,
    pub keyless_admin: bool,
}

impl Access {
    /// `None` when the principal has no place in the tenant
    /// (`keyless_model::membership::user_type_in`): a user neither at home there nor invited
    /// as a guest, or a service principal of another tenant (keyless administrators are
    /// members everywhere).
    pub async fn of(
        s: &AppState,
        principal: &Principal,
        tenant: &Tenant,
    ) -> Result<Option<Access>, ApiError> {
        let kind = match (principal, principal.user_type_in(tenant.id)) {
            (_, None) => return Ok(None),
            (Principal::ServicePrincipal(_), Some(_)) => SubjectKind::ServicePrincipal,
            (Principal::User(_), Some(UserType::Member)) => SubjectKind::Member,
            (Principal::User(_), Some(UserType::Guest)) => SubjectKind::Guest,
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

    /// [`Access::permits`] with its reason (`directory_roles::decide`).
    pub fn decide(&self, op: Operation, object: Object, tenant: &Tenant) -> Decision {
        directory_roles::decide(&self.subject(), op, object, &tenant.settings)
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
