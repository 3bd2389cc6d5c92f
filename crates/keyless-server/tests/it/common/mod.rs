//! An in-process `keyless serve --demo` on port 0 with TLS, plus helpers that speak to it
//! as the real clients do. Each test gets its own data directory and database.
#![allow(dead_code, clippy::unwrap_used)]

use keyless_server::keyring::Issuer;
use keyless_server::{AppState, Config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
pub const ARM_SCOPE: &str = "https://management.azure.com/.default";
/// The cloud metadata the Azure CLI reads on `az cloud register`.
pub const METADATA: &str = "/metadata/endpoints?api-version=2022-09-01";
/// The scope of Azure DevOps access tokens.
pub const DEVOPS_SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default";

pub mod faults;
pub mod wire;

pub struct TestServer {
    pub state: AppState,
    pub origin: String,
    /// The local CA's certificate (PEM), for raw TLS clients.
    pub ca_cert: std::path::PathBuf,
    pub http: reqwest::Client,
    pub env: HashMap<String, String>,
    _running: Running,
}

/// A prepared server serving on its own task until dropped, and its data directory.
pub struct Running {
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Running {
    pub fn spawn(prepared: keyless_server::serve::Prepared, dir: tempfile::TempDir) -> Running {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(prepared.run(async move {
            let _ = rx.await;
        }));
        Running {
            _dir: dir,
            stop: Some(tx),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Sends a request with an optional bearer token and JSON body; the body of the answer as
/// JSON, or as a JSON string when it is not JSON.
pub async fn request(
    http: &reqwest::Client,
    method: Method,
    url: String,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = http.request(method, url);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    answer(req).await
}

/// Sends a prepared request; its status and its body as JSON, or as a JSON string when it
/// is not JSON.
pub async fn answer(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A job's ID token request to its `SYSTEM_OIDCREQUESTURI` for `connection`, with its job
/// token, exactly as Python's AzurePipelinesCredential sends it. The body is `null` when
/// the answer is not JSON.
pub async fn oidc_request(
    http: &reqwest::Client,
    uri: &str,
    job_token: &str,
    connection: &str,
) -> (StatusCode, Value) {
    let resp = http
        .post(format!(
            "{uri}?api-version=7.1&serviceConnectionId={connection}"
        ))
        .bearer_auth(job_token)
        .header("Content-Type", "application/json")
        .header("X-TFS-FedAuthRedirect", "Suppress")
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The values of `field` in a JSON array, sorted and without repeats.
pub fn sorted_unique(items: &Value, field: &str) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v[field].as_str().unwrap().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

impl TestServer {
    /// The server's whole store.
    pub fn store(&self) -> &keyless_store::SharedStore {
        self.state.shared_store()
    }

    pub async fn start() -> TestServer {
        TestServer::start_with(|_| {}).await
    }

    /// A demo server whose configuration `adjust` changes first (limits, timeouts).
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path().to_path_buf(), "127.0.0.1:0".parse().unwrap());
        config.demo = true;
        adjust(&mut config);
        let prepared = keyless_server::serve::prepare(&config).await.unwrap();
        let env = keyless_server::world::demo::parse_env(prepared.demo_env.as_deref().unwrap());
        let ca_cert = prepared.ca_cert.clone().unwrap();
        let ca = std::fs::read(&ca_cert).unwrap();
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .build()
            .unwrap();
        let state = prepared.state.clone();
        let origin = prepared.origin.clone();
        TestServer {
            state,
            origin,
            ca_cert,
            http,
            env,
            _running: Running::spawn(prepared, dir),
        }
    }

    /// A server and an ARM access token of the demo app (a Contributor of the demo
    /// subscription).
    pub async fn start_with_arm_token() -> (TestServer, String) {
        let s = TestServer::start().await;
        let token = s.arm_token().await;
        (s, token)
    }

    pub fn var(&self, k: &str) -> String {
        self.env[k].clone()
    }

    /// A caller with `bearer`.
    pub fn client(&self, bearer: &str) -> Client<'_> {
        Client::new(&self.http, &self.origin, Some(bearer))
    }

    /// A caller without credentials.
    pub fn anonymous(&self) -> Client<'_> {
        Client::new(&self.http, &self.origin, None)
    }

    /// The administrator (the demo PAT) as a caller.
    pub fn as_admin(&self) -> Client<'_> {
        Client::new(&self.http, &self.origin, Some(&self.env["KEYLESS_TOKEN"]))
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = format!("{}{}", self.origin, path);
        request(&self.http, method, url, bearer, body).await
    }

    /// As the administrator (the demo PAT).
    pub async fn admin(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.as_admin().send(method, path, body).await
    }

    /// `GET path` as the administrator.
    pub async fn admin_get(&self, path: &str) -> (StatusCode, Value) {
        self.as_admin().get(path).await
    }

    /// `POST path` with a JSON body as the administrator.
    pub async fn admin_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.as_admin().post(path, body).await
    }

    /// `PUT path` with a JSON body as the administrator.
    pub async fn admin_put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.as_admin().put(path, body).await
    }

    /// `PATCH path` with a JSON body as the administrator.
    pub async fn admin_patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.as_admin().patch(path, body).await
    }

    /// `GET path` as the administrator, answered 200; the body.
    pub async fn admin_ok(&self, path: &str) -> Value {
        let (status, body) = self.admin_get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// `GET path` as the administrator, answered `want`; the body.
    pub async fn admin_get_expect(&self, path: &str, want: StatusCode) -> Value {
        self.admin_get(path).await.expect_status(want)
    }

    /// `POST path` as the administrator, answered 201; the created object.
    pub async fn admin_created(&self, path: &str, body: Value) -> Value {
        let (status, created) = self.admin_post(path, body).await;
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {created}");
        created
    }

    /// Creates the pipeline `name` of contoso's project web from `yaml` as the administrator.
    pub async fn admin_web_pipeline(&self, name: &str, yaml: &str) -> Value {
        self.admin_created(
            "/keyless/v1/organizations/contoso/projects/web/pipelines",
            json!({"name": name, "yaml": yaml}),
        )
        .await
    }

    /// `DELETE path` as the administrator.
    pub async fn admin_delete(&self, path: &str) -> (StatusCode, Value) {
        self.as_admin().delete(path).await
    }

    /// `GET path` without credentials.
    pub async fn anon_get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None, None).await
    }

    /// `GET path` without credentials, answered 200; the body.
    pub async fn anon_ok(&self, path: &str) -> Value {
        self.anon_get(path).await.expect_status(StatusCode::OK)
    }

    /// `POST path` with a JSON body, without credentials.
    pub async fn anon_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, None, Some(body)).await
    }

    /// `GET path` with `bearer`.
    pub async fn get_as(&self, bearer: &str, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, Some(bearer), None).await
    }

    /// `GET path` with `bearer`, answered 200; the body.
    pub async fn get_ok_as(&self, bearer: &str, path: &str) -> Value {
        self.client(bearer).get_ok(path).await
    }

    /// `POST path` with `bearer` and a JSON body.
    pub async fn post_as(&self, bearer: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(bearer), Some(body))
            .await
    }

    /// `PUT path` with `bearer` and a JSON body.
    pub async fn put_as(&self, bearer: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PUT, path, Some(bearer), Some(body)).await
    }

    /// `PATCH path` with `bearer` and a JSON body.
    pub async fn patch_as(&self, bearer: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PATCH, path, Some(bearer), Some(body))
            .await
    }

    /// `DELETE path` with `bearer`.
    pub async fn delete_as(&self, bearer: &str, path: &str) -> (StatusCode, Value) {
        self.send(Method::DELETE, path, Some(bearer), None).await
    }

    /// The demo job's ID token request for `connection`, with `job_token`.
    pub async fn oidc(&self, job_token: &str, connection: &str) -> (StatusCode, Value) {
        let uri = self.var("SYSTEM_OIDCREQUESTURI");
        oidc_request(&self.http, &uri, job_token, connection).await
    }

    pub async fn id_token(&self) -> String {
        let (status, body) = self
            .oidc(
                &self.var("SYSTEM_ACCESSTOKEN"),
                &self.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["oidcToken"].as_str().unwrap().to_string()
    }

    /// A raw token request (form body given as bytes).
    pub async fn token_raw(&self, tenant: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let req = self
            .http
            .post(format!("{}/{tenant}/oauth2/v2.0/token", self.origin))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        answer(req).await
    }

    pub async fn token(&self, tenant: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        self.token_raw(
            tenant,
            serde_urlencoded::to_string(form).unwrap().into_bytes(),
        )
        .await
    }

    /// Exchanges an assertion for the demo app in the demo tenant.
    pub async fn exchange(&self, assertion: &str) -> (StatusCode, Value) {
        let client = self.var("AZURE_CLIENT_ID");
        self.exchange_for(&client, ARM_SCOPE, assertion).await
    }

    /// Exchanges an assertion for the app `client` and `scope` in the demo tenant.
    pub async fn exchange_for(
        &self,
        client: &str,
        scope: &str,
        assertion: &str,
    ) -> (StatusCode, Value) {
        let tenant = self.var("AZURE_TENANT_ID");
        self.token(
            &tenant,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", client),
                ("scope", scope),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", assertion),
            ],
        )
        .await
    }

    pub async fn arm_token(&self) -> String {
        let id = self.id_token().await;
        let (status, body) = self.exchange(&id).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    /// Signs arbitrary claims with an issuer's real key (to build edge-case assertions).
    pub async fn sign(&self, issuer: Issuer, claims: Value) -> String {
        self.state
            .keys
            .get(issuer)
            .await
            .unwrap()
            .active
            .sign_jwt(&claims)
            .unwrap()
    }

    /// The issuer's active RS256 signing key.
    pub async fn signing_key(&self, issuer: Issuer) -> keyless_jose::SigningKey {
        let active = self.state.keys.get(issuer).await.unwrap().active.clone();
        active.as_ref().clone()
    }

    /// Signs `claims` under an arbitrary JOSE `header` with an issuer's real RS256 key (to
    /// build tokens with hostile headers that still carry a genuine signature).
    pub async fn sign_with_header(&self, issuer: Issuer, header: Value, claims: Value) -> String {
        let key = self.signing_key(issuer).await;
        let b64 = |v: &Value| keyless_jose::b64url(serde_json::to_vec(v).unwrap());
        let input = format!("{}.{}", b64(&header), b64(&claims));
        let sig = key.sign_bytes(input.as_bytes());
        format!("{input}.{}", keyless_jose::b64url(sig))
    }

    /// The header the issuer's active key writes, for tampering (`typ`, `alg`, `x5t`, `kid`).
    pub async fn key_header(&self, issuer: Issuer) -> Value {
        let key = self.signing_key(issuer).await;
        json!({"typ": "JWT", "alg": "RS256", "x5t": key.x5t(), "kid": key.kid()})
    }

    /// Signs `claims` with the issuer's key and exchanges the result for the demo app.
    pub async fn exchange_signed(&self, issuer: Issuer, claims: Value) -> (StatusCode, Value) {
        let assertion = self.sign(issuer, claims).await;
        self.exchange(&assertion).await
    }

    pub fn tenant(&self) -> uuid::Uuid {
        self.var("AZURE_TENANT_ID").parse().unwrap()
    }

    /// The claims of a genuine pipeline ID token, for tampering.
    pub async fn id_token_claims(&self) -> Value {
        let t = self.id_token().await;
        let payload = t.split('.').nth(1).unwrap();
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Asserts an Entra error envelope: status, `error`, the code in `error_codes` and at
    /// the start of `error_description`.
    pub fn assert_entra(status: StatusCode, body: &Value, code: u64, error: &str) {
        TestServer::assert_case_entra("", status, body, code, error);
    }

    /// [`TestServer::assert_entra`] for one case of a table, each failure naming `case`.
    pub fn assert_case_entra(case: &str, status: StatusCode, body: &Value, code: u64, error: &str) {
        let expected = if error == "invalid_client" { 401 } else { 400 };
        assert_eq!(status.as_u16(), expected, "{case}: {body}");
        assert_eq!(body["error"], json!(error), "{case}: {body}");
        assert_eq!(body["error_codes"], json!([code]), "{case}: {body}");
        let d = body["error_description"].as_str().unwrap();
        assert!(d.starts_with(&format!("AADSTS{code}: ")), "{case}: {d}");
        assert!(
            d.contains(" Trace ID: ")
                && d.contains(" Correlation ID: ")
                && d.contains(" Timestamp: "),
            "{case}: {d}"
        );
        assert!(!d.contains('"') && !d.contains('\\'), "{case}: {d}");
    }
}

/// Whether `assertions` pass: a table's runner checks every case, each failure printed
/// as it happens, and fails once at the end naming them all.
pub fn holds(assertions: impl FnOnce()) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(assertions)).is_ok()
}

