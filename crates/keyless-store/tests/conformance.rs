//! The storage conformance suite: every behaviour is one body (a function taking the store),
//! run once against a fresh SQLite file and once against a fresh PostgreSQL database.
//!
//! PostgreSQL comes from `keyless_store::testing::pg` (one throwaway server per test
//! binary, one database per test). Without PostgreSQL binaries the PostgreSQL half fails,
//! unless `KEYLESS_SKIP_POSTGRES=1`.
#![allow(clippy::unwrap_used)]

#[path = "conformance/agents.rs"]
mod agents;
#[path = "conformance/app_owners.rs"]
mod app_owners;
#[path = "conformance/arm.rs"]
mod arm;
#[path = "conformance/audit.rs"]
mod audit;
#[path = "conformance/cascades.rs"]
mod cascades;
#[path = "conformance/changes.rs"]
mod changes;
#[path = "conformance/connection_lists.rs"]
mod connection_lists;
#[path = "conformance/connection_security.rs"]
mod connection_security;
#[path = "conformance/console_sessions.rs"]
mod console_sessions;
#[path = "conformance/credentials.rs"]
mod credentials;
#[path = "conformance/devops.rs"]
mod devops;
#[path = "conformance/directory.rs"]
mod directory;
#[path = "conformance/fixtures.rs"]
mod fixtures;
#[path = "conformance/identities.rs"]
mod identities;
#[path = "conformance/keys.rs"]
mod keys;
#[path = "conformance/management.rs"]
mod management;
#[path = "conformance/organization.rs"]
mod organization;
#[path = "conformance/resources.rs"]
mod resources;
#[path = "conformance/roles.rs"]
mod roles;
#[path = "conformance/runs.rs"]
mod runs;
#[path = "conformance/uow.rs"]
mod uow;

use fixtures::*;
use keyless_store::testing::pg;
use keyless_store::{SharedStore, Store, StoreError};

/// Keeps a backend's resources (the SQLite file's directory) alive during a test.
type Guard = Option<tempfile::TempDir>;

/// A store on a new SQLite file.
async fn sqlite() -> Option<(SharedStore, Guard)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("keyless.db").display());
    Some((keyless_store::open(&url).await.unwrap(), Some(dir)))
}

/// The URL of a new database of the shared throwaway server (`None`: skipping, loudly).
async fn postgres_url() -> Option<String> {
    tokio::task::spawn_blocking(pg::test_database_url)
        .await
        .unwrap()
}

/// A store on a new database of the shared throwaway server (`None`: skipping, loudly).
async fn postgres() -> Option<(SharedStore, Guard)> {
    let url = postgres_url().await?;
    Some((keyless_store::open(&url).await.unwrap(), None))
}

/// One `#[tokio::test]` per body and backend, named `sqlite::body` and `postgres::body`.
/// `by_ref` bodies take `&dyn Store`; `shared` bodies take a `SharedStore` (to spawn tasks).
macro_rules! conformance {
    (
        by_ref: [$($m:ident::$body:ident),* $(,)?],
        shared: [$($sm:ident::$shared:ident),* $(,)?] $(,)?
    ) => {
        conformance!(@backend sqlite, [$($m::$body),*], [$($sm::$shared),*]);
        conformance!(@backend postgres, [$($m::$body),*], [$($sm::$shared),*]);
    };
    (@backend $backend:ident, [$($m:ident::$body:ident),*], [$($sm:ident::$shared:ident),*]) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $body() {
                    let Some((store, _guard)) = super::$backend().await else { return };
                    super::$m::$body(&*store).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $shared() {
                    let Some((store, _guard)) = super::$backend().await else { return };
                    super::$sm::$shared(store).await;
                }
            )*
        }
    };
}

