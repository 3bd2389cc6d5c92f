//! Signing keys: creation once per owner and algorithm, rotation, retirement, clean-up.

use crate::fixtures::*;
use keyless_model::keys::SigningKeyRecord;
use keyless_store::{SharedStore, Store};

fn owner() -> String {
    format!("tenant:{}", new_id())
}

fn es256(mut k: SigningKeyRecord) -> SigningKeyRecord {
    k.alg = "ES256".into();
    k
}

/// `k` as it reads back after being retired at `at`.
fn retired(k: &SigningKeyRecord, at: i64) -> SigningKeyRecord {
    SigningKeyRecord {
        retired_at: Some(at),
        ..k.clone()
    }
}

pub async fn create_if_absent_keeps_the_current_key(s: &dyn Store) {
    let owner = owner();
    let first = signing_key(&owner, "kid-1", NOW);
    assert_eq!(s.create_signing_key_if_absent(&first).await.unwrap(), first);
    // A second creation for the same owner and algorithm returns the first key.
    let second = signing_key(&owner, "kid-2", NOW + 1);
    assert_eq!(
        s.create_signing_key_if_absent(&second).await.unwrap(),
        first
    );
    // Another algorithm is another line of keys; another owner is another issuer.
    let ec = es256(signing_key(&owner, "kid-ec", NOW + 2));
    assert_eq!(s.create_signing_key_if_absent(&ec).await.unwrap(), ec);
    let other = signing_key("organization:x", "kid-org", NOW);
    assert_eq!(s.create_signing_key_if_absent(&other).await.unwrap(), other);
    assert_eq!(
        s.list_signing_keys(&owner).await.unwrap(),
        vec![ec.clone(), first.clone()]
    );
    // Once every key of the owner is retired, a new one is created.
    s.retire_signing_key("kid-1", NOW + 10).await.unwrap();
    let third = signing_key(&owner, "kid-3", NOW + 20);
    assert_eq!(s.create_signing_key_if_absent(&third).await.unwrap(), third);
}

pub async fn rotation_retires_the_current_key_once(s: &dyn Store) {
    let owner = owner();
    let old = signing_key(&owner, "kid-old", NOW);
    s.create_signing_key_if_absent(&old).await.unwrap();
    let mut new = signing_key(&owner, "kid-new", NOW + 100);
    new.not_before = NOW + 400;
    assert_eq!(s.rotate_signing_key(&new, "kid-old").await.unwrap(), new);
    // The old key stops signing when the new one starts.
    assert_eq!(
        s.list_signing_keys(&owner).await.unwrap(),
        vec![new.clone(), retired(&old, NOW + 400)]
    );
    // A replica that still believes kid-old is current loses: nothing changes.
    let late = signing_key(&owner, "kid-late", NOW + 101);
    assert_eq!(s.rotate_signing_key(&late, "kid-old").await.unwrap(), new);
    assert_eq!(s.list_signing_keys(&owner).await.unwrap().len(), 2);
    // Rotating an owner without a current key of that algorithm just creates one.
    let ec = es256(signing_key(&owner, "kid-ec", NOW + 102));
    assert_eq!(s.rotate_signing_key(&ec, "kid-none").await.unwrap(), ec);
    // The ES256 line is untouched by an RS256 rotation.
    let newer = signing_key(&owner, "kid-newer", NOW + 200);
    assert_eq!(
        s.rotate_signing_key(&newer, "kid-new").await.unwrap(),
        newer
    );
    assert_eq!(
        s.list_signing_keys(&owner).await.unwrap(),
        vec![
            newer.clone(),
            ec,
            retired(&new, NOW + 200),
            retired(&old, NOW + 400)
        ]
    );
}