/// A response's status checked against the expected one, the body shown when it differs,
/// and the error envelopes of the planes checked whole.
pub trait Expect {
    fn expect_status(self, want: StatusCode) -> Value;
    /// The `{"error":{"code","message"}}` envelope of ARM and Graph: status, code, message.
    fn expect_error(self, want: u16, code: &str, message: &str);
    /// Like [`Expect::expect_error`] for messages checked by their parts: the message.
    fn expect_error_code(self, want: u16, code: &str) -> String;
    /// An Entra error of the token endpoint (see [`TestServer::assert_entra`]); the body.
    fn expect_entra(self, code: u64, error: &str) -> Value;
    /// An admin or DevOps refusal: its status, and its message containing `part`; the body.
    fn expect_message(self, want: StatusCode, part: &str) -> Value;
}

impl Expect for (StatusCode, Value) {
    #[track_caller]
    fn expect_status(self, want: StatusCode) -> Value {
        let (status, body) = self;
        assert_eq!(status, want, "{body}");
        body
    }

    #[track_caller]
    fn expect_error(self, want: u16, code: &str, message: &str) {
        assert_error(self.0, &self.1, want, code, message);
    }

    #[track_caller]
    fn expect_error_code(self, want: u16, code: &str) -> String {
        assert_error_code(self.0, &self.1, want, code)
    }

