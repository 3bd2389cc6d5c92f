//! Subscriptions, resource groups and role assignments.

use crate::fixtures::*;
use keyless_model::Uuid;
use keyless_store::{Store, conflict};

async fn new_subscription(s: &dyn Store) -> Uuid {
    let t = add_tenant(s, "contoso").await;
    let sub = subscription(t.id);
    s.create_subscription(&sub).await.unwrap();
    sub.id
}

pub async fn subscriptions_crud(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let mut first = subscription(t.id);
    first.created_at = NOW - 1;
    let second = subscription(t.id);
    s.create_subscription(&second).await.unwrap();
    s.create_subscription(&first).await.unwrap();
    assert_eq!(s.get_subscription(first.id).await.unwrap(), first);
    assert_eq!(
        s.list_subscriptions().await.unwrap(),
        vec![first.clone(), second]
    );
    let mut same_id = subscription(t.id);
    same_id.id = first.id;
    assert_conflict(
        s.create_subscription(&same_id).await,
        conflict::DUPLICATE_ID,
    );
    assert_not_found(s.create_subscription(&subscription(new_id())).await);
}

pub async fn resource_groups_put_get_list_delete(s: &dyn Store) {
    let sub = new_subscription(s).await;
    let rg = resource_group(sub, "Web-RG", "westeurope");
    assert!(s.put_resource_group(&rg).await.unwrap());
    assert_eq!(s.get_resource_group(sub, "web-rg").await.unwrap(), rg);

    // A second put (any spelling) replaces location and tags, keeps name and creation time.
    let mut replacement = resource_group(sub, "WEB-rg", "northeurope");
    replacement.created_at = NOW + 100;
    assert!(!s.put_resource_group(&replacement).await.unwrap());
    let stored = s.get_resource_group(sub, "Web-RG").await.unwrap();
    assert_eq!((stored.name.as_str(), stored.created_at), ("Web-RG", NOW));
    assert_eq!(
        (stored.location, stored.tags),
        (replacement.location, replacement.tags)
    );

    let other = resource_group(sub, "api-rg", "eastus");
    assert!(s.put_resource_group(&other).await.unwrap());
    let names = each(s.list_resource_groups(sub).await.unwrap(), |g| g.name);
    assert_eq!(names, ["api-rg", "Web-RG"]);
    assert_eq!(s.list_resource_groups(new_id()).await.unwrap(), vec![]);
    assert_not_found(s.get_resource_group(sub, "nope").await);
    assert_not_found(s.get_resource_group(new_id(), "web-rg").await);

    s.delete_resource_group(sub, "WEB-RG").await.unwrap();
    assert_not_found(s.get_resource_group(sub, "web-rg").await);
    assert_not_found(s.delete_resource_group(sub, "web-rg").await);
    assert_not_found(
        s.put_resource_group(&resource_group(new_id(), "rg", "x"))
            .await,
    );
}

pub async fn delete_resource_group_removes_assignments_under_it(s: &dyn Store) {
    let sub = new_subscription(s).await;
    for name in ["rg", "rg2"] {
        s.put_resource_group(&resource_group(sub, name, "westeurope"))
            .await
            .unwrap();
    }
    let (role, who) = (new_id(), new_id());
    let sub_scope = format!("/subscriptions/{sub}");
    let at_rg = assignment(&rg_scope(sub, "rg"), role, who);
    let below_rg = assignment(
        &format!(
            "{}/providers/microsoft.keyvault/vaults/kv",
            rg_scope(sub, "rg")
        ),
        role,
        who,
    );
    let at_rg2 = assignment(&rg_scope(sub, "rg2"), role, who);
    let at_sub = assignment(&sub_scope, role, who);
    for a in [&at_rg, &below_rg, &at_rg2, &at_sub] {
        s.create_role_assignment(a).await.unwrap();
    }
    s.delete_resource_group(sub, "RG").await.unwrap();
    assert_not_found(s.get_role_assignment(at_rg.id).await);
    assert_not_found(s.get_role_assignment(below_rg.id).await);
    assert_eq!(s.get_role_assignment(at_rg2.id).await.unwrap(), at_rg2);
    assert_eq!(s.get_role_assignment(at_sub.id).await.unwrap(), at_sub);
}

/// A subscription with resource groups is kept (nothing deleted); an empty one goes with
/// the role assignments at or below it, and only those.
pub async fn delete_subscription_refuses_resource_groups_and_takes_its_assignments(s: &dyn Store) {
    let sub = new_subscription(s).await;
    let other = subscription(s.get_subscription(sub).await.unwrap().tenant_id);
    s.create_subscription(&other).await.unwrap();
    s.put_resource_group(&resource_group(sub, "rg", "westeurope"))
        .await
        .unwrap();
    let (role, who) = (new_id(), new_id());
    let at_sub = assignment(&format!("/subscriptions/{sub}"), role, who);
    let at_other = assignment(&format!("/subscriptions/{}", other.id), role, who);
    for a in [&at_sub, &at_other] {
        s.create_role_assignment(a).await.unwrap();
    }
    assert_conflict(
        s.delete_subscription(sub).await,
        conflict::SUBSCRIPTION_NOT_EMPTY,
    );
    assert_eq!(s.get_role_assignment(at_sub.id).await.unwrap(), at_sub);
    assert!(s.get_subscription(sub).await.is_ok());

    s.delete_resource_group(sub, "rg").await.unwrap();
    s.delete_subscription(sub).await.unwrap();
    assert_not_found(s.get_subscription(sub).await);
    assert_not_found(s.get_role_assignment(at_sub.id).await);
    assert_eq!(s.get_role_assignment(at_other.id).await.unwrap(), at_other);
    assert_not_found(s.delete_subscription(sub).await);
}

