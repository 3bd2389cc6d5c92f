//! kill -9 under load: every change the server acknowledged is still there after a restart,
//! and so is its audit entry (written in the change's transaction). On SQLite, and on the
//! throwaway PostgreSQL of `keyless_store::testing`.

use crate::harness::{Server, block_on, send_json, serve_with};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An ARM access token of the demo connection's identity (Contributor on the subscription).
pub async fn arm_token(s: &Server) -> String {
    let t = s
        .demo_access_token("https://management.azure.com/.default")
        .await;
    t["access_token"].as_str().unwrap().to_string()
}

pub fn rg_url(origin: &str, sub: &str, name: &str) -> String {
    format!("{origin}/subscriptions/{sub}/resourcegroups/{name}?api-version=2021-04-01")
}

/// Eight writers PUT resource groups until the process is killed with SIGKILL after at
/// least 50 acknowledgements; after a restart each acknowledged group answers 200 and has
/// its `change` audit entry. Returns how many writes were acknowledged.
fn acknowledged_writes_survive_kill9(flags: &[&str]) -> usize {
    let mut s = serve_with(flags);
    let sub = s.env()["AZURE_SUBSCRIPTION_ID"].clone();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    block_on(async {
        let token = arm_token(&s).await;
        let mut writers = Vec::new();
        for w in 0..8 {
            let (http, origin, sub, token, acked) = (
                s.http(),
                s.origin.clone(),
                sub.clone(),
                token.clone(),
                acked.clone(),
            );
            writers.push(tokio::spawn(async move {
                for i in 0..100 {
                    let name = format!("crash-{w}-{i}");
                    let r = http
                        .put(rg_url(&origin, &sub, &name))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"location": "westeurope"}))
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().is_success() => acked.lock().unwrap().push(name),
                        Ok(r) => panic!("{name}: {}", r.status()),
                        Err(_) => return,
                    }
                }
            }));
        }
        let started = Instant::now();
        while acked.lock().unwrap().len() < 50 && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        s.kill9();
        for w in writers {
            let _ = w.await;
        }
    });
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 50,
        "only {} writes acknowledged",
        acked.len()
    );
    s.restart(flags);
    block_on(async {
        let http = s.http();
        let token = arm_token(&s).await;
        for name in &acked {
            let r = http
                .get(rg_url(&s.origin, &sub, name))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status().as_u16(),
                200,
                "{name} was acknowledged, then lost"
            );
        }
        let audit = send_json(
            http.get(format!(
                "{}/keyless/v1/audit?kind=change&limit=1000",
                s.origin
            ))
            .bearer_auth(&s.env()["KEYLESS_TOKEN"]),
        )
        .await;
        let scopes: Vec<String> = audit["value"]
            .as_array()
            .unwrap_or_else(|| panic!("{audit}"))
            .iter()
            .filter_map(|e| e["detail"]["scope"].as_str())
            .map(|s| s.to_ascii_lowercase())
            .collect();
        for name in &acked {
            let suffix = format!("/resourcegroups/{name}");
            assert!(
                scopes.iter().any(|s| s.ends_with(&suffix)),
                "{name} was acknowledged but its audit entry is missing"
            );
        }
    });
    acked.len()
}

#[test]
fn sqlite_acknowledged_changes_and_their_audit_survive_kill9() {
    acknowledged_writes_survive_kill9(&[]);
}

#[test]
fn postgres_acknowledged_changes_and_their_audit_survive_kill9() {
    let Some(url) = keyless_store::testing::pg::test_database_url() else {
        return;
    };
    acknowledged_writes_survive_kill9(&["--database", &url]);
}