    #[track_caller]
    fn expect_entra(self, code: u64, error: &str) -> Value {
        TestServer::assert_entra(self.0, &self.1, code, error);
        self.1
    }

    #[track_caller]
    fn expect_message(self, want: StatusCode, part: &str) -> Value {
        let body = self.expect_status(want);
        assert!(message(&body).contains(part), "{part}: {body}");
        body
    }
}

/// The `{"error":{"code","message"}}` envelope of ARM and Graph: status, code and message.
#[track_caller]
pub fn assert_error(status: StatusCode, body: &Value, want: u16, code: &str, message: &str) {
    assert_case_error("", status, body, want, code, message);
}

/// [`assert_error`] for one case of a table, each failure naming `case`.
#[track_caller]
pub fn assert_case_error(
    case: &str,
    status: StatusCode,
    body: &Value,
    want: u16,
    code: &str,
    message: &str,
) {
    assert_eq!(status.as_u16(), want, "{case}: {body}");
    assert_eq!(body["error"]["code"], json!(code), "{case}: {body}");
    assert_eq!(body["error"]["message"], json!(message), "{case}: {body}");
}

/// Like [`assert_error`] for messages checked by their parts.
#[track_caller]
pub fn assert_error_code(status: StatusCode, body: &Value, want: u16, code: &str) -> String {
    assert_case_error_code("", status, body, want, code)
}

