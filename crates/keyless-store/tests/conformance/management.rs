//! Management groups (hierarchy, cycles, deletes, ancestors), subscription placement and
//! custom role definitions.

use crate::fixtures::*;
use keyless_model::Uuid;
use keyless_model::arm::{CustomRole, ManagementGroup, Subscription};
use keyless_store::{
    MANAGEMENT_GROUP_MAX_DEPTH, SharedStore, Store, StoreError, StoreResult, conflict,
};

/// A tenant with a unique name.
async fn new_tenant(s: &dyn Store) -> Uuid {
    let t = add_tenant(s, &format!("contoso-{}", new_id().simple())).await;
    t.id
}

fn group(tenant_id: Uuid, name: &str, parent: Option<&str>) -> ManagementGroup {
    ManagementGroup {
        name: name.to_owned(),
        tenant_id,
        display_name: format!("{name} group"),
        parent: parent.map(str::to_owned),
        created_at: NOW,
    }
}

/// Creates the groups, each under the one before it (the first is a root).
async fn chain(s: &dyn Store, tenant_id: Uuid, names: &[&str]) -> Vec<ManagementGroup> {
    let mut groups: Vec<ManagementGroup> = Vec::new();
    for name in names {
        let g = group(tenant_id, name, groups.last().map(|p| p.name.as_str()));
        s.create_management_group(&g).await.unwrap();
        groups.push(g);
    }
    groups
}

/// Creates the group `name` of the tenant under `parent`.
async fn create_group(s: &dyn Store, t: Uuid, name: &str, parent: Option<&str>) -> StoreResult<()> {
    s.create_management_group(&group(t, name, parent)).await
}

/// Updates the group `name` of the tenant: under `parent`, with the display name of [`group`].
async fn update_group(s: &dyn Store, t: Uuid, name: &str, parent: Option<&str>) -> StoreResult<()> {
    s.update_management_group(&group(t, name, parent)).await
}

fn names(groups: Vec<ManagementGroup>) -> Vec<String> {
    groups.into_iter().map(|g| g.name).collect()
}

fn subscription_ids(subscriptions: Vec<Subscription>) -> Vec<Uuid> {
    subscriptions.into_iter().map(|s| s.id).collect()
}

fn custom_role(tenant_id: Uuid, name: &str) -> CustomRole {
    CustomRole {
        id: new_id(),
        tenant_id,
        role_name: name.to_owned(),
        description: format!("Can do what {name} does"),
        actions: vec![
            "Microsoft.Resources/subscriptions/resourceGroups/*".into(),
            "Microsoft.Resources/subscriptions/read".into(),
        ],
        not_actions: vec!["Microsoft.Resources/subscriptions/resourceGroups/delete".into()],
        data_actions: vec![],
        not_data_actions: vec![],
        assignable_scopes: vec![format!("/subscriptions/{}", new_id())],
        created_at: NOW,
    }
}

pub async fn management_groups_crud(s: &dyn Store) {
    let (t, other) = (new_tenant(s).await, new_tenant(s).await);
    let root = group(t, &t.to_string(), None);
    s.create_management_group(&root).await.unwrap();
    // The parent in another spelling; it reads back in the parent's own.
    let mut platform = group(t, "Platform", Some(&root.name.to_uppercase()));
    s.create_management_group(&platform).await.unwrap();
    platform.parent = Some(root.name.clone());
    let apps = group(t, "apps", Some("PLATFORM"));
    s.create_management_group(&apps).await.unwrap();
    let elsewhere = group(other, "elsewhere", None);
    s.create_management_group(&elsewhere).await.unwrap();

    assert_eq!(s.get_management_group(&root.name).await.unwrap(), root);
    assert_eq!(s.get_management_group("platform").await.unwrap(), platform);
    let stored_apps = s.get_management_group("APPS").await.unwrap();
    assert_eq!(stored_apps.parent.as_deref(), Some("Platform"));
    assert_eq!(stored_apps.name, "apps");

    // By name key (the root's is the tenant id), one tenant only.
    let mut expected = vec![root.name.clone(), "apps".into(), "Platform".into()];
    expected.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names(s.list_management_groups(t).await.unwrap()), expected);
    assert_eq!(
        s.list_management_groups(other).await.unwrap(),
        vec![elsewhere.clone()]
    );
    assert_eq!(s.list_management_groups(new_id()).await.unwrap(), vec![]);

    // Display name and parent change; tenant and creation time do not.
    let mut moved = group(t, "APPS", Some(&root.name));
    moved.display_name = "Applications".into();
    moved.tenant_id = other;
    moved.created_at = NOW + 100;
    s.update_management_group(&moved).await.unwrap();
    let stored = s.get_management_group("apps").await.unwrap();
    assert_eq!(
        stored,
        ManagementGroup {
            name: "apps".into(),
            tenant_id: t,
            display_name: "Applications".into(),
            parent: Some(root.name.clone()),
            created_at: NOW,
        }
    );
    // A group may become a root.
    update_group(s, t, "apps", None).await.unwrap();
    assert_eq!(s.get_management_group("apps").await.unwrap().parent, None);

    assert_not_found(s.get_management_group("nobody").await);
    assert_not_found(update_group(s, t, "nobody", None).await);
    assert_not_found(s.delete_management_group("nobody").await);
    assert_not_found(s.management_group_ancestors("nobody").await);
}

