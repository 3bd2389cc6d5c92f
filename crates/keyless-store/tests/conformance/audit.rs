//! The audit log: batched appends, filters, ordering, limits, pruning.

use crate::fixtures::*;
use keyless_model::audit::{AuditEntry, AuditFilter};
use keyless_model::{UnixTime, Uuid};
use keyless_store::{Store, conflict};
use serde_json::json;

const KINDS: [&str; 3] = ["token", "oidc", "arm"];
const CLIENTS: [Option<&str>; 5] = [
    Some("app-a"),
    Some("App-A"),
    Some("app-b"),
    None,
    Some("app-a"),
];

/// 24 entries over 12 seconds (two per second), varied in every filtered field, in the order
/// they are appended: not chronological, so ordering by time and by insertion differ.
fn dataset(t1: Uuid, t2: Uuid, c1: Uuid, c2: Uuid) -> Vec<AuditEntry> {
    (0..24usize)
        .map(|n| (n * 7) % 24)
        .map(|i| {
            let denied = i % 4 == 0;
            let mut e = audit_entry(
                NOW + (i / 2) as UnixTime,
                KINDS[i % 3],
                if denied { "denied" } else { "granted" },
            );
            e.code = denied.then(|| if i % 8 == 0 { "700213" } else { "70021" }.to_owned());
            e.tenant_id = Some(if i % 2 == 0 { t1 } else { t2 });
            e.client_id = CLIENTS[i % 5].map(str::to_owned);
            e.connection_id = [Some(c1), Some(c2), None][(i / 3) % 3];
            e.issuer = Some("https://vstoken.dev.azure.com/org".into());
            e.subject = Some(format!("sc://contoso/web/conn-{i}"));
            e.detail = json!({ "i": i });
            e
        })
        .collect()
}

/// What the store must return: the matching entries, newest first, ties broken by append
/// order (later first), after the entry `before` in that order when it is set, at most
/// `min(limit, 1000)`.
fn expected(appended: &[AuditEntry], f: &AuditFilter) -> Vec<AuditEntry> {
    let mut hits: Vec<(usize, &AuditEntry)> = appended
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            f.since.is_none_or(|s| e.at >= s)
                && f.until.is_none_or(|u| e.at < u)
                && f.tenant_id.is_none_or(|t| e.tenant_id == Some(t))
                && f.client_id
                    .as_ref()
                    .is_none_or(|c| e.client_id.as_ref() == Some(c))
                && f.connection_id.is_none_or(|c| e.connection_id == Some(c))
                && f.decision.as_ref().is_none_or(|d| &e.decision == d)
                && f.code.as_ref().is_none_or(|c| e.code.as_ref() == Some(c))
                && f.kind.as_ref().is_none_or(|k| &e.kind == k)
        })
        .collect();
    hits.sort_by(|(ia, a), (ib, b)| b.at.cmp(&a.at).then(ib.cmp(ia)));
    if let Some(before) = f.before {
        // Older than the named entry: later than it in the newest-first order.
        let named = appended.iter().position(|e| e.id == before);
        let rank = |i: usize, e: &AuditEntry| (std::cmp::Reverse(e.at), std::cmp::Reverse(i));
        hits.retain(|(i, e)| named.is_some_and(|n| rank(*i, e) > rank(n, &appended[n])));
    }
    hits.into_iter()
        .take(f.limit.min(AuditFilter::MAX_LIMIT) as usize)
        .map(|(_, e)| e.clone())
        .collect()
}

/// An [`AuditFilter`] with the given fields, the others as by default.
macro_rules! filter {
    ($($field:ident $(: $value:expr)?),* $(,)?) => {
        AuditFilter {
            $($field $(: $value)?,)*
            ..Default::default()
        }
    };
}

fn ids(entries: &[AuditEntry]) -> Vec<Uuid> {
    entries.iter().map(|e| e.id).collect()
}