/// [`assert_error_code`] for one case of a table, each failure naming `case`.
#[track_caller]
pub fn assert_case_error_code(
    case: &str,
    status: StatusCode,
    body: &Value,
    want: u16,
    code: &str,
) -> String {
    assert_eq!(status.as_u16(), want, "{case}: {body}");
    assert_eq!(body["error"]["code"], json!(code), "{case}: {body}");
    let message = body["error"]["message"].as_str();
    assert!(message.is_some(), "{case}: {body}");
    message.unwrap_or_default().to_string()
}

/// The message of an admin or DevOps error, whichever envelope it came in.
pub fn message(body: &Value) -> String {
    body.pointer("/error/message")
        .or_else(|| body.pointer("/message"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Marks a [`Client`] that picks the api-version per path.
const PER_PATH: &str = "\0per-path";

/// The api-version an SDK sends for the type `path` addresses (ARM refuses versions a
/// type does not have).
pub fn api_version_for(path: &str) -> &'static str {
    let p = path
        .split('?')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let last_provider = p.rsplit("/providers/").next().unwrap_or_default();
    if last_provider.starts_with("microsoft.authorization/") {
        "2022-04-01"
    } else if last_provider.starts_with("microsoft.management/") {
        "2023-04-01"
    } else if last_provider.starts_with("microsoft.managedidentity/") {
        "2023-01-31"
    } else if p.contains("/providers/") && !p.ends_with("/providers") {
        "2023-05-01"
    } else {
        "2022-12-01"
    }
}

/// A caller of a server: its HTTP client and origin, a bearer token (or none) and a query
/// every path gets (an api-version, or nothing), so that a test names only the method, the
/// path and the body.
pub struct Client<'a> {
    pub http: &'a reqwest::Client,
    pub origin: &'a str,
    pub bearer: Option<String>,
    pub query: String,
}

impl<'a> Client<'a> {
    pub fn new(http: &'a reqwest::Client, origin: &'a str, bearer: Option<&str>) -> Self {
        Client {
            http,
            origin,
            bearer: bearer.map(str::to_string),
            query: String::new(),
        }
    }

    /// The same caller with `query` added to every path (after `?`, or `&` when the path
    /// has a query already).
    pub fn with_query(mut self, query: &str) -> Self {
        self.query = query.to_string();
        self
    }

    /// The same caller sending, as the SDKs do, the api-version of the type each path
    /// addresses ([`api_version_for`]).
    pub fn with_api_per_path(mut self) -> Self {
        self.query = PER_PATH.to_string();
        self
    }

    pub fn url(&self, path: &str) -> String {
        let query = if self.query == PER_PATH {
            format!("api-version={}", api_version_for(path))
        } else {
            self.query.clone()
        };
        if query.is_empty() {
            path.to_string()
        } else {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}{query}")
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = format!("{}{}", self.origin, self.url(path));
        request(self.http, method, url, self.bearer.as_deref(), body).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    /// `GET path`, answered 200; the body.
    pub async fn get_ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::DELETE, path, None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PATCH, path, Some(body)).await
    }
}

