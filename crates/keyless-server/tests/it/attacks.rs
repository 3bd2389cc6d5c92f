//! Attacks on token verification, one table run against the three verifiers: the token
//! endpoint (the token as `client_assertion`), ARM and Graph (as the bearer token). Each
//! case forges a token from the claims each verifier accepts (a pipeline ID token's for
//! the token endpoint, an access token's for ARM and Graph) and states each verifier's
//! answer: its status and code in its plane's envelope. After every attempt a genuine
//! request still succeeds on that plane, and no attempt makes the server connect to the
//! URLs the tokens name (`jku`, `x5u`): a local listener counts its connections.

use crate::common::{Expect, TestServer};
use crate::support;
use base64::Engine;
use keyless_jose::SigningKey;
use keyless_server::keyring::Issuer;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const ARM_AUD: &str = "https://management.azure.com";
const GRAPH_AUD: &str = "https://graph.microsoft.com";
const SUBSCRIPTIONS: &str = "/subscriptions?api-version=2022-12-01";
const APPLICATIONS: &str = "/v1.0/applications";

/// What a verifier answers: a success, a refusal of the token endpoint (AADSTS code and
/// OAuth error), or a refusal in the `{"error":{"code","message"}}` envelope.
#[derive(Clone, Copy, Debug)]
enum Want {
    Accepted,
    Entra(u64, &'static str),
    Error(u16, &'static str),
}

use Want::{Accepted, Entra, Error};

const INVALID: Want = Error(401, "InvalidAuthenticationToken");
const FORGED: Want = Entra(700027, "invalid_client");
const MALFORMED: Want = Entra(50027, "invalid_request");
/// The demo app holds no directory role: Graph accepts its token, then refuses the listing.
const AUTHENTICATED: Want = Error(403, "Authorization_RequestDenied");

/// What forging needs: the issuer's real key and header, a key of nobody's with the real
/// key's identifiers, and the listener's URL.
struct Kit {
    real: SigningKey,
    foreign: SigningKey,
    header: Value,
    listener: String,
    now: i64,
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    keyless_jose::b64url(bytes)
}

fn json_b64(v: &Value) -> String {
    b64(serde_json::to_vec(v).unwrap())
}

impl Kit {
    /// `header` and `claims` signed with `key` (RS256), whatever the header says.
    fn sign_with(&self, key: &SigningKey, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", json_b64(header), json_b64(claims));
        let sig = key.sign_bytes(input.as_bytes());
        format!("{input}.{}", b64(sig))
    }

    fn sign(&self, header: &Value, claims: &Value) -> String {
        self.sign_with(&self.real, header, claims)
    }

    /// The real key's header with `changes` merged in (a `null` removes a field).
    fn header_with(&self, changes: Value) -> Value {
        let mut h = self.header.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                h.as_object_mut().unwrap().remove(k);
            } else {
                h[k] = v.clone();
            }
        }
        h
    }

    /// Signed with the foreign key under the real key's `kid` and `x5t`, plus `changes`.
    fn foreign(&self, changes: Value, claims: &Value) -> String {
        self.sign_with(&self.foreign, &self.header_with(changes), claims)
    }

    /// The claims with `changes` merged in.
    fn claims_with(claims: &Value, changes: Value) -> Value {
        let mut c = claims.clone();
        for (k, v) in changes.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    }

    /// A genuinely signed token whose header was then changed to name `alg`.
    fn relabeled(&self, alg: &str, claims: &Value) -> String {
        let [_, p, s] = parts(&self.sign(&self.header, claims));
        let h = self.header_with(json!({ "alg": alg }));
        format!("{}.{p}.{s}", json_b64(&h))
    }

    /// HMAC-SHA256 of the signing input keyed with `secret`, under `alg: HS256`.
    fn hs256(&self, secret: &[u8], claims: &Value) -> String {
        let header = self.header_with(json!({"alg": "HS256"}));
        let input = format!("{}.{}", json_b64(&header), json_b64(claims));
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
        let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
        format!("{input}.{}", b64(tag.as_ref()))
    }

    /// The real key's certificate as PEM: what "the public key" means to a library that
    /// takes it as an HMAC secret.
    fn public_pem(&self) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(self.real.cert_der());
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    }
}

/// One attack: its name, how it forges a token from a verifier's valid claims, and the
/// answers of the token endpoint, ARM and Graph.
struct Case {
    name: &'static str,
    forge: fn(&Kit, &Value) -> String,
    token: Want,
    arm: Want,
    graph: Want,
}

const fn case(
    name: &'static str,
    forge: fn(&Kit, &Value) -> String,
    token: Want,
    arm: Want,
    graph: Want,
) -> Case {
    Case {
        name,
        forge,
        token,
        arm,
        graph,
    }
}