pub async fn audit_filters_alone_and_combined(s: &dyn Store) {
    let (t1, t2, c1, c2) = (new_id(), new_id(), new_id(), new_id());
    let all = dataset(t1, t2, c1, c2);
    s.append_audit(&all).await.unwrap();

    let unfiltered = AuditFilter::default();
    assert_eq!(
        s.query_audit(&unfiltered).await.unwrap(),
        expected(&all, &unfiltered)
    );
    assert_eq!(s.query_audit(&unfiltered).await.unwrap().len(), 24);

    let alone = [
        filter!(since: Some(NOW + 3)),
        filter!(until: Some(NOW + 6)),
        filter!(tenant_id: Some(t1)),
        filter!(client_id: Some("app-a".into())),
        filter!(client_id: Some("App-A".into())),
        filter!(connection_id: Some(c2)),
        filter!(decision: Some("denied".into())),
        filter!(code: Some("700213".into())),
        filter!(kind: Some("oidc".into())),
    ];
    let combined = [
        filter!(since: Some(NOW + 3), until: Some(NOW + 9)),
        filter!(tenant_id: Some(t1), decision: Some("granted".into())),
        filter!(since: Some(NOW + 2), tenant_id: Some(t2), client_id: Some("app-a".into())),
        filter!(
            connection_id: Some(c1),
            kind: Some("token".into()),
            decision: Some("granted".into()),
        ),
        filter!(
            decision: Some("denied".into()),
            code: Some("70021".into()),
            tenant_id: Some(t1),
            until: Some(NOW + 11),
        ),
    ];
    for f in alone.iter().chain(&combined) {
        let want = expected(&all, f);
        assert!(
            !want.is_empty() && want.len() < all.len(),
            "a meaningful filter: {f:?}"
        );
        assert_eq!(ids(&s.query_audit(f).await.unwrap()), ids(&want), "{f:?}");
    }

    // Exact values, not just agreement with the model above.
    let since = s.query_audit(&alone[0]).await.unwrap();
    assert_eq!(since.len(), 18);
    assert!(since.iter().all(|e| e.at >= NOW + 3));
    assert_eq!(since.last().unwrap().at, NOW + 3, "since is inclusive");
    let until = s.query_audit(&alone[1]).await.unwrap();
    assert_eq!(until.len(), 12);
    assert_eq!(until.first().unwrap().at, NOW + 5, "until is exclusive");
    // client_id is exact: case and trailing characters matter.
    for (f, len, client) in [(&alone[3], 9, "app-a"), (&alone[4], 5, "App-A")] {
        let got = s.query_audit(f).await.unwrap();
        assert_eq!(got.len(), len, "{client}");
        assert!(
            got.iter().all(|e| e.client_id.as_deref() == Some(client)),
            "{client}"
        );
    }
    for exact_only in ["APP-A", "app", "app-a%", "app-_"] {
        let f = filter!(client_id: Some(exact_only.into()));
        assert_eq!(s.query_audit(&f).await.unwrap(), vec![], "{exact_only}");
    }
    // code is exact: "70021" is not a prefix match of "700213".
    let codes = s.query_audit(&alone[7]).await.unwrap();
    assert_eq!(codes.len(), 3);
    assert!(codes.iter().all(|e| e.code.as_deref() == Some("700213")));
    let short = filter!(code: Some("70021".into()));
    assert_eq!(s.query_audit(&short).await.unwrap().len(), 3);
    // Matching nothing.
    let nobody = filter!(tenant_id: Some(new_id()));
    assert_eq!(s.query_audit(&nobody).await.unwrap(), vec![]);
    let empty_window = filter!(since: Some(NOW + 5), until: Some(NOW + 5));
    assert_eq!(s.query_audit(&empty_window).await.unwrap(), vec![]);
}

pub async fn audit_newest_first_and_limits(s: &dyn Store) {
    // Appended out of time order, with ties: same-second entries read back latest-appended
    // first, across two separate appends too.
    let a = audit_entry(NOW + 10, "token", "granted");
    let b = audit_entry(NOW, "oidc", "denied");
    let c = audit_entry(NOW + 10, "arm", "granted");
    let d = audit_entry(NOW + 5, "token", "denied");
    s.append_audit(&[a.clone(), b.clone(), c.clone()])
        .await
        .unwrap();
    let e = audit_entry(NOW + 10, "token", "granted");
    s.append_audit(&[d.clone(), e.clone()]).await.unwrap();
    let everything = s.query_audit(&AuditFilter::default()).await.unwrap();
    assert_eq!(
        everything,
        vec![e.clone(), c.clone(), a.clone(), d.clone(), b.clone()]
    );

    let limited = |limit| filter!(limit);
    assert_eq!(s.query_audit(&limited(2)).await.unwrap(), vec![e, c]);
    assert_eq!(s.query_audit(&limited(1)).await.unwrap().len(), 1);
    assert_eq!(s.query_audit(&limited(0)).await.unwrap(), vec![]);
    assert_eq!(AuditFilter::default().limit, 100);

    // 1,005 more entries: the default limit is 100, and no limit reads more than 1,000.
    let many: Vec<AuditEntry> = (0..1005)
        .map(|i| audit_entry(NOW + 100 + i, "token", "granted"))
        .collect();
    s.append_audit(&many).await.unwrap();
    let newest_first =
        |n: usize| -> Vec<Uuid> { many.iter().rev().take(n).map(|e| e.id).collect() };
    assert_eq!(
        ids(&s.query_audit(&AuditFilter::default()).await.unwrap()),
        newest_first(100)
    );
    for limit in [1000, 1001, 5000, u32::MAX] {
        let got = s.query_audit(&limited(limit)).await.unwrap();
        assert_eq!(ids(&got), newest_first(1000), "limit {limit}");
    }
    assert_eq!(s.query_audit(&limited(999)).await.unwrap().len(), 999);
    // The cap applies after filtering: the five small entries are still reachable.
    let old = filter!(until: Some(NOW + 100), limit: u32::MAX);
    assert_eq!(s.query_audit(&old).await.unwrap().len(), 5);
}

