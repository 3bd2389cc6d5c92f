//! The fuzz targets, one table: the JWT parser and verifier (compact tokens, and headers
//! and claims under a genuine signature), the token endpoint's form, world files,
//! claims matching expressions, ARM paths, Graph `$filter` and pipeline YAML. Parsers are
//! called directly; what only a route reaches (the form, ARM paths, `$filter`, claims as
//! the bearer check judges them) goes through the whole router in process, and every
//! answer must be a success or a 4xx in the envelope of the path's plane.

use super::{Settings, Target, run};
use crate::common::{ARM_SCOPE, JWT_BEARER, TestServer};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use keyless_jose::jwt::MAX_JWT_LEN;
use keyless_jose::{MalformedJwt, PublicKey, UnverifiedJwt};
use keyless_model::federation::expression::{self, ExpressionError};
use keyless_server::edge::{Shape, shape_of};
use keyless_server::keyring::Issuer;
use serde_json::{Map, Value, json};
use std::time::Duration;
use tower::ServiceExt;

const PARSER_BOUND: Duration = Duration::from_secs(2);
const ROUTE_BOUND: Duration = Duration::from_secs(10);

fn seeds(texts: &[&str]) -> Vec<Vec<u8>> {
    texts.iter().map(|t| t.as_bytes().to_vec()).collect()
}

fn text(input: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(input)
}

/// Percent-encodes what may not appear raw in a request target, keeping `%` (malformed
/// escapes reach the server as sent) and, when `query`, `?`, `&` and `=`.
fn encode(input: &[u8], query: bool) -> String {
    let mut out = String::new();
    for &b in input {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~!$'()*+,;:@/%".contains(&b)
            || (query && b"?&=".contains(&b));
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A request through the whole router, in process: the status and the body as JSON
/// (`Value::Null` when empty, a string when not JSON).
struct Routes {
    router: axum::Router,
    handle: tokio::runtime::Handle,
}

impl Routes {
    /// `GET target` with `authorization`: its path, the status and the body; `None` when
    /// the target is no valid URI.
    fn get(&self, target: &str, authorization: &str) -> Option<(String, StatusCode, Value)> {
        let req = Request::get(target)
            .header("authorization", authorization)
            .body(Body::empty())
            .ok()?;
        let path = req.uri().path().to_string();
        let (status, body) = self.send(req);
        Some((path, status, body))
    }

    fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        let router = self.router.clone();
        self.handle.block_on(async move {
            let resp = router.oneshot(req).await.unwrap();
            let status = resp.status();
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            let body = if bytes.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(&bytes)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
            };
            (status, body)
        })
    }
}

/// A success, or a 4xx in the envelope of `path`'s plane.
fn answered_in_envelope(path: &str, status: StatusCode, body: &Value) -> Result<(), String> {
    if status.is_success() || status.is_redirection() {
        return Ok(());
    }
    if !status.is_client_error() {
        return Err(format!("{status} for {path}: {body}"));
    }
    let shaped = match shape_of(path) {
        Shape::Entra => body["error"].is_string() && body["error_description"].is_string(),
        Shape::DevOps => body["message"].is_string() && body["typeKey"].is_string(),
        Shape::Arm => body["error"]["code"].is_string() && body["error"]["message"].is_string(),
    };
    if shaped {
        Ok(())
    } else {
        Err(format!(
            "{status} for {path} not in its plane's envelope: {body}"
        ))
    }
}

/// A JWT with a header and claims given as bytes, signed with `key`'s real signature.
fn signed(key: &keyless_jose::SigningKey, header: &[u8], claims: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        keyless_jose::b64url(header),
        keyless_jose::b64url(claims)
    );
    let sig = key.sign_bytes(input.as_bytes());
    format!("{input}.{}", keyless_jose::b64url(sig))
}