conformance! {
    by_ref: [
        directory::tenants_crud,
        directory::tenant_conflicts,
        directory::users_crud,
        directory::applications_crud,
        directory::service_principals_crud,
        directory::delete_application_cascades,
        app_owners::application_owners_crud,
        app_owners::application_owners_go_with_the_app_and_owning_principals,
        credentials::pats_crud_and_revoke,
        credentials::passwords_crud,
        credentials::fics_crud,
        credentials::fic_conflicts,
        credentials::fic_limit,
        arm::subscriptions_crud,
        arm::resource_groups_put_get_list_delete,
        arm::delete_resource_group_removes_assignments_under_it,
        arm::delete_subscription_refuses_resource_groups_and_takes_its_assignments,
        arm::role_assignments_crud_and_conflicts,
        arm::role_assignments_under_scope,
        resources::resources_put_get_replace,
        resources::resources_json_round_trip,
        resources::resources_list_by_group_and_subscription,
        resources::resources_children_prefix,
        resources::delete_resource_cascades,
        resources::delete_resource_group_deletes_its_resources,
        resources::put_resource_needs_its_group,
        management::management_groups_crud,
        management::management_group_names_and_parents,
        management::management_group_cycles_are_refused,
        management::management_group_ancestors_order_and_depth,
        management::delete_management_group_refuses_non_empty,
        management::delete_management_group_removes_its_assignments,
        management::subscription_placement,
        management::custom_roles_crud_and_json_round_trip,
        management::custom_role_names_are_unique_per_tenant,
        management::custom_role_in_use_is_kept,
        devops::organizations_and_projects,
        devops::connections_crud,
        devops::pipelines_and_jobs,
        runs::runs_crud_and_jobs_of_a_run,
        agents::pools_agents_and_the_hosted_pool,
        agents::reseal_replaces_only_the_sealed_secret,
        runs::replicas_beat_and_are_forgotten,
        console_sessions::console_sessions_crud,
        console_sessions::console_sessions_expire_and_the_oldest_goes_first,
        runs::pipelines_are_deleted_with_their_runs_unless_one_is_in_progress,
        cascades::projects_go_with_what_they_hold_unless_a_run_is_in_progress,
        arm::subscriptions_are_renamed,
        cascades::organizations_go_with_everything_they_hold,
        cascades::users_go_with_what_names_them_unless_they_own_an_organization,
        cascades::tenants_go_with_their_directory_unless_something_depends_on_them,
        devops::signing_keys_newest_first,
        connection_security::project_members,
        connection_security::connection_roles_and_shares,
        connection_lists::shares_and_roles_seen_from_a_project,
        connection_security::pipeline_permissions,
        connection_security::pipeline_entries,
        connection_security::rename_with_credential_is_one_transaction,
        connection_security::rename_project_with_subjects_is_one_transaction,
        connection_security::rename_organization_with_subjects_is_one_transaction,
        keys::create_if_absent_keeps_the_current_key,
        keys::rotation_retires_the_current_key_once,
        keys::retire_and_delete_retired_keys,
        keys::reseal_replaces_only_the_sealed_key,
        keys::list_all_keys_and_ping,
        audit::audit_filters_alone_and_combined,
        audit::audit_newest_first_and_limits,
        audit::audit_before_pages_without_gap_or_repeat,
        audit::audit_detail_round_trip,
        audit::audit_prune_removes_only_older,
        audit::audit_empty_append_is_a_no_op,
        audit::audit_batch_of_500,
        audit::audit_batch_is_all_or_nothing,
        roles::directory_roles_crud_and_conflicts,
        roles::guest_memberships_crud,
        unknown::ids_are_not_found,
        changes::writes_to_watched_tables_are_announced,
        changes::a_write_moves_only_its_tables_generation,
        identities::organization_and_project_identities,
        organization::owner_is_created_read_and_changed,
        organization::organization_groups_levels_and_features,
        uow::committed_writes_are_visible,
        uow::dropped_unit_of_work_leaves_nothing,
        uow::reads_inside_see_own_writes_only_inside,
        uow::a_failed_method_undoes_only_itself,
        uow::a_dropped_cascade_keeps_everything,
        uow::the_end_is_announced,
    ],
    shared: [
        credentials::fic_limit_concurrent,
        keys::concurrent_creation_and_rotation_make_one_key,
        management::concurrent_moves_make_no_cycle,
        runs::concurrent_changes_of_a_run_lose_nothing,
    ],
}

mod unknown {
    use super::*;

