//! Generic ARM resources: put/get/list, children, cascading deletes.

use crate::fixtures::*;
use keyless_model::Uuid;
use keyless_model::arm::Resource;
use keyless_store::Store;
use serde_json::json;

const IDENTITIES: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";
const FICS: &str = "federatedIdentityCredentials";

/// A subscription with the resource groups `names`.
async fn new_subscription_with_groups(s: &dyn Store, names: &[&str]) -> Uuid {
    let t = add_tenant(s, &format!("contoso-{}", new_id().simple())).await;
    let sub = subscription(t.id);
    s.create_subscription(&sub).await.unwrap();
    for name in names {
        s.put_resource_group(&resource_group(sub.id, name, "westeurope"))
            .await
            .unwrap();
    }
    sub.id
}

/// A top-level resource of `resource_type` named `name` in the group `rg`.
fn resource(subscription_id: Uuid, rg: &str, resource_type: &str, name: &str) -> Resource {
    let mut tags = serde_json::Map::new();
    tags.insert("owner".into(), json!(name));
    Resource {
        id: format!(
            "/subscriptions/{subscription_id}/resourceGroups/{rg}/providers/{resource_type}/{name}"
        ),
        subscription_id,
        resource_group: rg.to_owned(),
        resource_type: resource_type.to_owned(),
        name: name.to_owned(),
        location: Some("westeurope".into()),
        tags,
        properties: json!({ "name": name }),
        extra: serde_json::Map::new(),
        created_at: NOW,
    }
}

/// A child resource of `parent` (`{parent id}/{child_type}/{name}`), without a location.
fn child(parent: &Resource, child_type: &str, name: &str) -> Resource {
    Resource {
        id: format!("{}/{child_type}/{name}", parent.id),
        resource_type: format!("{}/{child_type}", parent.resource_type),
        name: name.to_owned(),
        location: None,
        tags: serde_json::Map::new(),
        properties: json!({ "issuer": "https://issuer.example", "subject": name }),
        ..parent.clone()
    }
}

fn ids(resources: Vec<Resource>) -> Vec<String> {
    resources.into_iter().map(|r| r.id).collect()
}

async fn put_all(s: &dyn Store, resources: &[&Resource]) {
    for r in resources {
        assert!(s.put_resource(r).await.unwrap(), "{} already existed", r.id);
    }
}

pub async fn resources_put_get_replace(s: &dyn Store) {
    let sub = new_subscription_with_groups(s, &["Web-RG"]).await;
    let r = resource(sub, "Web-RG", IDENTITIES, "Id-One");
    assert!(s.put_resource(&r).await.unwrap());
    // Any spelling of the id, with or without a trailing slash.
    assert_eq!(s.get_resource(&r.id).await.unwrap(), r);
    assert_eq!(s.get_resource(&r.id.to_lowercase()).await.unwrap(), r);
    assert_eq!(
        s.get_resource(&format!("{}/", r.id.to_uppercase()))
            .await
            .unwrap(),
        r
    );

    // A second put in another spelling replaces location, tags and properties; the id's
    // spelling, the group's spelling and the creation time stay.
    let mut replacement = resource(sub, "WEB-rg", IDENTITIES, "ID-ONE");
    replacement.id = r.id.to_uppercase();
    replacement.location = None;
    replacement.tags = serde_json::Map::new();
    replacement.properties = json!({ "principalId": new_id(), "clientId": new_id() });
    replacement.extra = json!({ "kind": "StorageV2", "sku": { "name": "Standard_LRS" } })
        .as_object()
        .unwrap()
        .clone();
    replacement.created_at = NOW + 100;
    assert!(!s.put_resource(&replacement).await.unwrap());
    let stored = s.get_resource(&r.id).await.unwrap();
    assert_eq!(
        stored,
        Resource {
            location: None,
            tags: serde_json::Map::new(),
            properties: replacement.properties.clone(),
            extra: replacement.extra.clone(),
            ..r.clone()
        }
    );
    assert_eq!(
        ids(s.list_resources(sub, None).await.unwrap()),
        vec![r.id.clone()]
    );

    assert_not_found(s.get_resource(&format!("{}x", r.id)).await);
    assert_not_found(s.get_resource(&format!("{}/{FICS}/x", r.id)).await);
    assert_not_found(s.get_resource("").await);
    assert_not_found(s.get_resource("/").await);
    assert_not_found(s.delete_resource(&format!("{}x", r.id)).await);
}

