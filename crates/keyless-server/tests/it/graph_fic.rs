//! Microsoft Graph federated identity credentials: create, list, get by id and by name,
//! update, delete, and one test per saving rule.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::graph::{not_found, patched};
use support::is_guid;

const ISSUER: &str = "https://token.actions.githubusercontent.com";
const AUDIENCE: &str = "api://AzureADTokenExchange";
const SAME_PAIR: &str = "FederatedIdentityCredential with the same issuer and subject already exists for this application.";

/// A fresh app of the administrator and its credentials collection path.
async fn app(s: &TestServer) -> (Value, String) {
    let app = s
        .admin_created("/v1.0/applications", json!({"displayName": "fic-app"}))
        .await;
    let path = format!(
        "/v1.0/applications/{}/federatedIdentityCredentials",
        app["id"].as_str().unwrap()
    );
    (app, path)
}

/// A server and the credentials collection path of a fresh app of the administrator.
async fn with_app() -> (TestServer, String) {
    let s = TestServer::start().await;
    let (_, path) = app(&s).await;
    (s, path)
}

fn fic(name: &str, subject: &str) -> Value {
    json!({
        "name": name,
        "issuer": ISSUER,
        "subject": subject,
        "audiences": [AUDIENCE],
        "description": "tests",
    })
}

