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

pub struct TestServer {
    pub state: AppState,
    pub origin: String,
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
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

impl TestServer {
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path().to_path_buf(), "127.0.0.1:0".parse().unwrap());
        config.demo = true;
        let prepared = keyless_server::serve::prepare(&config).await.unwrap();
        let env = keyless_server::world::demo::parse_env(prepared.demo_env.as_deref().unwrap());
        let ca = std::fs::read(prepared.ca_cert.clone().unwrap()).unwrap();
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .build()
            .unwrap();
        let state = prepared.state.clone();
        let origin = prepared.origin.clone();
        TestServer {
            state,
            origin,
            http,
            env,
            _running: Running::spawn(prepared, dir),
        }
    }

    pub fn var(&self, k: &str) -> String {
        self.env[k].clone()
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
        self.send(method, path, Some(&self.var("KEYLESS_TOKEN")), body)
            .await
    }

    /// `GET path` as the administrator.
    pub async fn admin_get(&self, path: &str) -> (StatusCode, Value) {
        self.admin(Method::GET, path, None).await
    }

    /// `POST path` with a JSON body as the administrator.
    pub async fn admin_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.admin(Method::POST, path, Some(body)).await
    }

    /// `PUT path` with a JSON body as the administrator.
    pub async fn admin_put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.admin(Method::PUT, path, Some(body)).await
    }

    /// `PATCH path` with a JSON body as the administrator.
    pub async fn admin_patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.admin(Method::PATCH, path, Some(body)).await
    }

    /// `DELETE path` as the administrator.
    pub async fn admin_delete(&self, path: &str) -> (StatusCode, Value) {
        self.admin(Method::DELETE, path, None).await
    }

    /// `GET path` without credentials.
    pub async fn anon_get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None, None).await
    }

    /// `POST path` with a JSON body, without credentials.
    pub async fn anon_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, None, Some(body)).await
    }

    /// `GET path` with `bearer`.
    pub async fn get_as(&self, bearer: &str, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, Some(bearer), None).await
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

    /// The job's ID token request, exactly as Python's AzurePipelinesCredential sends it.
    pub async fn oidc(&self, job_token: &str, connection: &str) -> (StatusCode, Value) {
        let url = format!(
            "{}?api-version=7.1&serviceConnectionId={connection}",
            self.var("SYSTEM_OIDCREQUESTURI")
        );
        let resp = self
            .http
            .post(url)
            .bearer_auth(job_token)
            .header("Content-Type", "application/json")
            .header("X-TFS-FedAuthRedirect", "Suppress")
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
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
        let resp = self
            .http
            .post(format!("{}/{tenant}/oauth2/v2.0/token", self.origin))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
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
        let tenant = self.var("AZURE_TENANT_ID");
        let client = self.var("AZURE_CLIENT_ID");
        self.token(
            &tenant,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client),
                ("scope", ARM_SCOPE),
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
        let expected = if error == "invalid_client" { 401 } else { 400 };
        assert_eq!(status.as_u16(), expected, "{body}");
        assert_eq!(body["error"], json!(error), "{body}");
        assert_eq!(body["error_codes"], json!([code]), "{body}");
        let d = body["error_description"].as_str().unwrap();
        assert!(d.starts_with(&format!("AADSTS{code}: ")), "{d}");
        assert!(
            d.contains(" Trace ID: ")
                && d.contains(" Correlation ID: ")
                && d.contains(" Timestamp: "),
            "{d}"
        );
        assert!(!d.contains('"') && !d.contains('\\'), "{d}");
    }
}

/// A response's status checked against the expected one, the body shown when it differs.
pub trait Expect {
    fn expect_status(self, want: StatusCode) -> Value;
}

impl Expect for (StatusCode, Value) {
    #[track_caller]
    fn expect_status(self, want: StatusCode) -> Value {
        let (status, body) = self;
        assert_eq!(status, want, "{body}");
        body
    }
}
