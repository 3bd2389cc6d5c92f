use super::*;
use std::sync::atomic::{AtomicU32, Ordering};

/// Counts how often the store was read.
#[derive(Default)]
struct Loads(AtomicU32);

impl Loads {
    async fn read(&self, value: u32) -> Result<u32, &'static str> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(value)
    }
    fn count(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A live feed, a map reading `tables`, and a count of its loads at zero.
fn reading(tables: Tables) -> (ChangeFeed, Cached<u8, u32>, Loads) {
    (
        ChangeFeed::new(true),
        Cached::reading(tables),
        Loads::default(),
    )
}

#[tokio::test]
async fn an_entry_serves_until_a_change_is_announced() {
    let (feed, cache, loads) = reading(Tables::ALL);
    assert_eq!(cache.get(&feed, &1, loads.read(10)).await, Ok(10));
    assert_eq!(cache.get(&feed, &1, loads.read(11)).await, Ok(10));
    assert_eq!(loads.count(), 1);
    feed.changed();
    assert_eq!(cache.get(&feed, &1, loads.read(12)).await, Ok(12));
    assert_eq!(loads.count(), 2);
}

#[tokio::test]
async fn nothing_is_trusted_while_the_feed_is_down() {
    let (feed, cache, loads) = reading(Tables::ALL);
    cache.get(&feed, &1, loads.read(10)).await.unwrap();
    feed.set_live(false);
    assert_eq!(cache.get(&feed, &1, loads.read(11)).await, Ok(11));
    assert_eq!(cache.get(&feed, &1, loads.read(12)).await, Ok(12));
    feed.set_live(true);
    assert_eq!(cache.get(&feed, &1, loads.read(13)).await, Ok(13));
    assert_eq!(loads.count(), 4);
}

#[tokio::test]
async fn errors_are_not_kept() {
    let feed = ChangeFeed::new(true);
    let cache = Cached::<u8, u32>::reading(Tables::ALL);
    assert_eq!(
        cache.get(&feed, &1, async { Err("down") }).await,
        Err("down")
    );
    let loads = Loads::default();
    assert_eq!(cache.get(&feed, &1, loads.read(10)).await, Ok(10));
    assert_eq!(loads.count(), 1);
}

/// A change announced just before its commit lands (SQLite's hook) can be read as the
/// old row under the new generation: the age bound ends that entry.
#[tokio::test]
async fn an_entry_expires_after_max_age() {
    let (feed, cache, loads) = reading(Tables::ALL);
    cache.get(&feed, &1, loads.read(10)).await.unwrap();
    tokio::time::sleep(MAX_AGE + Duration::from_millis(50)).await;
    assert_eq!(cache.get(&feed, &1, loads.read(11)).await, Ok(11));
    assert_eq!(loads.count(), 2);
}

#[tokio::test]
async fn a_full_map_is_swept() {
    let feed = ChangeFeed::new(true);
    let cache = Cached::<usize, usize>::reading(Tables::ALL);
    for k in 0..CAPACITY + 10 {
        cache
            .get(&feed, &k, async { Ok::<_, ()>(k) })
            .await
            .unwrap();
    }
    let len = cache.entries.lock().unwrap().len();
    assert!(len <= CAPACITY, "{len} entries kept");
}

#[tokio::test]
async fn a_change_to_a_table_the_map_does_not_read_keeps_its_entries() {
    let (feed, cache, loads) = reading(FICS);
    cache.get(&feed, &1, loads.read(10)).await.unwrap();
    feed.table_changed("role_assignments");
    feed.table_changed("tenants");
    assert_eq!(cache.get(&feed, &1, loads.read(11)).await, Ok(10));
    assert_eq!(loads.count(), 1);
    feed.table_changed("federated_credentials");
    assert_eq!(cache.get(&feed, &1, loads.read(12)).await, Ok(12));
    assert_eq!(loads.count(), 2);
}

#[tokio::test]
async fn a_map_reading_two_tables_follows_both() {
    let (feed, cache, loads) = reading(CLIENTS);
    cache.get(&feed, &1, loads.read(10)).await.unwrap();
    feed.table_changed("applications");
    assert_eq!(cache.get(&feed, &1, loads.read(11)).await, Ok(11));
    feed.table_changed("service_principals");
    assert_eq!(cache.get(&feed, &1, loads.read(12)).await, Ok(12));
    feed.table_changed("password_credentials");
    assert_eq!(cache.get(&feed, &1, loads.read(13)).await, Ok(12));
    assert_eq!(loads.count(), 3);
}

fn tenant() -> Tenant {
    let id = Uuid::new_v4();
    Tenant {
        id,
        name: format!("t{}", id.simple()),
        domain: format!("t{}.example", id.simple()),
        display_name: "Tenant".into(),
        cloud: Default::default(),
        settings: Default::default(),
        created_at: 0,
    }
}

/// Through a real store: the SQLite hook names the table written, and each map follows
/// only the tables it reads.
#[tokio::test]
async fn store_writes_invalidate_only_the_maps_reading_their_table() {
    let store = keyless_store::open("sqlite::memory:").await.unwrap();
    let cache = GrantCache::new(store.clone());
    let feed = store.change_feed();
    let t = tenant();
    store.create_tenant(&t).await.unwrap();
    let parent = Uuid::new_v4();
    assert!(cache.fics(parent).await.unwrap().is_empty());
    assert_eq!(cache.tenant(t.id).await.unwrap(), t);
    let tenant_key = format!("id:{}", t.id);
    assert!(cache.maps.fics.serves(feed, &parent));
    assert!(cache.maps.tenants.serves(feed, &tenant_key));

    // A role assignment is read by neither map.
    let assignment = RoleAssignment {
        id: Uuid::new_v4(),
        scope: format!("/subscriptions/{}", Uuid::new_v4()),
        role_definition_id: Uuid::new_v4(),
        principal_id: Uuid::new_v4(),
        principal_type: "ServicePrincipal".into(),
        created_by: None,
        created_at: 0,
    };
    store.create_role_assignment(&assignment).await.unwrap();
    assert!(cache.maps.fics.serves(feed, &parent));
    assert!(cache.maps.tenants.serves(feed, &tenant_key));

    // A credential of the parent: the credentials map reads it again, the tenant stays.
    let credential = FederatedCredential {
        id: Uuid::new_v4(),
        parent_id: parent,
        name: "main".into(),
        issuer: "https://issuer.example".into(),
        subject: Some("subject".into()),
        audiences: vec!["api://AzureADTokenExchange".into()],
        description: None,
        claims_matching_expression: None,
        created_at: 0,
    };
    store.create_fic(&credential).await.unwrap();
    assert!(!cache.maps.fics.serves(feed, &parent));
    assert!(cache.maps.tenants.serves(feed, &tenant_key));
    assert_eq!(cache.fics(parent).await.unwrap().as_slice(), [credential]);

    // A tenant write: the tenant map reads again, the credentials stay.
    let mut settings = t.settings.clone();
    settings.federation.enabled = false;
    store.update_tenant_settings(t.id, &settings).await.unwrap();
    assert!(!cache.maps.tenants.serves(feed, &tenant_key));
    assert!(cache.maps.fics.serves(feed, &parent));
    let read = cache.tenant(t.id).await.unwrap();
    assert!(!read.settings.federation.enabled);
}