    /// Every get (and find) of something that does not exist.
    pub async fn ids_are_not_found(s: &dyn Store) {
        let id = new_id();
        assert_not_found(s.get_tenant(id).await);
        assert_not_found(s.find_tenant("nobody").await);
        assert_not_found(s.get_user(id).await);
        assert_not_found(s.find_user_by_upn("nobody@example.com").await);
        assert_not_found(s.get_application(id).await);
        assert_not_found(s.find_application_by_app_id(id).await);
        assert_not_found(s.find_application_by_name(id, "nobody").await);
        assert_not_found(s.get_service_principal(id).await);
        assert_not_found(s.find_service_principal(id, id).await);
        assert_not_found(s.find_pat_by_hash("nothing").await);
        assert_not_found(s.get_fic(id, id).await);
        assert_not_found(s.find_fic_by_name(id, "nobody").await);
        assert_not_found(s.get_subscription(id).await);
        assert_not_found(s.get_resource_group(id, "nobody").await);
        assert_not_found(s.get_role_assignment(id).await);
        assert_not_found(s.get_organization(id).await);
        assert_not_found(s.find_organization("nobody").await);
        assert_not_found(s.get_project(id).await);
        assert_not_found(s.find_project(id, "nobody").await);
        assert_not_found(s.get_connection(id).await);
        assert_not_found(s.find_connection(id, "nobody").await);
        assert_not_found(s.get_pipeline(42).await);
        assert_not_found(s.find_pipeline(id, "nobody").await);
        assert_not_found(s.get_job(id).await);
        assert_not_found(s.find_job_by_token_hash("nothing").await);
        assert_not_found(s.delete_application(id).await);
        assert_not_found(s.delete_fic(id, id).await);
        assert_not_found(s.delete_role_assignment(id).await);
        assert_not_found(s.delete_resource_group(id, "nobody").await);
        assert_eq!(s.list_tenants().await.unwrap(), vec![]);
        assert_eq!(s.list_organizations().await.unwrap(), vec![]);
        assert_eq!(s.list_subscriptions().await.unwrap(), vec![]);
    }
}

// ---- Backend-specific behaviour: opening, migrations, corrupt rows. ----

#[tokio::test]
async fn sqlite_url_forms_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested/dir/keyless.db");
    let t = tenant("contoso");
    {
        // A bare path; the directories are created.
        let s = keyless_store::open(file.to_str().unwrap()).await.unwrap();
        s.create_tenant(&t).await.unwrap();
    }
    // Reopening runs the (already applied) migrations again and keeps the data.
    for url in [
        format!("sqlite://{}", file.display()),
        format!("sqlite:{}", file.display()),
    ] {
        let s = keyless_store::open(&url).await.unwrap();
        assert_eq!(s.get_tenant(t.id).await.unwrap(), t);
    }
    let memory = keyless_store::open("sqlite::memory:").await.unwrap();
    memory.create_tenant(&t).await.unwrap();
    assert_eq!(memory.find_tenant("contoso").await.unwrap(), t);
    assert!(matches!(
        keyless_store::open("mysql://localhost/db").await.err(),
        Some(StoreError::Backend(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_replicas_opening_together() {
    let Some(url) = postgres_url().await else {
        return;
    };
    let mut opening = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let url = url.clone();
        opening.spawn(async move { keyless_store::open(&url).await });
    }
    let t = tenant("contoso");
    let mut first = true;
    while let Some(store) = opening.join_next().await {
        let store = store.unwrap().unwrap();
        if first {
            store.create_tenant(&t).await.unwrap();
            first = false;
        }
        assert_eq!(store.get_tenant(t.id).await.unwrap(), t);
    }
}

/// Replicas are separate processes with their own pools: four stores on one database race
/// to create the same owner's first key; the advisory lock lets one insert.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_replicas_create_one_signing_key() {
    let Some(url) = postgres_url().await else {
        return;
    };
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(keyless_store::open(&url).await.unwrap());
    }
    for round in 0..5 {
        let owner = format!("organization:{}", new_id());
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(stores.len()));
        let mut racing = tokio::task::JoinSet::new();
        for (i, s) in stores.iter().enumerate() {
            let (s, owner, barrier) = (s.clone(), owner.clone(), barrier.clone());
            racing.spawn(async move {
                let k = signing_key(&owner, &format!("kid-{round}-{i}"), NOW);
                barrier.wait().await;
                s.create_signing_key_if_absent(&k).await.unwrap().kid
            });
        }
        let winners: Vec<String> = racing.join_all().await;
        assert!(winners.iter().all(|w| w == &winners[0]), "{winners:?}");
        assert_eq!(stores[0].list_signing_keys(&owner).await.unwrap().len(), 1);
    }
}

