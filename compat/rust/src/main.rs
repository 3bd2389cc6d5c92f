//! Drives the Rust `azure_identity` crate (1.0) against a running keyless server.
//!
//! Reads the variables of keyless' `demo.env` from its environment (plus `KEYLESS_COMPAT_SECRET`,
//! a client secret of the demo app), obtains ARM tokens with `AzurePipelinesCredential` and
//! `ClientSecretCredential` pointed at keyless through a custom cloud configuration, and lists
//! subscriptions with each token. Trust: `SSL_CERT_FILE` (the credentials' reqwest/rustls reads
//! it; the ARM calls here load the same bundle explicitly).
//!
//! Prints one line per check and `N passed, M failed`; exits 1 on any failure. With the
//! argument `managed-identity`, runs the checks of [`managed_identity`] instead.

mod managed_identity;

use azure_core::{
    cloud::{CloudConfiguration, CustomConfiguration},
    credentials::{Secret, TokenCredential},
    http::ClientOptions,
};
use azure_identity::{
    AzurePipelinesCredential, AzurePipelinesCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions,
};
use std::{future::Future, process::ExitCode, sync::Arc, time::Duration};

const ARM_SCOPE: &str = "https://management.azure.com/.default";
/// Bound on each check: the client retries transport failures for about 80 s on its own.
const CHECK_TIMEOUT: Duration = Duration::from_secs(60);

struct Config {
    origin: String,
    tenant_id: String,
    client_id: String,
    subscription_id: String,
    access_token: String,
    connection_id: String,
    secret: String,
    ca_bundle: String,
}

fn var(name: &str) -> Result<String, String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Err(format!("environment variable {name} is not set")),
    }
}

impl Config {
    fn from_env() -> Result<Self, String> {
        // AzurePipelinesCredential reads SYSTEM_OIDCREQUESTURI itself; check it early.
        var("SYSTEM_OIDCREQUESTURI")?;
        Ok(Self {
            origin: var("KEYLESS_URL")?.trim_end_matches('/').to_string(),
            tenant_id: var("AZURE_TENANT_ID")?,
            client_id: var("AZURE_CLIENT_ID")?,
            subscription_id: var("AZURE_SUBSCRIPTION_ID")?,
            access_token: var("SYSTEM_ACCESSTOKEN")?,
            connection_id: var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")?,
            secret: var("KEYLESS_COMPAT_SECRET")?,
            ca_bundle: var("SSL_CERT_FILE")?,
        })
    }

    fn client_options(&self) -> ClientOptions {
        let mut cloud = CustomConfiguration::default();
        cloud.authority_host = self.origin.clone();
        ClientOptions {
            cloud: Some(Arc::new(CloudConfiguration::Custom(cloud))),
            ..Default::default()
        }
    }

    fn pipelines_credential(
        &self,
        connection_id: &str,
    ) -> azure_core::Result<Arc<AzurePipelinesCredential>> {
        let mut options = AzurePipelinesCredentialOptions::default();
        options.credential_options.client_options = self.client_options();
        AzurePipelinesCredential::new(
            self.tenant_id.clone(),
            self.client_id.clone(),
            connection_id,
            self.access_token.clone(),
            Some(options),
        )
    }

    fn secret_credential(&self, secret: &str) -> azure_core::Result<Arc<ClientSecretCredential>> {
        self.secret_credential_for(&self.tenant_id, &self.client_id, secret)
    }

    fn secret_credential_for(
        &self,
        tenant: &str,
        client: &str,
        secret: &str,
    ) -> azure_core::Result<Arc<ClientSecretCredential>> {
        ClientSecretCredential::new(
            tenant,
            client.to_string(),
            Secret::new(secret.to_string()),
            Some(ClientSecretCredentialOptions {
                client_options: self.client_options(),
            }),
        )
    }
}

/// The credential must fail with Entra's message for `code`, shown as text (a serde
/// error or JSON escapes would mean the error body was not what Rust clients expect).
async fn expect_entra_error(cred: &dyn TokenCredential, code: &str) -> Result<String, String> {
    match bounded(async { Ok(cred.get_token(&[ARM_SCOPE], None).await) }).await? {
        Ok(_) => Err(format!("obtained a token instead of {code}")),
        Err(e) => {
            let text = e.to_string();
            if !text.contains(&format!("{code}: ")) {
                Err(format!("error does not contain {code}: {text}"))
            } else if text.contains(" at line ") && text.contains(" column ") {
                Err(format!(
                    "error looks like a JSON deserialization error: {text}"
                ))
            } else if text.contains("\\u") || text.contains("\\\"") {
                Err(format!("error text carries JSON escapes: {text}"))
            } else {
                Ok(text)
            }
        }
    }
}

async fn bounded<T>(fut: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    match tokio::time::timeout(CHECK_TIMEOUT, fut).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {} s", CHECK_TIMEOUT.as_secs())),
    }
}

async fn token(cred: &dyn TokenCredential) -> Result<String, String> {
    bounded(async {
        let t = cred
            .get_token(&[ARM_SCOPE], None)
            .await
            .map_err(|e| format!("get_token failed: {e}"))?;
        Ok(t.token.secret().to_string())
    })
    .await
}

/// An ARM token of the credential that `new` made; its error as `new: …`.
async fn token_of<C: TokenCredential>(new: azure_core::Result<Arc<C>>) -> Result<String, String> {
    let cred = new.map_err(|e| format!("new: {e}"))?;
    token(cred.as_ref()).await
}