/// A pipeline's YAML with one `AzureCLI@2` step per connection (name or id), in order.
pub fn pipeline_yaml(connections: &[&str]) -> String {
    let mut y = String::from("trigger: none\npool:\n  vmImage: ubuntu-latest\nsteps:\n");
    if connections.is_empty() {
        y.push_str("  - script: echo no connection\n");
    }
    for c in connections {
        y.push_str(&format!(
            "  - task: AzureCLI@2\n    inputs:\n      azureSubscription: '{}'\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: az account show\n",
            c.replace('\'', "''")
        ));
    }
    y
}

/// The admin API body of a pipeline `name` whose YAML names `connections`.
pub fn pipeline_body(name: &str, connections: &[&str]) -> Value {
    json!({"name": name, "yaml": pipeline_yaml(connections)})
}

/// A refusal in Azure DevOps' exception shape: status, `typeKey` and the whole message.
#[track_caller]
pub fn assert_devops_error(
    status: StatusCode,
    body: &Value,
    want: u16,
    type_key: &str,
    message: &str,
) {
    assert_eq!(status.as_u16(), want, "{body}");
    assert_eq!(body["typeKey"], json!(type_key), "{body}");
    assert_eq!(body["message"], json!(message), "{body}");
}

/// Azure DevOps' validation text for a task input naming a connection that does not resolve.
pub fn not_found_text(job: &str, step: &str, input: &str, connection: &str) -> String {
    format!(
        "The pipeline is not valid. Job {job}: Step {step} input {input} references service connection {connection} which could not be found. The service connection does not exist, has been disabled or has not been authorized for use. For authorization details, refer to https://aka.ms/yamlauthz."
    )
}
