//! Renaming an organization: `sc://` subjects start with its name, so the credentials keyless
//! created follow in the same transaction and manual connections are flagged; refusals change
//! nothing.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use sc_support::*;
use serde_json::{Value, json};

const ORG: &str = "/keyless/v1/organizations/contoso";

async fn rename(s: &TestServer, body: Value) -> (StatusCode, Value) {
    s.admin_patch(ORG, body).await
}

async fn get_in(s: &TestServer, org: &str, id: &str) -> Value {
    s.admin_ok(&format!("/{org}/_apis/serviceendpoint/endpoints/{id}"))
        .await
}

/// Renames contoso to northwind; asserts the rename answers 200 and returns its body.
async fn rename_to_northwind(s: &TestServer) -> Value {
    rename(s, json!({"name": "northwind"}))
        .await
        .expect_status(StatusCode::OK)
}

#[tokio::test]
async fn the_credential_keyless_created_follows_the_new_name() {
    let s = TestServer::start().await;
    let auto = legacy_automatic(&s, "owned").await;
    let id = auto["id"].as_str().unwrap();
    let r = rename_to_northwind(&s).await;
    assert_eq!(r["organization"]["name"], "northwind");
    assert_eq!(r["credentialsUpdated"], 1);
    assert_eq!(r["connectionsNeedingAttention"], json!([]));
    let fics = fics_of(&s, &auto).await;
    assert_eq!(fics[0].subject.as_deref(), Some("sc://northwind/web/owned"));
    let c = get_in(&s, "northwind", id).await;
    assert_eq!(
        c["authorization"]["parameters"]["workloadIdentityFederationSubject"],
        "sc://northwind/web/owned"
    );
    assert_eq!(c["isOutdated"], false);
    // The whole chain still works under the new name.
    let (_, v) = s
        .post_as(
            &s.var("KEYLESS_TOKEN"),
            &format!("/northwind/_apis/serviceendpoint/endpointproxy?endpointId={id}"),
            json!({}),
        )
        .await;
    assert_eq!(v["statusCode"], "ok", "{v}");
    // The old name is gone.
    s.admin_get_expect(
        "/contoso/_apis/serviceendpoint/endpoints",
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn manual_connections_get_the_subject_changed_warning() {
    let s = TestServer::start().await;
    let manual = legacy_manual(&s, "theirs").await;
    let id = manual["id"].as_str().unwrap();
    let r = rename_to_northwind(&s).await;
    assert_eq!(r["credentialsUpdated"], 0);
    assert_eq!(r["connectionsNeedingAttention"], json!([id]));
    let c = get_in(&s, "northwind", id).await;
    assert_eq!(c["isOutdated"], true);
    let msg = c["operationStatus"]["statusMessage"].as_str().unwrap();
    assert!(
        msg.contains("from 'sc://contoso/web/theirs' to 'sc://northwind/web/theirs'"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_name_in_use_is_a_conflict_and_changes_nothing() {
    let s = TestServer::start().await;
    let auto = legacy_automatic(&s, "owned").await;
    let manual = legacy_manual(&s, "theirs").await;
    s.admin_created("/keyless/v1/organizations", json!({"name": "fabrikam"}))
        .await;
    let e = rename(&s, json!({"name": "Fabrikam"}))
        .await
        .expect_status(StatusCode::CONFLICT);
    assert!(
        e.to_string()
            .contains("An organization named 'Fabrikam' already exists."),
        "{e}"
    );
    let fics = fics_of(&s, &auto).await;
    assert_eq!(fics[0].subject.as_deref(), Some("sc://contoso/web/owned"));
    let m = get_in(&s, "contoso", manual["id"].as_str().unwrap()).await;
    assert_eq!(m["isOutdated"], false);
}

/// A bad name, an unknown field, a name that is not a string, a member's rename and an
/// unknown organization: each refused with its status, and contoso keeps its name.
#[tokio::test]
async fn refused_renames_change_nothing() {
    let s = TestServer::start().await;
    let eve = member(&s, "eve").await;
    let admin = s.var("KEYLESS_TOKEN");
    let ghost = "/keyless/v1/organizations/ghost";
    let cases = [
        (
            "a bad name",
            &admin,
            ORG,
            json!({"name": "no spaces"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "an unknown field",
            &admin,
            ORG,
            json!({"name": "northwind", "tenant": "x"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a name that is not a string",
            &admin,
            ORG,
            json!({"name": 5}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a member's rename",
            &eve.token,
            ORG,
            json!({"name": "eve"}),
            StatusCode::FORBIDDEN,
        ),
        (
            "an unknown organization",
            &admin,
            ghost,
            json!({"name": "spirit"}),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (case, who, org, body, want) in cases {
        let (status, resp) = s.patch_as(who, org, body).await;
        assert_eq!(status, want, "{case}: {resp}");
    }
    s.admin_ok("/contoso/_apis/serviceendpoint/endpoints").await;
}