/// Every target, ready to run against `s`.
async fn all(s: &TestServer, handle: tokio::runtime::Handle) -> Vec<Target> {
    let tenant_key = s.signing_key(Issuer::Tenant(s.tenant())).await;
    let org = s.store().find_organization("contoso").await.unwrap().id;
    let org_key = s.signing_key(Issuer::Organization(org)).await;
    let keys = vec![
        PublicKey::from_signing_key(&tenant_key),
        PublicKey::from_signing_key(&org_key),
    ];
    let arm_token = s.arm_token().await;
    let id_token = s.id_token().await;
    let routes = || Routes {
        router: keyless_server::router(s.state.clone()),
        handle: handle.clone(),
    };
    let sp = crate::support::demo_sp_id(s).await;
    let arm_claims = serde_json::to_vec(&crate::support::demo_access_claims(
        s,
        "https://management.azure.com",
        &sp,
    ))
    .unwrap();
    let header = serde_json::to_vec(&s.key_header(Issuer::Tenant(s.tenant())).await).unwrap();
    vec![
        jwt_compact(vec![arm_token.clone(), id_token.clone()], keys.clone()),
        jwt_header(tenant_key.clone(), header.clone(), arm_claims.clone()),
        bearer_claims(routes(), tenant_key, header, arm_claims),
        token_form(routes(), s, &id_token),
        world_file(),
        claims_expression(),
        arm_path(routes(), s, &arm_token),
        graph_filter(routes(), s),
        pipeline_yaml(),
    ]
}

/// Compact tokens: parsing never panics, an oversized token is `TooLarge`, and nothing
/// but the seeds themselves verifies with the keys that signed them.
fn jwt_compact(tokens: Vec<String>, keys: Vec<PublicKey>) -> Target {
    let seeds = tokens.iter().map(|t| t.as_bytes().to_vec()).collect();
    Target {
        name: "jwt",
        seeds,
        tokens: &[".", "=", "-", "_", "+", "/", "eyJ", "e30", "AA"],
        max_len: 2 * MAX_JWT_LEN,
        time_bound: PARSER_BOUND,
        check: Box::new(move |input| {
            let t = text(input);
            let parsed = UnverifiedJwt::parse(&t);
            if t.len() > MAX_JWT_LEN {
                return match parsed {
                    Err(MalformedJwt::TooLarge(_)) => Ok(()),
                    _ => Err(format!(
                        "a {}-byte token was not refused as too large",
                        t.len()
                    )),
                };
            }
            match parsed {
                Err(_) => Ok(()),
                Ok(jwt) => {
                    if jwt.verify_any(&keys).is_ok() && !tokens.iter().any(|s| *s == t) {
                        Err("a changed token verified".into())
                    } else {
                        Ok(())
                    }
                }
            }
        }),
    }
}

/// Headers under a genuine RS256 signature: a token verifies only when its header parses
/// to `alg: RS256` without `crit`, whatever else it says (`jku`, `x5u`, `jwk`, odd `kid`s).
fn jwt_header(key: keyless_jose::SigningKey, header: Vec<u8>, claims: Vec<u8>) -> Target {
    let public = PublicKey::from_signing_key(&key);
    let hostile = serde_json::to_vec(&json!({
        "alg": "RS256", "kid": "../../etc/passwd", "jku": "http://127.0.0.1:9/jwks",
        "x5u": "http://127.0.0.1:9/x5u", "jwk": {"kty": "oct", "k": "AA"}, "x5c": ["AA"]
    }))
    .unwrap();
    Target {
        name: "jwt_header",
        seeds: vec![header, hostile],
        tokens: &[
            "\"alg\"",
            "\"none\"",
            "\"HS256\"",
            "\"ES256\"",
            "\"RS256\"",
            "\"crit\"",
            "\"kid\"",
            "\"jku\"",
            "[]",
            "null",
            "true",
            ":",
            ",",
            "\\u0000",
            "\\ud800",
        ],
        max_len: 4096,
        time_bound: PARSER_BOUND,
        check: Box::new(move |input| {
            let token = signed(&key, input, &claims);
            let Ok(jwt) = UnverifiedJwt::parse(&token) else {
                return Ok(());
            };
            let alg = jwt.header().alg.clone();
            let crit = jwt.raw_header().contains_key("crit");
            match jwt.verify(&public) {
                Ok(_) if alg != "RS256" || crit => {
                    Err(format!("verified with alg {alg:?}, crit {crit}"))
                }
                _ => Ok(()),
            }
        }),
    }
}

