//! An organization's owner, organization groups, users' access levels and preview features.

use crate::fixtures::*;
use keyless_model::Uuid;
use keyless_model::devops::organization::{AccessLevel, OrganizationGroup, PreviewFeature};
use keyless_store::Store;

const PCA: OrganizationGroup = OrganizationGroup::ProjectCollectionAdministrators;
const WIF: PreviewFeature = PreviewFeature::WorkloadIdentityArm;

pub async fn owner_is_created_read_and_changed(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let alice = add_user(s, t.id, "alice@contoso.example").await;
    let bob = add_user(s, t.id, "bob@contoso.example").await;
    let mut o = organization("contoso");
    o.owner_id = Some(alice.id);
    s.create_organization(&o).await.unwrap();
    assert_eq!(s.get_organization(o.id).await.unwrap(), o);
    assert_eq!(
        s.find_organization("CONTOSO").await.unwrap().owner_id,
        Some(alice.id)
    );

    s.set_organization_owner(o.id, bob.id).await.unwrap();
    assert_eq!(
        s.get_organization(o.id).await.unwrap().owner_id,
        Some(bob.id)
    );
    assert_eq!(
        s.list_organizations().await.unwrap()[0].owner_id,
        Some(bob.id)
    );
    // An owner that is not a user, or an organization that does not exist, is not found
    // (and the owner stays).
    assert_not_found(s.set_organization_owner(o.id, new_id()).await);
    assert_not_found(s.set_organization_owner(new_id(), bob.id).await);
    assert_eq!(
        s.get_organization(o.id).await.unwrap().owner_id,
        Some(bob.id)
    );
    // Organizations without an owner read as such.
    let older = add_organization(s, "fabrikam").await;
    assert_eq!(s.get_organization(older.id).await.unwrap().owner_id, None);
}

/// The (user, group) memberships of the organization `org`.
async fn members(s: &dyn Store, org: Uuid) -> Vec<(Uuid, OrganizationGroup)> {
    s.list_organization_members(org).await.unwrap()
}

pub async fn organization_groups_levels_and_features(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let alice = add_user(s, t.id, "alice@contoso.example").await;
    let bob = add_user(s, t.id, "bob@contoso.example").await;
    let org = add_organization(s, "contoso").await;
    let other = add_organization(s, "fabrikam").await;

    // Groups: adding twice keeps one membership; removing what is not there is not found.
    assert!(members(s, org.id).await.is_empty());
    s.add_organization_member(org.id, alice.id, PCA)
        .await
        .unwrap();
    s.add_organization_member(org.id, alice.id, PCA)
        .await
        .unwrap();
    s.add_organization_member(org.id, bob.id, PCA)
        .await
        .unwrap();
    let mut want = vec![(alice.id, PCA), (bob.id, PCA)];
    want.sort_by_key(|(u, _)| *u);
    assert_eq!(members(s, org.id).await, want);
    assert!(members(s, other.id).await.is_empty());
    s.remove_organization_member(org.id, bob.id, PCA)
        .await
        .unwrap();
    assert_not_found(s.remove_organization_member(org.id, bob.id, PCA).await);
    assert_eq!(members(s, org.id).await, vec![(alice.id, PCA)]);
    assert_not_found(s.add_organization_member(org.id, new_id(), PCA).await);
    assert_not_found(s.add_organization_member(new_id(), alice.id, PCA).await);

    // Access levels: none recorded, then recorded and replaced, per organization.
    assert_eq!(s.get_access_level(org.id, bob.id).await.unwrap(), None);
    s.set_access_level(org.id, bob.id, AccessLevel::Stakeholder)
        .await
        .unwrap();
    s.set_access_level(org.id, alice.id, AccessLevel::Stakeholder)
        .await
        .unwrap();
    s.set_access_level(org.id, alice.id, AccessLevel::Basic)
        .await
        .unwrap();
    assert_eq!(
        s.get_access_level(org.id, bob.id).await.unwrap(),
        Some(AccessLevel::Stakeholder)
    );
    assert_eq!(s.get_access_level(other.id, bob.id).await.unwrap(), None);
    let mut want = vec![
        (alice.id, AccessLevel::Basic),
        (bob.id, AccessLevel::Stakeholder),
    ];
    want.sort_by_key(|(u, _)| *u);
    assert_eq!(s.list_access_levels(org.id).await.unwrap(), want);
    assert_not_found(
        s.set_access_level(org.id, new_id(), AccessLevel::Basic)
            .await,
    );

    // Preview features: nothing recorded, then off, then on again.
    assert!(s.list_preview_features(org.id).await.unwrap().is_empty());
    s.set_preview_feature(org.id, WIF, false).await.unwrap();
    assert_eq!(
        s.list_preview_features(org.id).await.unwrap(),
        vec![(WIF, false)]
    );
    assert!(s.list_preview_features(other.id).await.unwrap().is_empty());
    s.set_preview_feature(org.id, WIF, true).await.unwrap();
    assert_eq!(
        s.list_preview_features(org.id).await.unwrap(),
        vec![(WIF, true)]
    );
    assert_not_found(s.set_preview_feature(new_id(), WIF, false).await);
}
