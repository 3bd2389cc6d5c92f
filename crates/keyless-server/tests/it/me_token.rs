//! A user's ARM access token (`POST /keyless/v1/me/token`): verified against the tenant's
//! published keys with aws-lc-rs (not keyless-jose), its claims, ARM's verdicts on it, its
//! lifetime bounded by the personal access token, and each refusal changing nothing.
#![allow(clippy::unwrap_used)]

use crate::common::{Expect, TestServer};
use crate::sc_support::{Person, guest, person};
use crate::support::{self, audit, grant_user, jwt_claims, message, rbac};
use base64::Engine;
use keyless_model::rbac::READER;
use reqwest::StatusCode;
use serde_json::{Value, json};

const TOKEN: &str = "/keyless/v1/me/token";
const ARM: &str = "https://management.azure.com/";

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

/// Verifies `jwt`'s RS256 signature with the key of its `kid` in the tenant's JWKS.
async fn verify_with_jwks(s: &TestServer, tenant: &str, jwt: &str) {
    let parts: Vec<&str> = jwt.split('.').collect();
    let header: Value = serde_json::from_slice(&b64(parts[0])).unwrap();
    assert_eq!(header["alg"], "RS256", "{header}");
    let jwks = s.anon_ok(&format!("/{tenant}/discovery/v2.0/keys")).await;
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap_or_else(|| panic!("kid {} not in {jwks}", header["kid"]));
    let public = aws_lc_rs::signature::RsaPublicKeyComponents {
        n: b64(key["n"].as_str().unwrap()),
        e: b64(key["e"].as_str().unwrap()),
    };
    let signed = format!("{}.{}", parts[0], parts[1]);
    public
        .verify(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &b64(parts[2]),
        )
        .expect("the signature verifies with the published key");
}

async fn ask(s: &TestServer, pat: &str, body: Value) -> (StatusCode, Value) {
    s.post_as(pat, TOKEN, body).await
}

/// The token entries of the audit log naming `upn`.
async fn token_entries(s: &TestServer, upn: &str) -> Vec<Value> {
    audit(s, "kind=token")
        .await
        .into_iter()
        .filter(|e| e["detail"]["user"] == upn)
        .collect()
}

