//! One row per rule of [`may`]: (subject kind, roles, owner?, settings) → verdict.

use super::*;
use crate::directory::{FederatedCredentialWriters, TenantSettings};
use DirectoryRole as R;
use Operation as O;
use SubjectKind as K;

const ME: Uuid = Uuid::from_u128(1);
const OTHER: Uuid = Uuid::from_u128(2);

fn settings(register: bool, limited: bool, fic: FederatedCredentialWriters) -> TenantSettings {
    TenantSettings {
        users_can_register_apps: register,
        guest_permissions_limited: limited,
        federated_credentials_on_unowned_apps: fic,
        ..Default::default()
    }
}

/// `rule` (`may` or `decide`) for a subject of kind `kind` with `roles` doing `op` on the whole
/// tenant (`owned: None`) or on an app that it owns or not.
fn judge<T>(
    rule: fn(&Subject<'_>, O, Object<'_>, &TenantSettings) -> T,
    kind: K,
    roles: &[R],
    op: O,
    owned: Option<bool>,
    s: &TenantSettings,
) -> T {
    let subject = Subject {
        id: ME,
        kind,
        roles,
        keyless_admin: false,
    };
    let owners = [if owned == Some(true) { ME } else { OTHER }];
    let object = match owned {
        None => Object::Tenant,
        Some(_) => Object::App { owners: &owners },
    };
    rule(&subject, op, object, s)
}

/// (subject kind, roles, operation, owner of the app? (`None`: the whole tenant), settings,
/// the verdict of `may` or the decision of `decide`, why).
type Row<'a, V> = (K, &'a [R], O, Option<bool>, &'a TenantSettings, V, &'a str);

