//! Entra discovery beyond one tenant: the multi-tenant aliases (`common`, `organizations`,
//! `consumers`) that MSAL reads (`az logout` among others), their token endpoints refusing
//! app tokens with AADSTS50059, and the signing algorithms a tenant advertises.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{ARM_SCOPE, Expect, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn get(s: &TestServer, path: &str) -> (StatusCode, Value) {
    s.anon_get(path).await
}

#[tokio::test]
async fn multi_tenant_aliases_have_discovery_documents() {
    let s = TestServer::start().await;
    let o = &s.origin;
    for alias in ["organizations", "common", "Common"] {
        let (st, d) = get(
            &s,
            &format!("/{alias}/v2.0/.well-known/openid-configuration"),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{alias}: {d}");
        let a = alias.to_ascii_lowercase();
        assert_eq!(d["issuer"], format!("{o}/{{tenantid}}/v2.0"), "{d}");
        assert_eq!(d["token_endpoint"], format!("{o}/{a}/oauth2/v2.0/token"));
        assert_eq!(
            d["authorization_endpoint"],
            format!("{o}/{a}/oauth2/v2.0/authorize")
        );
        assert_eq!(d["jwks_uri"], format!("{o}/{a}/discovery/v2.0/keys"));
        assert_eq!(d["id_token_signing_alg_values_supported"], json!(["RS256"]));

        let (st, d) = get(&s, &format!("/{alias}/.well-known/openid-configuration")).await;
        assert_eq!(st, StatusCode::OK, "{alias}: {d}");
        assert_eq!(d["issuer"], format!("{o}/{{tenantid}}/"), "{d}");
        assert_eq!(d["token_endpoint"], format!("{o}/{a}/oauth2/token"));
    }
    let d = get(&s, "/consumers/v2.0/.well-known/openid-configuration")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        d["issuer"],
        format!("{o}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0")
    );
}

#[tokio::test]
async fn alias_keys_are_every_tenants_keys() {
    let s = TestServer::start().await;
    let t = s.var("AZURE_TENANT_ID");
    let own = get(&s, &format!("/{t}/discovery/v2.0/keys"))
        .await
        .expect_status(StatusCode::OK);
    let all = get(&s, "/organizations/discovery/v2.0/keys")
        .await
        .expect_status(StatusCode::OK);
    let kids = |v: &Value| -> Vec<String> {
        v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_string())
            .collect()
    };
    for kid in kids(&own) {
        assert!(kids(&all).contains(&kid), "{kid} not in {all}");
    }
    assert_eq!(
        all["keys"][0]["issuer"],
        format!("{}/{{tenantid}}/v2.0", s.origin)
    );
    let none = get(&s, "/consumers/discovery/v2.0/keys")
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(none["keys"], json!([]));
}

#[tokio::test]
async fn alias_token_endpoints_refuse_app_tokens_with_50059() {
    let s = TestServer::start().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", &s.var("AZURE_CLIENT_ID")),
        ("client_secret", "x"),
        ("scope", ARM_SCOPE),
    ];
    for alias in ["organizations", "common", "consumers"] {
        let (st, b) = s.token(alias, &form).await;
        TestServer::assert_entra(st, &b, 50059, "invalid_request");
        assert!(
            b["error_description"]
                .as_str()
                .unwrap()
                .starts_with("AADSTS50059: No tenant-identifying information found in either the request or implied by any provided credentials."),
            "{b}"
        );
    }
}

#[tokio::test]
async fn es256_tenants_advertise_es256() {
    let s = TestServer::start().await;
    let t = s.var("AZURE_TENANT_ID");
    let v2 = format!("/{t}/v2.0/.well-known/openid-configuration");
    let v1 = format!("/{t}/.well-known/openid-configuration");
    for path in [&v2, &v1] {
        let (_, d) = get(&s, path).await;
        assert_eq!(d["id_token_signing_alg_values_supported"], json!(["RS256"]));
    }
    let es256 = json!({"accessTokenAlgorithm": "ES256"});
    support::tenant_settings(&s, &t, es256).await;
    for path in [&v2, &v1] {
        let (_, d) = get(&s, path).await;
        assert_eq!(
            d["id_token_signing_alg_values_supported"],
            json!(["RS256", "ES256"]),
            "{path}"
        );
    }
    // The keys behind them are published.
    let token = s.arm_token().await;
    let (_, keys) = get(&s, &format!("/{t}/discovery/v2.0/keys")).await;
    let algs: Vec<&str> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["kty"].as_str())
        .collect();
    assert!(algs.contains(&"EC") && algs.contains(&"RSA"), "{keys}");
    assert!(!token.is_empty());
}
