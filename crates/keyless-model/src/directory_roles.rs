//! Entra directory roles and the one function that decides who may do what in a tenant's
//! directory: [`decide`], which says why (the role, the setting, ownership), and [`may`], its
//! yes or no. Every Graph call and every directory-changing admin call asks it once.
//!
//! The rules, by subject (keyless administrators may do everything, everywhere):
//! - **Global Administrator**: everything.
//! - **Privileged Role Administrator**: read; assign and remove every directory role.
//! - **Application Administrator**, **Cloud Application Administrator**: read; create apps
//!   (whatever the tenant setting); manage every app, service principal and credential.
//! - **Application Developer**: read; create apps even when users may not register apps;
//!   manage the apps it owns.
//! - **User Administrator**: read; create and change users.
//! - **Directory Readers**: read users and apps (also as a limited guest).
//! - **Members** (no role): read; create apps when `usersCanRegisterApps`; manage the apps
//!   they own (owners may manage credentials; service principals of owned apps too);
//!   federated credentials on apps they do not own only when
//!   `federatedCredentialsOnUnownedApps` is `members`.
//! - **Guests**: as members when `guestPermissionsLimited` is off; otherwise they cannot
//!   enumerate users or apps, cannot register apps and may only read and manage what they own.
//! - **Service principals** (no role): only what they own (apps they created).

use crate::Uuid;
use crate::directory::TenantSettings;
use serde::{Deserialize, Serialize};

mod decision;
#[cfg(test)]
mod tests;

pub use decision::{Decision, Denial, Grant, Setting, decide};

/// The directory roles keyless knows, with Entra's role template ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DirectoryRole {
    GlobalAdministrator,
    PrivilegedRoleAdministrator,
    ApplicationAdministrator,
    CloudApplicationAdministrator,
    ApplicationDeveloper,
    UserAdministrator,
    DirectoryReaders,
}

impl DirectoryRole {
    pub const ALL: [DirectoryRole; 7] = [
        DirectoryRole::GlobalAdministrator,
        DirectoryRole::PrivilegedRoleAdministrator,
        DirectoryRole::ApplicationAdministrator,
        DirectoryRole::CloudApplicationAdministrator,
        DirectoryRole::ApplicationDeveloper,
        DirectoryRole::UserAdministrator,
        DirectoryRole::DirectoryReaders,
    ];

    /// Entra's role template id (the same in every tenant).
    pub fn template_id(self) -> Uuid {
        let s = match self {
            DirectoryRole::GlobalAdministrator => "62e90394-69f5-4237-9190-012177145e10",
            DirectoryRole::PrivilegedRoleAdministrator => "e8611ab8-c189-46e8-94e1-60213ab1f814",
            DirectoryRole::ApplicationAdministrator => "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
            DirectoryRole::CloudApplicationAdministrator => "158c047a-c907-4556-b7ef-446551a6b5f7",
            DirectoryRole::ApplicationDeveloper => "cf1c38e5-3621-4004-a7cb-879624dced7c",
            DirectoryRole::UserAdministrator => "fe930be7-5e62-47db-91af-98c3a49a38b1",
            DirectoryRole::DirectoryReaders => "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
        };
        Uuid::parse_str(s).expect("role template ids are GUIDs")
    }

    /// The display name (`Global Administrator`).
    pub fn display_name(self) -> &'static str {
        match self {
            DirectoryRole::GlobalAdministrator => "Global Administrator",
            DirectoryRole::PrivilegedRoleAdministrator => "Privileged Role Administrator",
            DirectoryRole::ApplicationAdministrator => "Application Administrator",
            DirectoryRole::CloudApplicationAdministrator => "Cloud Application Administrator",
            DirectoryRole::ApplicationDeveloper => "Application Developer",
            DirectoryRole::UserAdministrator => "User Administrator",
            DirectoryRole::DirectoryReaders => "Directory Readers",
        }
    }

    pub fn from_template_id(id: Uuid) -> Option<DirectoryRole> {
        Self::ALL.into_iter().find(|r| r.template_id() == id)
    }

    /// By template id or display name (case- and space-insensitive: `Application
    /// Administrator`, `applicationadministrator`).
    pub fn parse(s: &str) -> Option<DirectoryRole> {
        if let Ok(id) = Uuid::parse_str(s.trim()) {
            return Self::from_template_id(id);
        }
        let squash = |x: &str| {
            x.chars()
                .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
                .collect::<String>()
                .to_ascii_lowercase()
        };
        let want = squash(s);
        Self::ALL
            .into_iter()
            .find(|r| squash(r.display_name()) == want)
    }

    pub(crate) fn manages_apps(self) -> bool {
        matches!(
            self,
            DirectoryRole::GlobalAdministrator
                | DirectoryRole::ApplicationAdministrator
                | DirectoryRole::CloudApplicationAdministrator
        )
    }
}

/// A directory role held by a principal (a user or a service principal) in one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryRoleAssignment {
    pub tenant_id: Uuid,
    /// A user's or a service principal's object id.
    pub principal_id: Uuid,
    pub principal_type: PrincipalType,
    pub role: DirectoryRole,
    pub created_at: crate::UnixTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrincipalType {
    User,
    ServicePrincipal,
}

impl PrincipalType {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "User",
            PrincipalType::ServicePrincipal => "ServicePrincipal",
        }
    }
    pub fn parse(s: &str) -> Option<PrincipalType> {
        match s {
            "User" => Some(PrincipalType::User),
            "ServicePrincipal" => Some(PrincipalType::ServicePrincipal),
            _ => None,
        }
    }
}

/// What the caller is in the tenant acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    /// A member user of the tenant.
    Member,
    /// A guest: a user of another tenant invited into this one.
    Guest,
    /// A service principal of the tenant (signed in with an access token).
    ServicePrincipal,
}

/// Who asks: the principal's object id, what it is in the tenant, its directory roles there.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub id: Uuid,
    pub kind: SubjectKind,
    pub roles: &'a [DirectoryRole],
    /// A keyless administrator (the operator of this server): allowed everything.
    pub keyless_admin: bool,
}

/// What the subject wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    ReadUsers,
    /// Read (or enumerate, on [`Object::Tenant`]) applications and service principals.
    ReadApps,
    CreateApp,
    /// Change or delete an application.
    UpdateApp,
    /// Add or remove secrets; change or delete federated credentials.
    ManageAppCredentials,
    /// Add a federated credential.
    CreateFederatedCredential,
    CreateServicePrincipal,
    /// Change (`accountEnabled`…) or delete a service principal.
    UpdateServicePrincipal,
    ManageUsers,
    AssignRoles,
    ChangeTenantSettings,
}

/// What it is done to: the tenant's directory as a whole, or one app (with its owners;
/// a service principal is judged by its application's owners).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object<'a> {
    Tenant,
    App { owners: &'a [Uuid] },
}

/// May `subject` do `op` on `object` in a tenant with `settings`? Deny by default. The
/// yes or no of [`decide`].
pub fn may(subject: &Subject, op: Operation, object: Object, settings: &TenantSettings) -> bool {
    decide(subject, op, object, settings).is_allowed()
}