#[test]
fn rules_table() {
    use FederatedCredentialWriters::{Administrators as Adm, Members as Mem};
    let default = TenantSettings::default();
    let no_register = settings(false, true, Adm);
    let open_guests = settings(true, false, Adm);
    let members_fic = settings(true, true, Mem);
    #[rustfmt::skip]
    let table: &[Row<bool>] = &[
        // reading
        (K::Member, &[], O::ReadUsers, None, &default, true, "members read users"),
        (K::Member, &[], O::ReadApps, None, &default, true, "members enumerate apps"),
        (K::Guest, &[], O::ReadUsers, None, &default, false, "limited guests cannot enumerate users"),
        (K::Guest, &[], O::ReadApps, None, &default, false, "limited guests cannot enumerate apps"),
        (K::Guest, &[], O::ReadApps, Some(true), &default, true, "limited guests read what they own"),
        (K::Guest, &[], O::ReadApps, Some(false), &default, false, "limited guests cannot read others' apps"),
        (K::Guest, &[], O::ReadUsers, None, &open_guests, true, "unlimited guests read users"),
        (K::Guest, &[], O::ReadApps, None, &open_guests, true, "unlimited guests enumerate apps"),
        (K::Guest, &[R::DirectoryReaders], O::ReadUsers, None, &default, true, "Directory Readers lifts the guest limit"),
        (K::ServicePrincipal, &[], O::ReadApps, None, &default, false, "a principal without roles reads nothing"),
        (K::ServicePrincipal, &[R::DirectoryReaders], O::ReadApps, None, &default, true, "a principal with Directory Readers reads"),
        (K::ServicePrincipal, &[R::DirectoryReaders], O::CreateApp, None, &default, false, "Directory Readers cannot create apps"),
        // registering apps
        (K::Member, &[], O::CreateApp, None, &default, true, "members register apps by default"),
        (K::Member, &[], O::CreateApp, None, &no_register, false, "members cannot when registration is off"),
        (K::Member, &[R::ApplicationDeveloper], O::CreateApp, None, &no_register, true, "Application Developer registers anyway"),
        (K::Member, &[R::ApplicationAdministrator], O::CreateApp, None, &no_register, true, "Application Administrator registers anyway"),
        (K::Member, &[R::CloudApplicationAdministrator], O::CreateApp, None, &no_register, true, "Cloud Application Administrator registers anyway"),
        (K::Member, &[R::UserAdministrator], O::CreateApp, None, &no_register, false, "User Administrator does not register apps"),
        (K::Member, &[R::PrivilegedRoleAdministrator], O::CreateApp, None, &no_register, false, "Privileged Role Administrator does not register apps"),
        (K::Guest, &[], O::CreateApp, None, &default, false, "limited guests cannot register apps"),
        (K::Guest, &[], O::CreateApp, None, &open_guests, true, "unlimited guests register like members"),
        (K::ServicePrincipal, &[], O::CreateApp, None, &default, false, "a principal needs a role to register apps"),
        (K::ServicePrincipal, &[R::ApplicationAdministrator], O::CreateApp, None, &default, true, "a principal with Application Administrator registers"),
        // ownership and credentials
        (K::Member, &[], O::UpdateApp, Some(true), &default, true, "owners change their app"),
        (K::Member, &[], O::UpdateApp, Some(false), &default, false, "others cannot change an app"),
        (K::Member, &[], O::ManageAppCredentials, Some(true), &default, true, "owners manage secrets"),
        (K::Member, &[], O::ManageAppCredentials, Some(false), &default, false, "non-owners cannot manage secrets"),
        (K::Member, &[R::ApplicationDeveloper], O::ManageAppCredentials, Some(false), &default, false, "Application Developer manages only owned apps"),
        (K::Member, &[R::ApplicationAdministrator], O::ManageAppCredentials, Some(false), &default, true, "Application Administrator manages every app"),
        (K::Member, &[R::CloudApplicationAdministrator], O::UpdateApp, Some(false), &default, true, "Cloud Application Administrator changes every app"),
        (K::ServicePrincipal, &[], O::ManageAppCredentials, Some(true), &default, true, "a principal manages apps it created"),
        (K::Guest, &[], O::ManageAppCredentials, Some(true), &default, true, "a limited guest manages what it owns"),
        // federated credentials on apps one does not own
        (K::Member, &[], O::CreateFederatedCredential, Some(true), &default, true, "owners add federated credentials"),
        (K::Member, &[], O::CreateFederatedCredential, Some(false), &default, false, "members cannot on others' apps by default"),
        (K::Member, &[], O::CreateFederatedCredential, Some(false), &members_fic, true, "members may when the setting says members"),
        (K::Guest, &[], O::CreateFederatedCredential, Some(false), &settings(true, false, Mem), false, "guests never on others' apps"),
        (K::ServicePrincipal, &[], O::CreateFederatedCredential, Some(false), &members_fic, false, "principals never by the member setting"),
        (K::Member, &[R::ApplicationAdministrator], O::CreateFederatedCredential, Some(false), &default, true, "Application Administrator adds them anywhere"),
        // service principals
        (K::Member, &[], O::CreateServicePrincipal, Some(true), &default, true, "owners create their app's principal"),
        (K::Member, &[], O::CreateServicePrincipal, Some(false), &default, false, "others cannot create an app's principal"),
        (K::Member, &[], O::CreateServicePrincipal, None, &default, true, "members add another tenant's multitenant app"),
        (K::Member, &[], O::CreateServicePrincipal, None, &no_register, false, "not when registration is off"),
        (K::ServicePrincipal, &[R::ApplicationAdministrator], O::CreateServicePrincipal, Some(false), &default, true, "Application Administrator creates any principal"),
        (K::Member, &[], O::UpdateServicePrincipal, Some(false), &default, false, "others cannot disable a principal"),
        (K::Member, &[], O::UpdateServicePrincipal, Some(true), &default, true, "owners disable their principal"),
        // users, roles, settings
        (K::Member, &[], O::ManageUsers, None, &default, false, "members cannot manage users"),
        (K::Member, &[R::UserAdministrator], O::ManageUsers, None, &default, true, "User Administrator manages users"),
        (K::Member, &[R::ApplicationAdministrator], O::ManageUsers, None, &default, false, "Application Administrator does not manage users"),
        (K::Member, &[], O::AssignRoles, None, &default, false, "members cannot assign roles"),
        (K::Member, &[R::UserAdministrator], O::AssignRoles, None, &default, false, "User Administrator cannot assign roles"),
        (K::Member, &[R::PrivilegedRoleAdministrator], O::AssignRoles, None, &default, true, "Privileged Role Administrator assigns roles"),
        (K::Member, &[R::PrivilegedRoleAdministrator], O::ChangeTenantSettings, None, &default, false, "only Global Administrator changes settings"),
        (K::Member, &[R::GlobalAdministrator], O::ChangeTenantSettings, None, &default, true, "Global Administrator changes settings"),
        (K::Guest, &[R::GlobalAdministrator], O::ManageUsers, None, &default, true, "Global Administrator may do anything, also as a guest"),
        (K::ServicePrincipal, &[R::GlobalAdministrator], O::AssignRoles, None, &default, true, "a principal with Global Administrator assigns roles"),
    ];
    for (kind, roles, op, owned, s, want, why) in table {
        assert_eq!(judge(may, *kind, roles, *op, *owned, s), *want, "{why}");
    }
}

