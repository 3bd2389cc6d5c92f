//! Graph lists page: `$top`, `@odata.nextLink` with an opaque `$skiptoken`, the filter kept
//! across pages; a bad skip token is a 400.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use support::graph::create_app;

#[tokio::test]
async fn next_links_walk_every_page_with_the_filter() {
    let s = TestServer::start().await;
    let admin = s.var("KEYLESS_TOKEN");
    for i in 0..5 {
        create_app(&s, &admin, &format!("paged-{i}")).await;
    }
    let mut path =
        "/v1.0/applications?$top=2&$filter=startswith(displayName,%27paged-%27)".to_string();
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let page = s.admin_ok(&path).await;
        pages += 1;
        for a in page["value"].as_array().unwrap() {
            names.push(a["displayName"].as_str().unwrap().to_string());
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => path = next.strip_prefix(&s.origin).unwrap().to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        names,
        ["paged-0", "paged-1", "paged-2", "paged-3", "paged-4"]
    );
}

#[tokio::test]
async fn a_bad_skip_token_or_page_size_is_400() {
    let s = TestServer::start().await;
    for q in ["$skiptoken=abc", "$top=0", "$top=1000"] {
        s.admin_get(&format!("/v1.0/servicePrincipals?{q}"))
            .await
            .expect_error_code(400, "Request_BadRequest");
    }
}
