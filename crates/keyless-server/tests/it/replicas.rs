//! Several in-process replicas on one throwaway PostgreSQL database, as a load balancer
//! would see them: one public URL (`https://keyless.test`, resolved by each test client to
//! the replica it talks to), one key-encryption key, one database, separate data
//! directories (each its own local CA).
//!
//! Without PostgreSQL binaries these tests fail, unless `KEYLESS_SKIP_POSTGRES=1` (then they
//! skip, loudly).
#![allow(clippy::unwrap_used)]

use crate::common::{Client, Expect, Running, oidc_request, sorted_unique};
use crate::support::find_item;
use keyless_server::keyring::Issuer;
use keyless_server::{AppState, Config};
use keyless_store::testing::pg;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "replicas_console.rs"]
mod console;

const PUBLIC_URL: &str = "https://keyless.test";
const PUBLIC_HOST: &str = "keyless.test";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const ARM_SCOPE: &str = "https://management.azure.com/.default";

/// A fresh database on the shared throwaway server (`None`: skipping, loudly).
async fn database() -> Option<String> {
    tokio::task::spawn_blocking(pg::test_database_url)
        .await
        .unwrap()
}

fn new_kek() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(keyless_jose::random_bytes(32))
}

fn config(database: &str, kek: &str, dir: &std::path::Path, publish_ahead: i64) -> Config {
    let mut c = Config::new(dir.to_path_buf(), "127.0.0.1:0".parse().unwrap());
    c.public_url = Some(PUBLIC_URL.into());
    c.database = Some(database.into());
    c.kek = Some(kek.into());
    c.key_publish_ahead_secs = publish_ahead;
    c
}

struct Replica {
    state: AppState,
    http: reqwest::Client,
    /// The same, following no redirect (a browser of the console).
    browser: reqwest::Client,
    /// The demo environment, on the replica started with `--demo`.
    env: HashMap<String, String>,
    _running: Running,
}

impl Replica {
    /// `keyless serve [--demo] --public-url https://keyless.test --database URL` with
    /// `KEYLESS_KEK`, on port 0, serving until dropped.
    async fn start(database: &str, kek: &str, demo: bool, publish_ahead: i64) -> Replica {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(database, kek, dir.path(), publish_ahead);
        config.demo = demo;
        let prepared = keyless_server::serve::prepare(&config).await.unwrap();
        let env = prepared
            .demo_env
            .as_deref()
            .map(keyless_server::world::demo::parse_env)
            .unwrap_or_default();
        let ca = prepared.ca_cert.as_deref().unwrap();
        let http = client(ca, prepared.addr, reqwest::redirect::Policy::default());
        let browser = client(ca, prepared.addr, reqwest::redirect::Policy::none());
        let state = prepared.state.clone();
        Replica {
            state,
            http,
            browser,
            env,
            _running: Running::spawn(prepared, dir),
        }
    }

    /// A caller of this replica at the public URL, with `bearer`.
    fn client(&self, bearer: Option<&str>) -> Client<'_> {
        Client::new(&self.http, PUBLIC_URL, bearer)
    }

    /// The demo administrator as a caller of this replica (`env` comes from the demo
    /// replica).
    fn admin<'a>(&'a self, env: &HashMap<String, String>) -> Client<'a> {
        self.client(Some(&env["KEYLESS_TOKEN"]))
    }

    /// The demo job's ID token for the demo connection, minted by this replica.
    async fn id_token(&self, env: &HashMap<String, String>) -> String {
        let body = oidc_request(
            &self.http,
            &env["SYSTEM_OIDCREQUESTURI"],
            &env["SYSTEM_ACCESSTOKEN"],
            &env["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"],
        )
        .await
        .expect_status(StatusCode::OK);
        body["oidcToken"].as_str().unwrap().to_string()
    }

    /// Exchanges an assertion for an ARM token of the demo app at this replica.
    async fn exchange(&self, env: &HashMap<String, String>, assertion: &str) -> reqwest::Response {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", env["AZURE_CLIENT_ID"].as_str()),
            ("scope", ARM_SCOPE),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
        ];
        self.http
            .post(format!(
                "{PUBLIC_URL}/{}/oauth2/v2.0/token",
                env["AZURE_TENANT_ID"]
            ))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// A fresh ID token exchanged at this replica: the ARM access token.
    async fn arm_token(&self, env: &HashMap<String, String>) -> String {
        let id = self.id_token(env).await;
        let resp = self.exchange(env, &id).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    /// `GET /subscriptions/{demo subscription}` with `token`.
    async fn arm_get(&self, env: &HashMap<String, String>, token: &str) -> (StatusCode, Value) {
        let path = format!(
            "/subscriptions/{}?api-version=2022-12-01",
            env["AZURE_SUBSCRIPTION_ID"]
        );
        self.client(Some(token)).get(&path).await
    }

    /// The tenant's JWKS as this replica publishes it.
    async fn jwks(&self, tenant: &str) -> Value {
        let keys = format!("/{tenant}/discovery/v2.0/keys");
        self.client(None).get_ok(&keys).await
    }

    /// The kids of the tenant's JWKS as this replica publishes it, sorted.
    async fn jwks_kids(&self, tenant: &str) -> Vec<String> {
        sorted_unique(&self.jwks(tenant).await["keys"], "kid")
    }

    /// The signing keys of an issuer (`owner`), straight from the shared store.
    async fn signing_keys(&self, owner: &str) -> Vec<keyless_model::keys::SigningKeyRecord> {
        self.state
            .shared_store()
            .list_signing_keys(owner)
            .await
            .unwrap()
    }

    async fn readyz(&self) -> StatusCode {
        self.http
            .get(format!("{PUBLIC_URL}/readyz"))
            .send()
            .await
            .unwrap()
            .status()
    }
}

