//! The edges of every answer: security headers (nosniff, HSTS, `Cache-Control: no-store` on
//! what carries secrets), size limits answered in the plane's envelope over HTTP/1.1 and
//! HTTP/2 (413 after the body was read, 414, 431, 405), and keep-alive that survives a body
//! the handler does not need.

use crate::common;
use crate::sc_support;

use common::{TestServer, wire};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

#[track_caller]
fn assert_secure_headers(case: &str, h: &reqwest::header::HeaderMap) {
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(get("cache-control").contains("no-store"), "{case}: {h:?}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{case}");
    assert_eq!(
        get("strict-transport-security"),
        "max-age=31536000",
        "{case}"
    );
}

/// The token endpoint, the job's ID-token endpoint, PAT creation, job start and connection
/// creation answer with secrets: none may be stored by a cache.
#[tokio::test]
async fn answers_with_secrets_are_not_cacheable() {
    let s = TestServer::start().await;
    let admin = s.var("KEYLESS_TOKEN");
    let id_token = s
        .http
        .post(format!(
            "{}?api-version=7.1&serviceConnectionId={}",
            s.var("SYSTEM_OIDCREQUESTURI"),
            s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
        ))
        .bearer_auth(s.var("SYSTEM_ACCESSTOKEN"))
        .header("Content-Type", "application/json")
        .body("{}");
    let token = s
        .http
        .post(format!("{}/{}/oauth2/v2.0/token", s.origin, s.tenant()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &s.var("AZURE_CLIENT_ID")),
            ("scope", common::ARM_SCOPE),
            ("client_assertion_type", common::JWT_BEARER),
            ("client_assertion", &s.id_token().await),
        ]);
    let pat = s
        .http
        .post(format!("{}/keyless/v1/pats", s.origin))
        .bearer_auth(&admin)
        .json(&json!({"name": "headers"}));
    let jobs = "/keyless/v1/organizations/contoso/projects/web/pipelines";
    s.admin_created(jobs, common::pipeline_body("headers", &[]))
        .await;
    let job = s
        .http
        .post(format!("{}{jobs}/headers/jobs", s.origin))
        .bearer_auth(&admin);
    let connection = s
        .http
        .post(format!(
            "{}/contoso/_apis/serviceendpoint/endpoints?api-version=7.1",
            s.origin
        ))
        .bearer_auth(&admin)
        .json(&sc_support::demo_manual_body(&s, "headers"));
    let health = s.http.get(format!("{}/healthz", s.origin));
    for (case, req) in [
        ("ID token", id_token),
        ("token", token),
        ("PAT", pat),
        ("job start", job),
        ("connection", connection),
        ("health", health),
    ] {
        let resp = req.send().await.unwrap();
        assert!(resp.status().is_success(), "{case}: {}", resp.status());
        assert_secure_headers(case, resp.headers());
    }
}

/// Bodies over 1 MiB: 413 in each plane's envelope, read to the end first so an HTTP/1.1
/// client still sending 10 MB reads the answer instead of a reset.
#[tokio::test]
async fn oversized_bodies_are_413_in_the_plane_envelope() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let arm = format!("/subscriptions/{sub}/resourcegroups/rg-big?api-version=2022-12-01");
    let entra = format!("/{}/oauth2/v2.0/token", s.tenant());
    let devops = "/contoso/_apis/serviceendpoint/endpoints?api-version=7.1";
    for (path, size) in [
        (&arm, 10 << 20),
        (&entra, 2 << 20),
        (&devops.to_string(), 2 << 20),
    ] {
        let auth = format!("Authorization: Bearer {t}");
        let len = format!("Content-Length: {size}");
        let head = wire::head(
            &s,
            "PUT",
            path,
            &[&auth, "Content-Type: application/json", &len],
        );
        let mut conn = wire::connect(&s).await;
        conn.write_all(head.as_bytes()).await.unwrap();
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < size {
            conn.write_all(&chunk).await.unwrap();
            sent += chunk.len();
        }
        conn.flush().await.unwrap();
        let a = wire::read_answer(&mut conn, Duration::from_secs(20))
            .await
            .unwrap_or_else(|| panic!("{path}: no answer"));
        assert_eq!(a.status, 413, "{path}");
        assert!(
            a.header("content-type")
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
        let body = a.json();
        if path == &arm {
            assert_eq!(body["error"]["code"], "RequestBodyTooLarge", "{body}");
        } else if path == &entra {
            assert_eq!(body["error"], "invalid_request", "{body}");
            assert!(
                body["error_description"]
                    .as_str()
                    .unwrap()
                    .contains("bytes"),
                "{body}"
            );
        } else {
            assert_eq!(body["typeKey"], "ServiceEndpointException", "{body}");
            assert!(
                body["message"].as_str().unwrap().contains("bytes"),
                "{body}"
            );
        }
    }
    let (status, _) = s.get_as(&t, &arm).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was created");
    // Chunked bodies over the limit, without a length: 413 too.
    let auth = format!("Authorization: Bearer {t}");
    let head = wire::head(
        &s,
        "PUT",
        &arm,
        &[
            &auth,
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
        ],
    );
    let mut conn = wire::connect(&s).await;
    conn.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("10000\r\n{}\r\n", " ".repeat(0x10000));
    for _ in 0..48 {
        conn.write_all(chunk.as_bytes()).await.unwrap();
    }
    conn.write_all(b"0\r\n\r\n").await.unwrap();
    conn.flush().await.unwrap();
    let a = wire::read_answer(&mut conn, Duration::from_secs(20))
        .await
        .expect("no answer to the chunked body");
    assert_eq!(a.status, 413);
    assert_eq!(a.json()["error"]["code"], "RequestBodyTooLarge");
}