/// `GET {origin}/subscriptions?api-version=2022-12-01` with the token; requires 200 and the
/// demo subscription in `value`.
async fn list_subscriptions(
    http: &reqwest::Client,
    cfg: &Config,
    token: &str,
) -> Result<String, String> {
    bounded(async {
        let url = format!("{}/subscriptions?api-version=2022-12-01", cfg.origin);
        let res = http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        let status = res.status();
        let body = res
            .text()
            .await
            .map_err(|e| format!("GET {url}: reading body: {e}"))?;
        if status != reqwest::StatusCode::OK {
            return Err(format!("GET {url}: status {status}, body {body}"));
        }
        let json: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| format!("GET {url}: body is not JSON ({e}): {body}"))?;
        let listed = json["value"]
            .as_array()
            .map(|subs| {
                subs.iter()
                    .any(|s| s["subscriptionId"].as_str() == Some(cfg.subscription_id.as_str()))
            })
            .unwrap_or(false);
        if !listed {
            return Err(format!(
                "GET {url}: subscription {} not listed in {body}",
                cfg.subscription_id
            ));
        }
        Ok(format!("subscription {} listed", cfg.subscription_id))
    })
    .await
}

fn http_client(cfg: &Config) -> Result<reqwest::Client, String> {
    let pem =
        std::fs::read(&cfg.ca_bundle).map_err(|e| format!("reading {}: {e}", cfg.ca_bundle))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("parsing {}: {e}", cfg.ca_bundle))?;
    reqwest::Client::builder()
        .tls_certs_only(certs)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("building HTTP client: {e}"))
}

struct Report {
    passed: usize,
    failed: usize,
}

impl Report {
    fn record<T>(
        &mut self,
        name: &str,
        result: Result<T, String>,
        detail: impl Fn(&T) -> String,
    ) -> Option<T> {
        match result {
            Ok(v) => {
                self.passed += 1;
                println!("ok   {name}: {}", detail(&v));
                Some(v)
            }
            Err(e) => {
                self.failed += 1;
                println!("FAIL {name}: {e}");
                None
            }
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("managed-identity") {
        return managed_identity::run().await;
    }
    let cfg = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            println!("FAIL configuration: {e}");
            println!("0 passed, 1 failed");
            return ExitCode::FAILURE;
        }
    };
    let mut report = Report {
        passed: 0,
        failed: 0,
    };
    let http = report.record(
        "reqwest client trusting SSL_CERT_FILE",
        http_client(&cfg),
        |_| cfg.ca_bundle.clone(),
    );

    // AzurePipelinesCredential: job token -> pipeline OIDC token -> ARM access token.
    let pipelines = token_of(cfg.pipelines_credential(&cfg.connection_id)).await;
    let pipelines = report.record("AzurePipelinesCredential ARM token", pipelines, |t| {
        format!("{} bytes", t.len())
    });

    // ClientSecretCredential with a secret of the demo app.
    let secret = token_of(cfg.secret_credential(&cfg.secret)).await;
    let secret = report.record("ClientSecretCredential ARM token", secret, |t| {
        format!("{} bytes", t.len())
    });

    for (name, tok) in [
        ("AzurePipelinesCredential", pipelines),
        ("ClientSecretCredential", secret),
    ] {
        let check = format!("ARM accepts the {name} token");
        let result = match (&http, tok) {
            (Some(http), Some(tok)) => list_subscriptions(http, &cfg, &tok).await,
            (None, _) => Err("no HTTP client".to_string()),
            (_, None) => Err("no token".to_string()),
        };
        report.record(&check, result, |s| s.clone());
    }

    // Negative: Entra errors reach the caller as Entra's own text (no serde error, no
    // JSON escapes), for three codes.
    let unknown_client = "00000000-0000-4000-8000-00000000c11e";
    let unknown_tenant = "00000000-0000-4000-8000-000000007e7a";
    let wrong_secret = format!("{}-wrong", cfg.secret);
    for (what, tenant, client, secret, code) in [
        (
            "wrong secret",
            cfg.tenant_id.as_str(),
            cfg.client_id.as_str(),
            wrong_secret.as_str(),
            "AADSTS7000215",
        ),
        (
            "unknown client",
            cfg.tenant_id.as_str(),
            unknown_client,
            cfg.secret.as_str(),
            "AADSTS700016",
        ),
        (
            "unknown tenant",
            unknown_tenant,
            cfg.client_id.as_str(),
            cfg.secret.as_str(),
            "AADSTS90002",
        ),
    ] {
        let result = async {
            let cred = cfg
                .secret_credential_for(tenant, client, secret)
                .map_err(|e| format!("new: {e}"))?;
            expect_entra_error(cred.as_ref(), code).await
        }
        .await;
        report.record(
            &format!("ClientSecretCredential {what} -> {code}"),
            result,
            |t| t.lines().next().unwrap_or_default().to_string(),
        );
    }

    // Negative: an unknown service connection is refused by the OIDC endpoint with a non-200.
    let unknown = "00000000-0000-4000-8000-00000000beef";
    let wrong_connection = async {
        let cred = cfg
            .pipelines_credential(unknown)
            .map_err(|e| format!("new: {e}"))?;
        match bounded(async { Ok(cred.get_token(&[ARM_SCOPE], None).await) }).await? {
            Ok(_) => Err(format!(
                "unknown service connection {unknown} obtained a token"
            )),
            Err(e) => {
                let text = e.to_string();
                if text.contains("response from the OIDC endpoint") {
                    Ok(text)
                } else {
                    Err(format!("unexpected error text: {text}"))
                }
            }
        }
    }
    .await;
    report.record(
        "AzurePipelinesCredential unknown connection refused",
        wrong_connection,
        |t| t.lines().next().unwrap_or_default().to_string(),
    );

    println!("{} passed, {} failed", report.passed, report.failed);
    if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