/// A client of one replica: `keyless.test` resolves to it, its local CA is trusted.
fn client(
    ca: &std::path::Path,
    addr: SocketAddr,
    redirect: reqwest::redirect::Policy,
) -> reqwest::Client {
    let ca = std::fs::read(ca).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .resolve(PUBLIC_HOST, addr)
        .redirect(redirect)
        .build()
        .unwrap()
}

/// The JOSE header of a compact JWT.
fn header(jwt: &str) -> Value {
    use base64::Engine;
    let h = jwt.split('.').next().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(h)
            .unwrap(),
    )
    .unwrap()
}

fn kid(jwt: &str) -> String {
    header(jwt)["kid"].as_str().unwrap().to_string()
}

/// Polls `check` every 50 ms until it holds; panics after `within`. Returns the time taken.
async fn eventually<F: AsyncFnMut() -> bool>(
    within: Duration,
    what: &str,
    mut check: F,
) -> Duration {
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Two replicas on a fresh database with one key-encryption key, the first (A) started with
/// the demo world, and the demo environment; `None` when skipping.
async fn two_replicas(publish_ahead: i64) -> Option<(Replica, Replica, HashMap<String, String>)> {
    let url = database().await?;
    let kek = new_kek();
    let a = Replica::start(&url, &kek, true, publish_ahead).await;
    let b = Replica::start(&url, &kek, false, publish_ahead).await;
    let env = a.env.clone();
    Some((a, b, env))
}

/// (i) Changes made through one replica are enforced by the other within a second: B's grant
/// cache drops what it copied when PostgreSQL notifies the change (usually in milliseconds).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changes_through_one_replica_are_enforced_by_the_other_within_a_second() {
    let Some((a, b, env)) = two_replicas(0).await else {
        return;
    };
    let tenant: uuid::Uuid = env["AZURE_TENANT_ID"].parse().unwrap();

    // B answers for A's world: an ID token minted by B, exchanged at B, used at both ARMs.
    let token = b.arm_token(&env).await;
    assert_eq!(b.arm_get(&env, &token).await.0, StatusCode::OK);
    assert_eq!(a.arm_get(&env, &token).await.0, StatusCode::OK);

    // A removed role assignment (written through A's store): B's ARM refuses within 1 s.
    let sp = a
        .state
        .shared_store()
        .find_service_principal(tenant, env["AZURE_CLIENT_ID"].parse().unwrap())
        .await
        .unwrap();
    let assignments = a
        .state
        .shared_store()
        .list_role_assignments_for_principal(sp.id)
        .await
        .unwrap();
    assert!(!assignments.is_empty());
    let saved = assignments.clone();
    for ra in &assignments {
        a.state
            .shared_store()
            .delete_role_assignment(ra.id)
            .await
            .unwrap();
    }
    // Without any assignment the subscription is not even visible (as in ARM).
    let mut hidden = Value::Null;
    eventually(
        Duration::from_secs(1),
        "B stops showing the subscription",
        async || {
            let (status, body) = b.arm_get(&env, &token).await;
            hidden = body;
            status == StatusCode::NOT_FOUND
        },
    )
    .await;
    assert_eq!(hidden["error"]["code"], "SubscriptionNotFound", "{hidden}");
    for ra in &saved {
        a.state
            .shared_store()
            .create_role_assignment(ra)
            .await
            .unwrap();
    }
    eventually(
        Duration::from_secs(1),
        "B shows the subscription again",
        async || b.arm_get(&env, &token).await.0 == StatusCode::OK,
    )
    .await;

    // The federated credentials deleted through A's Graph API: B refuses the exchange.
    let app = a
        .state
        .shared_store()
        .find_application_by_name(tenant, "demo-deploy")
        .await
        .unwrap();
    let fics = format!("/v1.0/applications/{}/federatedIdentityCredentials", app.id);
    let list = a.admin(&env).get_ok(&fics).await;
    let names = sorted_unique(&list["value"], "name");
    assert!(!names.is_empty());
    let id_token = b.id_token(&env).await;
    assert_eq!(b.exchange(&env, &id_token).await.status(), StatusCode::OK);
    for name in &names {
        a.admin(&env)
            .delete(&format!("{fics}/{name}"))
            .await
            .expect_status(StatusCode::NO_CONTENT);
    }
    let mut refused = Value::Null;
    let took = eventually(
        Duration::from_secs(1),
        "B refuses the deleted credential",
        async || {
            let resp = b.exchange(&env, &id_token).await;
            if resp.status() == StatusCode::OK {
                return false;
            }
            refused = resp.json().await.unwrap();
            true
        },
    )
    .await;
    assert!(took < Duration::from_secs(1));
    let code = refused["error_codes"][0].as_u64().unwrap();
    assert!(
        [70025, 700213, 7002138, 700211].contains(&code),
        "{refused}"
    );
    assert_eq!(refused["error"], "invalid_client", "{refused}");
}