/// Claims under a genuine signature, judged by ARM's bearer check: 200, or a 401 in ARM's
/// envelope; never a 5xx, whatever the types and sizes of `exp`, `nbf`, `aud`, `oid`.
fn bearer_claims(
    routes: Routes,
    key: keyless_jose::SigningKey,
    header: Vec<u8>,
    claims: Vec<u8>,
) -> Target {
    let path = "/subscriptions?api-version=2022-12-01".to_string();
    Target {
        name: "bearer_claims",
        seeds: vec![claims],
        tokens: &[
            "\"exp\"", "\"nbf\"", "\"iat\"", "\"aud\"", "\"oid\"", "\"tid\"", "\"iss\"", "[]",
            "{}", "null", "true", "\"\"", "1.5", ":", ",",
        ],
        max_len: 8192,
        time_bound: ROUTE_BOUND,
        check: Box::new(move |input| {
            let token = signed(&key, &header, input);
            if token.len() > MAX_JWT_LEN {
                return Ok(());
            }
            let req = Request::get(&path)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let (status, body) = routes.send(req);
            answered_in_envelope(&path, status, &body)
        }),
    }
}

/// The token endpoint's form, whole: an answer, or a refusal in Entra's envelope.
fn token_form(routes: Routes, s: &TestServer, id_token: &str) -> Target {
    let path = format!("/{}/oauth2/v2.0/token", s.tenant());
    let client = s.var("AZURE_CLIENT_ID");
    let form = |pairs: &[(&str, &str)]| serde_urlencoded::to_string(pairs).unwrap();
    let seeds = seeds(&[
        &form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client),
            ("scope", ARM_SCOPE),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", id_token),
        ]),
        &form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client),
            ("resource", "https://management.azure.com/"),
            ("client_secret", "not-the-secret"),
        ]),
        "grant_type=client_credentials&grant_type=password&client_id=a&client_id=b",
    ]);
    Target {
        name: "token_form",
        seeds,
        tokens: &[
            "&",
            "=",
            "%",
            "+",
            "%26",
            "%3D",
            "grant_type=",
            "client_id=",
            "scope=",
            "client_assertion=",
            "client_secret=",
            "resource=",
            ".default",
            "%00",
            "%FF",
        ],
        max_len: 64 * 1024,
        time_bound: ROUTE_BOUND,
        check: Box::new(move |input| {
            let req = Request::post(&path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(input.to_vec()))
                .unwrap();
            let (status, body) = routes.send(req);
            answered_in_envelope(&path, status, &body)
        }),
    }
}

/// World files: parsing ends in a world or a located error, never a panic or a hang
/// (deep nesting, aliases, huge numbers).
fn world_file() -> Target {
    let demo = include_str!("../../../src/world/demo.yaml");
    let small = concat!(
        "tenants:\n  - name: fabrikam\n    users:\n      - name: rita\n",
        "organizations:\n  - name: fabrikam\n    tenant: fabrikam\n    projects:\n      - name: infra\n",
    );
    let anchors = "tenants:\n  - &t\n    name: a\n    users: [&u {name: rita}, *u, *u]\n  - *t\n";
    Target {
        name: "world",
        seeds: seeds(&[demo, small, anchors]),
        tokens: &[
            ":",
            "- ",
            "&a",
            "*a",
            "<<: *a",
            "!!",
            "!!binary",
            "? ",
            "|",
            ">",
            "---",
            "...",
            "{",
            "}",
            "[",
            "]",
            "#",
            "%YAML 1.2\n",
            "\n  ",
        ],
        max_len: 64 * 1024,
        time_bound: PARSER_BOUND,
        check: Box::new(|input| {
            let t = text(input);
            match keyless_server::world::parse(&t) {
                Ok(_) => Ok(()),
                Err(e) if e.message.is_empty() => Err("an error without a message".into()),
                // An error at the end of the text is reported on the line after the last.
                Err(e) if e.line.is_some_and(|l| l > yaml_lines(&t) + 1) => {
                    Err(format!("line {:?} past the end", e.line))
                }
                Err(_) => Ok(()),
            }
        }),
    }
}

