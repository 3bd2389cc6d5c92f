//! World files: `guests:` and `directoryRoles:` per tenant, applied after every tenant's users
//! and apps exist; idempotent; each invalid entry refused with its path.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support::apply;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use serde_json::Value;

fn error(v: &Value) -> String {
    v.to_string()
}

// The guest comes from a tenant declared later in the file.
const WORLD: &str = r#"
tenants:
  - name: northwind
    guests: [eve@tailspin.onmicrosoft.com]
    apps:
      - name: ci
    directoryRoles:
      - app: ci
        role: Application Administrator
      - user: eve@tailspin.onmicrosoft.com
        role: Directory Readers
  - name: tailspin
    users:
      - name: eve
"#;

#[tokio::test]
async fn guests_and_roles_are_applied_once() {
    let s = TestServer::start().await;
    let first = apply(&s, WORLD).await.expect_status(StatusCode::OK);
    let changes = first["changes"].to_string();
    assert!(
        changes.contains("invited eve@tailspin.onmicrosoft.com into tenant northwind"),
        "{changes}"
    );
    assert!(
        changes.contains("the role Application Administrator in tenant northwind"),
        "{changes}"
    );
    let second = apply(&s, WORLD).await.expect_status(StatusCode::OK);
    assert_eq!(second["changes"], serde_json::json!([]), "{second}");
    let roles = s.admin_ok("/keyless/v1/tenants/northwind/roles").await;
    let mut roles: Vec<&str> = roles["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"].as_str().unwrap())
        .collect();
    roles.sort();
    assert_eq!(roles, ["Application Administrator", "Directory Readers"]);
}

#[tokio::test]
async fn invalid_roles_and_guests_are_located() {
    let s = TestServer::start().await;
    for (text, says) in [
        (
            "tenants:\n  - name: a\n    directoryRoles:\n      - user: x\n        role: Owner\n",
            "tenants[0].directoryRoles[0].role",
        ),
        (
            "tenants:\n  - name: a\n    directoryRoles:\n      - role: Directory Readers\n",
            "name exactly one of user or app",
        ),
        (
            "tenants:\n  - name: a\n    guests: [eve]\n",
            "tenants[0].guests[0]",
        ),
        (
            "tenants:\n  - name: a\n    guests: [ghost@nowhere.onmicrosoft.com]\n",
            "tenants[0].guests[0]: no user 'ghost@nowhere.onmicrosoft.com' in any tenant",
        ),
        (
            "tenants:\n  - name: a\n    directoryRoles:\n      - app: missing\n        role: Directory Readers\n",
            "tenants[0].directoryRoles[0].app: no app 'missing' in this tenant",
        ),
        (
            "tenants:\n  - name: a\n    directoryRoles:\n      - user: bob\n        role: Directory Readers\n",
            "tenants[0].directoryRoles[0].user: no user 'bob' in this tenant",
        ),
        (
            "tenants:\n  - name: a\n    directoryRoles:\n      - user: bob@b.onmicrosoft.com\n        role: Directory Readers\n",
            "tenants[0].directoryRoles[0].user: no user 'bob@b.onmicrosoft.com'",
        ),
    ] {
        let (st, e) = apply(&s, text).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{text}: {e}");
        assert!(error(&e).contains(says), "{text}: {e}");
        // Refused before anything is written.
        assert!(s.store().find_tenant("a").await.is_err(), "{text}");
    }
}
