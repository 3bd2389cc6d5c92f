//! Personal access tokens, client secrets and federated identity credentials.

use crate::fixtures::*;
use keyless_model::Uuid;
use keyless_store::{SharedStore, Store, StoreError, conflict};

async fn user_in_new_tenant(s: &dyn Store) -> Uuid {
    let t = add_tenant(s, "contoso").await;
    let u = add_user(s, t.id, "alice@contoso.onmicrosoft.com").await;
    u.id
}

pub async fn pats_crud_and_revoke(s: &dyn Store) {
    let alice = user_in_new_tenant(s).await;
    let mut first = pat(alice, "hash-1");
    first.created_at = NOW - 10;
    let second = pat(alice, "hash-2");
    s.create_pat(&second).await.unwrap();
    s.create_pat(&first).await.unwrap();
    assert_eq!(s.find_pat_by_hash("hash-1").await.unwrap(), first);
    assert_not_found(s.find_pat_by_hash("HASH-1").await);
    assert_eq!(
        s.list_pats(alice).await.unwrap(),
        vec![first.clone(), second.clone()]
    );
    assert_eq!(s.list_pats(new_id()).await.unwrap(), vec![]);

    s.revoke_pat(first.id, NOW + 5).await.unwrap();
    assert_eq!(
        s.find_pat_by_hash("hash-1").await.unwrap().revoked_at,
        Some(NOW + 5)
    );
    // Revoking again keeps the first time.
    s.revoke_pat(first.id, NOW + 50).await.unwrap();
    assert_eq!(
        s.find_pat_by_hash("hash-1").await.unwrap().revoked_at,
        Some(NOW + 5)
    );
    assert_eq!(s.find_pat_by_hash("hash-2").await.unwrap().revoked_at, None);
    assert_not_found(s.revoke_pat(new_id(), NOW).await);

    let mut same_id = pat(alice, "hash-3");
    same_id.id = first.id;
    assert_conflict(s.create_pat(&same_id).await, conflict::DUPLICATE_ID);
    assert_not_found(s.create_pat(&pat(new_id(), "hash-4")).await);
}

pub async fn passwords_crud(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let app = add_application(s, t.id, "app").await;
    let newer = password(app.id, NOW + 100);
    let older = password(app.id, NOW);
    s.add_password(&newer).await.unwrap();
    s.add_password(&older).await.unwrap();
    assert_eq!(
        s.list_passwords(app.id).await.unwrap(),
        vec![older.clone(), newer.clone()]
    );
    let mut same_key = password(app.id, NOW);
    same_key.key_id = older.key_id;
    assert_conflict(s.add_password(&same_key).await, conflict::DUPLICATE_ID);

    assert_not_found(s.remove_password(new_id(), older.key_id).await);
    s.remove_password(app.id, older.key_id).await.unwrap();
    assert_eq!(s.list_passwords(app.id).await.unwrap(), vec![newer]);
    assert_not_found(s.remove_password(app.id, older.key_id).await);
    assert_not_found(s.add_password(&password(new_id(), NOW)).await);
}

pub async fn fics_crud(s: &dyn Store) {
    let parent = new_id();
    let mut main = fic(
        parent,
        "GitHub-Main",
        Some("repo:contoso/web:ref:refs/heads/main"),
    );
    main.created_at = NOW - 1;
    let flexible = add_fic(s, parent, "flexible", None).await;
    s.create_fic(&main).await.unwrap();
    assert_eq!(s.get_fic(parent, main.id).await.unwrap(), main);
    assert_eq!(s.get_fic(parent, flexible.id).await.unwrap(), flexible);
    assert_not_found(s.get_fic(new_id(), main.id).await);
    assert_eq!(
        s.find_fic_by_name(parent, "github-main").await.unwrap(),
        main
    );
    assert_not_found(s.find_fic_by_name(parent, "github").await);
    assert_eq!(
        s.list_fics(parent).await.unwrap(),
        vec![main.clone(), flexible.clone()]
    );

    let mut changed = main.clone();
    changed.name = "ignored: names are immutable".into();
    changed.issuer = "https://vstoken.dev.azure.com/org".into();
    changed.subject = Some("sc://org/project/conn".into());
    changed.audiences = vec!["api://custom".into(), "api://other".into()];
    changed.description = None;
    s.update_fic(&changed).await.unwrap();
    let stored = s.get_fic(parent, main.id).await.unwrap();
    assert_eq!(stored.name, main.name);
    assert_eq!(
        (stored.issuer, stored.subject),
        (changed.issuer, changed.subject)
    );
    assert_eq!(
        (stored.audiences, stored.description),
        (changed.audiences, None)
    );
    assert_not_found(s.update_fic(&fic(parent, "ghost", Some("x"))).await);

    assert_not_found(s.delete_fic(new_id(), main.id).await);
    s.delete_fic(parent, main.id).await.unwrap();
    assert_not_found(s.get_fic(parent, main.id).await);
    assert_not_found(s.delete_fic(parent, main.id).await);
    assert_eq!(s.list_fics(parent).await.unwrap(), vec![flexible]);
}

