//! The shares and one user's roles of every connection a project sees, each read in one
//! query for a list of connections.

use crate::fixtures::*;
use keyless_model::Uuid;
use keyless_store::Store;

/// `pairs` ordered by their first id, then their second part.
fn sorted<T: Ord>(mut pairs: Vec<(Uuid, T)>) -> Vec<(Uuid, T)> {
    pairs.sort();
    pairs
}

pub async fn shares_and_roles_seen_from_a_project(s: &dyn Store) {
    let t = add_tenant(s, "contoso").await;
    let alice = add_user(s, t.id, "alice@contoso.onmicrosoft.com").await;
    let bob = add_user(s, t.id, "bob@contoso.onmicrosoft.com").await;
    let o = add_organization(s, "contoso").await;
    let web = add_project(s, o.id, "web").await;
    let api = add_project(s, o.id, "api").await;
    let ops = add_project(s, o.id, "ops").await;
    let empty = add_project(s, o.id, "empty").await;
    let a = add_connection(s, &web, "a").await;
    let b = add_connection(s, &web, "b").await;
    let c = add_connection(s, &api, "c").await;
    let d = add_connection(s, &ops, "d").await;
    s.share_connection(a.id, api.id).await.unwrap();
    s.share_connection(a.id, ops.id).await.unwrap();
    s.share_connection(c.id, web.id).await.unwrap();
    s.share_connection(d.id, api.id).await.unwrap();
    s.set_connection_role(a.id, alice.id, "User").await.unwrap();
    s.set_connection_role(c.id, alice.id, "Administrator")
        .await
        .unwrap();
    s.set_connection_role(d.id, alice.id, "Reader")
        .await
        .unwrap();
    s.set_connection_role(b.id, bob.id, "Creator")
        .await
        .unwrap();

    // web sees a and b (its own) and c (shared with it), not d (shared with api only).
    assert_eq!(
        s.list_shares_seen_from(web.id).await.unwrap(),
        sorted(vec![(a.id, api.id), (a.id, ops.id), (c.id, web.id)])
    );
    assert_eq!(
        s.list_shares_seen_from(ops.id).await.unwrap(),
        sorted(vec![(a.id, api.id), (a.id, ops.id), (d.id, api.id)])
    );
    assert_eq!(s.list_shares_seen_from(empty.id).await.unwrap(), vec![]);
    assert_eq!(s.list_shares_seen_from(new_id()).await.unwrap(), vec![]);

    assert_eq!(
        s.list_connection_roles_seen_from(web.id, alice.id)
            .await
            .unwrap(),
        sorted(vec![
            (a.id, "User".to_string()),
            (c.id, "Administrator".to_string())
        ])
    );
    assert_eq!(
        s.list_connection_roles_seen_from(web.id, bob.id)
            .await
            .unwrap(),
        vec![(b.id, "Creator".to_string())]
    );
    assert_eq!(
        s.list_connection_roles_seen_from(api.id, alice.id)
            .await
            .unwrap(),
        sorted(vec![
            (a.id, "User".to_string()),
            (c.id, "Administrator".to_string()),
            (d.id, "Reader".to_string())
        ])
    );
    assert_eq!(
        s.list_connection_roles_seen_from(api.id, bob.id)
            .await
            .unwrap(),
        vec![]
    );

    // Unsharing c from web takes c and its shares out of what web sees.
    s.unshare_connection(c.id, web.id).await.unwrap();
    assert_eq!(
        s.list_shares_seen_from(web.id).await.unwrap(),
        sorted(vec![(a.id, api.id), (a.id, ops.id)])
    );
    assert_eq!(
        s.list_connection_roles_seen_from(web.id, alice.id)
            .await
            .unwrap(),
        vec![(a.id, "User".to_string())]
    );
}
