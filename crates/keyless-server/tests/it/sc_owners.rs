//! Ownership added through Graph counts in Azure DevOps: a co-owner of the identity's app
//! registration creates a manual workload identity connection that is not a draft.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use sc_support::*;
use serde_json::json;

#[tokio::test]
async fn an_added_owner_is_not_saved_as_draft_and_a_removed_one_is() {
    let s = TestServer::start().await;
    let alice = member(&s, "alice").await;
    let client = s.var("AZURE_CLIENT_ID");
    let app = s
        .admin_ok(&format!("/v1.0/applications(appId='{client}')"))
        .await;
    let app_id = app["id"].as_str().unwrap().to_string();
    s
        .admin_post(&format!("/v1.0/applications/{app_id}/owners/$ref"), json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", alice.id)}))
        .await.expect_status(StatusCode::NO_CONTENT);
    let c = create_as(&s, &alice.token, manual_body(&s, "owned", &client, None))
        .await
        .expect_status(StatusCode::OK);
    assert_ne!(c["operationStatus"]["state"], "Draft", "{c}");

    s.admin_delete(&format!(
        "/v1.0/applications/{app_id}/owners/{}/$ref",
        alice.id
    ))
    .await
    .expect_status(StatusCode::NO_CONTENT);
    let c = create_as(&s, &alice.token, manual_body(&s, "unowned", &client, None))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(c["operationStatus"]["state"], "Draft", "{c}");
}
