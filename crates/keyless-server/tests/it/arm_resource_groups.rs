//! ARM resource groups: create (201) and update (200), get, head, patch, list, delete, and
//! every malformed request answered with a 4xx, never a 500.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{API, raw};

fn rg_path(s: &TestServer, rg: &str) -> String {
    format!(
        "/subscriptions/{}/resourcegroups/{rg}?{API}",
        s.var("AZURE_SUBSCRIPTION_ID")
    )
}

#[tokio::test]
async fn resource_group_lifecycle() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let arm = s.client(&t);
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let path = rg_path(&s, "rg-tests");
    let body = json!({"location": "westeurope", "tags": {"env": "test"}});

    let created = arm
        .put(&path, body.clone())
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(
        created["id"],
        format!("/subscriptions/{sub}/resourceGroups/rg-tests")
    );
    assert_eq!(created["name"], "rg-tests");
    assert_eq!(created["type"], "Microsoft.Resources/resourceGroups");
    assert_eq!(created["location"], "westeurope");
    assert_eq!(created["tags"], json!({"env": "test"}));
    assert_eq!(created["properties"]["provisioningState"], "Succeeded");

    arm.put(&path, body).await.expect_status(StatusCode::OK);

    let got = arm.get_ok(&path).await;
    assert_eq!(got["name"], "rg-tests");

    let head = raw(&s, Method::HEAD, &path, Some(&format!("Bearer {t}")), None).await;
    assert_eq!(head.status, StatusCode::NO_CONTENT);

    let patched = arm
        .patch(&path, json!({"tags": {"env": "prod", "owner": "ops"}}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(patched["tags"], json!({"env": "prod", "owner": "ops"}));
    assert_eq!(patched["location"], "westeurope");

    let list = arm
        .get_ok(&format!("/subscriptions/{sub}/resourcegroups?{API}"))
        .await;
    let names: Vec<&str> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["demo-rg", "rg-tests"]);
    let listed = list["value"][1].clone();
    assert_eq!(listed["tags"], json!({"env": "prod", "owner": "ops"}));

    arm.delete(&path).await.expect_status(StatusCode::OK);

    arm.get(&path).await.expect_error(
        404,
        "ResourceGroupNotFound",
        "Resource group 'rg-tests' could not be found.",
    );
    let head = raw(&s, Method::HEAD, &path, Some(&format!("Bearer {t}")), None).await;
    assert_eq!(head.status, StatusCode::NOT_FOUND);
    arm.delete(&path)
        .await
        .expect_error_code(404, "ResourceGroupNotFound");
}

#[tokio::test]
async fn resource_group_segments_and_names_are_case_insensitive() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let body = s
        .get_ok_as(
            &token,
            &format!("/subscriptions/{sub}/ResourceGroups/DEMO-RG?API-VERSION=2022-12-01"),
        )
        .await;
    // The name keeps the creator's spelling.
    assert_eq!(body["name"], "demo-rg");
}

#[tokio::test]
async fn percent_encoded_resource_group_names_are_decoded() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    // Python's azure-core quotes path parameters with safe='': `rg(1)` becomes `rg%281%29`.
    for (sent, name) in [("rg%281%29", "rg(1)"), ("caf%C3%A9", "café")] {
        let (status, body) = s
            .put_as(
                &token,
                &rg_path(&s, sent),
                json!({"location": "westeurope"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{sent}: {body}");
        assert_eq!(body["name"], name);
        assert_eq!(
            body["id"],
            format!("/subscriptions/{sub}/resourceGroups/{name}")
        );
    }
    // The unencoded spelling addresses the same group.
    let body = s.get_ok_as(&token, &rg_path(&s, "rg(1)")).await;
    assert_eq!(body["name"], "rg(1)");
}

#[tokio::test]
async fn patch_of_a_missing_resource_group_is_404() {
    let (s, token) = TestServer::start_with_arm_token().await;
    s.patch_as(&token, &rg_path(&s, "nope"), json!({"tags": {}}))
        .await
        .expect_error(
            404,
            "ResourceGroupNotFound",
            "Resource group 'nope' could not be found.",
        );
}

#[tokio::test]
async fn invalid_resource_group_names_are_400() {
    let (s, token) = TestServer::start_with_arm_token().await;
    for name in [
        "ends-with-period.",
        "has%20space",
        "semi;colon",
        &"a".repeat(91),
    ] {
        let msg = s
            .put_as(
                &token,
                &rg_path(&s, name),
                json!({"location": "westeurope"}),
            )
            .await
            .expect_error_code(400, "BadRequest");
        assert!(msg.starts_with("Resource group name '"), "{msg}");
        assert!(msg.contains("is invalid"), "{msg}");
    }
}

#[tokio::test]
async fn resource_group_without_location_is_400() {
    let (s, token) = TestServer::start_with_arm_token().await;
    for body in [json!({}), json!({"location": ""}), json!({"tags": {}})] {
        s.put_as(&token, &rg_path(&s, "rg-x"), body)
            .await
            .expect_error(
                400,
                "BadRequest",
                "The 'location' property is required for a resource group.",
            );
    }
}

#[tokio::test]
async fn invalid_tags_are_400() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let many: serde_json::Map<String, Value> =
        (0..51).map(|i| (format!("k{i}"), json!("v"))).collect();
    for tags in [json!({"k": 1}), Value::Object(many)] {
        s.put_as(
            &token,
            &rg_path(&s, "rg-x"),
            json!({"location": "westeurope", "tags": tags}),
        )
        .await
        .expect_error_code(400, "BadRequest");
    }
}

#[tokio::test]
async fn oversized_body_is_rejected_without_a_server_error() {
    let (s, token) = TestServer::start_with_arm_token().await;
    let big = format!(
        r#"{{"location":"westeurope","tags":{{"k":"{}"}}}}"#,
        "a".repeat(1024 * 1024 + 10)
    );
    let r = raw(
        &s,
        Method::PUT,
        &rg_path(&s, "rg-big"),
        Some(&format!("Bearer {token}")),
        Some(big.into_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    s.get_as(&token, &rg_path(&s, "rg-big"))
        .await
        .expect_error_code(404, "ResourceGroupNotFound");
}