pub async fn role_assignments_crud_and_conflicts(s: &dyn Store) {
    let (role, reader, sp) = (new_id(), new_id(), new_id());
    let scope = format!("/subscriptions/{}", new_id());
    let a = assignment(&scope, role, sp);
    s.create_role_assignment(&a).await.unwrap();
    assert_eq!(s.get_role_assignment(a.id).await.unwrap(), a);

    // The same (scope, role, principal) under another id, in any spelling of the scope.
    let again = assignment(&scope.to_uppercase(), role, sp);
    assert_conflict(
        s.create_role_assignment(&again).await,
        conflict::ROLE_ASSIGNMENT_EXISTS,
    );
    let mut same_id = assignment(&scope, reader, sp);
    same_id.id = a.id;
    assert_conflict(
        s.create_role_assignment(&same_id).await,
        conflict::DUPLICATE_ID,
    );

    // Stored lowercase.
    let mut mixed = assignment(&format!("{scope}/resourceGroups/Web"), reader, sp);
    mixed.created_by = None;
    s.create_role_assignment(&mixed).await.unwrap();
    let stored = s.get_role_assignment(mixed.id).await.unwrap();
    assert_eq!(stored.scope, mixed.scope.to_lowercase());
    assert_eq!(stored.created_by, None);

    let other = assignment(&scope, reader, new_id());
    s.create_role_assignment(&other).await.unwrap();
    let mine = each(
        s.list_role_assignments_for_principal(sp).await.unwrap(),
        |a| a.id,
    );
    assert_eq!(mine, [a.id, mixed.id]);
    assert_eq!(
        s.list_role_assignments_for_principal(new_id())
            .await
            .unwrap(),
        vec![]
    );

    s.delete_role_assignment(a.id).await.unwrap();
    assert_not_found(s.get_role_assignment(a.id).await);
    assert_not_found(s.delete_role_assignment(a.id).await);
    // The triple is free again.
    s.create_role_assignment(&again).await.unwrap();
}

pub async fn role_assignments_under_scope(s: &dyn Store) {
    let (role, who) = (new_id(), new_id());
    let sub = new_id();
    let sub_scope = format!("/subscriptions/{sub}");
    let mg = "/providers/microsoft.management/managementgroups/root";
    let scopes = [
        mg.to_owned(),
        sub_scope.clone(),
        rg_scope(sub, "rg"),
        format!(
            "{}/providers/microsoft.storage/storageaccounts/st",
            rg_scope(sub, "rg")
        ),
        rg_scope(sub, "rg2"),
        rg_scope(sub, "rg_x"),
        format!(
            "{}/providers/microsoft.web/sites/app",
            rg_scope(sub, "rgzx")
        ),
        format!("/subscriptions/{}", new_id()),
    ];
    for scope in &scopes {
        s.create_role_assignment(&assignment(scope, role, who))
            .await
            .unwrap();
    }
    let under = |scope: String| async move {
        let mut found: Vec<String> = s
            .list_role_assignments_under(&scope)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.scope)
            .collect();
        found.sort();
        found
    };
    // A resource group matches itself and what lies below, never a longer sibling name.
    assert_eq!(
        under(rg_scope(sub, "rg")).await,
        [scopes[2].clone(), scopes[3].clone()]
    );
    // `_` is not a wildcard: `rg_x` does not take `rgzx/…`.
    assert_eq!(under(rg_scope(sub, "rg_x")).await, [scopes[5].clone()]);
    let mut everything_in_sub = scopes[1..7].to_vec();
    everything_in_sub.sort();
    assert_eq!(under(sub_scope.clone()).await, everything_in_sub);
    assert_eq!(under(mg.to_owned()).await, [mg.to_owned()]);
    // The root scope covers everything.
    assert_eq!(under("/".to_owned()).await.len(), scopes.len());
    assert_eq!(under(rg_scope(sub, "nothing")).await, Vec::<String>::new());
    assert_eq!(
        under(format!("/subscriptions/{sub}/resourcegroups/r")).await,
        Vec::<String>::new()
    );
}

pub async fn subscriptions_are_renamed(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let sub = subscription(t.id);
    s.create_subscription(&sub).await.unwrap();
    s.rename_subscription(sub.id, "production").await.unwrap();
    let got = s.get_subscription(sub.id).await.unwrap();
    assert_eq!(got.display_name, "production");
    assert_eq!(got.tenant_id, sub.tenant_id);
    assert_not_found(s.rename_subscription(new_id(), "x").await);
}