pub async fn retire_and_delete_retired_keys(s: &dyn Store) {
    let owner = owner();
    let a = signing_key(&owner, "kid-a", NOW);
    let b = signing_key(&owner, "kid-b", NOW + 1);
    let c = signing_key(&owner, "kid-c", NOW + 2);
    for k in [&a, &b, &c] {
        s.insert_signing_key(k).await.unwrap();
    }
    s.retire_signing_key("kid-a", NOW + 10).await.unwrap();
    // Retiring again keeps the first retirement.
    s.retire_signing_key("kid-a", NOW + 50).await.unwrap();
    s.retire_signing_key("kid-b", NOW + 30).await.unwrap();
    assert_not_found(s.retire_signing_key("kid-nobody", NOW).await);
    assert_eq!(
        s.list_signing_keys(&owner).await.unwrap(),
        vec![c.clone(), retired(&b, NOW + 30), retired(&a, NOW + 10)]
    );
    // Strictly before: kid-a (retired at +10) goes, kid-b (+30) stays, kid-c is current.
    assert_eq!(s.delete_retired_signing_keys(NOW + 30).await.unwrap(), 1);
    assert_eq!(
        s.list_signing_keys(&owner).await.unwrap(),
        vec![c.clone(), retired(&b, NOW + 30)]
    );
    assert_eq!(s.delete_retired_signing_keys(NOW + 1000).await.unwrap(), 1);
    assert_eq!(s.delete_retired_signing_keys(NOW + 1000).await.unwrap(), 0);
    assert_eq!(s.list_signing_keys(&owner).await.unwrap(), vec![c]);
}

/// A key-encryption key rotation replaces only the sealed private key.
pub async fn reseal_replaces_only_the_sealed_key(s: &dyn Store) {
    let owner = owner();
    let k = signing_key(&owner, "kid-r", NOW);
    s.insert_signing_key(&k).await.unwrap();
    s.reseal_signing_key("kid-r", b"sealed anew").await.unwrap();
    let want = SigningKeyRecord {
        sealed_private_key: b"sealed anew".to_vec(),
        ..k
    };
    assert_eq!(s.list_signing_keys(&owner).await.unwrap(), vec![want]);
    assert_not_found(s.reseal_signing_key("kid-nobody", b"x").await);
}

pub async fn list_all_keys_and_ping(s: &dyn Store) {
    s.ping().await.unwrap();
    assert_eq!(s.list_all_signing_keys().await.unwrap(), vec![]);
    let t = signing_key("tenant:b", "kid-t1", NOW);
    let t2 = signing_key("tenant:b", "kid-t2", NOW + 1);
    let o = signing_key("organization:a", "kid-o", NOW + 5);
    for k in [&t, &o, &t2] {
        s.insert_signing_key(k).await.unwrap();
    }
    assert_eq!(s.list_all_signing_keys().await.unwrap(), vec![o, t2, t]);
}

/// Eight writers racing to create an owner's first key (what replicas do on a first start)
/// and then to rotate it: one key each time, and every writer is told the winner.
pub async fn concurrent_creation_and_rotation_make_one_key(s: SharedStore) {
    let owner = owner();
    let mut racing = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (s, owner) = (s.clone(), owner.clone());
        racing.spawn(async move {
            let k = signing_key(&owner, &format!("kid-{i}"), NOW);
            s.create_signing_key_if_absent(&k).await.unwrap().kid
        });
    }
    let winners: Vec<String> = racing.join_all().await;
    assert!(winners.iter().all(|w| w == &winners[0]), "{winners:?}");
    assert_eq!(s.list_signing_keys(&owner).await.unwrap().len(), 1);

    let first = winners[0].clone();
    let mut racing = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (s, owner, first) = (s.clone(), owner.clone(), first.clone());
        racing.spawn(async move {
            let k = signing_key(&owner, &format!("kid-rotated-{i}"), NOW + 10);
            s.rotate_signing_key(&k, &first).await.unwrap().kid
        });
    }
    let winners: Vec<String> = racing.join_all().await;
    assert!(winners.iter().all(|w| w == &winners[0]), "{winners:?}");
    let keys = s.list_signing_keys(&owner).await.unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(keys.iter().filter(|k| k.retired_at.is_none()).count(), 1);
}