/// (ii) Four replicas starting together on an empty database: migrations run once, the
/// first administrator is created once, and each issuer gets exactly one signing key, the
/// same in every replica.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_starts_create_one_key_per_issuer() {
    let Some(url) = database().await else { return };
    let kek = new_kek();
    let organization = Issuer::Organization(uuid::Uuid::new_v4());
    let barrier = Arc::new(tokio::sync::Barrier::new(4));
    let mut starting = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (url, kek, barrier) = (url.clone(), kek.clone(), barrier.clone());
        starting.spawn(async move {
            let dir = tempfile::tempdir().unwrap();
            let prepared = keyless_server::serve::prepare(&config(&url, &kek, dir.path(), 0))
                .await
                .unwrap();
            let s = prepared.state.clone();
            let tenant = s.shared_store().find_tenant("default").await.unwrap();
            // Every replica's first token needs the issuers' keys at the same moment.
            barrier.wait().await;
            let (t, o) = tokio::join!(
                s.keys.get(Issuer::Tenant(tenant.id)),
                s.keys.get(organization)
            );
            let kids = (
                t.unwrap().active.kid().to_string(),
                o.unwrap().active.kid().to_string(),
            );
            (
                kids,
                prepared.first_admin_token.is_some(),
                tenant.id,
                s,
                dir,
            )
        });
    }
    let started = starting.join_all().await;
    let admins = started.iter().filter(|s| s.1).count();
    assert_eq!(admins, 1, "one replica creates the first administrator");
    let (kids, _, tenant, store, _) = &started[0];
    for s in &started {
        assert_eq!(&s.0, kids, "every replica signs with the same keys");
    }
    let store = &store.shared_store();
    let tenant_keys = store
        .list_signing_keys(&Issuer::Tenant(*tenant).owner())
        .await
        .unwrap();
    assert_eq!(tenant_keys.len(), 1, "{tenant_keys:?}");
    assert_eq!(tenant_keys[0].kid, kids.0);
    let org_keys = store
        .list_signing_keys(&organization.owner())
        .await
        .unwrap();
    assert_eq!(org_keys.len(), 1, "{org_keys:?}");
    assert_eq!(store.list_tenants().await.unwrap().len(), 1);
}

