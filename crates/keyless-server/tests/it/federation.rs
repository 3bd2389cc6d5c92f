//! The token endpoint: the federated chain end to end, and one test per rejection reason.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{ARM_SCOPE, Expect, JWT_BEARER, TestServer};
use keyless_server::keyring::Issuer;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn federated_exchange_issues_a_v1_arm_token() {
    let s = TestServer::start().await;
    let id = s.id_token().await;
    let body = s.exchange(&id).await.expect_status(StatusCode::OK);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].is_i64(), "expires_in must be an integer");
    assert!(body.get("error").is_none());
    let claims = support::jwt_claims(body["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], "https://management.azure.com");
    assert_eq!(claims["ver"], "1.0");
    assert_eq!(claims["appidacr"], "2");
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(claims["tid"], s.var("AZURE_TENANT_ID"));
    assert_eq!(claims["appid"], s.var("AZURE_CLIENT_ID"));
    assert_eq!(claims["sub"], claims["oid"]);
    assert_eq!(
        claims["iss"],
        format!("{}/{}/", s.origin, s.var("AZURE_TENANT_ID"))
    );
    assert_eq!(claims["idp"], claims["iss"]);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    // Only managed identities carry their resource id.
    assert!(claims.get("xms_mirid").is_none(), "{claims}");
}

#[tokio::test]
async fn cli_scope_with_double_slash_yields_resource_with_trailing_slash() {
    let s = TestServer::start().await;
    let id = s.id_token().await;
    let body = s
        .token(
            &s.var("AZURE_TENANT_ID"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &s.var("AZURE_CLIENT_ID")),
                ("scope", "https://management.core.windows.net//.default"),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &id),
                (
                    "claims",
                    r#"{"access_token":{"xms_cc":{"values":["CP1"]}}}"#,
                ),
                ("client_info", "1"),
            ],
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        support::jwt_claims(body["access_token"].as_str().unwrap())["aud"],
        "https://management.core.windows.net/"
    );
}

#[tokio::test]
async fn wrong_subject_is_700213() {
    let s = TestServer::start().await;
    let mut c = s.id_token_claims().await;
    c["sub"] = json!("/eid1/c/pub/t/x/a/y/sc/other/other");
    let t = s.sign(Issuer::Tenant(s.tenant()), c).await;
    let (status, body) = s.exchange(&t).await;
    TestServer::assert_entra(status, &body, 700213, "invalid_client");
}

#[tokio::test]
async fn case_only_subject_difference_is_7002138() {
    let s = TestServer::start().await;
    let mut c = s.id_token_claims().await;
    c["sub"] = json!(c["sub"].as_str().unwrap().to_uppercase());
    let t = s.sign(Issuer::Tenant(s.tenant()), c).await;
    let (status, body) = s.exchange(&t).await;
    TestServer::assert_entra(status, &body, 7002138, "invalid_client");
}

#[tokio::test]
async fn wrong_issuer_is_700211() {
    let s = TestServer::start().await;
    // Signed by the organization's Azure DevOps-generation issuer: a real key, but the
    // credential names the Entra issuer.
    let org = s
        .state
        .shared_store()
        .find_organization("contoso")
        .await
        .unwrap();
    let mut c = s.id_token_claims().await;
    c["iss"] = json!(format!("{}/{}", s.origin, org.id));
    c["aud"] = json!("api://AzureADTokenExchange");
    let t = s.sign(Issuer::Organization(org.id), c).await;
    let (status, body) = s.exchange(&t).await;
    TestServer::assert_entra(status, &body, 700211, "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains(&org.id.to_string())
    );
}

#[tokio::test]
async fn unknown_external_issuer_is_700211_without_fetching() {
    let s = TestServer::start().await;
    let mut c = s.id_token_claims().await;
    c["iss"] = json!("https://token.actions.githubusercontent.com");
    let t = s.sign(Issuer::Tenant(s.tenant()), c).await;
    let (status, body) = s.exchange(&t).await;
    TestServer::assert_entra(status, &body, 700211, "invalid_client");
}

