//! Requests exactly as the Python management SDKs send them (azure-mgmt-resource,
//! azure-mgmt-msi, azure-mgmt-authorization; see compat/python): resource lists filtered with
//! `$filter` (percent-encoded as azure-core encodes query values), and `nextLink` pages that
//! keep the filter.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

const API: &str = "2025-04-01";

/// azure-core's query encoding (`urllib.parse.quote(value, safe='')`).
fn quote(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn sub_path(s: &TestServer) -> String {
    format!("/subscriptions/{}", s.var("AZURE_SUBSCRIPTION_ID"))
}

async fn put(s: &TestServer, t: &str, path: &str, body: Value) {
    let (st, b) = s
        .put_as(
            t,
            &format!("{path}?api-version={}", common::api_version_for(path)),
            body,
        )
        .await;
    assert!(st.is_success(), "PUT {path}: {st} {b}");
}

/// A resource group `other` next to `demo-rg`, and in them: two storage accounts, a web
/// site and a managed identity, with tags and locations to filter on.
async fn estate(s: &TestServer, t: &str) {
    let sub = sub_path(s);
    put(
        s,
        t,
        &format!("{sub}/resourcegroups/other"),
        json!({"location": "eastus"}),
    )
    .await;
    let rg = |name: &str| format!("{sub}/resourceGroups/{name}/providers");
    put(
        s,
        t,
        &format!(
            "{}/Microsoft.Storage/storageAccounts/prodlogs",
            rg("demo-rg")
        ),
        json!({"location": "westeurope", "tags": {"env": "prod"}}),
    )
    .await;
    put(
        s,
        t,
        &format!("{}/Microsoft.Storage/storageAccounts/devlogs", rg("other")),
        json!({"location": "eastus", "tags": {"env": "dev"}}),
    )
    .await;
    put(
        s,
        t,
        &format!("{}/Microsoft.Web/sites/prod-web", rg("demo-rg")),
        json!({"location": "westeurope", "tags": {"env": "prod", "team": "web"}}),
    )
    .await;
    put(
        s,
        t,
        &format!(
            "{}/Microsoft.ManagedIdentity/userAssignedIdentities/deployer",
            rg("other")
        ),
        json!({"location": "eastus"}),
    )
    .await;
}

async fn list(s: &TestServer, t: &str, path: &str, filter: &str) -> (StatusCode, Value) {
    let url = format!("{path}?api-version={API}&$filter={}", quote(filter));
    s.get_as(t, &url).await
}

fn names(body: &Value) -> Vec<String> {
    let mut v: Vec<String> = body["value"]
        .as_array()
        .unwrap_or_else(|| panic!("no value: {body}"))
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn resource_lists_apply_filter() {
    let (s, t) = TestServer::start_with_arm_token().await;
    estate(&s, &t).await;
    let all = format!("{}/resources", sub_path(&s));
    let cases: &[(&str, &[&str])] = &[
        // `ResourceManagementClient.resources.list(filter=…)`, `az resource list --resource-type`
        (
            "resourceType eq 'Microsoft.Storage/storageAccounts'",
            &["devlogs", "prodlogs"],
        ),
        // ARM compares types, names and locations case-insensitively.
        (
            "resourcetype EQ 'microsoft.storage/STORAGEACCOUNTS'",
            &["devlogs", "prodlogs"],
        ),
        ("name eq 'prod-web'", &["prod-web"]),
        ("location eq 'eastus'", &["deployer", "devlogs"]),
        ("resourceGroup eq 'demo-rg'", &["prod-web", "prodlogs"]),
        (
            "resourceType ne 'Microsoft.Storage/storageAccounts'",
            &["deployer", "prod-web"],
        ),
        ("substringof('logs', name)", &["devlogs", "prodlogs"]),
        (
            "substringof('prod', name) and resourceType eq 'Microsoft.Web/sites'",
            &["prod-web"],
        ),
        (
            "substringof('dev', name) or substringof('web', name)",
            &["devlogs", "prod-web"],
        ),
        ("tagName eq 'team'", &["prod-web"]),
        (
            "tagName eq 'env' and tagValue eq 'prod'",
            &["prod-web", "prodlogs"],
        ),
        ("tagValue eq 'dev'", &["devlogs"]),
        ("name eq 'nothing'", &[]),
    ];
    for (filter, want) in cases {
        let (st, body) = list(&s, &t, &all, filter).await;
        assert_eq!(st, StatusCode::OK, "{filter}: {body}");
        assert_eq!(names(&body), *want, "{filter}");
    }

    // The group listing and the by-type listing filter too.
    let body = list(
        &s,
        &t,
        &format!("{}/resourceGroups/demo-rg/resources", sub_path(&s)),
        "tagName eq 'env' and tagValue eq 'prod' and resourceType eq 'Microsoft.Web/sites'",
    )
    .await
    .expect_status(StatusCode::OK);
    assert_eq!(names(&body), ["prod-web"]);
    let body = list(
        &s,
        &t,
        &format!(
            "{}/providers/Microsoft.Storage/storageAccounts",
            sub_path(&s)
        ),
        "location eq 'westeurope'",
    )
    .await
    .expect_status(StatusCode::OK);
    assert_eq!(names(&body), ["prodlogs"]);

    // A quote inside a literal is doubled, as in OData.
    let body = list(&s, &t, &all, "name eq 'it''s'")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(names(&body), Vec::<String>::new());
}

#[tokio::test]
async fn unsupported_filters_are_refused_not_ignored() {
    let (s, t) = TestServer::start_with_arm_token().await;
    estate(&s, &t).await;
    let all = format!("{}/resources", sub_path(&s));
    for filter in [
        "resourceType eq Microsoft.Storage/storageAccounts",
        "kind eq 'StorageV2'",
        "name gt 'a'",
        "substringof('x', location)",
        "name eq 'a' and",
        "(name eq 'a')",
        "name eq 'unterminated",
        "tagName eq 'a' and tagName eq 'b'",
        "$filter=resourceType eq 'Microsoft.Web/sites'",
    ] {
        let (st, body) = list(&s, &t, &all, filter).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{filter}: {body}");
        assert_eq!(
            body["error"]["code"], "InvalidFilterInQueryString",
            "{filter}: {body}"
        );
        assert_eq!(
            body["error"]["message"],
            format!("Invalid $filter '{filter}' specified in the query string."),
            "{filter}"
        );
    }
}

#[tokio::test]
async fn filtered_pages_keep_the_filter() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let rg = format!("{}/resourceGroups/demo-rg", sub_path(&s));
    // Five storage accounts and three web sites.
    for (kind, name, count) in [
        ("Microsoft.Storage/storageAccounts", "acct", 5),
        ("Microsoft.Web/sites", "site", 3),
    ] {
        for i in 0..count {
            let path = format!("{rg}/providers/{kind}/{name}{i}");
            put(&s, &t, &path, json!({"location": "westeurope"})).await;
        }
    }
    let filter = "resourceType eq 'Microsoft.Storage/storageAccounts'";
    let mut url = format!(
        "{}{rg}/resources?api-version={API}&$filter={}&$top=2",
        s.origin,
        quote(filter)
    );
    let mut pages = Vec::new();
    loop {
        let resp = s.http.get(&url).bearer_auth(&t).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        pages.push(names(&body));
        match body["nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&s.origin), "{next}");
                assert!(
                    next.contains(&format!("$filter={}", quote(filter))),
                    "{next}"
                );
                url = next.to_string();
            }
            None => break,
        }
        assert!(pages.len() < 10, "nextLink loops: {pages:?}");
    }
    assert_eq!(
        pages,
        [
            vec!["acct0", "acct1"],
            vec!["acct2", "acct3"],
            vec!["acct4"]
        ],
        "{pages:?}"
    );
}