/// A client that speaks HTTP/2 (ALPN h2) to the server.
fn h2_client(s: &TestServer) -> reqwest::Client {
    let ca = std::fs::read(&s.ca_cert).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .http2_adaptive_window(true)
        .build()
        .unwrap()
}

/// A URL and headers over the limits: 414 and 431 in the envelope of the path's plane,
/// over HTTP/1.1 and HTTP/2, and the HTTP/2 connection still serves the next request.
#[tokio::test]
async fn long_urls_and_large_headers_are_answered_in_the_envelope() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let long_path = format!(
        "/subscriptions/{sub}/resourcegroups?api-version=2022-12-01&x={}",
        "a".repeat(40_000)
    );
    let big = format!("X-Big: {}", "b".repeat(64 * 1024));
    let auth = format!("Authorization: Bearer {t}");
    // HTTP/1.1, raw.
    let a = wire::send(&s, wire::head(&s, "GET", &long_path, &[&auth]).as_bytes()).await;
    assert_eq!(
        (a.status, a.json()["error"]["code"].clone()),
        (414, json!("RequestUriTooLong"))
    );
    let target = format!("/subscriptions/{sub}/resourcegroups?api-version=2022-12-01");
    let a = wire::send(
        &s,
        wire::head(&s, "GET", &target, &[&auth, &big]).as_bytes(),
    )
    .await;
    assert_eq!(
        (a.status, a.json()["error"]["code"].clone()),
        (431, json!("RequestHeaderFieldsTooLarge"))
    );
    let many: Vec<String> = (0..150).map(|i| format!("X-H{i}: v")).collect();
    let mut lines: Vec<&str> = many.iter().map(String::as_str).collect();
    lines.push(&auth);
    let a = wire::send(&s, wire::head(&s, "GET", &target, &lines).as_bytes()).await;
    assert_eq!(a.status, 431, "150 header fields");
    // An Entra path answers in Entra's shape.
    let entra = format!("/{}/oauth2/v2.0/token?x={}", s.tenant(), "a".repeat(40_000));
    let a = wire::send(
        &s,
        wire::head(&s, "POST", &entra, &["Content-Length: 0"]).as_bytes(),
    )
    .await;
    assert_eq!(
        (a.status, a.json()["error"].clone()),
        (414, json!("invalid_request"))
    );
    // HTTP/2: a 60 KB URL (the most a URI can hold is 64 KiB) and a 64 KB header are
    // answered, and the connection goes on.
    let h2 = h2_client(&s);
    let url = format!(
        "{}/subscriptions/{sub}/resourcegroups?api-version=2022-12-01",
        s.origin
    );
    let r = h2
        .get(format!("{url}&x={}", "a".repeat(60_000)))
        .bearer_auth(&t)
        .send()
        .await
        .map_err(|e| e.without_url())
        .unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(r.status().as_u16(), 414);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "RequestUriTooLong"
    );
    let r = h2
        .get(&url)
        .bearer_auth(&t)
        .header("X-Big", "b".repeat(64 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 431);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "RequestHeaderFieldsTooLarge"
    );
    let r = h2.get(&url).bearer_auth(&t).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the HTTP/2 connection still serves"
    );
}

