//! `keyless account get-access-token`: the user's ARM access token as az prints it, the bare
//! token with `--query accessToken -o tsv`, ARM accepting it, and the API's refusal.
#![allow(clippy::unwrap_used)]

use crate::harness::{assert_fails_with, block_on, serve, text};
use serde_json::Value;

#[test]
fn get_access_token_prints_the_users_arm_token() {
    let s = serve();
    let env = s.env();
    let out = s.client(&["account", "get-access-token"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "accessToken",
            "expiresOn",
            "expires_on",
            "tenant",
            "tokenType"
        ]
    );
    assert_eq!(v["tokenType"], "Bearer");
    assert_eq!(v["tenant"], env["AZURE_TENANT_ID"].as_str());

    // The bare token, as `az account get-access-token --query accessToken -o tsv`.
    let out = s.client(&[
        "account",
        "get-access-token",
        "--tenant",
        "contoso",
        "--query",
        "accessToken",
        "-o",
        "tsv",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(token.split('.').count(), 3, "{token}");

    // ARM takes it and decides by the user's roles: the demo administrator owns the demo
    // subscription (demo.yaml).
    let http = s.http();
    let url = format!(
        "{}/subscriptions/{}/resourcegroups?api-version=2021-04-01",
        s.origin, env["AZURE_SUBSCRIPTION_ID"]
    );
    let (status, body) = block_on(async move {
        let r = http.get(url).bearer_auth(token).send().await.unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    });
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"][0]["name"], "demo-rg", "{body}");

    let out = s.client(&["account", "get-access-token", "--tenant", "nowhere"]);
    assert_fails_with(&out, "The tenant 'nowhere' does not exist.");
}
