//! ARM's input rules: the api-version (shape, repetition, versions of the type), provider
//! namespaces and types that decode to dot segments or slashes, resource names, locations,
//! tags and the body's media type. Each refusal has ARM's status and code in ARM's
//! envelope, and nothing is stored.

use crate::common;
use crate::support;

use common::{TestServer, wire};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::raw;

fn sub(s: &TestServer) -> String {
    format!("/subscriptions/{}", s.var("AZURE_SUBSCRIPTION_ID"))
}

/// The names of the resource groups and of the resources in `demo-rg`: what a refused
/// request must leave as it was.
async fn snapshot(s: &TestServer, token: &str) -> (Value, Value) {
    let groups = s
        .get_ok_as(
            token,
            &format!("{}/resourcegroups?api-version=2022-12-01", sub(s)),
        )
        .await;
    let resources = s
        .get_ok_as(
            token,
            &format!(
                "{}/resourceGroups/demo-rg/resources?api-version=2022-12-01",
                sub(s)
            ),
        )
        .await;
    (
        json!(support::sorted_names(&groups, "id")),
        json!(support::sorted_names(&resources, "id")),
    )
}

#[track_caller]
fn assert_arm(case: &str, status: u16, body: &Value, want: u16, code: &str) -> String {
    assert_eq!(status, want, "{case}: {body}");
    assert_eq!(body["error"]["code"], json!(code), "{case}: {body}");
    body["error"]["message"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn api_versions_are_validated() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let before = snapshot(&s, &t).await;
    let rg = format!("{}/resourcegroups/rg-api", sub(&s));
    let body = serde_json::to_vec(&json!({"location": "westeurope"})).unwrap();
    let auth = format!("Bearer {t}");
    let cases = [
        ("api-version=abc", "InvalidApiVersionParameter", "'abc'"),
        (
            "api-version=2099-01-01",
            "NoRegisteredProviderFound",
            "'2099-01-01'",
        ),
        (
            "api-version=2022-09-01%27%20OR%201%3D1",
            "InvalidApiVersionParameter",
            "'2022-09-01' OR 1=1'",
        ),
        (
            "api-version=2022-12-01&api-version=2022-12-01",
            "InvalidApiVersionParameter",
            "'2022-12-01,2022-12-01'",
        ),
        (
            "api-version=2022-13-01",
            "InvalidApiVersionParameter",
            "'2022-13-01'",
        ),
    ];
    for (query, code, names) in cases {
        let r = raw(
            &s,
            Method::PUT,
            &format!("{rg}?{query}"),
            Some(&auth),
            Some(body.clone()),
        )
        .await;
        let msg = assert_arm(query, r.status.as_u16(), &r.body, 400, code);
        assert!(msg.contains(names), "{query}: {msg}");
        assert!(
            msg.contains("2022-12-01"),
            "{query} lists the versions: {msg}"
        );
        assert!(r.header("x-ms-request-id").is_some(), "{query}");
    }
    // A version older than the type is not the type's.
    let (status, body) = s
        .get_as(
            &t,
            "/providers/Microsoft.Management/managementGroups?api-version=2015-01-01",
        )
        .await;
    let msg = assert_arm(
        "mg",
        status.as_u16(),
        &body,
        400,
        "NoRegisteredProviderFound",
    );
    assert!(
        msg.contains("2023-04-01") && msg.contains("Microsoft.Management/managementGroups"),
        "{msg}"
    );
    assert_eq!(snapshot(&s, &t).await, before);
}

/// Percent-encoded dots and slashes in the namespace, the type and the name: sent raw,
/// since HTTP clients remove dot segments before sending.
#[tokio::test]
async fn encoded_dot_segments_and_slashes_are_not_ids() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let before = snapshot(&s, &t).await;
    let base = format!("{}/resourceGroups/demo-rg/providers", sub(&s));
    let cases = [
        ("%2E%2E/%2E%2E%2F%2Fx/y", "InvalidResourceNamespace"),
        ("Microsoft.Storage/%2E%2E%2F%2Fx/y", "InvalidResourceType"),
        (
            "Microsoft%2FStorage.x/accounts/y",
            "InvalidResourceNamespace",
        ),
        (
            "Microsoft.Storage/storageAccounts/%2E%2E",
            "InvalidResourceName",
        ),
        (
            "Microsoft.Storage/storageAccounts/%2E",
            "InvalidResourceName",
        ),
        (
            "Microsoft.Storage/storageAccounts/a/%2E%2E%2Fb/c",
            "InvalidResourceType",
        ),
    ];
    let body = r#"{"location":"westeurope"}"#;
    for (tail, code) in cases {
        let target = format!("{base}/{tail}?api-version=2023-05-01");
        let len = format!("Content-Length: {}", body.len());
        let auth = format!("Authorization: Bearer {t}");
        let req = wire::head(
            &s,
            "PUT",
            &target,
            &[&auth, "Content-Type: application/json", &len],
        );
        let a = wire::send(&s, format!("{req}{body}").as_bytes()).await;
        assert_arm(tail, a.status, &a.json(), 400, code);
    }
    assert_eq!(snapshot(&s, &t).await, before);
}