#[tokio::test]
async fn wrong_audience_is_70021() {
    let s = TestServer::start().await;
    let org = s
        .state
        .shared_store()
        .find_organization("contoso")
        .await
        .unwrap();
    // The demo credential has the token-exchange audience; an Entra-issued token with
    // another audience is an access token (700222), so use an org-issued token with an
    // app credential for that issuer and subject.
    let app = support::demo_app(&s).await;
    let iss = format!("{}/{}", s.origin, org.id);
    let (_, _) = s
        .admin(
            reqwest::Method::POST,
            &format!("/v1.0/applications/{}/federatedIdentityCredentials", app.id),
            Some(json!({"name": "devops", "issuer": iss, "subject": "sc://contoso/web/demo-connection", "audiences": ["api://AzureADTokenExchange"]})),
        )
        .await;
    let now = s.state.now();
    let t = s
        .sign(
            Issuer::Organization(org.id),
            json!({"iss": iss, "sub": "sc://contoso/web/demo-connection", "aud": "api://other", "iat": now, "nbf": now, "exp": now + 300}),
        )
        .await;
    let (status, body) = s.exchange(&t).await;
    TestServer::assert_entra(status, &body, 70021, "invalid_request");
}

#[tokio::test]
async fn expired_assertion_is_700024() {
    let s = TestServer::start().await;
    let id = s.id_token().await;
    s.state.clock.advance(600);
    let (status, body) = s.exchange(&id).await;
    TestServer::assert_entra(status, &body, 700024, "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains(".0000000Z")
    );
}

#[tokio::test]
async fn not_yet_valid_assertion_is_700024() {
    let s = TestServer::start().await;
    let mut c = s.id_token_claims().await;
    let now = s.state.now();
    c["nbf"] = json!(now + 3600);
    c["exp"] = json!(now + 3900);
    let t = s.sign(Issuer::Tenant(s.tenant()), c).await;
    let (status, body) = s.exchange(&t).await;
    TestServer::assert_entra(status, &body, 700024, "invalid_client");
}

#[tokio::test]
async fn bad_signature_is_700027() {
    let s = TestServer::start().await;
    let id = s.id_token().await;
    let mut parts: Vec<String> = id.split('.').map(String::from).collect();
    let mut sig = parts[2].clone().into_bytes();
    sig[10] = if sig[10] == b'A' { b'B' } else { b'A' };
    parts[2] = String::from_utf8(sig).unwrap();
    let (status, body) = s.exchange(&parts.join(".")).await;
    TestServer::assert_entra(status, &body, 700027, "invalid_client");
}

#[tokio::test]
async fn tampered_claims_fail_the_signature_700027() {
    let s = TestServer::start().await;
    let id = s.id_token().await;
    let parts: Vec<&str> = id.split('.').collect();
    let mut c = s.id_token_claims().await;
    c["exp"] = json!(s.state.now() + 99_999);
    use base64::Engine;
    let payload =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
    let forged = format!("{}.{}.{}", parts[0], payload, parts[2]);
    let (status, body) = s.exchange(&forged).await;
    TestServer::assert_entra(status, &body, 700027, "invalid_client");
}

#[tokio::test]
async fn unknown_kid_is_700027() {
    let s = TestServer::start().await;
    let id = s.id_token().await;
    let parts: Vec<&str> = id.split('.').collect();
    use base64::Engine;
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(br#"{"typ":"JWT","alg":"RS256","kid":"not-a-key"}"#);
    let (status, body) = s
        .exchange(&format!("{header}.{}.{}", parts[1], parts[2]))
        .await;
    TestServer::assert_entra(status, &body, 700027, "invalid_client");
}

#[tokio::test]
async fn alg_none_and_hs256_are_700027() {
    let s = TestServer::start().await;
    let id = s.id_token().await;
    let parts: Vec<&str> = id.split('.').collect();
    let kid = {
        use base64::Engine;
        let h: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[0])
                .unwrap(),
        )
        .unwrap();
        h["kid"].as_str().unwrap().to_string()
    };
    for alg in ["none", "HS256"] {
        use base64::Engine;
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!(r#"{{"typ":"JWT","alg":"{alg}","kid":"{kid}"}}"#));
        let (status, body) = s
            .exchange(&format!("{header}.{}.{}", parts[1], parts[2]))
            .await;
        TestServer::assert_entra(status, &body, 700027, "invalid_client");
        assert!(body["error_description"].as_str().unwrap().contains(alg));
    }
}

