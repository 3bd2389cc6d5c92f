//! Generic ARM resources as ARM answers them: HEAD (`check_existence`) 204 or 404 without a
//! body, and the top-level fields kept as sent (kind, sku, identity, plan, managedBy,
//! extendedLocation): stored by PUT, merged by PATCH, removed with `null`, type-checked.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{API, raw};

fn account(s: &TestServer, name: &str) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/demo-rg/providers/Microsoft.Storage/storageAccounts/{name}?{API}",
        s.var("AZURE_SUBSCRIPTION_ID")
    )
}

async fn head(s: &TestServer, t: &str, path: &str) -> support::Raw {
    raw(s, Method::HEAD, path, Some(&format!("Bearer {t}")), None).await
}

#[tokio::test]
async fn head_on_a_resource_is_204_or_404_without_a_body() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let path = account(&s, "headacct");
    let missing = head(&s, &t, &path).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body, Value::String(String::new()));

    s.put_as(&t, &path, json!({"location": "westeurope"}))
        .await
        .expect_status(StatusCode::CREATED);
    let found = head(&s, &t, &path).await;
    assert_eq!(found.status, StatusCode::NO_CONTENT);
    assert_eq!(found.body, Value::String(String::new()));
    assert!(found.headers.contains_key("x-ms-request-id"));

    // In a group that does not exist: 404 as well.
    let elsewhere = path.replace("/demo-rg/", "/no-such-rg/");
    assert_eq!(head(&s, &t, &elsewhere).await.status, StatusCode::NOT_FOUND);
    // Without a token: 401, as for GET.
    let anonymous = raw(&s, Method::HEAD, &path, None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn head_on_a_subscription_is_204_or_404() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let sub = format!("/subscriptions/{}?{API}", s.var("AZURE_SUBSCRIPTION_ID"));
    assert_eq!(head(&s, &t, &sub).await.status, StatusCode::NO_CONTENT);
    let other = format!("/subscriptions/{}?{API}", uuid::Uuid::new_v4());
    assert_eq!(head(&s, &t, &other).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn extra_top_level_fields_are_kept_as_sent() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let path = account(&s, "extraacct");
    let body = json!({
        "location": "westeurope",
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS", "tier": "Standard"},
        "identity": {"type": "SystemAssigned"},
        "plan": {"name": "p1", "publisher": "contoso", "product": "widget"},
        "managedBy": "/subscriptions/x/resourceGroups/y",
        "extendedLocation": {"name": "edge", "type": "EdgeZone"},
        "etag": "ignored",
    });
    let created = s
        .put_as(&t, &path, body)
        .await
        .expect_status(StatusCode::CREATED);
    let got = s.get_ok_as(&t, &path).await;
    for r in [&created, &got] {
        assert_eq!(r["kind"], "StorageV2", "{r}");
        assert_eq!(
            r["sku"],
            json!({"name": "Standard_LRS", "tier": "Standard"})
        );
        assert_eq!(r["identity"], json!({"type": "SystemAssigned"}));
        assert_eq!(r["plan"]["publisher"], "contoso");
        assert_eq!(r["managedBy"], "/subscriptions/x/resourceGroups/y");
        assert_eq!(r["extendedLocation"]["type"], "EdgeZone");
        assert!(r.get("etag").is_none(), "{r}");
    }

    // PATCH merges objects, replaces strings, removes with null, keeps what it does not name.
    let patched = s
        .patch_as(&t, &path, json!({"sku": {"name": "Standard_GRS", "tier": null}, "kind": "BlobStorage", "managedBy": null}))
        .await.expect_status(StatusCode::OK);
    assert_eq!(patched["sku"], json!({"name": "Standard_GRS"}));
    assert_eq!(patched["kind"], "BlobStorage");
    assert!(patched.get("managedBy").is_none(), "{patched}");
    assert_eq!(patched["identity"], json!({"type": "SystemAssigned"}));

    // A PUT replaces what it sends (objects whole) and keeps what it does not.
    let replaced = s
        .put_as(
            &t,
            &path,
            json!({"location": "westeurope", "sku": {"name": "Premium_LRS"}, "plan": null}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(replaced["sku"], json!({"name": "Premium_LRS"}));
    assert!(replaced.get("plan").is_none(), "{replaced}");
    assert_eq!(replaced["kind"], "BlobStorage");
    let (_, listed) = s
        .get_as(
            &t,
            &format!(
                "/subscriptions/{}/resourceGroups/demo-rg/resources?{API}",
                s.var("AZURE_SUBSCRIPTION_ID")
            ),
        )
        .await;
    let item = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "extraacct")
        .unwrap()
        .clone();
    assert_eq!(item["sku"], json!({"name": "Premium_LRS"}));
}

#[tokio::test]
async fn extra_fields_of_the_wrong_type_are_400() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let path = account(&s, "badextra");
    for (body, message) in [
        (
            json!({"location": "westeurope", "kind": 3}),
            "The 'kind' property must be a JSON string.",
        ),
        (
            json!({"location": "westeurope", "sku": "Standard_LRS"}),
            "The 'sku' property must be a JSON object.",
        ),
        (
            json!({"location": "westeurope", "managedBy": {"id": "x"}}),
            "The 'managedBy' property must be a JSON string.",
        ),
        (
            json!({"location": "westeurope", "identity": ["SystemAssigned"]}),
            "The 'identity' property must be a JSON object.",
        ),
    ] {
        s.put_as(&t, &path, body)
            .await
            .expect_error(400, "BadRequest", message);
    }
    s.put_as(&t, &path, json!({"location": "westeurope"}))
        .await
        .expect_status(StatusCode::CREATED);
    s.patch_as(&t, &path, json!({"plan": 1}))
        .await
        .expect_error(
            400,
            "BadRequest",
            "The 'plan' property must be a JSON object.",
        );
}