/// The lines of a YAML text: a line break is CR LF, CR or LF (YAML 1.2, 5.4).
fn yaml_lines(t: &str) -> usize {
    t.replace("\r\n", "\n").matches(['\r', '\n']).count() + 1
}

/// The position an expression error names, if any.
fn position(e: &ExpressionError) -> Option<usize> {
    match e {
        ExpressionError::TooManyComparisons(p)
        | ExpressionError::UnterminatedString(p)
        | ExpressionError::InvalidEscape(_, p)
        | ExpressionError::UnexpectedCharacter(_, p)
        | ExpressionError::EmptyClaimName(p) => Some(*p),
        ExpressionError::UnknownOperator { position, .. }
        | ExpressionError::Expected { position, .. } => Some(*position),
        _ => None,
    }
}

/// Claims matching expressions: an error names a position inside the text; a parsed
/// expression is true of the claims that hold each compared value (a glob matches its
/// own text), when no claim is compared twice.
fn claims_expression() -> Target {
    Target {
        name: "claims_expression",
        seeds: seeds(&[
            "claims['sub'] matches 'repo:contoso/app:ref:refs/heads/*' and claims['aud'] eq 'api://AzureADTokenExchange'",
            "(claims[\"sub\"] matches 'sc://contoso/*/*') and (claims['iss'] eq 'https://x/\\'y\\\\')",
            "claims['a'] eq 'b' and claims['c'] matches '?*?'",
        ]),
        tokens: &[
            "claims", "[", "]", "'", "\"", "\\", "\\'", "matches", "eq", "and", "or", "(", ")",
            "*", "?", "==", " ",
        ],
        max_len: 4096,
        time_bound: PARSER_BOUND,
        check: Box::new(|input| {
            let t = text(input);
            match expression::parse(&t, expression::LANGUAGE_VERSION) {
                Err(e) => {
                    let chars = t.chars().count();
                    match position(&e) {
                        Some(p) if p > chars => Err(format!("{e} (text of {chars} characters)")),
                        _ => Ok(()),
                    }
                }
                Ok(expr) => {
                    let mut claims = Map::new();
                    for c in expr.comparisons() {
                        if claims
                            .insert(c.claim.clone(), Value::String(c.value.clone()))
                            .is_some()
                        {
                            return Ok(());
                        }
                    }
                    if expr.evaluate(&claims) {
                        Ok(())
                    } else {
                        Err(format!("false of its own values: {claims:?}"))
                    }
                }
            }
        }),
    }
}

/// ARM paths and queries with an ARM token: an answer, or a 4xx in the envelope of the
/// path's plane (mutations also reach the tenant and organization routes).
fn arm_path(routes: Routes, s: &TestServer, token: &str) -> Target {
    let sub = format!("subscriptions/{}", s.var("AZURE_SUBSCRIPTION_ID"));
    let rg = format!("{sub}/resourceGroups/demo-rg");
    let seeds = seeds(&[
        &format!("{sub}?api-version=2022-12-01"),
        &format!("{rg}/resources?api-version=2022-12-01&$filter=resourceType eq 'x'&$top=5"),
        &format!(
            "{rg}/providers/Microsoft.Storage/storageAccounts/sa1/blobServices/default?api-version=2023-05-01"
        ),
        &format!(
            "{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1/federatedIdentityCredentials?api-version=2023-01-31"
        ),
        &format!(
            "{sub}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()"
        ),
        "providers/Microsoft.Management/managementGroups?api-version=2023-04-01",
        "tenants?api-version=2022-12-01",
    ]);
    let auth = format!("Bearer {token}");
    Target {
        name: "arm_path",
        seeds,
        tokens: &[
            "/",
            "//",
            "/providers/",
            "%2F",
            "%2E%2E",
            "..",
            "?",
            "&",
            "=",
            "api-version=",
            "Microsoft.Authorization",
            "resourceGroups",
            "%",
            "%ZZ",
            "$filter=",
        ],
        max_len: 20 * 1024,
        time_bound: ROUTE_BOUND,
        check: Box::new(move |input| {
            let target = format!("/{}", encode(input, true));
            match routes.get(&target, &auth) {
                Some((path, status, body)) => answered_in_envelope(&path, status, &body),
                None => Ok(()),
            }
        }),
    }
}