/// (iii) Rotation through A: the new key is in B's JWKS before anything is signed with it,
/// signs after the overlap (here 600 s, reached by moving both clocks), and tokens signed
/// before the rotation keep validating at both ARM planes until they expire; the old key
/// then leaves the JWKS and the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotation_publishes_first_signs_later_and_keeps_old_tokens_valid() {
    const AHEAD: i64 = 600;
    let Some((a, b, env)) = two_replicas(AHEAD).await else {
        return;
    };
    let tenant = env["AZURE_TENANT_ID"].clone();

    let before = b.arm_token(&env).await;
    let old_kid = kid(&before);
    assert_eq!(b.jwks_kids(&tenant).await, vec![old_kid.clone()]);

    let issuer = json!({"issuer": format!("tenant:{tenant}")});
    let body = a
        .admin(&env)
        .post("/keyless/v1/keys/rotate", issuer)
        .await
        .expect_status(StatusCode::OK);
    let rotated = body["value"].as_array().unwrap();
    assert_eq!(rotated.len(), 1, "{body}");
    let new_kid = rotated[0]["kid"].as_str().unwrap().to_string();
    assert_ne!(new_kid, old_kid);
    let mut both = vec![new_kid.clone(), old_kid.clone()];
    both.sort();
    assert_eq!(rotated[0]["state"], "pending", "{body}");

    // Published at once by A, within B's refresh period by B; not signing yet anywhere.
    assert_eq!(a.jwks_kids(&tenant).await, both.clone());
    eventually(
        Duration::from_secs(5),
        "B publishes the new key",
        async || b.jwks_kids(&tenant).await == both.clone(),
    )
    .await;
    assert_eq!(kid(&a.arm_token(&env).await), old_kid);
    assert_eq!(kid(&b.arm_token(&env).await), old_kid);

    // After the overlap the new key signs, on both replicas.
    a.state.clock.advance(AHEAD);
    b.state.clock.advance(AHEAD);
    let from_a = a.arm_token(&env).await;
    let from_b = b.arm_token(&env).await;
    assert_eq!(kid(&from_a), new_kid);
    assert_eq!(kid(&from_b), new_kid);
    for token in [&before, &from_a, &from_b] {
        a.arm_get(&env, token).await.expect_status(StatusCode::OK);
        b.arm_get(&env, token).await.expect_status(StatusCode::OK);
    }
    // Both keys published during the overlap; the listing shows where each one is.
    assert_eq!(b.jwks_kids(&tenant).await, both.clone());
    let listed = b.admin(&env).get_ok("/keyless/v1/keys").await;
    let state_of = |kid: &str| find_item(&listed, "kid", kid)["state"].clone();
    assert_eq!(state_of(&new_kid), json!("signing"));
    assert_eq!(state_of(&old_kid), json!("retired"));
    assert!(!listed.to_string().contains("sealed"), "{listed}");

    // Once every token of the old key has expired, it leaves the JWKS, then the store.
    let expire = keyless_server::keyring::PUBLISHED_AFTER_RETIREMENT + 1;
    a.state.clock.advance(expire);
    b.state.clock.advance(expire);
    assert_eq!(b.jwks_kids(&tenant).await, vec![new_kid.clone()]);
    assert_eq!(a.jwks_kids(&tenant).await, vec![new_kid.clone()]);
    let done = a.state.keys.maintain(30).await.unwrap();
    assert_eq!(done.deleted, 1);
    assert!(done.rotated.is_empty());
    let left = a.signing_keys(&format!("tenant:{tenant}")).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].kid, new_kid);
}

/// (iii, continued) Scheduled rotation: replicas running their maintenance together rotate
/// an overdue key once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scheduled_rotation_on_every_replica_rotates_once() {
    let Some((a, b, env)) = two_replicas(0).await else {
        return;
    };
    let tenant: uuid::Uuid = env["AZURE_TENANT_ID"].parse().unwrap();
    let issuer = Issuer::Tenant(tenant);
    let old_kid = b
        .state
        .keys
        .get(issuer)
        .await
        .unwrap()
        .active
        .kid()
        .to_string();
    let keys_before = a.signing_keys(&issuer.owner()).await;
    assert_eq!(keys_before.len(), 1);

    // Nothing is due yet.
    assert!(a.state.keys.maintain(30).await.unwrap().rotated.is_empty());
    a.state.clock.advance(31 * 86_400);
    b.state.clock.advance(31 * 86_400);
    let (ra, rb) = tokio::join!(a.state.keys.maintain(30), b.state.keys.maintain(30));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    // One new key for the tenant, whichever replica won; both report the winner.
    let keys_after = a.signing_keys(&issuer.owner()).await;
    assert_eq!(keys_after.len(), 2, "{keys_after:?}");
    let new_kid = keys_after[0].kid.clone();
    assert_ne!(new_kid, old_kid);
    for done in [&ra, &rb] {
        assert!(done.rotated.iter().any(|k| k.kid == new_kid), "{done:?}");
    }
    // With no overlap configured it signs at once, on both replicas.
    for r in [&a, &b] {
        assert_eq!(
            r.state.keys.get(issuer).await.unwrap().active.kid(),
            new_kid
        );
    }
}