pub async fn resources_json_round_trip(s: &dyn Store) {
    let sub = new_subscription_with_groups(s, &["rg"]).await;
    let mut r = resource(
        sub,
        "rg",
        "Microsoft.MachineLearningServices/workspaces",
        "ws",
    );
    r.tags = json!({
        "env": "prod",
        "cost-center": "1234",
        "empty": "",
        "unicode": "Zürich ✓ \"quoted\" \\ back",
    })
    .as_object()
    .unwrap()
    .clone();
    r.properties = json!({
        "provisioningState": "Succeeded",
        "count": 42,
        "ratio": 0.5,
        "negative": -7,
        "big": 9_007_199_254_740_993_u64,
        "enabled": true,
        "nothing": null,
        "list": [1, "two", { "three": [3] }, []],
        "nested": { "a": { "b": { "c": "d" } }, "empty": {} },
        "percent_and_underscore": "100% _sure_",
    });
    assert!(s.put_resource(&r).await.unwrap());
    assert_eq!(s.get_resource(&r.id).await.unwrap(), r);

    // Properties need not be an object, and a replace round-trips as well.
    for properties in [json!(null), json!("text"), json!([1, 2]), json!({})] {
        r.properties = properties;
        assert!(!s.put_resource(&r).await.unwrap());
        assert_eq!(s.get_resource(&r.id).await.unwrap(), r);
    }
}

pub async fn resources_list_by_group_and_subscription(s: &dyn Store) {
    let sub = new_subscription_with_groups(s, &["RG-A", "rg-b", "rg-empty"]).await;
    let other_sub = new_subscription_with_groups(s, &["rg-a"]).await;
    let mut oldest = resource(sub, "rg-b", IDENTITIES, "oldest");
    oldest.created_at = NOW - 10;
    // Same second: insertion order, not name order.
    let z = resource(sub, "RG-A", IDENTITIES, "z");
    let a = resource(sub, "rg-a", IDENTITIES, "a");
    let z_child = child(&z, FICS, "fic");
    let b = resource(sub, "rg-b", IDENTITIES, "b");
    let elsewhere = resource(other_sub, "rg-a", IDENTITIES, "a");
    put_all(s, &[&z, &a, &z_child, &b, &oldest, &elsewhere]).await;

    let in_a = ids(s.list_resources(sub, Some("rg-A")).await.unwrap());
    assert_eq!(in_a, [z.id.clone(), a.id.clone(), z_child.id.clone()]);
    assert_eq!(
        ids(s.list_resources(sub, Some("RG-B")).await.unwrap()),
        [oldest.id.clone(), b.id.clone()]
    );
    assert_eq!(
        ids(s.list_resources(sub, None).await.unwrap()),
        [oldest.id, z.id, a.id, z_child.id, b.id]
    );
    assert_eq!(s.list_resources(sub, Some("rg-empty")).await.unwrap(), []);
    assert_eq!(s.list_resources(sub, Some("rg-none")).await.unwrap(), []);
    // A prefix of a group's name is another group.
    assert_eq!(s.list_resources(sub, Some("rg")).await.unwrap(), []);
    assert_eq!(
        ids(s.list_resources(other_sub, None).await.unwrap()),
        [elsewhere.id]
    );
    assert_eq!(s.list_resources(new_id(), None).await.unwrap(), []);
}