/// `before` pages through the log: each page starts right after the last entry of the one
/// before, across entries of the same second, with the filters kept; no gap, no repeat.
pub async fn audit_before_pages_without_gap_or_repeat(s: &dyn Store) {
    let (t1, t2, c1, c2) = (new_id(), new_id(), new_id(), new_id());
    let all = dataset(t1, t2, c1, c2);
    s.append_audit(&all).await.unwrap();
    for f in [filter!(limit: 5), filter!(tenant_id: Some(t1), limit: 3)] {
        let everything = expected(&all, &filter!(tenant_id: f.tenant_id, limit: 1000));
        let mut paged = Vec::new();
        let mut page = s.query_audit(&f).await.unwrap();
        while !page.is_empty() {
            assert!(page.len() <= f.limit as usize);
            paged.extend(page.iter().map(|e| e.id));
            let next = AuditFilter {
                before: Some(page.last().unwrap().id),
                ..f.clone()
            };
            assert_eq!(
                ids(&s.query_audit(&next).await.unwrap()),
                ids(&expected(&all, &next))
            );
            page = s.query_audit(&next).await.unwrap();
        }
        assert_eq!(paged, ids(&everything), "{f:?}");
    }
    // Two entries of one second: the later-appended reads first, the other is its next page.
    let newest = expected(&all, &filter!(limit: 2));
    assert_eq!(newest[0].at, newest[1].at);
    let after_first = filter!(before: Some(newest[0].id), limit: 1);
    assert_eq!(
        ids(&s.query_audit(&after_first).await.unwrap()),
        vec![newest[1].id]
    );
    // An id the log does not hold: nothing.
    let unknown = filter!(before: Some(new_id()));
    assert_eq!(s.query_audit(&unknown).await.unwrap(), vec![]);
}

pub async fn audit_detail_round_trip(s: &dyn Store) {
    let nearest = new_id();
    let mut mismatch = audit_entry(NOW, "token", "denied");
    mismatch.code = Some("700213".into());
    mismatch.tenant_id = Some(new_id());
    mismatch.client_id = Some("3f0c3b5e-0000-4000-8000-00000000beef".into());
    mismatch.connection_id = Some(new_id());
    mismatch.issuer = Some("https://vstoken.dev.azure.com/7c5e".into());
    mismatch.subject = Some("sc://Contoso/Web/azure-prod".into());
    mismatch.audience = Some("api://AzureADTokenExchange".into());
    mismatch.correlation_id = Some(new_id().to_string());
    mismatch.trace_id = Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into());
    mismatch.detail = json!({
        "nearestCredential": { "id": nearest, "name": "azure-prod", "parentId": new_id() },
        "differences": [
            { "field": "subject", "expected": "sc://contoso/web/azure-prod",
              "presented": "sc://Contoso/Web/azure-prod", "caseOnly": true },
            { "field": "audience", "expected": ["api://AzureADTokenExchange"],
              "presented": "api://AzureADTokenExchangeUSGov" },
        ],
        "scores": [1, 0.5, -3, 1e300, 9007199254740993_u64],
        "note": "quotes \" backslash \\ newline \n unicode é 🔑 nul-free",
        "none": null,
        "empty": {},
    });
    let mut arm = audit_entry(NOW + 1, "arm", "granted");
    arm.detail = json!({
        "action": "Microsoft.Resources/subscriptions/resourceGroups/write",
        "scope": "/subscriptions/0000/resourcegroups/rg-web",
    });
    let scalar = AuditEntry {
        detail: json!("just a string"),
        ..audit_entry(NOW + 2, "oidc", "granted")
    };
    let null = AuditEntry {
        detail: serde_json::Value::Null,
        ..audit_entry(NOW + 3, "oidc", "granted")
    };
    s.append_audit(&[mismatch.clone(), arm.clone(), scalar.clone(), null.clone()])
        .await
        .unwrap();
    let got = s.query_audit(&AuditFilter::default()).await.unwrap();
    assert_eq!(got, vec![null, scalar, arm, mismatch.clone()]);
    assert_eq!(
        got[3].detail["differences"][0]["presented"],
        "sc://Contoso/Web/azure-prod"
    );
    assert_eq!(got[3].detail["nearestCredential"]["id"], json!(nearest));
    // The camelCase wire form of the model.
    let wire = serde_json::to_value(&mismatch).unwrap();
    assert_eq!(wire["tenantId"], json!(mismatch.tenant_id));
    assert_eq!(wire["correlationId"], json!(mismatch.correlation_id));
    assert_eq!(
        serde_json::from_value::<AuditEntry>(wire).unwrap(),
        mismatch
    );
}

