//! The console's sessions are kept in the shared database: a browser signed in through
//! one replica is signed in at the other, and a sign-out at either ends it at both.

use super::{PUBLIC_URL, Replica, two_replicas};
use crate::console::{Browser, Page, cookie_pair};
use reqwest::StatusCode;

/// `GET path` at `r` with `cookie`.
async fn get(r: &Replica, cookie: &str, path: &str) -> Page {
    let req = r.browser.get(format!("{PUBLIC_URL}{path}"));
    Browser::read(req.header("Cookie", cookie)).await
}

/// Signs in at `r` with `token`: the session's `name=value` cookie.
async fn sign_in(r: &Replica, token: &str) -> String {
    let form = get(r, "", "/_console/signin").await;
    assert_eq!(form.status, StatusCode::OK);
    let login = cookie_pair(&form.set_cookies(), "keyless_console_signin").unwrap();
    let req = r
        .browser
        .post(format!("{PUBLIC_URL}/_console/signin"))
        .header("Cookie", login)
        .form(&[("csrf", form.csrf().as_str()), ("token", token)]);
    let done = Browser::read(req).await;
    assert_eq!(
        (done.status, done.location()),
        (StatusCode::SEE_OTHER, "/_console/orgs")
    );
    cookie_pair(&done.set_cookies(), "keyless_console").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_console_session_made_on_one_replica_works_on_the_other() {
    let Some((a, b, env)) = two_replicas(0).await else {
        return;
    };
    let cookie = sign_in(&a, &env["KEYLESS_TOKEN"]).await;
    for r in [&b, &a] {
        let page = get(r, &cookie, "/_console/orgs").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("<h1>Organizations</h1>"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("/_console/orgs/contoso"),
            "{}",
            page.body
        );
    }
    // The form token of the session is the same at both: sign-out at B ends it at A.
    let orgs = get(&b, &cookie, "/_console/orgs").await;
    let req = b
        .browser
        .post(format!("{PUBLIC_URL}/_console/signout"))
        .header("Cookie", &cookie)
        .form(&[("csrf", orgs.csrf())]);
    let out = Browser::read(req).await;
    assert_eq!(
        (out.status, out.location()),
        (StatusCode::SEE_OTHER, "/_console/signin")
    );
    for r in [&a, &b] {
        let page = get(r, &cookie, "/_console/orgs").await;
        assert_eq!(
            (page.status, page.location()),
            (StatusCode::SEE_OTHER, "/_console/signin")
        );
    }
}