#[test]
fn keyless_administrators_may_everything() {
    let s = settings(false, true, FederatedCredentialWriters::Administrators);
    let subject = Subject {
        id: ME,
        kind: SubjectKind::Guest,
        roles: &[],
        keyless_admin: true,
    };
    for op in [
        O::CreateApp,
        O::ChangeTenantSettings,
        O::AssignRoles,
        O::ManageUsers,
    ] {
        assert!(may(&subject, op, Object::Tenant, &s), "{op:?}");
    }
}

#[test]
fn role_names_and_template_ids() {
    for r in DirectoryRole::ALL {
        assert_eq!(DirectoryRole::from_template_id(r.template_id()), Some(r));
        assert_eq!(DirectoryRole::parse(r.display_name()), Some(r));
        assert_eq!(DirectoryRole::parse(&r.template_id().to_string()), Some(r));
    }
    assert_eq!(
        DirectoryRole::parse("application-administrator"),
        Some(R::ApplicationAdministrator)
    );
    assert_eq!(
        R::GlobalAdministrator.template_id().to_string(),
        "62e90394-69f5-4237-9190-012177145e10"
    );
    assert_eq!(DirectoryRole::parse("Owner"), None);
    assert_eq!(
        DirectoryRole::parse("00000000-0000-0000-0000-000000000000"),
        None
    );
}

