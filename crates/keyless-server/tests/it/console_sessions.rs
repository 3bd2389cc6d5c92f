//! Sessions kept in the store: what a row holds, when a request records itself, idle and
//! absolute expiry, and a store outage (503, the session kept).

use super::Browser;
use crate::common::TestServer;
use crate::common::faults::Faulty;
use keyless_store::ConsoleSession;
use reqwest::StatusCode;

/// The stored row of `b`'s session, found by the SHA-256 of its cookie's id.
async fn row(s: &TestServer, b: &Browser<'_>) -> Option<ConsoleSession> {
    let id = b.cookie.strip_prefix("keyless_console=").unwrap();
    let hash = keyless_jose::sha256_hex(id.as_bytes());
    s.state
        .shared_store()
        .find_console_session(&hash)
        .await
        .unwrap()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_session_row_holds_a_hash_a_name_and_sealed_tokens() {
    let s = TestServer::start().await;
    let before = s.state.now();
    let b = Browser::admin(&s).await;
    let r = row(&s, &b).await.expect("the session's row");
    let id = b.cookie.strip_prefix("keyless_console=").unwrap();
    assert_eq!(r.id_hash.len(), 64);
    assert_ne!(r.id_hash, id);
    assert!(r.user_name.contains('@'), "{}", r.user_name);
    assert!(r.created_at >= before && r.created_at == r.seen_at);
    assert!(
        !contains(&r.sealed, &s.var("KEYLESS_TOKEN")),
        "the token in clear"
    );
    assert!(!contains(&r.sealed, &b.csrf), "the CSRF token in clear");
    assert!(!contains(&r.sealed, id), "the id in clear");
    assert_eq!(
        s.state
            .shared_store()
            .count_console_sessions()
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_request_records_itself_at_most_once_a_minute() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let signed_in = row(&s, &b).await.unwrap().seen_at;
    s.state.clock.advance(30);
    assert_eq!(b.get("/_console/orgs").await.status, StatusCode::OK);
    assert_eq!(row(&s, &b).await.unwrap().seen_at, signed_in, "no write");
    s.state.clock.advance(31);
    assert_eq!(b.get("/_console/orgs").await.status, StatusCode::OK);
    assert_eq!(row(&s, &b).await.unwrap().seen_at, signed_in + 61);
}

#[tokio::test]
async fn a_session_ends_after_its_idle_time() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    s.state.clock.advance(29 * 60);
    assert_eq!(b.get("/_console/orgs").await.status, StatusCode::OK);
    s.state.clock.advance(31 * 60);
    b.assert_signed_out().await;
    assert!(row(&s, &b).await.is_none(), "the expired row is deleted");
}

#[tokio::test]
async fn a_session_ends_eight_hours_after_sign_in_however_active() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    for _ in 0..16 {
        s.state.clock.advance(29 * 60);
        assert_eq!(b.get("/_console/orgs").await.status, StatusCode::OK);
    }
    s.state.clock.advance(17 * 60);
    b.assert_signed_out().await;
}

#[tokio::test]
async fn a_sign_in_deletes_expired_sessions() {
    let s = TestServer::start().await;
    let old = Browser::admin(&s).await;
    s.state.clock.advance(31 * 60);
    let new = Browser::admin(&s).await;
    assert!(row(&s, &old).await.is_none());
    assert!(row(&s, &new).await.is_some());
    assert_eq!(
        s.state
            .shared_store()
            .count_console_sessions()
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_store_outage_answers_503_and_keeps_the_session() {
    let f = Faulty::start().await;
    let b = Browser::admin(&f.server).await;
    f.rename("console_sessions", "console_sessions_away").await;
    for path in ["/_console/orgs", "/_console/", "/_console/no-such-page"] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(page.location(), "", "{path}: no redirect to sign-in");
        assert!(
            page.body.contains("cannot reach its database"),
            "{path}: {}",
            page.body
        );
        assert!(
            !page.body.contains(&b.csrf),
            "{path}: no session token shown"
        );
    }
    f.rename("console_sessions_away", "console_sessions").await;
    let page = b.get("/_console/orgs").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}