#[tokio::test]
async fn access_token_presented_as_assertion_is_700222() {
    let s = TestServer::start().await;
    let at = s.arm_token().await;
    let (status, body) = s.exchange(&at).await;
    TestServer::assert_entra(status, &body, 700222, "invalid_client");
}

#[tokio::test]
async fn unknown_client_is_700016() {
    let s = TestServer::start().await;
    let id = s.id_token().await;
    let (status, body) = s
        .token(
            &s.var("AZURE_TENANT_ID"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "11111111-2222-3333-4444-555555555555"),
                ("scope", ARM_SCOPE),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &id),
            ],
        )
        .await;
    TestServer::assert_entra(status, &body, 700016, "unauthorized_client");
}

#[tokio::test]
async fn wrong_secret_is_7000215() {
    let s = TestServer::start().await;
    let (status, body) = s
        .token(
            &s.var("AZURE_TENANT_ID"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &s.var("AZURE_CLIENT_ID")),
                ("scope", ARM_SCOPE),
                ("client_secret", "not-the-secret"),
            ],
        )
        .await;
    TestServer::assert_entra(status, &body, 7000215, "invalid_client");
}

#[tokio::test]
async fn secret_from_add_password_works_and_expires_with_7000222() {
    let s = TestServer::start().await;
    let app = support::demo_app(&s).await;
    let end = keyless_model::time_fmt::iso(s.state.now() + 3600);
    let created = s
        .admin(
            reqwest::Method::POST,
            &format!("/v1.0/applications/{}/addPassword", app.id),
            Some(json!({"passwordCredential": {"displayName": "ci", "endDateTime": end}})),
        )
        .await
        .expect_status(StatusCode::OK);
    let secret = created["secretText"].as_str().unwrap().to_string();
    assert_eq!(created["hint"].as_str().unwrap(), &secret[..3]);
    let form = |secret: String| {
        vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", s.var("AZURE_CLIENT_ID")),
            ("scope", ARM_SCOPE.to_string()),
            ("client_secret", secret),
        ]
    };
    let f = form(secret.clone());
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let body = s
        .token(&s.var("AZURE_TENANT_ID"), &f)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        support::jwt_claims(body["access_token"].as_str().unwrap())["appidacr"],
        "1"
    );
    s.state.clock.advance(7200);
    let (status, body) = s.token(&s.var("AZURE_TENANT_ID"), &f).await;
    TestServer::assert_entra(status, &body, 7000222, "invalid_client");
}

#[tokio::test]
async fn request_shape_errors() {
    let s = TestServer::start().await;
    let t = s.var("AZURE_TENANT_ID");
    let c = s.var("AZURE_CLIENT_ID");
    let (st, b) = s
        .token(&t, &[("client_id", &c), ("scope", ARM_SCOPE)])
        .await;
    TestServer::assert_entra(st, &b, 900144, "invalid_request");
    let (st, b) = s
        .token(
            &t,
            &[
                ("grant_type", "password"),
                ("client_id", &c),
                ("scope", ARM_SCOPE),
            ],
        )
        .await;
    TestServer::assert_entra(st, &b, 70003, "unsupported_grant_type");
    let (st, b) = s
        .token(
            &t,
            &[("grant_type", "client_credentials"), ("scope", ARM_SCOPE)],
        )
        .await;
    TestServer::assert_entra(st, &b, 900144, "invalid_request");
    let (st, b) = s
        .token(
            &t,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &c),
                ("scope", "https://management.azure.com/user_impersonation"),
            ],
        )
        .await;
    TestServer::assert_entra(st, &b, 70011, "invalid_scope");
    let (st, b) = s
        .token(
            &t,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &c),
                ("scope", "https://unknown.example/.default"),
            ],
        )
        .await;
    TestServer::assert_entra(st, &b, 500011, "invalid_resource");
    let (st, b) = s
        .token(
            &t,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &c),
                ("scope", ARM_SCOPE),
            ],
        )
        .await;
    TestServer::assert_entra(st, &b, 7000218, "invalid_client");
}

