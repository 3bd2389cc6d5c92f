//! The token endpoint: the federated chain end to end, and one test per rejection reason.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{ARM_SCOPE, Expect, JWT_BEARER, TestServer};
use keyless_server::keyring::Issuer;
use reqwest::StatusCode;
use serde_json::{Value, json};

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

/// Claims of the pipeline's ID token changed one way each, signed with the tenant's real
/// key: each refused with its code.
#[tokio::test]
async fn tampered_claims_signed_by_the_tenant_are_refused_with_their_code() {
    let s = TestServer::start().await;
    let now = s.state.now();
    type Change = fn(&mut Value, i64);
    let cases: [(&str, Change, u64); 4] = [
        (
            "another subject",
            |c, _| c["sub"] = json!("/eid1/c/pub/t/x/a/y/sc/other/other"),
            700213,
        ),
        (
            "the subject in another case only",
            |c, _| c["sub"] = json!(c["sub"].as_str().unwrap().to_uppercase()),
            7002138,
        ),
        (
            // Unknown external issuer: refused without fetching its keys.
            "an unknown external issuer",
            |c, _| c["iss"] = json!("https://token.actions.githubusercontent.com"),
            700211,
        ),
        (
            "valid only in an hour",
            |c, now| {
                c["nbf"] = json!(now + 3600);
                c["exp"] = json!(now + 3900);
            },
            700024,
        ),
    ];
    for (case, change, code) in cases {
        let mut c = s.id_token_claims().await;
        change(&mut c, now);
        let (status, body) = s.exchange_signed(Issuer::Tenant(s.tenant()), c).await;
        TestServer::assert_case_entra(case, status, &body, code, "invalid_client");
    }
}

#[tokio::test]
async fn wrong_issuer_is_700211() {
    let s = TestServer::start().await;
    // Signed by the organization's Azure DevOps-generation issuer: a real key, but the
    // credential names the Entra issuer.
    let org = s.store().find_organization("contoso").await.unwrap();
    let mut c = s.id_token_claims().await;
    c["iss"] = json!(format!("{}/{}", s.origin, org.id));
    c["aud"] = json!("api://AzureADTokenExchange");
    let body = s
        .exchange_signed(Issuer::Organization(org.id), c)
        .await
        .expect_entra(700211, "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains(&org.id.to_string())
    );
}

#[tokio::test]
async fn wrong_audience_is_70021() {
    let s = TestServer::start().await;
    let org = s.store().find_organization("contoso").await.unwrap();
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
    let claims = json!({"iss": iss, "sub": "sc://contoso/web/demo-connection", "aud": "api://other", "iat": now, "nbf": now, "exp": now + 300});
    s.exchange_signed(Issuer::Organization(org.id), claims)
        .await
        .expect_entra(70021, "invalid_request");
}

#[tokio::test]
async fn expired_assertion_is_700024() {
    let s = TestServer::start().await;
    let id = s.id_token().await;
    s.state.clock.advance(600 + 61);
    let body = s.exchange(&id).await.expect_entra(700024, "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains(".0000000Z")
    );
}

#[tokio::test]
async fn access_token_presented_as_assertion_is_700222() {
    let (s, at) = TestServer::start_with_arm_token().await;
    s.exchange(&at).await.expect_entra(700222, "invalid_client");
}

#[tokio::test]
async fn unknown_client_is_700016() {
    let s = TestServer::start().await;
    let id = s.id_token().await;
    let unknown = "11111111-2222-3333-4444-555555555555";
    s.token(
        &s.var("AZURE_TENANT_ID"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", unknown),
            ("scope", ARM_SCOPE),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &id),
        ],
    )
    .await
    .expect_entra(700016, "unauthorized_client");
}

#[tokio::test]
async fn wrong_secret_is_7000215() {
    let s = TestServer::start().await;
    let client = s.var("AZURE_CLIENT_ID");
    support::secret_token(&s, &client, "not-the-secret")
        .await
        .expect_entra(7000215, "invalid_client");
}

