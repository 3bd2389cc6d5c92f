//! The binary as a user runs it: `keyless serve --demo` in a temporary data directory,
//! and client commands pointed at it. Shared by the CLI test files.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Server {
    pub child: Child,
    pub origin: String,
    pub dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_keyless"));
    for (k, _) in std::env::vars() {
        if k.starts_with("KEYLESS_") {
            c.env_remove(k);
        }
    }
    // Never the developer's saved `keyless login`.
    c.env(
        "KEYLESS_CONFIG_DIR",
        std::env::temp_dir().join("keyless-cli-tests-no-login"),
    );
    c
}

pub fn serve() -> Server {
    serve_with(&[])
}

/// `serve --demo` with further flags.
pub fn serve_with(flags: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let (child, origin) = start(dir.path(), flags);
    Server { child, origin, dir }
}

/// Starts `serve --demo` on `data` and waits until the demo world is ready.
pub fn start(data: &std::path::Path, flags: &[&str]) -> (Child, String) {
    let mut cmd = bin();
    cmd.args(["serve", "--demo", "--data"])
        .arg(data)
        .args(flags);
    if !flags.contains(&"--addr") {
        cmd.args(["--addr", "127.0.0.1:0"]);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut origin = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(o) = line.strip_prefix("keyless serving ") {
            origin = o.split_whitespace().next().unwrap().to_string();
        }
        if line.starts_with("demo world ready") {
            break;
        }
    }
    assert!(!origin.is_empty(), "the server did not announce its origin");
    std::thread::spawn(move || for _ in lines {});
    (child, origin)
}

impl Server {
    /// Kills the process with SIGKILL (no shutdown of any kind) and waits for it.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// The token endpoint's answer for the demo connection's identity: its ID token (from
    /// the demo job) exchanged for an access token to `scope`.
    pub async fn demo_access_token(&self, scope: &str) -> serde_json::Value {
        let env = self.env();
        let http = self.http();
        let id: serde_json::Value = request_id_token(
            &http,
            &env["SYSTEM_OIDCREQUESTURI"],
            &env["SYSTEM_ACCESSTOKEN"],
            &env["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"],
        )
        .await
        .json()
        .await
        .unwrap();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", env["AZURE_CLIENT_ID"].as_str()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", id["oidcToken"].as_str().unwrap()),
            ("scope", scope),
        ];
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            self.origin, env["AZURE_TENANT_ID"]
        );
        send_json(http.post(url).form(&form)).await
    }

    /// The port the server listens on.
    pub fn port(&self) -> String {
        self.origin.rsplit(':').next().unwrap().to_string()
    }

    /// Starts the server again on the same data directory, with `flags`.
    pub fn restart(&mut self, flags: &[&str]) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, origin) = start(self.dir.path(), flags);
        self.child = child;
        self.origin = origin;
    }

    pub fn env(&self) -> std::collections::HashMap<String, String> {
        let text = std::fs::read_to_string(self.dir.path().join("demo.env")).unwrap();
        text.lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
            .collect()
    }
    /// An HTTP client that trusts the server's CA.
    pub fn http(&self) -> reqwest::Client {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let ca = std::fs::read(self.dir.path().join("tls/ca.pem")).unwrap();
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .build()
            .unwrap()
    }

    pub fn client(&self, args: &[&str]) -> std::process::Output {
        self.command(args).output().unwrap()
    }

    /// `keyless pipeline create contoso web {name} --file {file}` against this server.
    pub fn create_pipeline(&self, name: &str, file: &std::path::Path) -> std::process::Output {
        let file = file.to_str().unwrap();
        self.client(&["pipeline", "create", "contoso", "web", name, "--file", file])
    }

    /// A client command pointed at this server, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = bin();
        c.args(args)
            .env("KEYLESS_URL", &self.origin)
            .env("KEYLESS_TOKEN", &self.env()["KEYLESS_TOKEN"])
            .env("KEYLESS_CA_FILE", self.dir.path().join("tls/ca.pem"));
        c
    }
}

/// Runs `f` to completion on a new Tokio runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Runtime::new().unwrap().block_on(f)
}

/// Sends `req` and reads its response body as JSON.
pub async fn send_json(req: reqwest::RequestBuilder) -> serde_json::Value {
    req.send().await.unwrap().json().await.unwrap()
}

/// A job's ID-token request: `POST {uri}?api-version=7.1&serviceConnectionId={connection}`
/// with the job's access token.
pub async fn request_id_token(
    http: &reqwest::Client,
    uri: &str,
    token: &str,
    connection: &str,
) -> reqwest::Response {
    http.post(format!(
        "{uri}?api-version=7.1&serviceConnectionId={connection}"
    ))
    .bearer_auth(token)
    .send()
    .await
    .unwrap()
}

/// Asserts that a command failed and that its output (stdout, then stderr) contains `needle`.
#[track_caller]
pub fn assert_fails_with(out: &std::process::Output, needle: &str) {
    assert!(!out.status.success(), "{}", text(out));
    assert!(text(out).contains(needle), "{}", text(out));
}

/// Asserts that the command's output (standard output and error) holds `needle`.
#[track_caller]
pub fn assert_says(out: &std::process::Output, needle: &str) {
    assert!(text(out).contains(needle), "{}", text(out));
}

pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