#[tokio::test]
async fn a_users_token_verifies_and_carries_the_user_claims() {
    let s = TestServer::start().await;
    let p = person(&s, "ada").await;
    let tenant = s.var("AZURE_TENANT_ID");
    let before = s.state.now();
    let body = ask(&s, &p.token, json!({"resource": ARM}))
        .await
        .expect_status(StatusCode::OK);
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
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
    assert_eq!(body["tokenType"], "Bearer");
    assert_eq!(body["tenant"], json!(tenant));
    let jwt = body["accessToken"].as_str().unwrap();
    verify_with_jwks(&s, &tenant, jwt).await;
    let c = jwt_claims(jwt);
    let users = s
        .admin_ok(&format!("/keyless/v1/tenants/{tenant}/users"))
        .await;
    let me = users["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == json!(p.id))
        .unwrap()
        .clone();
    for (claim, want) in [
        ("aud", json!(ARM)),
        ("iss", json!(format!("{}/{tenant}/", s.origin))),
        ("idtyp", json!("user")),
        ("oid", json!(p.id)),
        ("sub", json!(p.id)),
        ("tid", json!(tenant)),
        ("upn", json!(p.upn)),
        ("unique_name", json!(p.upn)),
        ("name", me["displayName"].clone()),
        ("scp", json!("user_impersonation")),
        ("appid", json!("04b07795-8ddb-461a-bbee-02f9e1bf7b46")),
        ("appidacr", json!("0")),
        ("amr", json!(["pwd"])),
        ("ver", json!("1.0")),
    ] {
        assert_eq!(c[claim], want, "{claim}: {c}");
    }
    assert!(c.get("idp").is_none(), "a member has no idp: {c}");
    let (iat, exp) = (c["iat"].as_i64().unwrap(), c["exp"].as_i64().unwrap());
    assert!(iat >= before && iat <= s.state.now(), "{c}");
    assert_eq!(exp - iat, 3600);
    assert_eq!(body["expires_on"], json!(exp));
    let iso = keyless_model::time_fmt::iso(exp);
    assert_eq!(
        body["expiresOn"],
        json!(format!(
            "{}.000000",
            iso.replace('T', " ").trim_end_matches('Z')
        ))
    );
    // Audited, naming the user and the tenant, never the token.
    let entries = token_entries(&s, &p.upn).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(
        (
            &e["decision"],
            &e["tenantId"],
            &e["subject"],
            &e["audience"]
        ),
        (&json!("granted"), &json!(tenant), &json!(p.id), &json!(ARM)),
        "{e}"
    );
    assert!(!e.to_string().contains(jwt.split('.').nth(2).unwrap()));
}

#[tokio::test]
async fn arm_decides_by_the_users_role_assignments() {
    let s = TestServer::start().await;
    let sub = rbac::sub_scope(&s);
    let reader = person(&s, "reader").await;
    grant_user(&s, &reader.id, READER, &sub).await;
    let nobody = person(&s, "nobody").await;
    let token_of = async |p: &Person| {
        let b = ask(
            &s,
            &p.token,
            json!({"resource": "https://management.core.windows.net/"}),
        )
        .await
        .expect_status(StatusCode::OK);
        b["accessToken"].as_str().unwrap().to_string()
    };
    let t = token_of(&reader).await;
    let got = s
        .get_ok_as(&t, &format!("{sub}?api-version=2022-12-01"))
        .await;
    assert_eq!(got["subscriptionId"], json!(s.var("AZURE_SUBSCRIPTION_ID")));
    let groups = s
        .get_ok_as(&t, &format!("{sub}/resourcegroups?api-version=2021-04-01"))
        .await;
    assert_eq!(groups["value"][0]["name"], "demo-rg");

    let t = token_of(&nobody).await;
    let (st, body) = s
        .get_as(&t, &format!("{sub}/resourcegroups?api-version=2021-04-01"))
        .await;
    support::assert_error(
        st,
        &body,
        403,
        "AuthorizationFailed",
        &rbac::authorization_failed(
            &nobody.upn,
            &nobody.id,
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            &sub,
        ),
    );
}

#[tokio::test]
async fn a_guest_gets_a_token_in_the_tenant_it_is_invited_to() {
    let s = TestServer::start().await;
    let g = guest(&s, "gus").await;
    let tenant = s.var("AZURE_TENANT_ID");
    let body = ask(&s, &g.token, json!({"resource": ARM, "tenant": tenant}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(body["tenant"], json!(tenant));
    let jwt = body["accessToken"].as_str().unwrap();
    verify_with_jwks(&s, &tenant, jwt).await;
    let c = jwt_claims(jwt);
    assert_eq!((&c["tid"], &c["oid"]), (&json!(tenant), &json!(g.id)));
    let home = s.admin_ok("/keyless/v1/tenants/northwind").await;
    assert_eq!(
        c["idp"],
        json!(format!("{}/{}/", s.origin, home["id"].as_str().unwrap()))
    );
    // Its own tenant by default.
    let body = ask(&s, &g.token, json!({"resource": ARM}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(body["tenant"], home["id"]);
}

#[tokio::test]
async fn the_token_never_outlives_the_personal_access_token() {
    let s = TestServer::start().await;
    let p = person(&s, "brief").await;
    let pat = s
        .admin_created(
            "/keyless/v1/pats",
            json!({"name": "one-day", "user": p.upn, "days": 1}),
        )
        .await;
    let at = &pat["pat"]["expiresAt"];
    let expires = at
        .as_i64()
        .or_else(|| at.as_str().and_then(keyless_model::time_fmt::parse_iso))
        .unwrap();
    s.state.clock.advance(86_400 - 600);
    let body = ask(&s, pat["token"].as_str().unwrap(), json!({"resource": ARM}))
        .await
        .expect_status(StatusCode::OK);
    let c = jwt_claims(body["accessToken"].as_str().unwrap());
    assert_eq!(c["exp"], json!(expires));
    assert_eq!(body["expires_on"], json!(expires));
}

/// Each refusal: its status, its text, and no token granted; the PAT scopes that may ask.
#[tokio::test]
async fn refusals_issue_nothing() {
    let s = TestServer::start().await;
    let p = person(&s, "refused").await;
    s.admin_created("/keyless/v1/tenants", json!({"name": "fabrikam"}))
        .await;
    let read_only = s
        .admin_created(
            "/keyless/v1/pats",
            json!({"name": "reader", "user": p.upn, "scopes": ["read"]}),
        )
        .await;
    let read_only = read_only["token"].as_str().unwrap();
    let body = ask(&s, read_only, json!({"resource": ARM}))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert!(
        message(&body).contains("needs the scope resources"),
        "{body}"
    );
    let scoped = async |scopes: Value| {
        let pat = s
            .admin_created(
                "/keyless/v1/pats",
                json!({"name": "scoped", "user": p.upn, "scopes": scopes}),
            )
            .await;
        pat["token"].as_str().unwrap().to_string()
    };
    let directory = scoped(json!(["directory", "connections"])).await;
    let body = ask(&s, &directory, json!({"resource": ARM}))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert!(
        message(&body).contains("needs the scope resources"),
        "{body}"
    );
    assert!(token_entries(&s, &p.upn).await.is_empty());
    let resources = scoped(json!(["resources"])).await;
    ask(&s, &resources, json!({"resource": ARM}))
        .await
        .expect_status(StatusCode::OK);
    let granted = token_entries(&s, &p.upn).await;
    assert_eq!(granted.len(), 1, "{granted:?}");
    assert_eq!(granted[0]["decision"], "granted");

    let cases = [
        (
            json!({"resource": "https://graph.microsoft.com"}),
            StatusCode::BAD_REQUEST,
            "the resource is one of https://management.core.windows.net/, https://management.core.windows.net, https://management.azure.com/, https://management.azure.com, not 'https://graph.microsoft.com'.",
        ),
        (
            json!({"resource": ARM, "tenant": "fabrikam"}),
            StatusCode::FORBIDDEN,
            "you do not belong to 'fabrikam'.",
        ),
        (
            json!({"resource": ARM, "tenant": "nowhere"}),
            StatusCode::NOT_FOUND,
            "The tenant 'nowhere' does not exist.",
        ),
    ];
    for (body, status, says) in &cases {
        let got = ask(&s, &p.token, body.clone()).await.expect_status(*status);
        assert!(message(&got).contains(says), "{body}: {got}");
    }
    // Refusals past authentication are audited as denied; the one grant is the resources
    // token's.
    let entries = token_entries(&s, &p.upn).await;
    assert_eq!(entries.len(), 1 + cases.len(), "{entries:?}");
    let denied = entries.iter().filter(|e| e["decision"] == "denied").count();
    assert_eq!(denied, cases.len(), "{entries:?}");

    // A keyless administrator gets no token in a tenant it is not a member of.
    let got = ask(
        &s,
        &s.var("KEYLESS_TOKEN"),
        json!({"resource": ARM, "tenant": "fabrikam"}),
    )
    .await
    .expect_status(StatusCode::FORBIDDEN);
    assert!(message(&got).contains("fabrikam"), "{got}");
}

#[tokio::test]
async fn an_expired_or_revoked_pat_gets_no_token() {
    let s = TestServer::start().await;
    let p = person(&s, "gone").await;
    let pats = s.get_ok_as(&p.token, "/keyless/v1/pats").await;
    let id = pats["value"][0]["id"].as_str().unwrap().to_string();
    s.delete_as(&p.token, &format!("/keyless/v1/pats/{id}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let got = ask(&s, &p.token, json!({"resource": ARM}))
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    assert!(message(&got).contains("was revoked"), "{got}");

    let q = person(&s, "late").await;
    s.state.clock.advance(31 * 86_400);
    let got = ask(&s, &q.token, json!({"resource": ARM}))
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    assert!(message(&got).contains("expired at"), "{got}");
    assert!(token_entries(&s, &p.upn).await.is_empty());
    assert!(token_entries(&s, &q.upn).await.is_empty());
}