pub async fn management_group_names_and_parents(s: &dyn Store) {
    let (t, other) = (new_tenant(s).await, new_tenant(s).await);
    create_group(s, t, "Platform", None).await.unwrap();
    create_group(s, other, "theirs", None).await.unwrap();

    // Unique per tenant and across tenants, in any spelling.
    assert_conflict(
        create_group(s, t, "PLATFORM", None).await,
        conflict::MANAGEMENT_GROUP,
    );
    assert_conflict(
        create_group(s, other, "platform", None).await,
        conflict::MANAGEMENT_GROUP,
    );

    // The parent must exist, in the same tenant; the tenant must exist.
    assert_not_found(create_group(s, t, "orphan", Some("nobody")).await);
    assert_not_found(create_group(s, t, "stranger", Some("theirs")).await);
    assert_not_found(create_group(s, new_id(), "lost", None).await);
    create_group(s, t, "child", None).await.unwrap();
    assert_not_found(update_group(s, t, "child", Some("theirs")).await);
    assert_not_found(update_group(s, t, "child", Some("nobody")).await);
    assert_eq!(s.get_management_group("child").await.unwrap().parent, None);
    assert_eq!(
        names(s.list_management_groups(t).await.unwrap()),
        ["child", "Platform"]
    );
}

pub async fn management_group_cycles_are_refused(s: &dyn Store) {
    let t = new_tenant(s).await;
    let groups = chain(s, t, &["root", "a", "b", "c"]).await;
    create_group(s, t, "side", Some("root")).await.unwrap();
    // Under itself, its child, or a deeper descendant (any spelling).
    for parent in ["A", "b", "C"] {
        assert_eq!(
            conflict_of(update_group(s, t, "a", Some(parent)).await),
            conflict::MANAGEMENT_GROUP_CYCLE,
            "a under {parent}"
        );
    }
    assert_conflict(
        update_group(s, t, "root", Some("c")).await,
        conflict::MANAGEMENT_GROUP_CYCLE,
    );
    // Nothing changed, not even the display name of a refused update.
    for g in &groups {
        assert_eq!(&s.get_management_group(&g.name).await.unwrap(), g);
    }
    // Moves that keep a tree are fine: a subtree under a sibling branch, then back up.
    update_group(s, t, "b", Some("side")).await.unwrap();
    assert_eq!(
        s.management_group_ancestors("c").await.unwrap(),
        ["c", "b", "side", "root"]
    );
    // a no longer has b below it, so b's old parent may now go under b.
    update_group(s, t, "a", Some("c")).await.unwrap();
    assert_eq!(
        s.management_group_ancestors("a").await.unwrap(),
        ["a", "c", "b", "side", "root"]
    );
    assert_conflict(
        update_group(s, t, "side", Some("a")).await,
        conflict::MANAGEMENT_GROUP_CYCLE,
    );
}

pub async fn management_group_ancestors_order_and_depth(s: &dyn Store) {
    let t = new_tenant(s).await;
    assert_eq!(
        s.management_group_ancestors("nobody").await,
        Err(StoreError::NotFound)
    );
    let labels: Vec<String> = (0..12).map(|i| format!("Level-{i:02}")).collect();
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    chain(s, t, &refs).await;

    // A root alone; then nearest first, in the groups' own spelling.
    assert_eq!(
        s.management_group_ancestors("level-00").await.unwrap(),
        ["Level-00"]
    );
    assert_eq!(
        s.management_group_ancestors("LEVEL-03").await.unwrap(),
        ["Level-03", "Level-02", "Level-01", "Level-00"]
    );
    // Azure's deepest group (six levels below the root) gets its whole chain.
    assert_eq!(
        s.management_group_ancestors("level-06")
            .await
            .unwrap()
            .len(),
        7
    );
    // Exactly the bound: the whole chain.
    let at_bound = s.management_group_ancestors("level-09").await.unwrap();
    assert_eq!(at_bound.len(), MANAGEMENT_GROUP_MAX_DEPTH);
    assert_eq!(at_bound.last().map(String::as_str), Some("Level-00"));
    // Deeper: cut at the bound, still nearest first.
    let deepest = s.management_group_ancestors("level-11").await.unwrap();
    assert_eq!(MANAGEMENT_GROUP_MAX_DEPTH, 10);
    assert_eq!(
        deepest,
        labels[2..].iter().rev().cloned().collect::<Vec<_>>()
    );
}