#[tokio::test]
async fn locations_tags_and_media_types_are_validated() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let before = snapshot(&s, &t).await;
    let rg = format!("{}/resourcegroups/rg-input?api-version=2022-12-01", sub(&s));
    let sa = format!(
        "{}/resourceGroups/demo-rg/providers/Microsoft.Storage/storageAccounts/sainput?api-version=2023-05-01",
        sub(&s)
    );
    let huge = "x".repeat(100_000);
    let many: serde_json::Map<String, Value> =
        (0..51).map(|i| (format!("t{i}"), json!("v"))).collect();
    let cases: Vec<(&str, &str, Value, u16, &str)> = vec![
        (
            "rg huge location",
            &rg,
            json!({"location": huge}),
            400,
            "LocationNotAvailableForResourceGroup",
        ),
        (
            "rg unknown location",
            &rg,
            json!({"location": "mars"}),
            400,
            "LocationNotAvailableForResourceGroup",
        ),
        (
            "rg 51 tags",
            &rg,
            json!({"location": "westeurope", "tags": many}),
            400,
            "BadRequest",
        ),
        (
            "rg tag name with a slash",
            &rg,
            json!({"location": "westeurope", "tags": {"a/b": "v"}}),
            400,
            "BadRequest",
        ),
        (
            "resource huge location",
            &sa,
            json!({"location": huge}),
            400,
            "LocationNotAvailableForResourceType",
        ),
        (
            "resource 51 tags",
            &sa,
            json!({"location": "westeurope", "tags": many}),
            400,
            "BadRequest",
        ),
        (
            "resource long tag value",
            &sa,
            json!({"location": "westeurope", "tags": {"a": "v".repeat(257)}}),
            400,
            "BadRequest",
        ),
    ];
    let auth = format!("Bearer {t}");
    for (case, path, body, want, code) in cases {
        let r = raw(
            &s,
            Method::PUT,
            path,
            Some(&auth),
            Some(serde_json::to_vec(&body).unwrap()),
        )
        .await;
        let msg = assert_arm(case, r.status.as_u16(), &r.body, want, code);
        assert!(
            msg.len() < 2000,
            "{case}: the message echoes the input whole"
        );
    }
    // A text/plain body, and a body without a media type: 415.
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut req = s
            .http
            .put(format!("{}{rg}", s.origin))
            .bearer_auth(&t)
            .body(r#"{"location":"westeurope"}"#);
        if let Some(ct) = ct {
            req = req.header("Content-Type", ct);
        }
        let (status, body) = common::answer(req).await;
        let msg = assert_arm(
            &format!("{ct:?}"),
            status.as_u16(),
            &body,
            415,
            "UnsupportedMediaType",
        );
        assert!(msg.contains("application/json"), "{msg}");
    }
    assert_eq!(snapshot(&s, &t).await, before);
    // The display name of a region is stored as its name.
    let (status, body) = s.put_as(&t, &rg, json!({"location": "West Europe"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["location"], "westeurope");
}
