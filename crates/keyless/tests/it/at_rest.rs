//! Data at rest: owner-only files, and `keyless backup` / `keyless restore` end to end.

use crate::crash::{arm_token, rg_url};
use crate::harness::{assert_says, block_on, serve, start, text};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A data folder keyless creates is 0700; the database, its WAL and shared-memory files
/// and the key-encryption key are 0600.
#[test]
fn the_data_folder_and_database_files_are_owner_only() {
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("new").join("data");
    let (mut child, _) = start(&data, &[]);
    let db = data.join("keyless.db");
    let checked = [
        (data.clone(), 0o700),
        (parent.path().join("new"), 0o700),
        (db.clone(), 0o600),
        (data.join("keyless.db-wal"), 0o600),
        (data.join("keyless.db-shm"), 0o600),
        (data.join("kek"), 0o600),
    ];
    let found: Vec<(String, u32)> = checked
        .iter()
        .map(|(p, _)| (p.display().to_string(), mode(p)))
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    for ((p, want), (_, got)) in checked.iter().zip(&found) {
        assert_eq!(*got, *want, "{}: {got:o}", p.display());
    }
}

/// A backup taken while the server serves and writes holds what was acknowledged before
/// it; a restore while the server runs is refused (exit code 1) and changes nothing; after
/// a restore (server stopped) and a restart, that data is back, what was written
/// after the backup is gone, and an access token minted before the backup still verifies
/// (the signing keys came back, sealed under the same key-encryption key).
#[test]
fn backup_while_serving_then_restore() {
    let mut s = serve();
    let sub = s.env()["AZURE_SUBSCRIPTION_ID"].clone();
    let backup = s.dir.path().join("backup.db");
    let token = block_on(async {
        let token = arm_token(&s).await;
        let http = s.http();
        let put = |name: &'static str| {
            http.put(rg_url(&s.origin, &sub, name))
                .bearer_auth(&token)
                .json(&serde_json::json!({"location": "westeurope"}))
                .send()
        };
        assert_eq!(put("before-backup").await.unwrap().status().as_u16(), 201);
        // Writes go on while the backup runs.
        let writing = {
            let (http, origin, sub, token) =
                (http.clone(), s.origin.clone(), sub.clone(), token.clone());
            tokio::spawn(async move {
                for i in 0..50 {
                    let _ = http
                        .put(rg_url(&origin, &sub, &format!("during-{i}")))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"location": "westeurope"}))
                        .send()
                        .await;
                }
            })
        };
        let data = s.dir.path().to_str().unwrap().to_string();
        let out = s.client(&["backup", backup.to_str().unwrap(), "--data", &data]);
        assert!(out.status.success(), "{}", text(&out));
        writing.await.unwrap();
        assert_eq!(put("after-backup").await.unwrap().status().as_u16(), 201);
        token
    });
    assert_eq!(mode(&backup), 0o600);
    let data = s.dir.path().to_str().unwrap().to_string();
    // While the server runs on the database: refused with exit code 1, nothing changed
    // (the same database file, its WAL still there, the server's data intact).
    let db = s.dir.path().join("keyless.db");
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&db).unwrap());
    let out = s.client(&["restore", backup.to_str().unwrap(), "--data", &data]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_says(
        &out,
        "a keyless server (or another keyless command) is using",
    );
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&db).unwrap()),
        inode
    );
    assert!(s.dir.path().join("keyless.db-wal").exists());
    let still = s.http().get(rg_url(&s.origin, &sub, "after-backup"));
    let still = block_on(still.bearer_auth(&token).send()).unwrap().status();
    assert_eq!(still.as_u16(), 200, "the running server's data is intact");
    s.kill9();
    // Not a database: refused, nothing replaced.
    let junk = s.dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let out = s.client(&["restore", junk.to_str().unwrap(), "--data", &data]);
    assert!(!out.status.success(), "{}", text(&out));
    assert_says(&out, "is not a keyless backup");
    let out = s.client(&["restore", backup.to_str().unwrap(), "--data", &data]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(mode(&s.dir.path().join("keyless.db")), 0o600);
    // The same origin, so the issuer of the token is still this server's.
    let addr = format!("127.0.0.1:{}", s.port());
    s.restart(&["--addr", &addr]);
    block_on(async {
        let http = s.http();
        let get = |name: &'static str| {
            http.get(rg_url(&s.origin, &sub, name))
                .bearer_auth(&token)
                .send()
        };
        assert_eq!(get("before-backup").await.unwrap().status().as_u16(), 200);
        assert_eq!(get("after-backup").await.unwrap().status().as_u16(), 404);
    });
}

/// `keyless kek rotate` with the server stopped: `DATA/kek` is replaced (0600), a stale
/// `DATA/kek.new` of a rotation interrupted before its commit is discarded, and after a
/// restart the signing keys open with the new key: a token minted before still verifies
/// and new tokens are signed. The rotation has one audit entry naming the host user and
/// holding neither key.
#[test]
fn kek_rotate_reseals_the_signing_keys() {
    let mut s = serve();
    let sub = s.env()["AZURE_SUBSCRIPTION_ID"].clone();
    let before = block_on(async {
        let token = arm_token(&s).await;
        let r = s
            .http()
            .put(rg_url(&s.origin, &sub, "before-rotation"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"location": "westeurope"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
        token
    });
    s.kill9();
    let kek = s.dir.path().join("kek");
    let old = std::fs::read_to_string(&kek).unwrap();
    // What a rotation killed before its commit leaves: a new key the database never used.
    std::fs::write(
        s.dir.path().join("kek.new"),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
    )
    .unwrap();
    let data = s.dir.path().to_str().unwrap().to_string();
    let host_user = "rotating-operator";
    let out = s
        .command(&["kek", "rotate", "--data", &data])
        .env("USER", host_user)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("re-sealed"), "{}", text(&out));
    assert_ne!(std::fs::read_to_string(&kek).unwrap(), old);
    assert_eq!(mode(&kek), 0o600);
    assert!(!s.dir.path().join("kek.new").exists());
    let addr = format!("127.0.0.1:{}", s.port());
    s.restart(&["--addr", &addr]);
    block_on(async {
        let http = s.http();
        let fresh = arm_token(&s).await;
        for token in [&before, &fresh] {
            let r = http
                .get(rg_url(&s.origin, &sub, "before-rotation"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200);
        }
        // The rotation has its audit entry: who, when, how many blobs; no key.
        let audit = http
            .get(format!(
                "{}/keyless/v1/audit?kind=change&limit=1000",
                s.origin
            ))
            .bearer_auth(&s.env()["KEYLESS_TOKEN"])
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap();
        let rotations: Vec<&serde_json::Value> = audit["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["detail"]["operation"] == "rotateKek")
            .collect();
        assert_eq!(rotations.len(), 1, "{audit}");
        let object = &rotations[0]["detail"]["object"];
        assert!(object["signingKeys"].as_u64().unwrap() >= 1, "{object}");
        assert_eq!(object["hostUser"], host_user, "{object}");
        let text = rotations[0].to_string();
        assert!(!text.contains(old.trim()), "the old key in {text}");
        let new = std::fs::read_to_string(&kek).unwrap();
        assert!(!text.contains(new.trim()), "the new key in {text}");
    });
}