#[tokio::test]
async fn credential_create_list_get_patch_delete() {
    let (s, path) = with_app().await;
    let created = s
        .admin_created(
            &path,
            fic("ci-main", "repo:contoso/app:ref:refs/heads/main"),
        )
        .await;
    assert_eq!(
        created["@odata.type"],
        "#microsoft.graph.federatedIdentityCredential"
    );
    assert!(is_guid(&created["id"]), "{created}");
    assert_eq!(created["name"], "ci-main");
    assert_eq!(created["issuer"], ISSUER);
    assert_eq!(created["subject"], "repo:contoso/app:ref:refs/heads/main");
    assert_eq!(created["audiences"], json!([AUDIENCE]));
    assert_eq!(created["description"], "tests");
    let id = created["id"].as_str().unwrap();

    let list = s.admin_ok(&path).await;
    let v = list["value"].as_array().unwrap();
    assert_eq!(v.len(), 1, "{list}");
    assert_eq!(v[0]["id"], id);

    for key in [id, "ci-main"] {
        let (status, got) = s.admin_get(&format!("{path}/{key}")).await;
        assert_eq!(status, StatusCode::OK, "{key}: {got}");
        assert_eq!(got["id"], id);
        assert_eq!(
            got["@odata.type"],
            "#microsoft.graph.federatedIdentityCredential"
        );
    }

    let patch = json!({"subject": "repo:contoso/app:environment:prod", "description": "prod"});
    let got = patched(&s, &format!("{path}/{id}"), patch).await;
    assert_eq!(got["subject"], "repo:contoso/app:environment:prod");
    assert_eq!(got["description"], "prod");
    assert_eq!(got["issuer"], ISSUER);
    assert_eq!(got["name"], "ci-main");

    s.admin_delete(&format!("{path}/ci-main"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    s.admin_get(&format!("{path}/{id}"))
        .await
        .expect_error_code(404, "Request_ResourceNotFound");
    let (_, list) = s.admin_get(&path).await;
    assert_eq!(list["value"], json!([]));
}

#[tokio::test]
async fn credentials_are_reachable_through_the_app_id_key() {
    let s = TestServer::start().await;
    let (app, _) = app(&s).await;
    let path = format!(
        "/v1.0/applications(appId='{}')/federatedIdentityCredentials",
        app["appId"].as_str().unwrap()
    );
    let created = s.admin_created(&path, fic("by-app-id", "sub-1")).await;
    let got = s.admin_ok(&format!("{path}/by-app-id")).await;
    assert_eq!(got["id"], created["id"]);
}

#[tokio::test]
async fn name_rules() {
    let (s, path) = with_app().await;
    let long = "a".repeat(121);
    for name in [
        "",
        "ab",
        "-starts-with-dash",
        "_underscore-first",
        "has.dot",
        "has space",
        "slash/x",
        &long,
    ] {
        let msg = s
            .admin_post(&path, fic(name, &format!("sub-{}", name.len())))
            .await
            .expect_error_code(400, "Request_BadRequest");
        assert!(
            msg.ends_with("The name must be 3 to 120 characters of letters, digits, '-' and '_', starting with a letter or digit."),
            "{name}: {msg}"
        );
    }
    let max = format!("a{}", "_-9".repeat(39) + "zz");
    assert_eq!(max.len(), 120);
    for (i, name) in ["abc", "9-_", max.as_str()].iter().enumerate() {
        let (status, body) = s.admin_post(&path, fic(name, &format!("ok-{i}"))).await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
    }
}

#[tokio::test]
async fn exactly_one_audience() {
    let (s, path) = with_app().await;
    for audiences in [json!([]), json!([AUDIENCE, "api://other"])] {
        let mut body = fic("aud-test", "sub");
        body["audiences"] = audiences;
        s.admin_post(&path, body).await.expect_error(
            400,
            "Request_BadRequest",
            "Federated identity credentials must have exactly one audience.",
        );
    }
    let mut body = fic("aud-test", "sub");
    body.as_object_mut().unwrap().remove("audiences");
    s.admin_post(&path, body)
        .await
        .expect_error_code(400, "Request_BadRequest");
}

#[tokio::test]
async fn issuer_and_subject_must_be_unique_per_app() {
    let (s, path) = with_app().await;
    s.admin_created(&path, fic("first", "same-subject")).await;
    s.admin_post(&path, fic("second", "same-subject"))
        .await
        .expect_error(400, "Request_BadRequest", SAME_PAIR);
    // Another app may hold the same pair.
    let (_, other) = app(&s).await;
    s.admin_created(&other, fic("first", "same-subject")).await;
}

#[tokio::test]
async fn names_must_be_unique_per_app() {
    let (s, path) = with_app().await;
    s.admin_created(&path, fic("dup-name", "one")).await;
    for name in ["dup-name", "DUP-NAME"] {
        s.admin_post(&path, fic(name, "two")).await.expect_error(
            400,
            "Request_BadRequest",
            "FederatedIdentityCredential with the same name already exists for this application.",
        );
    }
}

#[tokio::test]
async fn at_most_twenty_credentials_per_app() {
    let (s, path) = with_app().await;
    for i in 0..20 {
        let (status, body) = s
            .admin_post(&path, fic(&format!("fic-{i}"), &format!("sub-{i}")))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{i}: {body}");
    }
    let full = "The maximum number of federated identity credentials (20) for this application has been reached.";
    s.admin_post(&path, fic("fic-20", "sub-20"))
        .await
        .expect_error(400, "Request_BadRequest", full);
    let (_, list) = s.admin_get(&path).await;
    assert_eq!(list["value"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn fields_are_at_most_600_characters() {
    let (s, path) = with_app().await;
    let issuer_601 = format!("https://{}", "i".repeat(601 - 8));
    let cases = [
        (
            "issuer",
            json!(issuer_601),
            "The issuer must be at most 600 characters.",
        ),
        (
            "subject",
            json!("s".repeat(601)),
            "The subject must be at most 600 characters.",
        ),
        (
            "audiences",
            json!(["a".repeat(601)]),
            "The audience must be 1 to 600 characters.",
        ),
        (
            "description",
            json!("d".repeat(601)),
            "The description must be at most 600 characters.",
        ),
    ];
    for (field, value, message) in cases {
        let mut body = fic("too-long", "sub");
        body[field] = value;
        s.admin_post(&path, body)
            .await
            .expect_error(400, "Request_BadRequest", message);
    }
    let mut body = fic("just-fits", &"s".repeat(600));
    body["issuer"] = json!(format!("https://{}", "i".repeat(600 - 8)));
    body["audiences"] = json!(["a".repeat(600)]);
    body["description"] = json!("d".repeat(600));
    s.admin_created(&path, body).await;
}

#[tokio::test]
async fn issuer_and_subject_are_required() {
    let (s, path) = with_app().await;
    for (field, message) in [
        (
            "issuer",
            "The issuer of a federated identity credential is required.",
        ),
        (
            "subject",
            "The subject of a federated identity credential is required.",
        ),
    ] {
        let mut body = fic("required", "sub");
        body.as_object_mut().unwrap().remove(field);
        s.admin_post(&path, body)
            .await
            .expect_error(400, "Request_BadRequest", message);
    }
}

#[tokio::test]
async fn name_is_immutable() {
    let (s, path) = with_app().await;
    let created = s.admin_created(&path, fic("fixed-name", "sub")).await;
    let item = format!("{path}/{}", created["id"].as_str().unwrap());
    s.admin_patch(&item, json!({"name": "new-name"}))
        .await
        .expect_error(
            400,
            "Request_BadRequest",
            "The name of a federated identity credential cannot be changed.",
        );
    // Sending the same name along with other fields is fine.
    s.admin_patch(&item, json!({"name": "fixed-name", "subject": "sub-2"}))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let (_, got) = s.admin_get(&format!("{path}/fixed-name")).await;
    assert_eq!(got["subject"], "sub-2");
}

#[tokio::test]
async fn patch_follows_the_same_rules() {
    let (s, path) = with_app().await;
    s.admin_created(&path, fic("one", "sub-1")).await;
    s.admin_created(&path, fic("two", "sub-2")).await;
    s.admin_patch(&format!("{path}/two"), json!({"subject": "sub-1"}))
        .await
        .expect_error(400, "Request_BadRequest", SAME_PAIR);
    s.admin_patch(
        &format!("{path}/two"),
        json!({"audiences": [AUDIENCE, AUDIENCE]}),
    )
    .await
    .expect_error(
        400,
        "Request_BadRequest",
        "Federated identity credentials must have exactly one audience.",
    );
    let (_, got) = s.admin_get(&format!("{path}/two")).await;
    assert_eq!(got["subject"], "sub-2");
    assert_eq!(got["audiences"], json!([AUDIENCE]));
}

#[tokio::test]
async fn a_name_shaped_like_a_guid_is_found_by_name() {
    let (s, path) = with_app().await;
    let name = "0e5ad0b2-5a3f-4a8e-9d43-4a1d5c9e7f10";
    let created = s.admin_created(&path, fic(name, "sub")).await;
    let got = s.admin_ok(&format!("{path}/{name}")).await;
    assert_eq!(got["id"], created["id"]);
}

#[tokio::test]
async fn unknown_credential_and_unknown_app_are_404() {
    let (s, path) = with_app().await;
    s.admin_get(&format!("{path}/missing")).await.expect_error(
        404,
        "Request_ResourceNotFound",
        &not_found("missing"),
    );
    s.admin_get(
        "/v1.0/applications/7d2a1c3e-0000-4000-8000-000000000000/federatedIdentityCredentials",
    )
    .await
    .expect_error_code(404, "Request_ResourceNotFound");
}

#[tokio::test]
async fn only_the_owner_or_an_administrator_changes_credentials() {
    let (s, path) = with_app().await;
    s.admin_created(&path, fic("admins", "sub")).await;
    let member = support::new_member(&s, "mallory").await;
    s.get_ok_as(&member.token, &path).await;
    for (method, p, body) in [
        (Method::POST, path.clone(), Some(fic("mine", "evil"))),
        (
            Method::PATCH,
            format!("{path}/admins"),
            Some(json!({"subject": "evil"})),
        ),
        (Method::DELETE, format!("{path}/admins"), None),
    ] {
        s.send(method, &p, Some(&member.token), body)
            .await
            .expect_error(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            );
    }
    let (_, got) = s.admin_get(&format!("{path}/admins")).await;
    assert_eq!(got["subject"], "sub");
}

#[tokio::test]
async fn flexible_credentials_are_stored_and_malformed_ones_refused() {
    let (s, path) = with_app().await;
    let body = json!({
        "name": "flex",
        "issuer": ISSUER,
        "subject": null,
        "audiences": [AUDIENCE],
        "claimsMatchingExpression": {"value": "claims['sub'] matches 'repo:contoso/*'", "languageVersion": 1},
    });
    let resp = s.admin_created(&path, body).await;
    assert_eq!(
        resp["claimsMatchingExpression"]["value"],
        "claims['sub'] matches 'repo:contoso/*'"
    );
    let bad = json!({
        "name": "flex2",
        "issuer": ISSUER,
        "audiences": [AUDIENCE],
        "claimsMatchingExpression": {"value": "claims['sub'] contains 'x'", "languageVersion": 1},
    });
    let msg = s
        .admin_post(&path, bad)
        .await
        .expect_error_code(400, "Request_BadRequest");
    assert!(
        msg.contains("claimsMatchingExpression") && msg.contains("contains"),
        "{msg}"
    );
}