#[test]
fn settings_read_the_new_key_and_default_it() {
    let s: TenantSettings =
        serde_json::from_str(r#"{"federatedCredentialsOnUnownedApps":"members"}"#).unwrap();
    assert_eq!(
        s.federated_credentials_on_unowned_apps,
        FederatedCredentialWriters::Members
    );
    let d: TenantSettings = serde_json::from_str("{}").unwrap();
    assert_eq!(
        d.federated_credentials_on_unowned_apps,
        FederatedCredentialWriters::Administrators
    );
}

#[test]
fn decisions_say_why() {
    use Decision::{Allowed, Denied};
    use FederatedCredentialWriters::{Administrators as Adm, Members as Mem};
    use Setting::{FederatedCredentialsOnUnownedApps as Fic, UsersCanRegisterApps as Register};
    let default = TenantSettings::default();
    let no_register = settings(false, true, Adm);
    let open_guests = settings(false, false, Adm);
    let open_guests_register = settings(true, false, Adm);
    let members_fic = settings(true, true, Mem);
    #[rustfmt::skip]
    let table: &[Row<Decision>] = &[
        // registering apps: the role that allows it, else the setting, else why not
        (K::Member, &[], O::CreateApp, None, &default, Allowed(Grant::Setting(Register)), "members register by the setting"),
        (K::Member, &[], O::CreateApp, None, &no_register, Denied(Denial::SettingOff(Register)), "the setting is off"),
        (K::Member, &[R::ApplicationDeveloper], O::CreateApp, None, &no_register, Allowed(Grant::Role(R::ApplicationDeveloper)), "Application Developer whatever the setting"),
        (K::Member, &[R::UserAdministrator, R::CloudApplicationAdministrator], O::CreateApp, None, &no_register, Allowed(Grant::Role(R::CloudApplicationAdministrator)), "the role that allows it is named"),
        (K::Member, &[R::GlobalAdministrator], O::CreateApp, None, &no_register, Allowed(Grant::Role(R::GlobalAdministrator)), "Global Administrator"),
        (K::Member, &[R::UserAdministrator], O::CreateApp, None, &no_register, Denied(Denial::SettingOff(Register)), "a role that does not allow it changes nothing"),
        (K::Guest, &[], O::CreateApp, None, &default, Denied(Denial::LimitedGuest), "a limited guest, the setting on"),
        (K::Guest, &[], O::CreateApp, None, &no_register, Denied(Denial::LimitedGuest), "a limited guest comes before the setting"),
        (K::Guest, &[R::ApplicationDeveloper], O::CreateApp, None, &default, Allowed(Grant::Role(R::ApplicationDeveloper)), "a role lifts the guest limit"),
        (K::Guest, &[], O::CreateApp, None, &open_guests, Denied(Denial::SettingOff(Register)), "an unlimited guest is refused by the setting"),
        (K::Guest, &[], O::CreateApp, None, &open_guests_register, Allowed(Grant::Setting(Register)), "an unlimited guest registers by the setting"),
        (K::ServicePrincipal, &[], O::CreateApp, None, &default, Denied(Denial::NoRight), "a principal needs a role"),
        (K::Member, &[], O::CreateServicePrincipal, None, &no_register, Denied(Denial::SettingOff(Register)), "adding another tenant's app follows the setting"),
        (K::Member, &[], O::CreateServicePrincipal, Some(false), &default, Denied(Denial::NoRight), "another's app's principal"),
        // reading
        (K::Member, &[], O::ReadUsers, None, &default, Allowed(Grant::Membership), "members read"),
        (K::Member, &[R::UserAdministrator], O::ReadUsers, None, &default, Allowed(Grant::Membership), "a member reads as a member"),
        (K::Guest, &[], O::ReadUsers, None, &default, Denied(Denial::LimitedGuest), "limited guests do not enumerate"),
        (K::Guest, &[R::DirectoryReaders], O::ReadUsers, None, &default, Allowed(Grant::Role(R::DirectoryReaders)), "Directory Readers lifts the limit"),
        (K::Guest, &[], O::ReadApps, Some(true), &default, Allowed(Grant::Owner), "a limited guest reads what it owns"),
        (K::Guest, &[], O::ReadUsers, None, &open_guests, Allowed(Grant::Membership), "unlimited guests read"),
        (K::ServicePrincipal, &[], O::ReadApps, None, &default, Denied(Denial::NoRight), "a principal without a role reads nothing"),
        // apps and credentials
        (K::Member, &[], O::UpdateApp, Some(true), &default, Allowed(Grant::Owner), "owners"),
        (K::Member, &[], O::UpdateApp, Some(false), &default, Denied(Denial::NoRight), "non-owners"),
        (K::Member, &[R::ApplicationAdministrator], O::ManageAppCredentials, Some(false), &default, Allowed(Grant::Role(R::ApplicationAdministrator)), "Application Administrator"),
        (K::Member, &[], O::CreateFederatedCredential, Some(false), &default, Denied(Denial::SettingOff(Fic)), "members, the setting on administrators"),
        (K::Member, &[], O::CreateFederatedCredential, Some(false), &members_fic, Allowed(Grant::Setting(Fic)), "members, the setting on members"),
        (K::Guest, &[], O::CreateFederatedCredential, Some(false), &settings(true, false, Mem), Denied(Denial::NoRight), "guests never by the setting"),
        // users, roles, settings
        (K::Member, &[R::UserAdministrator], O::ManageUsers, None, &default, Allowed(Grant::Role(R::UserAdministrator)), "User Administrator"),
        (K::Member, &[], O::ManageUsers, None, &default, Denied(Denial::NoRight), "members do not manage users"),
        (K::Member, &[R::PrivilegedRoleAdministrator], O::AssignRoles, None, &default, Allowed(Grant::Role(R::PrivilegedRoleAdministrator)), "Privileged Role Administrator"),
        (K::Member, &[R::PrivilegedRoleAdministrator], O::ChangeTenantSettings, None, &default, Denied(Denial::NoRight), "only Global Administrator"),
    ];
    for (kind, roles, op, owned, s, want, why) in table {
        let got = judge(decide, *kind, roles, *op, *owned, s);
        assert_eq!(got, *want, "{why}");
        assert_eq!(
            judge(may, *kind, roles, *op, *owned, s),
            got.is_allowed(),
            "{why}: may agrees"
        );
    }
    let admin = Subject {
        id: ME,
        kind: K::Guest,
        roles: &[],
        keyless_admin: true,
    };
    assert_eq!(
        decide(&admin, O::CreateApp, Object::Tenant, &no_register),
        Allowed(Grant::KeylessAdministrator)
    );
}
