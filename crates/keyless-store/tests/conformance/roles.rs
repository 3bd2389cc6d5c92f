//! Directory role assignments and guest memberships.

use crate::fixtures::*;
use keyless_model::directory::GuestMembership;
use keyless_model::directory_roles::{DirectoryRole as R, DirectoryRoleAssignment, PrincipalType};
use keyless_model::{UnixTime, Uuid};
use keyless_store::{Store, conflict};

fn assignment(
    tenant_id: Uuid,
    principal_id: Uuid,
    principal_type: PrincipalType,
    role: R,
    at: UnixTime,
) -> DirectoryRoleAssignment {
    DirectoryRoleAssignment {
        tenant_id,
        principal_id,
        principal_type,
        role,
        created_at: at,
    }
}

pub async fn directory_roles_crud_and_conflicts(s: &dyn Store) {
    let t = tenant("contoso");
    let other = tenant("fabrikam");
    s.create_tenant(&t).await.unwrap();
    s.create_tenant(&other).await.unwrap();
    let alice = user(t.id, "alice@contoso.onmicrosoft.com");
    s.create_user(&alice).await.unwrap();
    let app = application(t.id, "app");
    s.create_application(&app).await.unwrap();
    let sp = service_principal(t.id, app.app_id, "app");
    s.create_service_principal(&sp).await.unwrap();

    let a1 = assignment(
        t.id,
        alice.id,
        PrincipalType::User,
        R::GlobalAdministrator,
        NOW,
    );
    let a2 = assignment(
        t.id,
        alice.id,
        PrincipalType::User,
        R::DirectoryReaders,
        NOW + 1,
    );
    let a3 = assignment(
        t.id,
        sp.id,
        PrincipalType::ServicePrincipal,
        R::ApplicationAdministrator,
        NOW + 2,
    );
    let elsewhere = assignment(
        other.id,
        alice.id,
        PrincipalType::User,
        R::UserAdministrator,
        NOW,
    );
    for a in [&a1, &a2, &a3, &elsewhere] {
        s.add_directory_role(a).await.unwrap();
    }
    assert_eq!(
        conflict_of(s.add_directory_role(&a1).await),
        conflict::DIRECTORY_ROLE_EXISTS
    );
    assert_eq!(
        s.list_principal_directory_roles(t.id, alice.id)
            .await
            .unwrap(),
        vec![a1.clone(), a2.clone()]
    );
    assert_eq!(
        s.list_principal_directory_roles(other.id, alice.id)
            .await
            .unwrap(),
        vec![elsewhere.clone()]
    );
    assert_eq!(
        s.list_directory_roles(t.id).await.unwrap(),
        vec![a1.clone(), a2.clone(), a3.clone()]
    );
    // An unknown tenant is refused.
    let nowhere = assignment(
        new_id(),
        alice.id,
        PrincipalType::User,
        R::DirectoryReaders,
        NOW,
    );
    assert_not_found(s.add_directory_role(&nowhere).await);

    s.remove_directory_role(t.id, alice.id, R::GlobalAdministrator)
        .await
        .unwrap();
    assert_not_found(
        s.remove_directory_role(t.id, alice.id, R::GlobalAdministrator)
            .await,
    );
    assert_eq!(
        s.list_principal_directory_roles(t.id, alice.id)
            .await
            .unwrap(),
        vec![a2]
    );

    // Deleting the service principal (or its app) takes its roles with it.
    s.delete_service_principal(sp.id).await.unwrap();
    assert!(
        s.list_principal_directory_roles(t.id, sp.id)
            .await
            .unwrap()
            .is_empty()
    );
    let sp2 = service_principal(t.id, app.app_id, "app");
    s.create_service_principal(&sp2).await.unwrap();
    s.add_directory_role(&assignment(
        t.id,
        sp2.id,
        PrincipalType::ServicePrincipal,
        R::DirectoryReaders,
        NOW,
    ))
    .await
    .unwrap();
    s.delete_application(app.id).await.unwrap();
    assert!(
        s.list_principal_directory_roles(t.id, sp2.id)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn guest_memberships_crud(s: &dyn Store) {
    let home = tenant("contoso");
    let a = tenant("fabrikam");
    let b = tenant("northwind");
    for t in [&home, &a, &b] {
        s.create_tenant(t).await.unwrap();
    }
    let alice = user(home.id, "alice@contoso.onmicrosoft.com");
    s.create_user(&alice).await.unwrap();
    let ga = GuestMembership {
        tenant_id: a.id,
        user_id: alice.id,
        created_at: NOW,
    };
    let gb = GuestMembership {
        tenant_id: b.id,
        user_id: alice.id,
        created_at: NOW + 1,
    };
    s.add_guest_membership(&ga).await.unwrap();
    s.add_guest_membership(&gb).await.unwrap();
    assert_eq!(
        conflict_of(s.add_guest_membership(&ga).await),
        conflict::GUEST_EXISTS
    );
    assert_not_found(
        s.add_guest_membership(&GuestMembership {
            tenant_id: a.id,
            user_id: new_id(),
            created_at: NOW,
        })
        .await,
    );
    assert_not_found(
        s.add_guest_membership(&GuestMembership {
            tenant_id: new_id(),
            user_id: alice.id,
            created_at: NOW,
        })
        .await,
    );
    assert_eq!(
        s.list_guest_memberships(alice.id).await.unwrap(),
        vec![ga.clone(), gb.clone()]
    );
    assert_eq!(s.list_tenant_guests(a.id).await.unwrap(), vec![ga.clone()]);
    assert!(s.list_tenant_guests(home.id).await.unwrap().is_empty());

    // Removing the membership removes the roles held as a guest there, not elsewhere.
    s.add_directory_role(&assignment(
        a.id,
        alice.id,
        PrincipalType::User,
        R::DirectoryReaders,
        NOW,
    ))
    .await
    .unwrap();
    s.add_directory_role(&assignment(
        b.id,
        alice.id,
        PrincipalType::User,
        R::DirectoryReaders,
        NOW,
    ))
    .await
    .unwrap();
    s.remove_guest_membership(a.id, alice.id).await.unwrap();
    assert_not_found(s.remove_guest_membership(a.id, alice.id).await);
    assert!(
        s.list_principal_directory_roles(a.id, alice.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.list_principal_directory_roles(b.id, alice.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(s.list_guest_memberships(alice.id).await.unwrap(), vec![gb]);
}
