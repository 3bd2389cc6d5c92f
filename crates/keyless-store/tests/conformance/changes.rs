//! The change feed: writes to the watched tables are announced, other writes are not.

use crate::fixtures::*;
use keyless_store::Store;
use std::time::{Duration, Instant};

/// Waits (up to 5 s) until `done` holds; PostgreSQL announces changes asynchronously.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{what}: not within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub async fn writes_to_watched_tables_are_announced(s: &dyn Store) {
    let feed = s.change_feed();
    eventually("the feed goes live", || feed.is_live()).await;

    let before = feed.generation();
    let t = tenant("contoso");
    s.create_tenant(&t).await.unwrap();
    eventually("a new tenant", || feed.generation() > before).await;

    let before = feed.generation();
    let app = application(t.id, "deployer");
    s.create_application(&app).await.unwrap();
    eventually("a new application", || feed.generation() > before).await;

    let before = feed.generation();
    let f = fic(app.id, "main", Some("repo:contoso/web:ref:refs/heads/main"));
    s.create_fic(&f).await.unwrap();
    eventually("a new credential", || feed.generation() > before).await;

    let before = feed.generation();
    s.delete_fic(app.id, f.id).await.unwrap();
    eventually("a deleted credential", || feed.generation() > before).await;

    // The audit log is written all the time and copied by no cache: not announced.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = feed.generation();
    s.append_audit(&[audit_entry(NOW, "token", "granted")])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(feed.generation(), before, "an audit write was announced");
    assert!(feed.is_live());
}