pub async fn fic_conflicts(s: &dyn Store) {
    let parent = new_id();
    let subject = "repo:contoso/web:environment:prod";
    let prod = add_fic(s, parent, "prod", Some(subject)).await;
    assert_conflict(
        s.create_fic(&fic(parent, "PROD", Some("other"))).await,
        conflict::FIC_NAME,
    );
    assert_conflict(
        s.create_fic(&fic(parent, "prod-2", Some(subject))).await,
        conflict::FIC_ISSUER_SUBJECT,
    );
    let mut other_issuer = fic(parent, "prod-3", Some(subject));
    other_issuer.issuer = "https://other.example".into();
    s.create_fic(&other_issuer).await.unwrap();
    let mut same_id = fic(parent, "prod-4", Some("x"));
    same_id.id = prod.id;
    assert_conflict(s.create_fic(&same_id).await, conflict::DUPLICATE_ID);
    // Flexible credentials (no subject) never collide on issuer + subject.
    s.create_fic(&fic(parent, "flex-1", None)).await.unwrap();
    s.create_fic(&fic(parent, "flex-2", None)).await.unwrap();
    // Another parent has its own names and subjects.
    s.create_fic(&fic(new_id(), "prod", Some(subject)))
        .await
        .unwrap();
    // An update onto another credential's issuer + subject.
    let mut clash = other_issuer.clone();
    clash.issuer = prod.issuer.clone();
    assert_conflict(s.update_fic(&clash).await, conflict::FIC_ISSUER_SUBJECT);
    assert_eq!(s.list_fics(parent).await.unwrap().len(), 4);
}

pub async fn fic_limit(s: &dyn Store) {
    let parent = new_id();
    let mut ids = vec![];
    for i in 0..20 {
        let f = fic(parent, &format!("fic-{i}"), Some(&format!("subject-{i}")));
        s.create_fic(&f).await.unwrap();
        ids.push(f.id);
    }
    let extra = fic(parent, "fic-20", Some("subject-20"));
    assert_conflict(s.create_fic(&extra).await, conflict::FIC_LIMIT);
    assert_eq!(s.list_fics(parent).await.unwrap().len(), 20);
    // Other parents are not affected, and deleting one makes room again.
    s.create_fic(&fic(new_id(), "fic-0", Some("subject-0")))
        .await
        .unwrap();
    s.delete_fic(parent, ids[0]).await.unwrap();
    s.create_fic(&extra).await.unwrap();
    assert_eq!(s.list_fics(parent).await.unwrap().len(), 20);
}

/// 25 inserts racing on one parent: exactly 20 succeed, the rest hit the limit.
pub async fn fic_limit_concurrent(s: SharedStore) {
    const RACERS: usize = 25;
    let parent = new_id();
    let results = race(&s, RACERS, |i| {
        let s = s.clone();
        async move {
            let f = fic(parent, &format!("race-{i}"), Some(&format!("subject-{i}")));
            s.create_fic(&f).await
        }
    })
    .await;
    let (mut ok, mut limited) = (0, 0);
    for result in results {
        match result {
            Ok(()) => ok += 1,
            Err(StoreError::Conflict(conflict::FIC_LIMIT)) => limited += 1,
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!((ok, limited), (20, 5));
    assert_eq!(s.list_fics(parent).await.unwrap().len(), 20);
}