/// The three parts of a compact token.
fn parts(t: &str) -> [String; 3] {
    let p: Vec<&str> = t.split('.').collect();
    [p[0].into(), p[1].into(), p[2].into()]
}

fn cases() -> Vec<Case> {
    vec![
        case(
            "a genuine token (the baseline)",
            |k, c| k.sign(&k.header, c),
            Accepted,
            Accepted,
            AUTHENTICATED,
        ),
        case(
            "alg none, no signature",
            |k, c| {
                let h = k.header_with(json!({"alg": "none"}));
                format!("{}.{}.", json_b64(&h), json_b64(c))
            },
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "alg none over a genuine signature",
            |k, c| k.relabeled("none", c),
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "HS256 keyed with the public key's PEM",
            |k, c| k.hs256(k.public_pem().as_bytes(), c),
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "HS256 keyed with the published JWK",
            |k, c| k.hs256(k.real.jwk(None).to_string().as_bytes(), c),
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "ES256 named over an RS256 signature",
            |k, c| k.relabeled("ES256", c),
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "a foreign key under the real kid and x5t",
            |k, c| k.foreign(json!({}), c),
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "a foreign key named by jku",
            |k, c| k.foreign(json!({"jku": format!("{}/jwks", k.listener)}), c),
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "a foreign key named by x5u",
            |k, c| k.foreign(json!({"x5u": format!("{}/cert.pem", k.listener)}), c),
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "a foreign key embedded as jwk",
            |k, c| k.foreign(json!({"jwk": k.foreign.jwk(None), "kid": null}), c),
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "a foreign certificate in x5c",
            |k, c| {
                let cert = base64::engine::general_purpose::STANDARD.encode(k.foreign.cert_der());
                k.foreign(json!({"x5c": [cert], "kid": null, "x5t": null}), c)
            },
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "the real key with jku and x5u pointing elsewhere (ignored)",
            |k, c| {
                let h = k.header_with(json!({
                    "jku": format!("{}/jwks", k.listener),
                    "x5u": format!("{}/cert.pem", k.listener),
                }));
                k.sign(&h, c)
            },
            Accepted,
            Accepted,
            AUTHENTICATED,
        ),
        case(
            "kid path traversal",
            |k, c| {
                k.foreign(
                    json!({"kid": "../../../../../../etc/passwd", "x5t": null}),
                    c,
                )
            },
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "kid SQL injection",
            |k, c| k.foreign(json!({"kid": "x' OR '1'='1' --", "x5t": null}), c),
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "kid not a string",
            |k, c| k.sign(&k.header_with(json!({"kid": {"$ne": null}})), c),
            MALFORMED,
            INVALID,
            INVALID,
        ),
        case(
            "signature stripped",
            |k, c| {
                let [h, p, _] = parts(&k.sign(&k.header, c));
                format!("{h}.{p}.")
            },
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "signature of other claims swapped in",
            |k, c| {
                let other = Kit::claims_with(c, json!({"jti": "another"}));
                let [_, _, s] = parts(&k.sign(&k.header, &other));
                let [h, p, _] = parts(&k.sign(&k.header, c));
                format!("{h}.{p}.{s}")
            },
            FORGED,
            INVALID,
            INVALID,
        ),
        case(
            "expired an hour ago",
            |k, c| {
                let c = Kit::claims_with(
                    c,
                    json!({"iat": k.now - 7200, "nbf": k.now - 7200, "exp": k.now - 3600}),
                );
                k.sign(&k.header, &c)
            },
            Entra(700024, "invalid_client"),
            Error(401, "ExpiredAuthenticationToken"),
            Error(401, "ExpiredAuthenticationToken"),
        ),
        case(
            "nbf an hour ahead",
            |k, c| {
                let c = Kit::claims_with(c, json!({"nbf": k.now + 3600, "exp": k.now + 7200}));
                k.sign(&k.header, &c)
            },
            Entra(700024, "invalid_client"),
            INVALID,
            INVALID,
        ),
        case(
            // ARM and Graph judge nbf and exp, not iat, as Azure's validators do.
            "iat an hour ahead",
            |k, c| {
                k.sign(
                    &k.header,
                    &Kit::claims_with(c, json!({"iat": k.now + 3600})),
                )
            },
            Entra(700024, "invalid_client"),
            Accepted,
            AUTHENTICATED,
        ),
        case(
            // The verifiers' sums saturate: once an overflow panicked the ARM handler.
            "exp at the largest NumericDate",
            |k, c| k.sign(&k.header, &Kit::claims_with(c, json!({"exp": i64::MAX}))),
            Entra(700024, "invalid_client"),
            Accepted,
            AUTHENTICATED,
        ),
        case(
            "exp at the smallest NumericDate, nbf at the largest",
            |k, c| {
                let c = Kit::claims_with(c, json!({"exp": i64::MIN, "nbf": i64::MAX}));
                k.sign(&k.header, &c)
            },
            Entra(700024, "invalid_client"),
            Error(401, "ExpiredAuthenticationToken"),
            Error(401, "ExpiredAuthenticationToken"),
        ),
        case(
            "an unknown crit header",
            |k, c| {
                let h = k.header_with(
                    json!({"crit": ["urn:example:unknown"], "urn:example:unknown": 1}),
                );
                k.sign(&h, c)
            },
            MALFORMED,
            INVALID,
            INVALID,
        ),
        case(
            "a wrong audience",
            |k, c| {
                k.sign(
                    &k.header,
                    &Kit::claims_with(c, json!({"aud": "api://somebody-else"})),
                )
            },
            // An Entra-issued token for another audience is no federated assertion.
            Entra(700222, "invalid_client"),
            Error(401, "InvalidAuthenticationTokenAudience"),
            Error(401, "InvalidAuthenticationTokenAudience"),
        ),
        case(
            "a wrong issuer",
            |k, c| {
                let c = Kit::claims_with(c, json!({"iss": "https://sts.example.invalid/x/"}));
                k.sign(&k.header, &c)
            },
            Entra(700211, "invalid_client"),
            INVALID,
            INVALID,
        ),
        case(
            "a nested JWT as the payload",
            |k, c| {
                let inner = k.sign(&k.header, c);
                let h = k.header_with(json!({"cty": "JWT"}));
                let input = format!("{}.{}", json_b64(&h), b64(inner));
                let sig = k.real.sign_bytes(input.as_bytes());
                format!("{input}.{}", b64(sig))
            },
            MALFORMED,
            INVALID,
            INVALID,
        ),
        case(
            "a genuine 20 KiB token",
            |k, c| {
                k.sign(
                    &k.header,
                    &Kit::claims_with(c, json!({"pad": "x".repeat(20 * 1024)})),
                )
            },
            MALFORMED,
            INVALID,
            INVALID,
        ),
        case(
            "a 40 KiB token",
            |k, c| {
                k.sign(
                    &k.header,
                    &Kit::claims_with(c, json!({"pad": "x".repeat(40 * 1024)})),
                )
            },
            MALFORMED,
            Error(431, "RequestHeaderFieldsTooLarge"),
            Error(431, "RequestHeaderFieldsTooLarge"),
        ),
    ]
}