/// A stopped server is `Unavailable` (not a backend error), and the same store works again
/// once the server is back, without being reopened. The change feed is not live while the
/// server is away (caches must not be trusted) and live again, with a new generation, after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_is_unavailable_and_recovers() {
    let pg = match pg::ThrowawayPostgres::start() {
        Ok(pg) => pg,
        Err(pg::HarnessError::NotInstalled) if std::env::var(pg::SKIP_ENV).is_ok() => return,
        Err(e) => panic!("{e}"),
    };
    let s = keyless_store::open(&pg.create_database()).await.unwrap();
    s.ping().await.unwrap();
    let feed = s.change_feed();
    wait_until("the feed goes live", || feed.is_live()).await;
    let before = feed.generation();
    tokio::task::block_in_place(|| pg.stop()).unwrap();
    match s.list_tenants().await {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {other:?}"),
    }
    wait_until("the feed stops", || !feed.is_live()).await;
    tokio::task::block_in_place(|| pg.restart()).unwrap();
    let mut attempts = 0;
    while let Err(e) = s.ping().await {
        attempts += 1;
        assert!(attempts < 50, "the store did not recover: {e}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(s.list_tenants().await.unwrap(), vec![]);
    wait_until("the feed is live again", || feed.is_live()).await;
    assert!(
        feed.generation() > before + 1,
        "going down and up must invalidate"
    );
}

async fn wait_until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{what}: not within 10 s");
}

#[test]
fn throwaway_postgres_stops_and_cleans_up_on_drop() {
    let pg = match pg::ThrowawayPostgres::start() {
        Ok(pg) => pg,
        Err(pg::HarnessError::NotInstalled) if std::env::var(pg::SKIP_ENV).is_ok() => return,
        Err(e) => panic!("{e}"),
    };
    let (dir, port) = (pg.dir().to_owned(), pg.port());
    assert!(pg.create_database().ends_with("/keyless_test_0"));
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(pg);
    assert!(!dir.exists(), "{} was not removed", dir.display());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

/// A row that does not parse is an error naming the column, not a panic.
async fn corrupt_rows_are_backend_errors(s: &dyn Store, raw: impl AsyncFn(&'static str)) {
    let t = tenant("contoso");
    s.create_tenant(&t).await.unwrap();
    raw("UPDATE tenants SET id = 'not-a-uuid'").await;
    match s.list_tenants().await {
        Err(StoreError::Backend(message)) => assert!(message.contains("tenants.id"), "{message}"),
        other => panic!("expected a backend error, got {other:?}"),
    }
    raw("UPDATE tenants SET id = '00000000-0000-0000-0000-000000000001', settings = '{'").await;
    match s.find_tenant("contoso").await {
        Err(StoreError::Backend(message)) => {
            assert!(message.contains("tenants.settings"), "{message}")
        }
        other => panic!("expected a backend error, got {other:?}"),
    }
}

#[tokio::test]
async fn sqlite_corrupt_rows() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("keyless.db").display());
    let s = keyless_store::open(&url).await.unwrap();
    let raw = sqlx::SqlitePool::connect(&url).await.unwrap();
    corrupt_rows_are_backend_errors(&*s, async |sql| {
        sqlx::query(sql).execute(&raw).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn postgres_corrupt_rows() {
    let Some(url) = postgres_url().await else {
        return;
    };
    let s = keyless_store::open(&url).await.unwrap();
    let raw = sqlx::PgPool::connect(&url).await.unwrap();
    corrupt_rows_are_backend_errors(&*s, async |sql| {
        sqlx::query(sql).execute(&raw).await.unwrap();
    })
    .await;
}