/// (iv) A tenant set to ES256 gets ES256 access tokens, published in its JWKS and accepted
/// by the other replica's ARM plane (an unknown kid makes it re-read the keys); pipeline ID
/// tokens stay RS256.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn es256_tenant_tokens_are_accepted_by_the_other_replica() {
    let Some((a, b, env)) = two_replicas(0).await else {
        return;
    };
    let tenant = env["AZURE_TENANT_ID"].clone();
    // B has the tenant's keys cached before the change.
    let rs = b.arm_token(&env).await;
    assert_eq!(header(&rs)["alg"], "RS256");
    assert_eq!(b.arm_get(&env, &rs).await.0, StatusCode::OK);

    let settings = format!("/keyless/v1/tenants/{tenant}/settings");
    let body = a
        .admin(&env)
        .patch(&settings, json!({"accessTokenAlgorithm": "ES256"}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(body["accessTokenAlgorithm"], "ES256", "{body}");

    let es = a.arm_token(&env).await;
    let h = header(&es);
    assert_eq!(h["alg"], "ES256", "{h}");
    assert_eq!(h["typ"], "JWT", "{h}");
    b.arm_get(&env, &es).await.expect_status(StatusCode::OK);
    assert_eq!(a.arm_get(&env, &es).await.0, StatusCode::OK);
    // The RS256 token issued before the switch is still good.
    assert_eq!(b.arm_get(&env, &rs).await.0, StatusCode::OK);
    // B issues ES256 tokens with the same key.
    let es_b = b.arm_token(&env).await;
    assert_eq!(header(&es_b)["alg"], "ES256");
    assert_eq!(kid(&es_b), kid(&es));
    // The JWKS carries the P-256 key next to the RSA one.
    let jwks = b.jwks(&tenant).await;
    let ec = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid(&es).as_str())
        .cloned()
        .unwrap();
    assert_eq!(ec["kty"], "EC", "{ec}");
    assert_eq!(ec["crv"], "P-256", "{ec}");
    // Assertions stay RS256.
    assert_eq!(header(&b.id_token(&env).await)["alg"], "RS256");
    // A tampered ES256 token is refused.
    let mut forged = es.clone();
    forged.pop();
    forged.push(if es.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(b.arm_get(&env, &forged).await.0, StatusCode::UNAUTHORIZED);
}

/// (v) The database goes away: the replica refuses what it cannot check with 503 in each
/// plane's envelope (no Retry-After), `/readyz` says 503, and both come back by themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_without_its_database_refuses_and_recovers() {
    // A server of its own, since this test stops it.
    let server = match pg::ThrowawayPostgres::start() {
        Ok(pg) => pg,
        Err(pg::HarnessError::NotInstalled) if std::env::var(pg::SKIP_ENV).is_ok() => return,
        Err(e) => panic!("{e}"),
    };
    let url = server.create_database();
    let kek = new_kek();
    let a = Replica::start(&url, &kek, true, 0).await;
    let env = a.env.clone();
    assert_eq!(a.readyz().await, StatusCode::OK);
    let token = a.arm_token(&env).await;
    let id_token = a.id_token(&env).await;

    tokio::task::block_in_place(|| server.stop()).unwrap();
    assert_eq!(a.readyz().await, StatusCode::SERVICE_UNAVAILABLE);

    let resp = a.exchange(&env, &id_token).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(resp.headers().get("retry-after").is_none());
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    assert_eq!(body["error_codes"], json!([90033]), "{body}");
    let d = body["error_description"].as_str().unwrap();
    assert!(
        d.starts_with("AADSTS90033: ") && d.contains(" Trace ID: "),
        "{d}"
    );

    let body = a
        .arm_get(&env, &token)
        .await
        .expect_status(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"]["code"], "ServiceUnavailable", "{body}");

    // Alive (for the load balancer: do not restart it), just not ready.
    let live = a
        .http
        .get(format!("{PUBLIC_URL}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);

    tokio::task::block_in_place(|| server.restart()).unwrap();
    eventually(Duration::from_secs(15), "readyz is 200 again", async || {
        a.readyz().await == StatusCode::OK
    })
    .await;
    let resp = a.exchange(&env, &id_token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(a.arm_get(&env, &token).await.0, StatusCode::OK);
}