pub async fn delete_management_group_refuses_non_empty(s: &dyn Store) {
    let t = new_tenant(s).await;
    chain(s, t, &["root", "Platform", "apps"]).await;
    let sub = subscription(t);
    s.create_subscription(&sub).await.unwrap();
    s.set_subscription_management_group(sub.id, Some("apps"))
        .await
        .unwrap();

    // A child group, then a subscription, keep a group.
    assert_conflict(
        s.delete_management_group("PLATFORM").await,
        conflict::MANAGEMENT_GROUP_NOT_EMPTY,
    );
    assert_conflict(
        s.delete_management_group("apps").await,
        conflict::MANAGEMENT_GROUP_NOT_EMPTY,
    );
    assert!(s.get_management_group("apps").await.is_ok());

    s.set_subscription_management_group(sub.id, None)
        .await
        .unwrap();
    s.delete_management_group("Apps").await.unwrap();
    assert_not_found(s.get_management_group("apps").await);
    assert_not_found(s.delete_management_group("apps").await);
    s.delete_management_group("platform").await.unwrap();
    assert_eq!(names(s.list_management_groups(t).await.unwrap()), ["root"]);
    // The name is free again.
    create_group(s, t, "APPS", Some("root")).await.unwrap();
}

pub async fn delete_management_group_removes_its_assignments(s: &dyn Store) {
    let t = new_tenant(s).await;
    chain(s, t, &["root", "Platform"]).await;
    create_group(s, t, "Platform2", Some("root")).await.unwrap();
    let (role, who) = (new_id(), new_id());
    let scope = |name: &str| keyless_model::rbac::management_group_scope(name);
    let at_group = assignment(&scope("Platform"), role, who);
    let below_group = assignment(
        &format!(
            "{}/providers/microsoft.authorization/policyassignments/p",
            scope("platform")
        ),
        role,
        who,
    );
    let at_sibling = assignment(&scope("platform2"), role, who);
    let at_root = assignment(&scope("root"), role, who);
    let at_sub = assignment(&format!("/subscriptions/{}", new_id()), role, who);
    for a in [&at_group, &below_group, &at_sibling, &at_root, &at_sub] {
        s.create_role_assignment(a).await.unwrap();
    }
    // A refused delete keeps them.
    create_group(s, t, "child", Some("platform")).await.unwrap();
    assert_conflict(
        s.delete_management_group("platform").await,
        conflict::MANAGEMENT_GROUP_NOT_EMPTY,
    );
    assert!(s.get_role_assignment(at_group.id).await.is_ok());

    s.delete_management_group("child").await.unwrap();
    s.delete_management_group("PLATFORM").await.unwrap();
    assert_not_found(s.get_role_assignment(at_group.id).await);
    assert_not_found(s.get_role_assignment(below_group.id).await);
    for kept in [&at_sibling, &at_root, &at_sub] {
        let mut expected = (*kept).clone();
        expected.scope = expected.scope.to_lowercase();
        assert_eq!(s.get_role_assignment(kept.id).await.unwrap(), expected);
    }
}