/// Whether the answer is the one wanted (a failure is printed).
fn check(case: &str, plane: &str, want: Want, status: StatusCode, body: &Value) -> bool {
    let case = format!("{case} ({plane})");
    crate::common::holds(|| match want {
        Accepted => assert_eq!(status, StatusCode::OK, "{case}: {body}"),
        Entra(code, error) => TestServer::assert_case_entra(&case, status, body, code, error),
        Error(want, code) => {
            crate::common::assert_case_error_code(&case, status, body, want, code);
        }
    })
}

/// A listener on loopback that counts the connections it accepts.
async fn listener() -> (String, Arc<AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while l.accept().await.is_ok() {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    (url, count)
}

#[tokio::test]
async fn forged_tokens_are_refused_by_every_verifier() {
    let (s, arm_token) = TestServer::start_with_arm_token().await;
    let issuer = Issuer::Tenant(s.tenant());
    let real = s.signing_key(issuer).await;
    let (foreign, _) =
        SigningKey::generate(keyless_jose::KidStyle::Entra, "not-an-issuer").unwrap();
    let (url, connections) = listener().await;
    let kit = Kit {
        real,
        foreign,
        header: s.key_header(issuer).await,
        listener: url,
        now: s.state.now(),
    };
    let assertion = s.id_token_claims().await;
    let oid = support::demo_sp_id(&s).await;
    let arm = support::demo_access_claims(&s, ARM_AUD, &oid);
    let graph = support::demo_access_claims(&s, GRAPH_AUD, &oid);
    let id_token = s.id_token().await;
    let mut failed = Vec::new();
    for c in cases() {
        let (status, body) = s.exchange(&(c.forge)(&kit, &assertion)).await;
        let token = check(c.name, "token endpoint", c.token, status, &body);
        s.exchange(&id_token).await.expect_status(StatusCode::OK);

        let (status, body) = s.get_as(&(c.forge)(&kit, &arm), SUBSCRIPTIONS).await;
        let arm = check(c.name, "ARM", c.arm, status, &body);
        s.get_ok_as(&arm_token, SUBSCRIPTIONS).await;

        let (status, body) = s.get_as(&(c.forge)(&kit, &graph), APPLICATIONS).await;
        let graph = check(c.name, "Graph", c.graph, status, &body);
        s.admin_ok(APPLICATIONS).await;
        if !(token && arm && graph) {
            failed.push(c.name);
        }
    }
    assert!(failed.is_empty(), "failed: {failed:?}");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "a verifier fetched a URL a token named"
    );
}