/// Request targets hyper cannot represent (over 65 534 bytes), and one beyond hyper's
/// buffer: 414 in the envelope of the path's plane over HTTP/1.1, with the security
/// headers, as for shorter targets over the limit.
#[tokio::test]
async fn request_lines_beyond_hypers_limits_are_414_in_the_envelope() {
    let (s, t) = TestServer::start_with_arm_token().await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let auth = format!("Authorization: Bearer {t}");
    let arm = format!("/subscriptions/{sub}/resourcegroups?api-version=2022-12-01&x=");
    let entra = format!("/{}/oauth2/v2.0/token?x=", s.tenant());
    let devops = "/contoso/_apis/serviceendpoint/endpoints?api-version=7.1&x=".to_string();
    for (path, size) in [
        (&arm, 70_000),
        (&entra, 70_000),
        (&devops, 70_000),
        (&arm, 200_000),
    ] {
        let target = format!("{path}{}", "a".repeat(size));
        let a = wire::send(&s, wire::head(&s, "GET", &target, &[&auth]).as_bytes()).await;
        let case = format!("{} bytes to {}", target.len(), &path[..20]);
        let json = a
            .header("content-type")
            .map(|c| c.starts_with("application/json"));
        assert_eq!((a.status, json), (414, Some(true)), "{case}");
        assert_eq!(
            a.header("x-content-type-options"),
            Some("nosniff"),
            "{case}"
        );
        assert_eq!(a.header("connection"), Some("close"), "{case}");
        let body = a.json();
        let message = if path == &arm {
            assert_eq!(body["error"]["code"], "RequestUriTooLong", "{case}: {body}");
            body["error"]["message"].clone()
        } else if path == &entra {
            assert_eq!(body["error"], "invalid_request", "{case}: {body}");
            body["error_description"].clone()
        } else {
            assert_eq!(
                body["typeKey"], "ServiceEndpointException",
                "{case}: {body}"
            );
            body["message"].clone()
        };
        let message = message.as_str().unwrap();
        assert!(message.contains("at most 16384 bytes"), "{case}: {message}");
        if size == 70_000 {
            let exact = format!("The request URL is {} bytes long", target.len());
            assert!(message.starts_with(&exact), "{case}: {message}");
        }
    }
    // A head beyond hyper's buffer in header fields: 431 in the envelope.
    let fields: Vec<String> = (0..20)
        .map(|i| format!("X-F{i}: {}", "f".repeat(10_000)))
        .collect();
    let mut lines: Vec<&str> = fields.iter().map(String::as_str).collect();
    lines.push(&auth);
    let target = format!("{arm}1");
    let a = wire::send(&s, wire::head(&s, "GET", &target, &lines).as_bytes()).await;
    assert_eq!(
        (a.status, a.json()["error"]["code"].clone()),
        (431, json!("RequestHeaderFieldsTooLarge"))
    );
    assert_eq!(a.header("x-content-type-options"), Some("nosniff"));
    // The server still serves.
    let (status, _) = s
        .get_as(
            &t,
            &format!("/subscriptions/{sub}/resourcegroups?api-version=2022-12-01"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_methods_are_405_in_the_envelope() {
    let s = TestServer::start().await;
    let r = s
        .http
        .request(Method::PUT, format!("{}/keyless/v1/pats", s.origin))
        .bearer_auth(s.var("KEYLESS_TOKEN"))
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.headers().get("allow").is_some());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "MethodNotAllowed", "{body}");
    let r = s
        .http
        .get(format!("{}/{}/oauth2/v2.0/token", s.origin, s.tenant()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");
}

/// 200 ID-token requests with a body the handler does not read, on one HTTP/1.1
/// connection: every one answered, none with `Connection: close`.
#[tokio::test]
async fn keep_alive_survives_bodies_handlers_ignore() {
    let s = TestServer::start().await;
    let uri = s.var("SYSTEM_OIDCREQUESTURI");
    let path = uri.trim_start_matches(&s.origin);
    let target = format!(
        "{path}?api-version=7.1&serviceConnectionId={}",
        s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
    );
    let auth = format!("Authorization: Bearer {}", s.var("SYSTEM_ACCESSTOKEN"));
    let req = format!(
        "{}{{}}",
        wire::head(
            &s,
            "POST",
            &target,
            &[&auth, "Content-Type: application/json", "Content-Length: 2"]
        )
    );
    let mut conn = wire::connect(&s).await;
    for i in 0..200 {
        conn.write_all(req.as_bytes()).await.unwrap();
        let a = wire::read_answer(&mut conn, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("request {i}: the connection was dropped"));
        assert_eq!(a.status, 200, "request {i}");
        assert_ne!(a.header("connection"), Some("close"), "request {i}");
        assert!(a.json()["oidcToken"].is_string());
    }
}
