//! Microsoft Graph: applications, service principals and secrets. Who may call and
//! change what is in `graph_access.rs`, federated identity credentials in `graph_fic.rs`.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::graph::{add_password, admin_app, not_found, patched};
use support::is_guid;

#[tokio::test]
async fn application_create_get_list_patch_delete() {
    let s = TestServer::start().await;
    let app = admin_app(&s, "billing").await;
    assert!(is_guid(&app["id"]), "{app}");
    assert!(is_guid(&app["appId"]), "{app}");
    assert_ne!(app["id"], app["appId"]);
    assert_eq!(app["displayName"], "billing");
    assert_eq!(app["signInAudience"], "AzureADMyOrg");
    assert_eq!(app["passwordCredentials"], json!([]));
    assert_eq!(app["keyCredentials"], json!([]));
    assert!(app["createdDateTime"].as_str().unwrap().ends_with('Z'));
    let id = app["id"].as_str().unwrap();
    let app_id = app["appId"].as_str().unwrap();
    found_by_id_app_id_and_filter(&s, "/v1.0/applications", id, app_id).await;

    let all = s.admin_ok("/v1.0/applications").await;
    let names = support::field_names(&all, "displayName");
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    assert!(
        names.contains(&"billing") && names.contains(&"demo-deploy"),
        "{all}"
    );

    let patch = json!({"displayName": "billing-2", "signInAudience": "AzureADMultipleOrgs"});
    let after = patched(&s, &format!("/v1.0/applications/{id}"), patch).await;
    assert_eq!(after["displayName"], "billing-2");
    assert_eq!(after["signInAudience"], "AzureADMultipleOrgs");
    assert_eq!(after["appId"], app_id);

    s.admin_delete(&format!("/v1.0/applications/{id}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.admin_get(&format!("/v1.0/applications/{id}"))
        .await
        .expect_error(404, "Request_ResourceNotFound", &not_found(id));
}

/// Asserts that the object `id` of `collection` (applications or service principals) is
/// found by its id, by `appId` and by a `$filter` on its `appId`, alone.
async fn found_by_id_app_id_and_filter(s: &TestServer, collection: &str, id: &str, app_id: &str) {
    let by_id = s.admin_ok(&format!("{collection}/{id}")).await;
    assert_eq!(by_id["appId"], app_id);
    let by_app_id = s.admin_ok(&format!("{collection}(appId='{app_id}')")).await;
    assert_eq!(by_app_id["id"], id);
    let list = s
        .admin_ok(&format!("{collection}?$filter=appId%20eq%20%27{app_id}%27"))
        .await;
    let v = list["value"].as_array().unwrap();
    assert_eq!(v.len(), 1, "{list}");
    assert_eq!(v[0]["id"], id);
}

#[tokio::test]
async fn application_input_is_validated() {
    let s = TestServer::start().await;
    for body in [
        json!({}),
        json!({"displayName": "  "}),
        json!({"displayName": "x".repeat(257)}),
        json!({"displayName": "ok", "signInAudience": "Everyone"}),
        json!({"displayName": 5}),
    ] {
        let (status, resp) = s.admin_post("/v1.0/applications", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {resp}");
        assert!(resp["error"]["code"].is_string(), "{resp}");
    }
    s.admin_get("/v1.0/applications?$filter=endswith(displayName,%27a%27)")
        .await
        .expect_error_code(400, "Request_BadRequest");
}

#[tokio::test]
async fn unknown_or_malformed_application_ids_are_404() {
    let s = TestServer::start().await;
    for id in ["6f0e8a4c-0000-4000-8000-000000000000", "not-a-guid"] {
        s.admin_get(&format!("/v1.0/applications/{id}"))
            .await
            .expect_error(404, "Request_ResourceNotFound", &not_found(id));
    }
}

#[tokio::test]
async fn service_principal_create_get_disable_delete() {
    let s = TestServer::start().await;
    let app = admin_app(&s, "worker").await;
    let app_id = app["appId"].as_str().unwrap();
    let sp = s
        .admin_created("/v1.0/servicePrincipals", json!({"appId": app_id}))
        .await;
    assert!(is_guid(&sp["id"]), "{sp}");
    assert_eq!(sp["appId"], app_id);
    assert_eq!(sp["displayName"], "worker");
    assert_eq!(sp["accountEnabled"], true);
    assert_eq!(sp["servicePrincipalType"], "Application");
    assert_eq!(sp["appOwnerOrganizationId"], s.var("AZURE_TENANT_ID"));
    let id = sp["id"].as_str().unwrap();

    s.admin_post("/v1.0/servicePrincipals", json!({"appId": app_id}))
        .await
        .expect_error_code(409, "Conflict");

    found_by_id_app_id_and_filter(&s, "/v1.0/servicePrincipals", id, app_id).await;

    let disable = json!({"accountEnabled": false});
    let got = patched(&s, &format!("/v1.0/servicePrincipals/{id}"), disable).await;
    assert_eq!(got["accountEnabled"], false);

    s.admin_delete(&format!("/v1.0/servicePrincipals/{id}"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.admin_get(&format!("/v1.0/servicePrincipals/{id}"))
        .await
        .expect_error(404, "Request_ResourceNotFound", &not_found(id));
    // The app itself remains.
    s.admin_ok(&format!(
        "/v1.0/applications/{}",
        app["id"].as_str().unwrap()
    ))
    .await;
}

#[tokio::test]
async fn disabled_service_principal_cannot_sign_in() {
    let s = TestServer::start().await;
    let p = support::new_principal(&s, "to-disable").await;
    support::secret_token(&s, &p.app_id, &p.secret)
        .await
        .expect_status(StatusCode::OK);
    support::disable_sp(&s, &p.sp_id).await;
    let body = support::secret_token(&s, &p.app_id, &p.secret)
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    assert_eq!(body["error_codes"], json!([7000112]), "{body}");
}

#[tokio::test]
async fn service_principal_needs_an_existing_app_id() {
    let s = TestServer::start().await;
    s.admin_post("/v1.0/servicePrincipals", json!({}))
        .await
        .expect_error(
            400,
            "Request_BadRequest",
            "Property 'appId' is required and must be a GUID.",
        );
    let unknown = "0aa0aa0a-0000-4000-8000-000000000000";
    s.admin_post("/v1.0/servicePrincipals", json!({"appId": unknown}))
        .await
        .expect_error(404, "Request_ResourceNotFound", &not_found(unknown));
}

#[tokio::test]
async fn add_password_shows_the_secret_once_and_remove_password_deletes_it() {
    let s = TestServer::start().await;
    let admin = s.var("KEYLESS_TOKEN");
    let app = admin_app(&s, "with-secret").await;
    let id = app["id"].as_str().unwrap();
    let pw = add_password(&s, &admin, id, json!({"displayName": "ci"}))
        .await
        .expect_status(StatusCode::OK);
    let secret = pw["secretText"].as_str().unwrap();
    assert!(secret.len() >= 40, "{secret}");
    assert_eq!(pw["hint"], &secret[..3]);
    assert!(is_guid(&pw["keyId"]), "{pw}");
    assert_eq!(pw["displayName"], "ci");
    let start = keyless_model::time_fmt::parse_iso(pw["startDateTime"].as_str().unwrap()).unwrap();
    let end = keyless_model::time_fmt::parse_iso(pw["endDateTime"].as_str().unwrap()).unwrap();
    assert_eq!(end - start, 730 * 86_400, "default lifetime is two years");

    let (_, got) = s.admin_get(&format!("/v1.0/applications/{id}")).await;
    let creds = got["passwordCredentials"].as_array().unwrap();
    assert_eq!(creds.len(), 1, "{got}");
    assert_eq!(creds[0]["keyId"], pw["keyId"]);
    assert_eq!(creds[0]["hint"], pw["hint"]);
    assert!(creds[0]["secretText"].is_null(), "{got}");
    assert!(
        !got.to_string().contains(secret),
        "the secret must never show again"
    );

    remove_password(&s, id, &pw["keyId"])
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let (_, got) = s.admin_get(&format!("/v1.0/applications/{id}")).await;
    assert_eq!(got["passwordCredentials"], json!([]));
    remove_password(&s, id, &pw["keyId"])
        .await
        .expect_error_code(400, "Request_BadRequest");
}

/// `POST /v1.0/applications/{app}/removePassword` of `key_id`, as the administrator.
async fn remove_password(s: &TestServer, app: &str, key_id: &Value) -> (StatusCode, Value) {
    let path = format!("/v1.0/applications/{app}/removePassword");
    s.admin_post(&path, json!({"keyId": key_id})).await
}

#[tokio::test]
async fn removed_secret_no_longer_signs_in() {
    let s = TestServer::start().await;
    let p = support::new_principal(&s, "rotating").await;
    let (_, got) = s
        .admin_get(&format!("/v1.0/applications/{}", p.app_object_id))
        .await;
    let key_id = &got["passwordCredentials"][0]["keyId"];
    remove_password(&s, &p.app_object_id, key_id)
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let body = support::secret_token(&s, &p.app_id, &p.secret)
        .await
        .expect_status(StatusCode::UNAUTHORIZED);
    assert_eq!(body["error_codes"], json!([7000215]), "{body}");
}

#[tokio::test]
async fn secret_lifetime_beyond_the_tenant_policy_is_400() {
    let s = TestServer::start().await;
    let admin = s.var("KEYLESS_TOKEN");
    let app = admin_app(&s, "long-secret").await;
    let far = json!({"endDateTime": "2199-01-01T00:00:00Z"});
    let msg = add_password(&s, &admin, app["id"].as_str().unwrap(), far)
        .await
        .expect_error_code(400, "Request_BadRequest");
    assert!(msg.contains("730 days"), "{msg}");
}