pub async fn audit_prune_removes_only_older(s: &dyn Store) {
    let entries: Vec<AuditEntry> = (0..10)
        .map(|i| audit_entry(NOW + i, "token", "granted"))
        .collect();
    s.append_audit(&entries).await.unwrap();
    assert_eq!(
        s.prune_audit(NOW).await.unwrap(),
        0,
        "nothing is older than the oldest"
    );
    assert_eq!(s.prune_audit(NOW + 4).await.unwrap(), 4);
    let left = s.query_audit(&AuditFilter::default()).await.unwrap();
    assert_eq!(
        ids(&left),
        entries[4..].iter().rev().map(|e| e.id).collect::<Vec<_>>()
    );
    assert_eq!(
        left.last().unwrap().at,
        NOW + 4,
        "an entry exactly at `before` stays"
    );
    assert_eq!(
        s.prune_audit(NOW + 4).await.unwrap(),
        0,
        "pruning again deletes nothing"
    );
    assert_eq!(s.prune_audit(NOW + 1_000).await.unwrap(), 6);
    assert_eq!(
        s.query_audit(&AuditFilter::default()).await.unwrap(),
        vec![]
    );
    // The log keeps working after being emptied.
    let later = audit_entry(NOW + 2_000, "arm", "denied");
    s.append_audit(std::slice::from_ref(&later)).await.unwrap();
    assert_eq!(
        s.query_audit(&AuditFilter::default()).await.unwrap(),
        vec![later]
    );
}

pub async fn audit_empty_append_is_a_no_op(s: &dyn Store) {
    s.append_audit(&[]).await.unwrap();
    assert_eq!(
        s.query_audit(&AuditFilter::default()).await.unwrap(),
        vec![]
    );
    let one = audit_entry(NOW, "token", "granted");
    s.append_audit(std::slice::from_ref(&one)).await.unwrap();
    s.append_audit(&[]).await.unwrap();
    assert_eq!(
        s.query_audit(&AuditFilter::default()).await.unwrap(),
        vec![one]
    );
    assert_eq!(s.prune_audit(NOW).await.unwrap(), 0);
}

pub async fn audit_batch_of_500(s: &dyn Store) {
    let (tenant, connection) = (new_id(), new_id());
    let batch: Vec<AuditEntry> = (0..500)
        .map(|i| {
            let mut e = audit_entry(NOW + i / 10, KINDS[(i % 3) as usize], "granted");
            e.tenant_id = Some(tenant);
            e.connection_id = (i % 2 == 0).then_some(connection);
            e.client_id = Some(format!("client-{i}"));
            e.detail = json!({ "i": i });
            e
        })
        .collect();
    s.append_audit(&batch).await.unwrap();
    let all_of_them = filter!(limit: 1000);
    let got = s.query_audit(&all_of_them).await.unwrap();
    assert_eq!(got.len(), 500);
    assert_eq!(got, batch.iter().rev().cloned().collect::<Vec<_>>());
    let f = filter!(connection_id: Some(connection), limit: 1000);
    assert_eq!(s.query_audit(&f).await.unwrap().len(), 250);
    let f = filter!(client_id: Some("client-499".into()));
    assert_eq!(ids(&s.query_audit(&f).await.unwrap()), vec![batch[499].id]);
}

/// A batch is one transaction: an entry that cannot be stored stores none of them.
pub async fn audit_batch_is_all_or_nothing(s: &dyn Store) {
    let first = audit_entry(NOW, "token", "granted");
    s.append_audit(std::slice::from_ref(&first)).await.unwrap();
    let mut batch: Vec<AuditEntry> = (0..250)
        .map(|i| audit_entry(NOW + 1 + i, "oidc", "denied"))
        .collect();
    // The reused id sits in the last statement of the batch, after two that succeeded.
    batch[240].id = first.id;
    assert_conflict(s.append_audit(&batch).await, conflict::DUPLICATE_ID);
    let mut twice = vec![audit_entry(NOW, "arm", "granted")];
    twice.push(twice[0].clone());
    assert_conflict(s.append_audit(&twice).await, conflict::DUPLICATE_ID);
    let f = filter!(limit: 1000);
    assert_eq!(s.query_audit(&f).await.unwrap(), vec![first]);
}
