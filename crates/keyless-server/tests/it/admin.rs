//! keyless' own admin API, directory side: tenants, users, tenant settings, personal
//! access tokens, and who may call what. Organizations, projects, subscriptions,
//! pipelines and jobs are in `admin_devops.rs`.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::support;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{admin_created_guid, as_member, field_names, message, sorted_names};

const NEEDS_ADMIN: &str = "This operation needs a keyless administrator.";

#[tokio::test]
async fn tenants_are_created_listed_and_found_by_name_id_or_domain() {
    let s = TestServer::start().await;
    let body = json!({"name": "fabrikam", "displayName": "Fabrikam Ltd"});
    let t = admin_created_guid(&s, "/keyless/v1/tenants", body).await;
    assert_eq!(t["name"], "fabrikam");
    assert_eq!(t["domain"], "fabrikam.onmicrosoft.com");
    assert_eq!(t["displayName"], "Fabrikam Ltd");
    assert_eq!(t["settings"]["usersCanRegisterApps"], true);

    let list = s.admin_ok("/keyless/v1/tenants").await;
    assert_eq!(field_names(&list, "name"), ["contoso", "fabrikam"]);

    let id = t["id"].as_str().unwrap();
    for key in ["fabrikam", id, "fabrikam.onmicrosoft.com"] {
        let (status, got) = s.admin_get(&format!("/keyless/v1/tenants/{key}")).await;
        assert_eq!(status, StatusCode::OK, "{key}: {got}");
        assert_eq!(got["id"], id);
    }
    s.admin_get("/keyless/v1/tenants/nowhere")
        .await
        .expect_message(StatusCode::NOT_FOUND, "'nowhere' does not exist");
}

