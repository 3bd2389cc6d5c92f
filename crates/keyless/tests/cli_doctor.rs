//! `keyless doctor` as a user runs it against `keyless serve --demo`: the checklist, its
//! exit code (0 without a FAIL line, 1 with one) and `--json`.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    origin: String,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_keyless"));
    for (k, _) in std::env::vars() {
        if k.starts_with("KEYLESS_") {
            c.env_remove(k);
        }
    }
    c.env(
        "KEYLESS_CONFIG_DIR",
        std::env::temp_dir().join("keyless-cli-tests-no-login"),
    );
    c
}

fn serve() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut child = bin()
        .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir.path())
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
    Server { child, origin, dir }
}

impl Server {
    fn token(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("demo.env")).unwrap();
        text.lines()
            .filter_map(|l| l.strip_prefix("export KEYLESS_TOKEN="))
            .map(|v| v.trim_matches('\'').to_string())
            .next()
            .unwrap()
    }
    fn client(&self, args: &[&str]) -> std::process::Output {
        bin()
            .args(args)
            .env("KEYLESS_URL", &self.origin)
            .env("KEYLESS_TOKEN", self.token())
            .env("KEYLESS_CA_FILE", self.dir.path().join("tls/ca.pem"))
            .output()
            .unwrap()
    }
    /// Removes the demo app's federated credential through Graph.
    fn delete_credential(&self) {
        let ca = std::fs::read(self.dir.path().join("tls/ca.pem")).unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
            let http = reqwest::Client::builder()
                .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
                .build()
                .unwrap();
            let apps: serde_json::Value = http
                .get(format!(
                    "{}/v1.0/applications?$filter=displayName eq 'demo-deploy'",
                    self.origin
                ))
                .bearer_auth(self.token())
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = apps["value"][0]["id"].as_str().unwrap().to_string();
            let r = http
                .delete(format!(
                    "{}/v1.0/applications/{id}/federatedIdentityCredentials/demo-connection",
                    self.origin
                ))
                .bearer_auth(self.token())
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{}", r.status());
        });
    }
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn doctor_prints_the_checklist_and_fails_with_exit_code_1() {
    let s = serve();
    let out = s.client(&["doctor", "contoso", "web", "demo-connection"]);
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("OK    credential"), "{t}");
    assert!(t.contains("result: OK"), "{t}");

    s.delete_credential();
    let out = s.client(&["doctor", "contoso", "web", "demo-connection"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("FAIL  credential   70025"), "{t}");
    assert!(
        t.contains("fix: Add a federated credential with the connection's issuer and subject."),
        "{t}"
    );
    assert!(t.contains("result: FAIL"), "{t}");

    let out = s.client(&["doctor", "contoso", "web", "demo-connection", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "FAIL");

    let out = s.client(&["doctor", "--all", "contoso"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("FAIL  web/demo-connection  FAIL credential 70025"),
        "{t}"
    );
    assert!(t.contains("1 connections, result: FAIL"), "{t}");

    let out = s.client(&["doctor", "contoso", "web", "no such connection"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("does not exist"), "{}", text(&out));
}
