//! Application owners: recorded at creation, added, removed, read with the app, and gone
//! with the app or with an owning service principal.

use crate::fixtures::*;
use keyless_store::{Store, StoreError};

pub async fn application_owners_crud(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let creator = new_id();
    let mut a = application(t.id, "app");
    a.created_by = Some(creator);
    a.owners = vec![creator];
    s.create_application(&a).await.unwrap();
    assert_eq!(s.get_application(a.id).await.unwrap().owners, vec![creator]);

    let other = new_id();
    s.add_application_owner(a.id, other, NOW + 1).await.unwrap();
    let want = vec![creator, other];
    assert_eq!(s.get_application(a.id).await.unwrap().owners, want);
    assert_eq!(
        s.find_application_by_app_id(a.app_id).await.unwrap().owners,
        want
    );
    assert_eq!(
        s.find_application_by_name(t.id, "APP")
            .await
            .unwrap()
            .owners,
        want
    );
    add_application(s, t.id, "plain").await;
    let listed = s.list_applications(t.id).await.unwrap();
    assert_eq!(listed[0].owners, want);
    assert!(listed[1].owners.is_empty());

    assert!(matches!(
        s.add_application_owner(a.id, other, NOW + 2).await,
        Err(StoreError::Conflict(_))
    ));
    assert_not_found(s.add_application_owner(new_id(), other, NOW).await);

    // Updating the app leaves its owners alone.
    let mut renamed = s.get_application(a.id).await.unwrap();
    renamed.display_name = "renamed".into();
    renamed.owners.clear();
    s.update_application(&renamed).await.unwrap();
    assert_eq!(s.get_application(a.id).await.unwrap().owners, want);

    s.remove_application_owner(a.id, creator).await.unwrap();
    assert_not_found(s.remove_application_owner(a.id, creator).await);
    s.remove_application_owner(a.id, other).await.unwrap();
    assert!(s.get_application(a.id).await.unwrap().owners.is_empty());
}

pub async fn application_owners_go_with_the_app_and_owning_principals(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let owned = add_application(s, t.id, "owned").await;
    let owning_app = add_application(s, t.id, "owning").await;
    let sp = add_service_principal(s, t.id, owning_app.app_id, "owning").await;
    s.add_application_owner(owned.id, sp.id, NOW).await.unwrap();
    s.add_application_owner(owning_app.id, sp.id, NOW)
        .await
        .unwrap();

    // Deleting the owning app removes its principal, and so that principal's ownerships.
    s.delete_application(owning_app.id).await.unwrap();
    assert!(s.get_application(owned.id).await.unwrap().owners.is_empty());

    let sp2 = add_service_principal(s, t.id, owned.app_id, "owned").await;
    s.add_application_owner(owned.id, sp2.id, NOW)
        .await
        .unwrap();
    s.delete_service_principal(sp2.id).await.unwrap();
    assert!(s.get_application(owned.id).await.unwrap().owners.is_empty());
}