#[tokio::test]
async fn secret_from_add_password_works_and_expires_with_7000222() {
    let s = TestServer::start().await;
    let app = support::demo_app(&s).await;
    let end = keyless_model::time_fmt::iso(s.state.now() + 3600);
    let credential = json!({"displayName": "ci", "endDateTime": end});
    let admin = s.var("KEYLESS_TOKEN");
    let created = support::graph::add_password(&s, &admin, &app.id.to_string(), credential)
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
    s.token(&s.var("AZURE_TENANT_ID"), &f)
        .await
        .expect_entra(7000222, "invalid_client");
}

/// Token requests missing a field, with another grant, scope or resource, or with no
/// credential at all: each refused with its code.
#[tokio::test]
async fn request_shape_errors() {
    let s = TestServer::start().await;
    let t = s.var("AZURE_TENANT_ID");
    let c = s.var("AZURE_CLIENT_ID");
    let credentials = ("grant_type", "client_credentials");
    let client = ("client_id", c.as_str());
    let arm = ("scope", ARM_SCOPE);
    type Form<'a> = Vec<(&'a str, &'a str)>;
    let cases: [(&str, Form, u64, &str); 6] = [
        (
            "no grant type",
            vec![client, arm],
            900144,
            "invalid_request",
        ),
        (
            "the password grant",
            vec![("grant_type", "password"), client, arm],
            70003,
            "unsupported_grant_type",
        ),
        (
            "no client",
            vec![credentials, arm],
            900144,
            "invalid_request",
        ),
        (
            "a scope that is not .default",
            vec![
                credentials,
                client,
                ("scope", "https://management.azure.com/user_impersonation"),
            ],
            70011,
            "invalid_scope",
        ),
        (
            "an unknown resource",
            vec![
                credentials,
                client,
                ("scope", "https://unknown.example/.default"),
            ],
            500011,
            "invalid_resource",
        ),
        (
            "no credential",
            vec![credentials, client, arm],
            7000218,
            "invalid_client",
        ),
    ];
    for (case, form, code, error) in cases {
        let (st, b) = s.token(&t, &form).await;
        TestServer::assert_case_entra(case, st, &b, code, error);
    }
}

#[tokio::test]
async fn unknown_and_malformed_tenants() {
    let s = TestServer::start().await;
    let form = [("grant_type", "client_credentials")];
    for (tenant, code) in [
        ("00000000-0000-0000-0000-000000000009", 90002),
        ("not_a_tenant!", 900023),
    ] {
        let (st, b) = s.token(tenant, &form).await;
        TestServer::assert_case_entra(tenant, st, &b, code, "invalid_request");
    }
    let b = s
        .anon_get("/00000000-0000-0000-0000-000000000009/v2.0/.well-known/openid-configuration")
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
        .store()
        .find_service_principal(s.tenant(), client)
        .await
        .unwrap();
    sp.account_enabled = false;
    s.store().update_service_principal(&sp).await.unwrap();
    let id = s.id_token().await;
    s.exchange(&id)
        .await
        .expect_entra(7000112, "unauthorized_client");
}

#[tokio::test]
async fn discovery_and_jwks_shapes() {
    let s = TestServer::start().await;
    let t = s.var("AZURE_TENANT_ID");
    let get = |path: String| {
        let s = &s;
        async move { s.anon_get(&path).await.expect_status(StatusCode::OK) }
    };
    let d = get(format!("/{t}/v2.0/.well-known/openid-configuration")).await;
    assert_eq!(d["issuer"], format!("{}/{t}/v2.0", s.origin));
    assert_eq!(
        d["token_endpoint"],
        format!("{}/{t}/oauth2/v2.0/token", s.origin)
    );
    let k = get(format!("/{t}/discovery/v2.0/keys")).await;
    let key = &k["keys"][0];
    assert_eq!(key["use"], "sig");
    assert_eq!(key["kid"], key["x5t"]);
    let org = s.store().find_organization("contoso").await.unwrap().id;
    let d = get(format!("/{org}/.well-known/openid-configuration")).await;
    assert_eq!(d["issuer"], format!("{}/{org}", s.origin));
    assert_eq!(d["response_types_supported"], json!(["id_token"]));
    let k = get(format!("/{org}/.well-known/jwks")).await;
    let kid = k["keys"][0]["kid"].as_str().unwrap();
    assert_eq!(kid.len(), 40);
    assert!(
        kid.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
    );
}