pub async fn subscription_placement(s: &dyn Store) {
    let (t, other) = (new_tenant(s).await, new_tenant(s).await);
    chain(s, t, &["root", "Platform"]).await;
    create_group(s, other, "theirs", None).await.unwrap();
    let mut first = subscription(t);
    first.created_at = NOW - 1;
    let second = subscription(t);
    let third = subscription(t);
    for sub in [&second, &first, &third] {
        s.create_subscription(sub).await.unwrap();
    }

    // At the tenant root until placed.
    assert_eq!(
        s.get_subscription_management_group(first.id).await.unwrap(),
        None
    );
    for sub in [&first, &second] {
        s.set_subscription_management_group(sub.id, Some("PLATFORM"))
            .await
            .unwrap();
    }
    s.set_subscription_management_group(third.id, Some("root"))
        .await
        .unwrap();
    // The group's own spelling.
    assert_eq!(
        s.get_subscription_management_group(first.id).await.unwrap(),
        Some("Platform".to_owned())
    );
    // Directly under the group, by creation time.
    assert_eq!(
        subscription_ids(s.list_subscriptions_in_group("platform").await.unwrap()),
        [first.id, second.id]
    );
    assert_eq!(
        s.list_subscriptions_in_group("Root").await.unwrap(),
        vec![third.clone()]
    );
    assert_eq!(
        s.list_subscriptions_in_group("nobody").await.unwrap(),
        vec![]
    );
    // Placement is not part of the subscription itself.
    assert_eq!(s.get_subscription(first.id).await.unwrap(), first);

    // A group of another tenant or no group at all: refused, the placement kept.
    assert_not_found(
        s.set_subscription_management_group(first.id, Some("theirs"))
            .await,
    );
    assert_not_found(
        s.set_subscription_management_group(first.id, Some("nobody"))
            .await,
    );
    assert_eq!(
        s.get_subscription_management_group(first.id).await.unwrap(),
        Some("Platform".to_owned())
    );
    // An unknown subscription.
    assert_not_found(s.get_subscription_management_group(new_id()).await);
    assert_not_found(
        s.set_subscription_management_group(new_id(), Some("platform"))
            .await,
    );
    assert_not_found(s.set_subscription_management_group(new_id(), None).await);

    // Back to the tenant root.
    s.set_subscription_management_group(first.id, None)
        .await
        .unwrap();
    assert_eq!(
        s.get_subscription_management_group(first.id).await.unwrap(),
        None
    );
    assert_eq!(
        subscription_ids(s.list_subscriptions_in_group("platform").await.unwrap()),
        [second.id]
    );
}

pub async fn custom_roles_crud_and_json_round_trip(s: &dyn Store) {
    let (t, other) = (new_tenant(s).await, new_tenant(s).await);
    let mut reader = custom_role(t, "Site Reader");
    // Every list kind, with characters JSON escapes; empty lists stay empty.
    reader.data_actions = vec![
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read".into(),
        "quote \" backslash \\ unicode é ✓".into(),
    ];
    reader.not_data_actions = vec!["*/delete".into()];
    reader.assignable_scopes = vec![
        "/".into(),
        keyless_model::rbac::management_group_scope("Platform"),
    ];
    let operator = custom_role(t, "app operator");
    let theirs = custom_role(other, "site reader");
    for r in [&reader, &operator, &theirs] {
        s.create_custom_role(r).await.unwrap();
    }
    assert_eq!(s.get_custom_role(reader.id).await.unwrap(), reader);
    assert_eq!(s.get_custom_role(theirs.id).await.unwrap(), theirs);
    // By name, case-insensitively; one tenant only.
    assert_eq!(
        s.list_custom_roles(t).await.unwrap(),
        vec![operator.clone(), reader.clone()]
    );
    assert_eq!(s.list_custom_roles(other).await.unwrap(), vec![theirs]);
    assert_eq!(s.list_custom_roles(new_id()).await.unwrap(), vec![]);

    // Assignable scopes are stored lowercase.
    let mut mixed = custom_role(t, "Mixed");
    mixed.assignable_scopes = vec!["/Subscriptions/ABC/resourceGroups/Web".into()];
    s.create_custom_role(&mixed).await.unwrap();
    assert_eq!(
        s.get_custom_role(mixed.id).await.unwrap().assignable_scopes,
        ["/subscriptions/abc/resourcegroups/web"]
    );

    // Everything but the tenant and the creation time changes.
    let updated = CustomRole {
        role_name: "Site Reader v2".into(),
        description: String::new(),
        actions: vec!["*/read".into()],
        not_actions: vec![],
        data_actions: vec![],
        not_data_actions: vec!["x".into()],
        assignable_scopes: vec!["/subscriptions/Sub-1".into()],
        tenant_id: other,
        created_at: NOW + 50,
        ..reader.clone()
    };
    s.update_custom_role(&updated).await.unwrap();
    assert_eq!(
        s.get_custom_role(reader.id).await.unwrap(),
        CustomRole {
            tenant_id: t,
            created_at: NOW,
            assignable_scopes: vec!["/subscriptions/sub-1".into()],
            ..updated.clone()
        }
    );

    let mut same_id = custom_role(t, "Another");
    same_id.id = reader.id;
    assert_conflict(s.create_custom_role(&same_id).await, conflict::DUPLICATE_ID);
    assert_not_found(s.create_custom_role(&custom_role(new_id(), "Lost")).await);
    assert_not_found(s.update_custom_role(&custom_role(t, "Ghost")).await);

    s.delete_custom_role(reader.id).await.unwrap();
    assert_not_found(s.get_custom_role(reader.id).await);
    assert_not_found(s.delete_custom_role(reader.id).await);
    assert_not_found(s.get_custom_role(new_id()).await);
}