/// Graph `$filter` on applications, service principals and users, as the administrator:
/// 200, or Graph's 400 `Request_BadRequest`.
fn graph_filter(routes: Routes, s: &TestServer) -> Target {
    let admin = format!("Bearer {}", s.var("KEYLESS_TOKEN"));
    Target {
        name: "graph_filter",
        seeds: seeds(&[
            "appId eq '00000000-0000-0000-0000-000000000000'",
            "displayName eq 'O''Neil'",
            "startswith(displayName,'demo')",
            "userPrincipalName eq 'rita@x'",
        ]),
        tokens: &[
            "'",
            "''",
            "(",
            ")",
            ",",
            " eq ",
            " ne ",
            " and ",
            " or ",
            "startswith",
            "appId",
            "displayName",
            "&",
            "$top=",
            "%",
        ],
        max_len: 8192,
        time_bound: ROUTE_BOUND,
        check: Box::new(move |input| {
            let plural = ["applications", "servicePrincipals", "users"][input.len() % 3];
            let target = format!("/v1.0/{plural}?$filter={}", encode(input, false));
            let Some((_, status, body)) = routes.get(&target, &admin) else {
                return Ok(());
            };
            match status.as_u16() {
                200 => Ok(()),
                400 if body["error"]["code"] == "Request_BadRequest" => Ok(()),
                _ => Err(format!("{status} for {target}: {body}")),
            }
        }),
    }
}

/// Pipeline YAML with its templates: compiling never panics or hangs.
fn pipeline_yaml() -> Target {
    let base = include_str!("../../../../keyless-pipelines/tests/fixtures/repo/templates/base.yml");
    let mut files = std::collections::BTreeMap::new();
    files.insert("templates/base.yml".to_string(), base.to_string());
    Target {
        name: "pipeline_yaml",
        seeds: seeds(&[
            include_str!("../../../../keyless-pipelines/tests/fixtures/repo/azure-pipelines.yml"),
            include_str!("../../../../keyless-pipelines/tests/fixtures/plain/stages.yml"),
            include_str!("../../../../keyless-pipelines/tests/fixtures/plain/steps.yml"),
            base,
        ]),
        tokens: &[
            "${{ ",
            " }}",
            "${{ each x in parameters.environments }}:",
            "${{ if eq(1, 1) }}:",
            "template: templates/base.yml\n",
            "- ",
            ":",
            "&a",
            "*a",
            "<<: *a",
            "$(x)",
            "$[ ",
            "format('{0}{0}{0}', x)",
            "'",
            "\n  ",
        ],
        max_len: 64 * 1024,
        time_bound: PARSER_BOUND,
        check: Box::new(move |input| {
            let mut files = files.clone();
            files.insert("azure-pipelines.yml".to_string(), text(input).into_owned());
            let loader = keyless_pipelines::template::MapLoader(files);
            let options = keyless_pipelines::template::Options::default();
            let _ = keyless_pipelines::compile("azure-pipelines.yml", &loader, &options);
            Ok(())
        }),
    }
}

/// Every target for `KEYLESS_FUZZ_SECONDS` (2 s by default, the CI smoke run): no
/// finding. Prints each target's executions and slowest input.
#[test]
fn mutated_inputs_find_nothing() {
    let settings = Settings::from_env();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = rt.block_on(TestServer::start());
    let targets = rt.block_on(all(&s, rt.handle().clone()));
    let mut findings = Vec::new();
    for t in targets {
        if !settings.wants(t.name) {
            continue;
        }
        let name = t.name;
        let r = run(t, settings.seconds, settings.seed);
        eprintln!(
            "fuzz {name}: {} executions, {} findings, slowest input {:?}",
            r.executions,
            r.findings.len(),
            r.slowest
        );
        findings.extend(r.findings);
    }
    drop(s);
    rt.shutdown_timeout(Duration::from_secs(1));
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}