#[tokio::test]
async fn duplicate_tenant_name_is_409() {
    let s = TestServer::start().await;
    for name in ["contoso", "CONTOSO"] {
        let (status, body) = s
            .admin_post("/keyless/v1/tenants", json!({"name": name}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {body}");
        assert_eq!(body["error"]["code"], "Conflict", "{body}");
    }
}

#[tokio::test]
async fn invalid_tenant_bodies_are_400() {
    let s = TestServer::start().await;
    let long = "t".repeat(65);
    for name in [
        "",
        "-lead",
        "has space",
        "semi;colon",
        "naïve",
        long.as_str(),
    ] {
        let (status, body) = s
            .admin_post("/keyless/v1/tenants", json!({"name": name}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert!(
            message(&body).starts_with("The tenant name '"),
            "{name}: {body}"
        );
    }
    for body in [
        json!({}),
        json!({"name": "ok", "unknown": 1}),
        json!({"name": "ok", "cloud": "mars"}),
    ] {
        let (status, resp) = s.admin_post("/keyless/v1/tenants", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {resp}");
    }
}

#[tokio::test]
async fn users_are_created_and_listed_per_tenant() {
    let s = TestServer::start().await;
    let users = "/keyless/v1/tenants/contoso/users";
    let u = admin_created_guid(&s, users, json!({"name": "carol", "displayName": "Carol"})).await;
    assert_eq!(u["userPrincipalName"], "carol@contoso.onmicrosoft.com");
    assert_eq!(u["tenantId"], s.var("AZURE_TENANT_ID"));
    assert_eq!(u["isAdmin"], false);

    let tenant = s.var("AZURE_TENANT_ID");
    let list = s
        .admin_ok(&format!("/keyless/v1/tenants/{tenant}/users"))
        .await;
    let upns = field_names(&list, "userPrincipalName");
    assert!(
        upns.contains(&"carol@contoso.onmicrosoft.com".to_string()),
        "{list}"
    );
    assert!(
        upns.contains(&"admin@contoso.onmicrosoft.com".to_string()),
        "{list}"
    );

    s.admin_post(users, json!({"name": "CAROL"}))
        .await
        .expect_status(StatusCode::CONFLICT);
    for name in ["", "has space", "-x"] {
        let (status, body) = s.admin_post(users, json!({"name": name})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert!(message(&body).starts_with("The user name '"), "{body}");
    }
    s.admin_post("/keyless/v1/tenants/nowhere/users", json!({"name": "x"}))
        .await
        .expect_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn settings_patch_changes_known_settings_and_rejects_unknown_ones() {
    let s = TestServer::start().await;
    let path = "/keyless/v1/tenants/contoso/settings";
    let patch = json!({"usersCanRegisterApps": false, "secretLifetimeDays": 90});
    let body = s
        .admin_patch(path, patch)
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(body["usersCanRegisterApps"], false);
    assert_eq!(body["secretLifetimeDays"], 90);
    let (_, t) = s.admin_get("/keyless/v1/tenants/contoso").await;
    assert_eq!(t["settings"]["secretLifetimeDays"], 90);

    for patch in [
        json!({"userCanRegisterApps": true}),
        json!({"usersCanRegisterApps": "no"}),
        json!([1]),
    ] {
        let (status, body) = s.admin_patch(path, patch.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{patch}: {body}");
    }
    let (_, t) = s.admin_get("/keyless/v1/tenants/contoso").await;
    assert_eq!(t["settings"]["usersCanRegisterApps"], false);
}

#[tokio::test]
async fn members_get_403_on_admin_only_calls() {
    let s = TestServer::start().await;
    let m = support::new_member(&s, "dave").await;
    let tenant = s.var("AZURE_TENANT_ID");
    let calls = [
        ("/keyless/v1/tenants", json!({"name": "mine"})),
        ("/keyless/v1/organizations", json!({"name": "mine"})),
        (
            "/keyless/v1/subscriptions",
            json!({"name": "mine", "tenant": "contoso"}),
        ),
        (
            "/keyless/v1/pats",
            json!({"name": "steal", "user": "admin@contoso.onmicrosoft.com"}),
        ),
    ];
    for (path, body) in calls {
        let (status, resp) = s.post_as(&m.token, path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "POST {path}: {resp}");
        assert_eq!(message(&resp), NEEDS_ADMIN, "POST {path}");
    }
    // Directory changes are refused by the directory rules, in Graph's words.
    for (method, path, body) in [
        (
            Method::POST,
            format!("/keyless/v1/tenants/{tenant}/users"),
            json!({"name": "friend"}),
        ),
        (
            Method::PATCH,
            format!("/keyless/v1/tenants/{tenant}/settings"),
            json!({"usersCanRegisterApps": true}),
        ),
    ] {
        let (status, resp) = as_member(&s, &m, method.clone(), &path, Some(body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {resp}");
        assert_eq!(
            resp["error"]["code"], "Authorization_RequestDenied",
            "{resp}"
        );
    }
    // Nothing was created.
    let (_, list) = s.admin_get("/keyless/v1/tenants").await;
    assert_eq!(field_names(&list, "name"), ["contoso"]);
}

#[tokio::test]
async fn members_see_their_own_tenant_and_pats_only() {
    let s = TestServer::start().await;
    support::new_tenant(&s, "fabrikam").await;
    let m = support::new_member(&s, "erin").await;
    let erin = s.client(&m.token);

    let me = erin.get_ok("/keyless/v1/me").await;
    assert_eq!(me["user"]["userPrincipalName"], m.upn);
    assert!(me["token"].get("tokenHash").is_none(), "{me}");

    let (_, list) = erin.get("/keyless/v1/tenants").await;
    assert_eq!(field_names(&list, "name"), ["contoso"]);
    for path in [
        "/keyless/v1/tenants/fabrikam",
        "/keyless/v1/tenants/fabrikam/users",
    ] {
        let (status, body) = erin.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }

    // A member may create and revoke their own tokens, not revoke the administrator's.
    let pat = erin
        .post("/keyless/v1/pats", json!({"name": "second"}))
        .await
        .expect_status(StatusCode::CREATED);
    let (_, mine) = erin.get("/keyless/v1/pats").await;
    assert_eq!(sorted_names(&mine, "name"), ["erin-pat", "second"]);
    let (_, admins) = s.admin_get("/keyless/v1/pats").await;
    let admin_pat = admins["value"][0]["id"].as_str().unwrap().to_string();
    let own_pat = pat["pat"]["id"].as_str().unwrap();
    for (id, want) in [
        (admin_pat.as_str(), StatusCode::FORBIDDEN),
        (own_pat, StatusCode::NO_CONTENT),
    ] {
        let (status, body) = erin.delete(&format!("/keyless/v1/pats/{id}")).await;
        assert_eq!(status, want, "{id}: {body}");
    }
}

#[tokio::test]
async fn admin_api_without_a_token_is_401() {
    let s = TestServer::start().await;
    s.anon_get("/keyless/v1/tenants")
        .await
        .expect_message(StatusCode::UNAUTHORIZED, "keyless pat create");
}

#[tokio::test]
async fn status_names_the_version_backend_replicas_and_uptime() {
    let s = TestServer::start().await;
    let got = s.admin_ok("/keyless/v1/status").await;
    assert_eq!(got["version"], env!("CARGO_PKG_VERSION"), "{got}");
    assert_eq!(got["database"], "sqlite", "{got}");
    assert_eq!(got["replicas"], 1, "{got}");
    assert_eq!(got["replicaList"][0]["self"], true, "{got}");
    assert!(got["uptimeSeconds"].as_i64().unwrap() >= 0, "{got}");
    // Never the connection string: no path, URL or password in the answer.
    let text = got.to_string();
    assert!(!text.contains("sqlite:") && !text.contains(".db"), "{text}");

    // Any signed-in user, not only administrators.
    let m = support::new_member(&s, "erin").await;
    let (status, body) = s.client(&m.token).get("/keyless/v1/status").await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Without a token: 401 in the admin API's envelope.
    let (status, body) = s.anon_get("/keyless/v1/status").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["typeKey"], "VssUnauthorizedException", "{body}");
    assert!(message(&body).contains("keyless pat create"), "{body}");
}