#[tokio::test]
async fn unknown_and_malformed_tenants() {
    let s = TestServer::start().await;
    let form = [("grant_type", "client_credentials")];
    let (st, b) = s.token("00000000-0000-0000-0000-000000000009", &form).await;
    TestServer::assert_entra(st, &b, 90002, "invalid_request");
    let (st, b) = s.token("not_a_tenant!", &form).await;
    TestServer::assert_entra(st, &b, 900023, "invalid_request");
    let b = s
        .send(
            reqwest::Method::GET,
            "/00000000-0000-0000-0000-000000000009/v2.0/.well-known/openid-configuration",
            None,
            None,
        )
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert_eq!(b["error"], "invalid_tenant");
}

#[tokio::test]
async fn malformed_bodies_and_jwts_never_500() {
    let s = TestServer::start().await;
    let t = s.var("AZURE_TENANT_ID");
    for body in [
        b"%%%%&&&==".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x01],
        b"grant_type=client_credentials&grant_type=x".to_vec(),
        Vec::new(),
        vec![b'a'; 200_000],
    ] {
        let (st, b) = s.token_raw(&t, body).await;
        assert!(st.is_client_error(), "{st} {b}");
    }
    for jwt in [
        "",
        "a.b",
        "a.b.c",
        "....",
        "eyJhbGciOiJSUzI1NiJ9.e30.",
        &"x".repeat(20_000),
        "eyJ0eXAiOiJKV1QifQ.eyJpc3MiOiJ4In0.c2ln",
    ] {
        let (st, b) = s.exchange(jwt).await;
        assert!(st.is_client_error(), "{jwt}: {st} {b}");
        let code = b["error_codes"][0].as_u64().unwrap();
        assert!([50027, 7000218].contains(&code), "{jwt}: {b}");
    }
}

#[tokio::test]
async fn disabled_service_principal_is_7000112() {
    let s = TestServer::start().await;
    let client: uuid::Uuid = s.var("AZURE_CLIENT_ID").parse().unwrap();
    let mut sp = s
        .state
        .shared_store()
        .find_service_principal(s.tenant(), client)
        .await
        .unwrap();
    sp.account_enabled = false;
    s.state
        .shared_store()
        .update_service_principal(&sp)
        .await
        .unwrap();
    let id = s.id_token().await;
    let (st, b) = s.exchange(&id).await;
    TestServer::assert_entra(st, &b, 7000112, "unauthorized_client");
}

#[tokio::test]
async fn discovery_and_jwks_shapes() {
    let s = TestServer::start().await;
    let t = s.var("AZURE_TENANT_ID");
    let d = s
        .send(
            reqwest::Method::GET,
            &format!("/{t}/v2.0/.well-known/openid-configuration"),
            None,
            None,
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(d["issuer"], format!("{}/{t}/v2.0", s.origin));
    assert_eq!(
        d["token_endpoint"],
        format!("{}/{t}/oauth2/v2.0/token", s.origin)
    );
    let k = s
        .send(
            reqwest::Method::GET,
            &format!("/{t}/discovery/v2.0/keys"),
            None,
            None,
        )
        .await
        .expect_status(StatusCode::OK);
    let key = &k["keys"][0];
    assert_eq!(key["use"], "sig");
    assert_eq!(key["kid"], key["x5t"]);
    let org = s
        .state
        .shared_store()
        .find_organization("contoso")
        .await
        .unwrap();
    let d = s
        .send(
            reqwest::Method::GET,
            &format!("/{}/.well-known/openid-configuration", org.id),
            None,
            None,
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(d["issuer"], format!("{}/{}", s.origin, org.id));
    assert_eq!(d["response_types_supported"], json!(["id_token"]));
    let k = s
        .send(
            reqwest::Method::GET,
            &format!("/{}/.well-known/jwks", org.id),
            None,
            None,
        )
        .await
        .expect_status(StatusCode::OK);
    let kid = k["keys"][0]["kid"].as_str().unwrap();
    assert_eq!(kid.len(), 40);
    assert!(
        kid.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
    );
}
