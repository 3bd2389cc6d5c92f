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

/// A role of a user.
fn user_role(tenant_id: Uuid, user: Uuid, role: R, at: UnixTime) -> DirectoryRoleAssignment {
    assignment(tenant_id, user, PrincipalType::User, role, at)
}

/// A role of a service principal.
fn sp_role(tenant_id: Uuid, sp: Uuid, role: R, at: UnixTime) -> DirectoryRoleAssignment {
    assignment(tenant_id, sp, PrincipalType::ServicePrincipal, role, at)
}

pub async fn directory_roles_crud_and_conflicts(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let other = add_tenant(s, "fabrikam").await;
    let alice = add_user(s, t.id, "alice@contoso.onmicrosoft.com").await;
    let app = add_application(s, t.id, "app").await;
    let sp = add_service_principal(s, t.id, app.app_id, "app").await;

    let a1 = user_role(t.id, alice.id, R::GlobalAdministrator, NOW);
    let a2 = user_role(t.id, alice.id, R::DirectoryReaders, NOW + 1);
    let a3 = sp_role(t.id, sp.id, R::ApplicationAdministrator, NOW + 2);
    let elsewhere = user_role(other.id, alice.id, R::UserAdministrator, NOW);
    for a in [&a1, &a2, &a3, &elsewhere] {
        s.add_directory_role(a).await.unwrap();
    }
    assert_conflict(
        s.add_directory_role(&a1).await,
        conflict::DIRECTORY_ROLE_EXISTS,
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
    let nowhere = user_role(new_id(), alice.id, R::DirectoryReaders, NOW);
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
    assert_eq!(
        s.list_principal_directory_roles(t.id, sp.id).await.unwrap(),
        vec![]
    );
    let sp2 = add_service_principal(s, t.id, app.app_id, "app").await;
    s.add_directory_role(&sp_role(t.id, sp2.id, R::DirectoryReaders, NOW))
        .await
        .unwrap();
    s.delete_application(app.id).await.unwrap();
    assert_eq!(
        s.list_principal_directory_roles(t.id, sp2.id)
            .await
            .unwrap(),
        vec![]
    );
}

pub async fn guest_memberships_crud(s: &dyn Store) {
    let home = tenant("contoso");
    let a = tenant("fabrikam");
    let b = tenant("northwind");
    for t in [&home, &a, &b] {
        s.create_tenant(t).await.unwrap();
    }
    let alice = add_user(s, home.id, "alice@contoso.onmicrosoft.com").await;
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
    assert_conflict(s.add_guest_membership(&ga).await, conflict::GUEST_EXISTS);
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
    s.add_directory_role(&user_role(a.id, alice.id, R::DirectoryReaders, NOW))
        .await
        .unwrap();
    s.add_directory_role(&user_role(b.id, alice.id, R::DirectoryReaders, NOW))
        .await
        .unwrap();
    s.remove_guest_membership(a.id, alice.id).await.unwrap();
    assert_not_found(s.remove_guest_membership(a.id, alice.id).await);
    assert_eq!(
        s.list_principal_directory_roles(a.id, alice.id)
            .await
            .unwrap(),
        vec![]
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
