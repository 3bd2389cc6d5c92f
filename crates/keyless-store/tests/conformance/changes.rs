//! The change feed: writes to the watched tables are announced, other writes are not.

use crate::fixtures::*;
use keyless_store::Store;
use keyless_store::changes::Tables;
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
    let t = add_tenant(s, "contoso").await;
    eventually("a new tenant", || feed.generation() > before).await;

    let before = feed.generation();
    let app = add_application(s, t.id, "deployer").await;
    eventually("a new application", || feed.generation() > before).await;

    let before = feed.generation();
    let f = fic(app.id, "main", Some("repo:contoso/web:ref:refs/heads/main"));
    s.create_fic(&f).await.unwrap();
    eventually("a new credential", || feed.generation() > before).await;

    let before = feed.generation();
    s.delete_fic(app.id, f.id).await.unwrap();
    eventually("a deleted credential", || feed.generation() > before).await;

    // What a job's ID-token request reads: project, connection, pipeline, permissions.
    let org = add_organization(s, "fabrikam").await;
    let before = feed.generation();
    let p = add_project(s, org.id, "web").await;
    eventually("a new project", || feed.generation() > before).await;

    let before = feed.generation();
    let c = add_connection(s, &p, "prod").await;
    eventually("a new connection", || feed.generation() > before).await;

    let before = feed.generation();
    let pipeline_id = s
        .create_pipeline(&pipeline(p.id, "deploy", vec![c.id]))
        .await
        .unwrap();
    eventually("a new pipeline", || feed.generation() > before).await;

    let before = feed.generation();
    s.set_all_pipelines(c.id, false, None, NOW).await.unwrap();
    eventually("a pipeline policy", || feed.generation() > before).await;

    let before = feed.generation();
    s.authorize_pipeline(c.id, pipeline_id, None, NOW)
        .await
        .unwrap();
    eventually("an authorized pipeline", || feed.generation() > before).await;

    let other = add_project(s, org.id, "api").await;
    let before = feed.generation();
    s.share_connection(c.id, other.id).await.unwrap();
    eventually("a share", || feed.generation() > before).await;

    // What an ARM request's RBAC decision reads: subscriptions, role assignments.
    let before = feed.generation();
    let sub = subscription(t.id);
    s.create_subscription(&sub).await.unwrap();
    eventually("a new subscription", || feed.generation() > before).await;

    let before = feed.generation();
    let reader = assignment(&format!("/subscriptions/{}", sub.id), new_id(), new_id());
    s.create_role_assignment(&reader).await.unwrap();
    eventually("a new role assignment", || feed.generation() > before).await;

    // Jobs are read on every request, never cached: starting one is not announced.
    let deploy = s.get_pipeline(pipeline_id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = feed.generation();
    s.create_job(&job(&deploy, "job-token-hash")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(feed.generation(), before, "a job write was announced");

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

/// Each table has its own generation: a write moves the generation of the sets holding its
/// table, and not the others (on PostgreSQL the notification's payload names the table).
pub async fn a_write_moves_only_its_tables_generation(s: &dyn Store) {
    let feed = s.change_feed();
    eventually("the feed goes live", || feed.is_live()).await;
    let credentials = Tables::of(&["federated_credentials"]);
    let client = Tables::of(&["applications", "service_principals"]);
    let rbac = Tables::of(&["role_assignments"]);

    let t = add_tenant(s, "contoso").await;
    let app = add_application(s, t.id, "deployer").await;
    // Announcements arrive in the order of their commits: once the last write of the setup
    // is announced, all of them are.
    let subscriptions = Tables::of(&["subscriptions"]);
    let before = feed.generation_of(subscriptions);
    let sub = subscription(t.id);
    s.create_subscription(&sub).await.unwrap();
    eventually("a subscription", || {
        feed.generation_of(subscriptions) > before
    })
    .await;

    let (c0, k0, r0) = (
        feed.generation_of(credentials),
        feed.generation_of(client),
        feed.generation_of(rbac),
    );
    let reader = assignment(&format!("/subscriptions/{}", sub.id), new_id(), new_id());
    s.create_role_assignment(&reader).await.unwrap();
    eventually("a role assignment", || feed.generation_of(rbac) > r0).await;
    let f = fic(app.id, "main", Some("repo:contoso/web:ref:refs/heads/main"));
    s.create_fic(&f).await.unwrap();
    eventually("a credential", || feed.generation_of(credentials) > c0).await;
    // Both announcements have arrived (in order, on one connection): the client's tables
    // were not written.
    assert_eq!(
        feed.generation_of(client),
        k0,
        "another table's write moved it"
    );

    let r1 = feed.generation_of(rbac);
    let c1 = feed.generation_of(credentials);
    s.create_application(&application(t.id, "second"))
        .await
        .unwrap();
    eventually("an application", || feed.generation_of(client) > k0).await;
    assert_eq!(feed.generation_of(rbac), r1);
    assert_eq!(feed.generation_of(credentials), c1);
}
