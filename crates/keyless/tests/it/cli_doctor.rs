//! `keyless doctor` as a user runs it against `keyless serve --demo`: the checklist, its
//! exit code (0 without a FAIL line, 1 with one) and `--json`.
#![allow(clippy::unwrap_used)]

use crate::harness;

use harness::{Server, block_on, send_json, serve, text};

/// Removes the demo app's federated credential through Graph.
fn delete_credential(s: &Server) {
    block_on(async {
        let http = s.http();
        let token = s.env()["KEYLESS_TOKEN"].clone();
        let graph = |path: &str| format!("{}/v1.0/applications{path}", s.origin);
        let apps = send_json(
            http.get(graph("?$filter=displayName eq 'demo-deploy'"))
                .bearer_auth(&token),
        )
        .await;
        let id = apps["value"][0]["id"].as_str().unwrap().to_string();
        let r = http
            .delete(graph(&format!(
                "/{id}/federatedIdentityCredentials/demo-connection"
            )))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    });
}

#[test]
fn doctor_prints_the_checklist_and_fails_with_exit_code_1() {
    let s = serve();
    let out = s.client(&["doctor", "contoso", "web", "demo-connection"]);
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("OK    credential"), "{t}");
    assert!(t.contains("result: OK"), "{t}");

    delete_credential(&s);
    let out = s.client(&["doctor", "contoso", "web", "demo-connection"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("FAIL  credential   70025"), "{t}");
    assert!(
        t.contains("fix: Add a federated credential with the connection's issuer and subject."),
        "{t}"
    );
    assert!(t.contains("result: FAIL"), "{t}");

    let out = s.client(&["doctor", "contoso", "web", "demo-connection", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "FAIL");

    let out = s.client(&["doctor", "--all", "contoso"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("FAIL  web/demo-connection  FAIL credential 70025"),
        "{t}"
    );
    assert!(t.contains("1 connections, result: FAIL"), "{t}");

    let out = s.client(&["doctor", "contoso", "web", "no such connection"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("does not exist"), "{}", text(&out));
}
