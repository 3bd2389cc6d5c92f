//! The audit page's paging over HTTP: 100 entries a page, "Older entries" asking for the
//! next 100 with the filters kept (escaped in the link), across entries of the same second;
//! and the not-found page, which keeps a signed-in user's navigation.

use super::Browser;
use crate::common::TestServer;
use keyless_model::audit::AuditEntry;
use reqwest::StatusCode;

/// A client id that needs escaping in a query and in HTML.
const CLIENT: &str = "pager&co <1>";

/// The subjects of the entries a page lists (`page-NNN`), in order.
fn subjects(body: &str) -> Vec<String> {
    body.split(r#"<td class="mono">page-"#)
        .skip(1)
        .map(|rest| format!("page-{}", rest.split('<').next().unwrap()))
        .collect()
}

/// The `href` of the link with `id` in `text` (a page's text, HTML escapes undone).
fn link(text: &str, id: &str) -> Option<String> {
    let end = text.find(&format!(r#"" id="{id}""#))?;
    let start = text[..end].rfind(r#"href=""#)? + 6;
    Some(text[start..end].to_string())
}

#[tokio::test]
async fn older_entries_page_the_log_with_the_filters_kept() {
    let s = TestServer::start().await;
    // 130 entries of one client in one second, with entries of another client between them.
    let at = s.state.now();
    let mut batch = Vec::new();
    for n in 0..130 {
        let mut e = AuditEntry::new(uuid::Uuid::new_v4(), at, "token", "denied");
        e.client_id = Some(CLIENT.into());
        e.subject = Some(format!("page-{n:03}"));
        batch.push(e);
        if n % 20 == 0 {
            let mut other = AuditEntry::new(uuid::Uuid::new_v4(), at, "token", "denied");
            other.client_id = Some("someone-else".into());
            other.subject = Some(format!("page-other-{n:03}"));
            batch.push(other);
        }
    }
    s.store().append_audit(&batch).await.unwrap();
    let newest_first: Vec<String> = (0..130).rev().map(|n| format!("page-{n:03}")).collect();

    let b = Browser::admin(&s).await;
    let query = serde_urlencoded::to_string([("client", CLIENT)]).unwrap();
    let first = b.get(&format!("/_console/audit?{query}")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(subjects(&first.body), newest_first[..100]);
    // The link keeps the filter, encoded in the query and escaped in the page.
    let last = batch
        .iter()
        .find(|e| e.subject.as_deref() == Some("page-030"))
        .unwrap();
    let older = serde_urlencoded::to_string([("client", CLIENT), ("before", &last.id.to_string())])
        .unwrap();
    assert_eq!(
        link(&first.text(), "older-entries").as_deref(),
        Some(format!("/_console/audit?{older}").as_str()),
        "{}",
        first.body
    );
    // The link's `&` is escaped in the page, and so is the client id wherever it shows.
    assert!(!first.body.contains("&before="), "{}", first.body);
    assert!(!first.body.contains(CLIENT));
    assert!(!first.body.contains("newest-entries"));

    let href = link(&first.text(), "older-entries").unwrap();
    let second = b.get(&href).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    // The rest, neither repeated nor skipped; the filter still applies.
    assert_eq!(subjects(&second.body), newest_first[100..]);
    assert!(
        link(&second.body, "older-entries").is_none(),
        "the last page"
    );
    assert_eq!(
        link(&second.body, "newest-entries").unwrap(),
        format!("/_console/audit?{query}")
    );
    // The filter form still shows the filter.
    assert!(
        second
            .text()
            .contains(&format!(r#"name="client" value="{CLIENT}""#))
    );

    // The API refuses a cursor that is no entry id, and the page shows its text.
    let bad = b.get("/_console/audit?before=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text().contains("'before' must be a GUID."),
        "{}",
        bad.body
    );
}

#[tokio::test]
async fn a_missing_page_keeps_a_signed_in_users_navigation() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    for path in [
        "/_console/no/such/page",
        "/_console/orgs/contoso/web/new/nothing",
    ] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains("Page not found"), "{}", page.body);
        assert!(
            page.body.contains(r#"<nav aria-label="Main">"#),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains(&format!(r#"name="csrf" value="{}""#, b.csrf))
        );
    }
    let anonymous = Browser::new(&s).get("/_console/no/such/page").await;
    assert_eq!(anonymous.status, StatusCode::NOT_FOUND);
    assert!(anonymous.body.contains("Page not found"));
    assert!(!anonymous.body.contains(r#"<nav aria-label="Main">"#));
}