pub async fn resources_children_prefix(s: &dyn Store) {
    let sub = new_subscription_with_groups(s, &["rg"]).await;
    let a = resource(sub, "rg", IDENTITIES, "a");
    let ab = resource(sub, "rg", IDENTITIES, "ab");
    let a_x = resource(sub, "rg", IDENTITIES, "a_x");
    let azx = resource(sub, "rg", IDENTITIES, "azx");
    let a1 = child(&a, FICS, "one");
    let a2 = child(&a, FICS, "TWO");
    let a1_deeper = child(&a1, "extensions", "deeper");
    let ab1 = child(&ab, FICS, "one");
    let azx1 = child(&azx, FICS, "one");
    put_all(s, &[&a, &ab, &a_x, &azx, &a1, &ab1, &a2, &a1_deeper, &azx1]).await;

    let children =
        |parent: String| async move { ids(s.list_child_resources(&parent).await.unwrap()) };
    // `…/ids/a` takes its own children at any depth, in creation order, never `…/ids/ab/…`.
    let of_a = [a1.id.clone(), a2.id.clone(), a1_deeper.id.clone()];
    assert_eq!(children(a.id.clone()).await, of_a);
    assert_eq!(children(a.id.to_uppercase()).await, of_a);
    assert_eq!(children(format!("{}/", a.id)).await, of_a);
    assert_eq!(children(ab.id.clone()).await, vec![ab1.id.clone()]);
    assert_eq!(children(a1.id.clone()).await, vec![a1_deeper.id.clone()]);
    // `_` is not a wildcard: `a_x` does not take `azx/…`.
    assert_eq!(children(a_x.id.clone()).await, Vec::<String>::new());
    assert_eq!(children(a2.id.clone()).await, Vec::<String>::new());
    // A parent that is no resource: everything below it.
    let mut whole_group = children(format!("/subscriptions/{sub}/resourcegroups/RG")).await;
    whole_group.sort();
    let mut all = ids(s.list_resources(sub, None).await.unwrap());
    all.sort();
    assert_eq!(whole_group, all);
    assert_eq!(children(format!("{}/{FICS}", a.id)).await, of_a);
    // Not a prefix of a segment.
    assert_eq!(
        children(format!("/subscriptions/{sub}/resourcegroups/r")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        children(format!("/subscriptions/{}", new_id())).await,
        Vec::<String>::new()
    );
}

pub async fn delete_resource_cascades(s: &dyn Store) {
    let sub = new_subscription_with_groups(s, &["rg"]).await;
    let a = resource(sub, "rg", IDENTITIES, "a");
    let ab = resource(sub, "rg", IDENTITIES, "ab");
    let a1 = child(&a, FICS, "one");
    let a1_deeper = child(&a1, "extensions", "deeper");
    let ab1 = child(&ab, FICS, "one");
    put_all(s, &[&a, &ab, &a1, &a1_deeper, &ab1]).await;
    let (role, who) = (new_id(), new_id());
    let scoped = |id: &str| assignment(&id.to_lowercase(), role, who);
    let (at_a, below_a, at_ab, below_ab) = (
        scoped(&a.id),
        scoped(&a1.id),
        scoped(&ab.id),
        scoped(&ab1.id),
    );
    let at_rg = assignment(&rg_scope(sub, "rg"), role, who);
    for ra in [&at_a, &below_a, &at_ab, &below_ab, &at_rg] {
        s.create_role_assignment(ra).await.unwrap();
    }

    // Any spelling of the id.
    s.delete_resource(&a.id.to_uppercase()).await.unwrap();
    for gone in [&a, &a1, &a1_deeper] {
        assert_not_found(s.get_resource(&gone.id).await);
    }
    assert_not_found(s.get_role_assignment(at_a.id).await);
    assert_not_found(s.get_role_assignment(below_a.id).await);
    // The sibling whose name extends `a` keeps its children and assignments.
    assert_eq!(
        ids(s.list_resources(sub, None).await.unwrap()),
        [ab.id.clone(), ab1.id.clone()]
    );
    for kept in [&at_ab, &below_ab, &at_rg] {
        assert_eq!(s.get_role_assignment(kept.id).await.unwrap(), *kept);
    }
    assert_not_found(s.delete_resource(&a.id).await);

    // Deleting a child leaves its parent.
    s.delete_resource(&ab1.id).await.unwrap();
    assert_not_found(s.get_role_assignment(below_ab.id).await);
    assert_eq!(s.get_resource(&ab.id).await.unwrap(), ab);
    assert_eq!(s.get_role_assignment(at_ab.id).await.unwrap(), at_ab);
    assert_eq!(s.list_child_resources(&ab.id).await.unwrap(), []);

    // The id is free again, with a new creation time.
    let mut again = a.clone();
    again.created_at = NOW + 1;
    assert!(s.put_resource(&again).await.unwrap());
    assert_eq!(s.get_resource(&a.id).await.unwrap(), again);
    assert_eq!(s.list_child_resources(&a.id).await.unwrap(), []);
}

pub async fn delete_resource_group_deletes_its_resources(s: &dyn Store) {
    let sub = new_subscription_with_groups(s, &["rg", "rg2"]).await;
    let r = resource(sub, "rg", IDENTITIES, "id");
    let r1 = child(&r, FICS, "one");
    let kept = resource(sub, "rg2", IDENTITIES, "id");
    put_all(s, &[&r, &r1, &kept]).await;
    let (role, who) = (new_id(), new_id());
    let on_r = assignment(&r.id.to_lowercase(), role, who);
    let on_kept = assignment(&kept.id.to_lowercase(), role, who);
    for ra in [&on_r, &on_kept] {
        s.create_role_assignment(ra).await.unwrap();
    }

    s.delete_resource_group(sub, "RG").await.unwrap();
    assert_not_found(s.get_resource(&r.id).await);
    assert_not_found(s.get_resource(&r1.id).await);
    assert_not_found(s.get_role_assignment(on_r.id).await);
    assert_eq!(
        ids(s.list_resources(sub, None).await.unwrap()),
        vec![kept.id.clone()]
    );
    assert_eq!(s.get_role_assignment(on_kept.id).await.unwrap(), on_kept);
    // Nothing of the group comes back when it is created again.
    s.put_resource_group(&resource_group(sub, "rg", "westeurope"))
        .await
        .unwrap();
    assert_eq!(s.list_resources(sub, Some("rg")).await.unwrap(), []);
    // An empty group is deleted as before.
    s.delete_resource_group(sub, "rg").await.unwrap();
    assert_not_found(s.delete_resource_group(sub, "rg").await);
}

pub async fn put_resource_needs_its_group(s: &dyn Store) {
    let sub = new_subscription_with_groups(s, &["rg"]).await;
    let other_sub = new_subscription_with_groups(s, &["other"]).await;
    // No such group; a group of another subscription; no such subscription.
    for r in [
        resource(sub, "missing", IDENTITIES, "x"),
        resource(sub, "other", IDENTITIES, "x"),
        resource(other_sub, "rg", IDENTITIES, "x"),
        resource(new_id(), "rg", IDENTITIES, "x"),
    ] {
        assert_not_found(s.put_resource(&r).await);
        assert_not_found(s.get_resource(&r.id).await);
    }
    assert_eq!(s.list_resources(sub, None).await.unwrap(), []);
    assert_eq!(s.list_resources(other_sub, None).await.unwrap(), []);
    // The group's name is matched case-insensitively.
    assert!(
        s.put_resource(&resource(sub, "RG", IDENTITIES, "x"))
            .await
            .unwrap()
    );
    s.delete_resource_group(sub, "rg").await.unwrap();
    assert_not_found(s.put_resource(&resource(sub, "rg", IDENTITIES, "y")).await);
}
