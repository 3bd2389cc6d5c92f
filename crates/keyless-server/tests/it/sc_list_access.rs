//! The connection lists as seen by callers who are not collection administrators: project
//! groups, per-connection roles and sharing decide, connection by connection, what each
//! list shows, as they decide a single connection's GET.
#![allow(clippy::unwrap_used)]

use crate::common::{Expect, TestServer};
use crate::sc_support::*;
use crate::support;
use reqwest::StatusCode;
use serde_json::{Value, json};

const ROLES: &str = "/contoso/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources";

/// The names in the connection list at `path` (`web`, `api` or the organization) as `who`,
/// sorted.
async fn names(s: &TestServer, who: &Person, path: &str) -> Vec<String> {
    let list = s
        .get_ok_as(
            &who.token,
            &format!("/contoso{path}/_apis/serviceendpoint/endpoints"),
        )
        .await;
    let mut names: Vec<String> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(list["count"], json!(names.len()));
    names.sort();
    names
}

/// The listed connection `name` at `path` as `who`.
async fn listed(s: &TestServer, who: &Person, path: &str, name: &str) -> Value {
    let list = s
        .get_ok_as(
            &who.token,
            &format!("/contoso{path}/_apis/serviceendpoint/endpoints"),
        )
        .await;
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn lists_show_what_groups_roles_and_shares_grant_each_caller() {
    let s = TestServer::start().await;
    support::add_contoso_project(&s, "api").await;
    let api = support::contoso_project(&s, "api").await.id.to_string();
    let web = support::contoso_project(&s, "web").await.id.to_string();
    let one = created(&s, demo_manual_body(&s, "one")).await;
    let one = one["id"].as_str().unwrap();
    let mut body = demo_manual_body(&s, "two");
    body["serviceEndpointProjectReferences"] =
        json!([{"projectReference": {"name": "api"}, "name": "two"}]);
    let two = created(&s, body).await;
    let two = two["id"].as_str().unwrap();
    s.admin_patch(
        &format!("/contoso/_apis/serviceendpoint/endpoints/{one}"),
        json!([{"projectReference": {"name": "api"}, "name": "one"}]),
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
    let none: Vec<String> = Vec::new();

    // In no group and with no role, a user of the organization sees no connection.
    let dave = person(&s, "dave").await;
    for path in ["/web", "/api", ""] {
        assert_eq!(names(&s, &dave, path).await, none, "{path}");
    }
    // A per-connection role alone shows that connection wherever it is listed.
    s.admin_put(
        &format!("{ROLES}/{api}_{two}"),
        json!([{"roleName": "Reader", "userId": dave.id}]),
    )
    .await
    .expect_status(StatusCode::OK);
    assert_eq!(names(&s, &dave, "/web").await, none);
    assert_eq!(names(&s, &dave, "/api").await, ["two"]);
    assert_eq!(names(&s, &dave, "").await, ["two"]);
    // Readers of web see web's connections, and "one" also where it is shared.
    add_to_group(&s, "web", &dave, "Readers").await;
    assert_eq!(names(&s, &dave, "/web").await, ["demo-connection", "one"]);
    assert_eq!(names(&s, &dave, "/api").await, ["one", "two"]);
    assert_eq!(
        names(&s, &dave, "").await,
        ["demo-connection", "one", "two"]
    );

    // Readers of api only: api's own connection, and "one" through its share with api.
    let erin = person(&s, "erin").await;
    add_to_group(&s, "api", &erin, "Readers").await;
    assert_eq!(names(&s, &erin, "/web").await, none);
    assert_eq!(names(&s, &erin, "/api").await, ["one", "two"]);
    assert_eq!(names(&s, &erin, "").await, ["one", "two"]);
    // The shared connection is listed with both its projects, as its own GET shows it: the
    // administrator's, and erin's through api, the project it is shared with.
    let shared = listed(&s, &erin, "/api", "one").await;
    assert_eq!(shared["isShared"], true);
    let projects: Vec<&str> = shared["serviceEndpointProjectReferences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["projectReference"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(projects.len(), 2);
    assert_eq!(projects[0], web);
    assert!(projects.contains(&api.as_str()));
    let alone = s
        .admin_ok(&format!("/contoso/_apis/serviceendpoint/endpoints/{one}"))
        .await;
    assert_eq!(shared, alone);
    let through_api = s
        .get_ok_as(
            &erin.token,
            &format!("/contoso/api/_apis/serviceendpoint/endpoints/{one}"),
        )
        .await;
    assert_eq!(shared, through_api);
    // Through its own project (web) erin has no role on it.
    for path in [
        format!("/contoso/web/_apis/serviceendpoint/endpoints/{one}"),
        format!("/contoso/_apis/serviceendpoint/endpoints/{one}"),
    ] {
        let (status, body) = s.get_as(&erin.token, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert_eq!(body["typeKey"], "AccessCheckException", "{path}");
        assert_eq!(
            body["message"],
            "erin@contoso.onmicrosoft.com needs the Reader role on the service connection 'one' \
             (has none). Ask an administrator of the connection or a member of Endpoint \
             Administrators of the project web.",
            "{path}"
        );
    }
    assert_eq!(listed(&s, &erin, "/api", "two").await["isShared"], false);
}
