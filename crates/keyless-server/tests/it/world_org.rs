//! World files: an organization's owner, Project Collection Administrators, access levels
//! and preview features.
#![allow(clippy::unwrap_used)]

use crate::common::{Expect, TestServer};
use crate::support::{apply, fabrikam_rita_ed};
use reqwest::StatusCode;
use serde_json::json;

pub(crate) const WORLD: &str = concat!(
    "\n",
    fabrikam_rita_ed!(),
    r#"organizations:
  - name: fabrikam
    tenant: fabrikam
    owner: fabrikam/rita
    projectCollectionAdministrators: [fabrikam/ed]
    accessLevels:
      fabrikam/ed: Stakeholder
    previewFeatures:
      workload-identity-arm: false
"#,
);

#[tokio::test]
async fn world_sets_owner_administrators_levels_and_features_idempotently() {
    let s = TestServer::start().await;
    let first = apply(&s, WORLD).await.expect_status(StatusCode::OK);
    let changes = first["changes"].as_array().unwrap();
    for want in [
        "made fabrikam/rita owner of fabrikam",
        "added fabrikam/ed to Project Collection Administrators of fabrikam",
        "gave fabrikam/ed Stakeholder access to fabrikam",
        "turned workload-identity-arm off for fabrikam",
    ] {
        assert!(changes.contains(&json!(want)), "{want}: {first}");
    }
    let again = apply(&s, WORLD).await.expect_status(StatusCode::OK);
    assert_eq!(again["changes"], json!([]), "{again}");
    let settings = s
        .admin_ok("/keyless/v1/organizations/fabrikam/settings")
        .await;
    assert!(
        settings["owner"]["user"]
            .as_str()
            .unwrap()
            .starts_with("rita@")
    );
    assert_eq!(settings["previewFeatures"][0]["enabled"], false);
    let members = s
        .admin_ok("/keyless/v1/organizations/fabrikam/members")
        .await;
    assert!(
        members["value"][0]["user"]
            .as_str()
            .unwrap()
            .starts_with("ed@")
    );
    let users = s.admin_ok("/keyless/v1/organizations/fabrikam/users").await;
    assert_eq!(users["value"][0]["accessLevel"], "Stakeholder");
    // Unknown names are refused before anything is written.
    for (from, to, word) in [
        ("Stakeholder", "Advanced", "Advanced"),
        ("workload-identity-arm", "new-boards", "new-boards"),
    ] {
        let other = WORLD.replace("name: fabrikam\n    tenant", "name: tailspin\n    tenant");
        let (st, e) = apply(&s, &other.replace(from, to)).await;
        assert!(st.is_client_error(), "{e}");
        assert!(e.to_string().contains(word), "{e}");
        let (st, _) = s
            .admin_get("/keyless/v1/organizations/tailspin/settings")
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
}
