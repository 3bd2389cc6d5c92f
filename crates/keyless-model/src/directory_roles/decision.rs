//! [`decide`]: the directory rules of the module, with the reason of each answer.

use super::{DirectoryRole, Object, Operation, Subject, SubjectKind};
use crate::directory::{FederatedCredentialWriters, TenantSettings};

/// What [`decide`] answers: allowed, and by what; or denied, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed(Grant),
    Denied(Denial),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        matches!(self, Decision::Allowed(_))
    }
}

/// What allows an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// The subject is a keyless administrator.
    KeylessAdministrator,
    /// A directory role the subject holds in the tenant.
    Role(DirectoryRole),
    /// A tenant setting that opens the operation to users.
    Setting(Setting),
    /// The subject owns the app.
    Owner,
    /// Being a member (or a guest while `guestPermissionsLimited` is off): reading.
    Membership,
}

/// The tenant settings that open an operation to users without a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// `usersCanRegisterApps`: registering apps (and adding other tenants' apps).
    UsersCanRegisterApps,
    /// `federatedCredentialsOnUnownedApps` set to `members`.
    FederatedCredentialsOnUnownedApps,
}

/// Why an operation is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// A guest of a tenant whose `guestPermissionsLimited` is on, with no role that allows it.
    LimitedGuest,
    /// The tenant setting that would allow it is off.
    SettingOff(Setting),
    /// No role, ownership or setting allows it.
    NoRight,
}

/// What `subject` may do (`op` on `object`) in a tenant with `settings`, and why. Deny by
/// default.
pub fn decide(
    subject: &Subject,
    op: Operation,
    object: Object,
    settings: &TenantSettings,
) -> Decision {
    use Decision::{Allowed, Denied};
    if subject.keyless_admin {
        return Allowed(Grant::KeylessAdministrator);
    }
    let role = |wanted: &dyn Fn(DirectoryRole) -> bool| {
        subject
            .roles
            .iter()
            .copied()
            .find(|r| wanted(*r))
            .map(Grant::Role)
    };
    if let Some(g) = role(&|r| r == DirectoryRole::GlobalAdministrator) {
        return Allowed(g);
    }
    let app_admin = role(&DirectoryRole::manages_apps);
    let owner = matches!(object, Object::App { owners } if owners.contains(&subject.id))
        .then_some(Grant::Owner);
    let limited_guest = subject.kind == SubjectKind::Guest && settings.guest_permissions_limited;
    let user = subject.kind != SubjectKind::ServicePrincipal && !limited_guest;
    let reader = match subject.kind {
        SubjectKind::Member => Some(Grant::Membership),
        SubjectKind::Guest if !limited_guest => Some(Grant::Membership),
        _ => subject.roles.first().copied().map(Grant::Role),
    };
    let opened_by =
        |setting: Setting, open: bool| (user && open).then_some(Grant::Setting(setting));
    // Who is refused what a setting opens to users: limited guests whatever it says.
    let closed = |setting: Setting| match (limited_guest, user) {
        (true, _) => Denial::LimitedGuest,
        (false, true) => Denial::SettingOff(setting),
        (false, false) => Denial::NoRight,
    };
    let unreadable = if limited_guest {
        Denial::LimitedGuest
    } else {
        Denial::NoRight
    };
    let register = Setting::UsersCanRegisterApps;
    let fic = Setting::FederatedCredentialsOnUnownedApps;
    use Operation as O;
    let (grant, denial) = match op {
        O::ReadUsers => (reader, unreadable),
        O::ReadApps => (reader.or(owner), unreadable),
        O::CreateApp => (
            role(&|r| r.manages_apps() || r == DirectoryRole::ApplicationDeveloper)
                .or_else(|| opened_by(register, settings.users_can_register_apps)),
            closed(register),
        ),
        O::UpdateApp | O::ManageAppCredentials | O::UpdateServicePrincipal => {
            (app_admin.or(owner), Denial::NoRight)
        }
        O::CreateServicePrincipal if object == Object::Tenant => (
            app_admin.or_else(|| opened_by(register, settings.users_can_register_apps)),
            closed(register),
        ),
        O::CreateServicePrincipal => (app_admin.or(owner), Denial::NoRight),
        O::CreateFederatedCredential => {
            let members = settings.federated_credentials_on_unowned_apps
                == FederatedCredentialWriters::Members;
            let grant = app_admin.or(owner).or_else(|| {
                (subject.kind == SubjectKind::Member && members).then_some(Grant::Setting(fic))
            });
            let denial = if subject.kind == SubjectKind::Member {
                Denial::SettingOff(fic)
            } else {
                Denial::NoRight
            };
            (grant, denial)
        }
        O::ManageUsers => (
            role(&|r| r == DirectoryRole::UserAdministrator),
            Denial::NoRight,
        ),
        O::AssignRoles => (
            role(&|r| r == DirectoryRole::PrivilegedRoleAdministrator),
            Denial::NoRight,
        ),
        O::ChangeTenantSettings => (None, Denial::NoRight),
    };
    match grant {
        Some(g) => Allowed(g),
        None => Denied(denial),
    }
}