pub async fn custom_role_names_are_unique_per_tenant(s: &dyn Store) {
    let (t, other) = (new_tenant(s).await, new_tenant(s).await);
    let reader = custom_role(t, "Site Reader");
    s.create_custom_role(&reader).await.unwrap();
    assert_conflict(
        s.create_custom_role(&custom_role(t, "SITE READER")).await,
        conflict::ROLE_NAME,
    );
    // Another tenant may use the name.
    s.create_custom_role(&custom_role(other, "site reader"))
        .await
        .unwrap();

    // Renaming onto a taken name is refused; a change of case of its own name is not.
    let writer = custom_role(t, "Site Writer");
    s.create_custom_role(&writer).await.unwrap();
    let renamed = CustomRole {
        role_name: "site reader".into(),
        ..writer.clone()
    };
    assert_conflict(s.update_custom_role(&renamed).await, conflict::ROLE_NAME);
    assert_eq!(s.get_custom_role(writer.id).await.unwrap(), writer);
    let recased = CustomRole {
        role_name: "SITE WRITER".into(),
        ..writer.clone()
    };
    s.update_custom_role(&recased).await.unwrap();
    assert_eq!(s.get_custom_role(writer.id).await.unwrap(), recased);

    // A deleted role's name is free again.
    s.delete_custom_role(reader.id).await.unwrap();
    s.create_custom_role(&custom_role(t, "site reader"))
        .await
        .unwrap();
}

pub async fn custom_role_in_use_is_kept(s: &dyn Store) {
    let t = new_tenant(s).await;
    let role = custom_role(t, "Operator");
    let unused = custom_role(t, "Unused");
    s.create_custom_role(&role).await.unwrap();
    s.create_custom_role(&unused).await.unwrap();
    let scope = format!("/subscriptions/{}", new_id());
    let first = assignment(&scope, role.id, new_id());
    let second = assignment(&format!("{scope}/resourcegroups/rg"), role.id, new_id());
    s.create_role_assignment(&first).await.unwrap();
    s.create_role_assignment(&second).await.unwrap();
    // An assignment of another role does not count.
    s.create_role_assignment(&assignment(&scope, new_id(), new_id()))
        .await
        .unwrap();

    assert_conflict(s.delete_custom_role(role.id).await, conflict::ROLE_IN_USE);
    assert_eq!(s.get_custom_role(role.id).await.unwrap(), role);
    s.delete_role_assignment(first.id).await.unwrap();
    assert_conflict(s.delete_custom_role(role.id).await, conflict::ROLE_IN_USE);
    s.delete_role_assignment(second.id).await.unwrap();
    s.delete_custom_role(role.id).await.unwrap();
    assert_not_found(s.get_custom_role(role.id).await);
    s.delete_custom_role(unused.id).await.unwrap();
}

/// Moves racing the other way round (a under b, b under a; over and over): whichever
/// commits second sees the first and is refused, so the hierarchy stays a tree.
pub async fn concurrent_moves_make_no_cycle(s: SharedStore) {
    let t = new_tenant(&*s).await;
    for round in 0..10 {
        let (a, b) = (format!("a-{round}"), format!("b-{round}"));
        let root = format!("root-{round}");
        chain(&*s, t, &[root.as_str()]).await;
        for name in [&a, &b] {
            s.create_management_group(&group(t, name, Some(&root)))
                .await
                .unwrap();
        }
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let mut racing = tokio::task::JoinSet::new();
        for (child, parent) in [(a.clone(), b.clone()), (b.clone(), a.clone())] {
            let (s, barrier) = (s.clone(), barrier.clone());
            racing.spawn(async move {
                barrier.wait().await;
                s.update_management_group(&group(t, &child, Some(&parent)))
                    .await
            });
        }
        let results = racing.join_all().await;
        let refused = results
            .iter()
            .filter(|r| **r == Err(StoreError::Conflict(conflict::MANAGEMENT_GROUP_CYCLE)))
            .count();
        assert_eq!(
            (results.iter().filter(|r| r.is_ok()).count(), refused),
            (1, 1),
            "{results:?}"
        );
        // Both still reach the root.
        for name in [&a, &b] {
            let chain = s.management_group_ancestors(name).await.unwrap();
            assert_eq!(chain.last(), Some(&root));
        }
    }
}
