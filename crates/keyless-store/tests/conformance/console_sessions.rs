//! The console's sign-in sessions: created, found by id hash, touched (never back in time),
//! deleted one by one, when expired, or oldest sign-in first, and counted.

use super::fixtures::NOW;
use keyless_store::{ConsoleSession, Store, StoreError};

fn session(id_hash: &str, created_at: i64, seen_at: i64) -> ConsoleSession {
    ConsoleSession {
        id_hash: id_hash.into(),
        user_name: format!("user-{id_hash}@contoso.test"),
        // Bytes that are not UTF-8 (a zero and a high byte) survive the round trip.
        sealed: vec![0, 1, 2, 0xff, 0xfe, id_hash.len() as u8],
        created_at,
        seen_at,
    }
}

/// (id hash, created_at, seen_at) of a found session, for comparisons.
async fn found(s: &dyn Store, id_hash: &str) -> Option<(String, i64, i64)> {
    s.find_console_session(id_hash)
        .await
        .unwrap()
        .map(|f| (f.id_hash, f.created_at, f.seen_at))
}

pub async fn console_sessions_crud(s: &dyn Store) {
    assert_eq!(s.count_console_sessions().await.unwrap(), 0);
    assert!(s.find_console_session("a").await.unwrap().is_none());
    let a = session("a", NOW, NOW);
    s.create_console_session(&a).await.unwrap();
    s.create_console_session(&session("b", NOW + 1, NOW + 1))
        .await
        .unwrap();
    let got = s.find_console_session("a").await.unwrap().unwrap();
    assert_eq!(got.user_name, "user-a@contoso.test");
    assert_eq!(got.sealed, vec![0, 1, 2, 0xff, 0xfe, 1]);
    assert!(got == a);
    assert_eq!(s.count_console_sessions().await.unwrap(), 2);
    // The same id hash twice is a conflict, and the first row is kept.
    let again = s
        .create_console_session(&session("a", NOW + 9, NOW + 9))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(found(s, "a").await, Some(("a".into(), NOW, NOW)));

    // Touch moves seen_at forward only; a missing session is no error.
    s.touch_console_session("a", NOW + 100).await.unwrap();
    assert_eq!(found(s, "a").await, Some(("a".into(), NOW, NOW + 100)));
    s.touch_console_session("a", NOW + 50).await.unwrap();
    assert_eq!(found(s, "a").await, Some(("a".into(), NOW, NOW + 100)));
    s.touch_console_session("missing", NOW).await.unwrap();
    assert_eq!(found(s, "b").await, Some(("b".into(), NOW + 1, NOW + 1)));

    // Sign-out deletes one session, once.
    assert!(s.delete_console_session("a").await.unwrap());
    assert!(!s.delete_console_session("a").await.unwrap());
    assert!(s.find_console_session("a").await.unwrap().is_none());
    assert_eq!(found(s, "b").await, Some(("b".into(), NOW + 1, NOW + 1)));
    assert_eq!(s.count_console_sessions().await.unwrap(), 1);
}

pub async fn console_sessions_expire_and_the_oldest_goes_first(s: &dyn Store) {
    // idle: seen long ago; old: signed in long ago but seen just now; live: both recent.
    for (id, created, seen) in [
        ("idle", NOW, NOW),
        ("old", NOW - 1000, NOW + 500),
        ("live", NOW + 10, NOW + 500),
        ("edge", NOW + 1, NOW + 100),
    ] {
        s.create_console_session(&session(id, created, seen))
            .await
            .unwrap();
    }
    // Seen before NOW + 100 or created before NOW: `idle` and `old` go; `edge` sits exactly
    // on both cut-offs and stays.
    let gone = s
        .delete_expired_console_sessions(NOW + 100, NOW)
        .await
        .unwrap();
    assert_eq!(gone, 2);
    assert!(found(s, "idle").await.is_none());
    assert!(found(s, "old").await.is_none());
    assert!(found(s, "live").await.is_some());
    assert!(found(s, "edge").await.is_some());
    assert_eq!(s.delete_expired_console_sessions(0, 0).await.unwrap(), 0);

    // The oldest sign-in goes first, then the next; none left: false.
    assert!(s.delete_oldest_console_session().await.unwrap());
    assert!(found(s, "edge").await.is_none());
    assert!(found(s, "live").await.is_some());
    assert!(s.delete_oldest_console_session().await.unwrap());
    assert_eq!(s.count_console_sessions().await.unwrap(), 0);
    assert!(!s.delete_oldest_console_session().await.unwrap());
}
