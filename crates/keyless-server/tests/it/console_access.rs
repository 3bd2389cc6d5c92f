//! The actions of a connection's access page over HTTP: a security role added and removed,
//! the connection shared with a project and no longer, one pipeline revoked, each checked
//! through the REST API afterwards; the API's refusal to a project Reader and to a user
//! with no role, CSRF refusals, each changing nothing; the "Secret expiring" state.

use super::pages::{access_page, connection, permissions, permissions_path};
use super::{Browser, Page, assert_csrf_refused, assert_refused_as};
use crate::common::{Expect, TestServer};
use crate::sc_support::{add_to_group, authorize_pipeline, automatic_body, created, person};
use crate::support::add_contoso_project;
use reqwest::StatusCode;
use serde_json::{Value, json};

const ROLES: &str = "/contoso/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources";

/// The connection as the administrator reads it through the API.
async fn endpoint(s: &TestServer, id: &str) -> Value {
    s.admin_ok(&format!("/contoso/_apis/serviceendpoint/endpoints/{id}"))
        .await
}

/// The ids of the projects that see the connection, its own first.
async fn shared_with(s: &TestServer, id: &str) -> Vec<String> {
    endpoint(s, id).await["serviceEndpointProjectReferences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["projectReference"]["id"].as_str().unwrap().to_string())
        .collect()
}

/// The roles API path of the connection (its own project is web).
async fn roles_path(s: &TestServer, id: &str) -> String {
    format!("{ROLES}/{}_{id}", shared_with(s, id).await[0])
}

/// `(unique name, role)` of every role on the connection, as the API lists them.
async fn roles(s: &TestServer, id: &str) -> Vec<(String, String)> {
    s.admin_ok(&roles_path(s, id).await).await["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = r["identity"]["uniqueName"].as_str().unwrap().to_string();
            (name, r["role"]["name"].as_str().unwrap().to_string())
        })
        .collect()
}

async fn project_id(s: &TestServer, name: &str) -> String {
    s.admin_ok(&format!("/contoso/_apis/projects/{name}")).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn form_path(id: &str, tail: &str) -> String {
    format!("/_console/orgs/contoso/web/connections/{id}/{tail}")
}

/// An action answered by the access page again.
fn assert_back(answer: &Page, id: &str) {
    assert_eq!(
        (answer.status, answer.location()),
        (StatusCode::SEE_OTHER, access_page(id).as_str()),
        "{}",
        answer.body
    );
}

/// A second project, api, and a connection of web named `name`: their ids.
async fn api_and_connection(s: &TestServer, name: &str) -> (String, String) {
    add_contoso_project(s, "api").await;
    (project_id(s, "api").await, connection(s, name).await)
}

#[tokio::test]
async fn an_administrator_adds_and_removes_a_role() {
    let s = TestServer::start().await;
    let id = connection(&s, "roles").await;
    let alice = person(&s, "alice").await;
    let b = Browser::admin(&s).await;
    let page = b.get(&access_page(&id)).await;
    for role in ["Reader", "User", "Creator", "Administrator"] {
        assert!(page.body.contains(&format!(">{role}</option>")), "{role}");
    }
    // The creator's own Administrator role is there from the start.
    let before = roles(&s, &id).await;
    assert!(before.iter().all(|(name, _)| name != &alice.upn));
    let post = form_path(&id, "roles");
    let answer = b
        .post(
            &post,
            &[("csrf", &b.csrf), ("user", &alice.upn), ("role", "Creator")],
        )
        .await;
    assert_back(&answer, &id);
    let mut want = before.clone();
    want.insert(0, (alice.upn.clone(), "Creator".to_string()));
    let mut after = roles(&s, &id).await;
    after.sort();
    want.sort();
    assert_eq!(after, want);
    let page = b.get(&access_page(&id)).await;
    assert!(page.text().contains(&format!(
        r#"<button type="submit" name="remove" value="{}" aria-label="Remove the role of {}">"#,
        alice.id, alice.upn
    )));

    let answer = b
        .post(&post, &[("csrf", &b.csrf), ("remove", &alice.id)])
        .await;
    assert_back(&answer, &id);
    assert_eq!(roles(&s, &id).await, before);
}

#[tokio::test]
async fn an_administrator_shares_and_stops_sharing_with_another_project() {
    let s = TestServer::start().await;
    let (api, id) = api_and_connection(&s, "shared").await;
    let web = project_id(&s, "web").await;
    let b = Browser::admin(&s).await;
    let page = b.get(&access_page(&id)).await;
    assert!(
        page.body
            .contains(&format!(r#"<option value="{api}">api</option>"#)),
        "{}",
        page.body
    );
    let post = form_path(&id, "shares");
    let answer = b.post(&post, &[("csrf", &b.csrf), ("share", &api)]).await;
    assert_back(&answer, &id);
    assert_eq!(shared_with(&s, &id).await, vec![web.clone(), api.clone()]);
    let listed = s
        .admin_ok("/contoso/api/_apis/serviceendpoint/endpoints")
        .await;
    assert_eq!(listed["value"][0]["id"], id.as_str());
    let page = b.get(&access_page(&id)).await;
    assert!(
        page.body
            .contains(&format!(r#"name="unshare" value="{api}""#))
    );
    assert!(
        !page
            .body
            .contains(&format!(r#"name="unshare" value="{web}""#))
    );

    // Its own project, or a project it is not shared with, is never sent (the API's
    // unshare would delete the connection): 400, the connection and its shares kept.
    for other in [web.as_str(), "00000000-0000-0000-0000-000000000001", ""] {
        let answer = b
            .post(&post, &[("csrf", &b.csrf), ("unshare", other)])
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{other}");
        assert!(answer.body.contains("Nothing was changed."), "{other}");
        assert_eq!(shared_with(&s, &id).await, vec![web.clone(), api.clone()]);
    }

    let answer = b.post(&post, &[("csrf", &b.csrf), ("unshare", &api)]).await;
    assert_back(&answer, &id);
    assert_eq!(shared_with(&s, &id).await, vec![web.clone()]);
    let listed = s
        .admin_ok("/contoso/api/_apis/serviceendpoint/endpoints")
        .await;
    assert_eq!(listed["count"], 0);
}

#[tokio::test]
async fn an_administrator_revokes_one_pipeline() {
    let s = TestServer::start().await;
    let id = connection(&s, "revoked").await;
    let mut pipelines = Vec::new();
    for name in ["one", "two"] {
        let p = s
            .admin_web_pipeline(name, "steps:\n  - script: echo hi\n")
            .await;
        authorize_pipeline(&s, &permissions_path(&id), &p["id"], true)
            .await
            .expect_status(StatusCode::OK);
        pipelines.push(p["id"].as_i64().unwrap());
    }
    let b = Browser::admin(&s).await;
    let page = b.get(&access_page(&id)).await;
    for p in &pipelines {
        assert!(
            page.body.contains(&format!(
                r#"name="revoke" value="{p}" aria-label="Revoke pipeline {p}""#
            )),
            "{}",
            page.body
        );
    }
    let answer = b
        .post(
            &form_path(&id, "pipelines"),
            &[("csrf", &b.csrf), ("revoke", &pipelines[0].to_string())],
        )
        .await;
    assert_back(&answer, &id);
    let left: Vec<i64> = permissions(&s, &id).await["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(left, vec![pipelines[1]]);
}

/// What the API says of the connection's roles, shares and pipeline permissions.
async fn state(s: &TestServer, id: &str) -> (Vec<(String, String)>, Vec<String>, Value) {
    (
        roles(s, id).await,
        shared_with(s, id).await,
        permissions(s, id).await,
    )
}

/// A form of the access page (its path's tail and fields) and the API request it sends
/// (method, path, body).
type Case<'a> = (
    &'a str,
    Vec<(&'a str, &'a str)>,
    reqwest::Method,
    String,
    Value,
);

#[tokio::test]
async fn a_project_reader_sees_the_apis_refusal_on_the_access_page_and_changes_nothing() {
    let s = TestServer::start().await;
    let (api, id) = api_and_connection(&s, "guarded").await;
    let alice = person(&s, "alice").await;
    let reader = person(&s, "reader").await;
    add_to_group(&s, "web", &reader, "Readers").await;
    // Something to remove, unshare and revoke.
    let roles_api = roles_path(&s, &id).await;
    s.admin_put(
        &roles_api,
        json!([{"roleName": "User", "userId": alice.upn}]),
    )
    .await
    .expect_status(StatusCode::OK);
    let endpoint_api = format!("/contoso/_apis/serviceendpoint/endpoints/{id}");
    s.admin_patch(&endpoint_api, json!([{"projectReference": {"id": api}}]))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let pipeline = s
        .admin_web_pipeline("one", "steps:\n  - script: echo hi\n")
        .await["id"]
        .clone();
    authorize_pipeline(&s, &permissions_path(&id), &pipeline, true)
        .await
        .expect_status(StatusCode::OK);
    let before = state(&s, &id).await;

    let b = Browser::signed_in(&s, &reader.token).await;
    let page = b.get(&access_page(&id)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let p = pipeline.to_string();
    let cases: [Case; 5] = [
        (
            "roles",
            vec![("user", &alice.upn), ("role", "Administrator")],
            reqwest::Method::PUT,
            roles_api.clone(),
            json!([{"roleName": "Administrator", "userId": alice.upn}]),
        ),
        (
            "roles",
            vec![("remove", &alice.id)],
            reqwest::Method::PATCH,
            roles_api.clone(),
            json!([alice.id]),
        ),
        (
            "shares",
            vec![("share", &api)],
            reqwest::Method::PATCH,
            endpoint_api.clone(),
            json!([{"projectReference": {"id": api}}]),
        ),
        (
            "shares",
            vec![("unshare", &api)],
            reqwest::Method::DELETE,
            format!("{endpoint_api}?projectIds={api}"),
            Value::Null,
        ),
        (
            "pipelines",
            vec![("revoke", &p)],
            reqwest::Method::PATCH,
            permissions_path(&id),
            json!({"pipelines": [{"id": pipeline, "authorized": false}]}),
        ),
    ];
    for (tail, fields, method, path, body) in cases {
        let body = (!body.is_null()).then_some(body);
        let (status, refusal) = s.client(&reader.token).send(method, &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {refusal}");
        assert_eq!(state(&s, &id).await, before, "{path}");
        let mut form = vec![("csrf", b.csrf.as_str())];
        form.extend(fields);
        let answer = b.post(&form_path(&id, tail), &form).await;
        assert_refused_as(&answer, status, &refusal);
        assert!(
            answer.text().contains("<h1>Access to guarded</h1>"),
            "{tail}"
        );
        assert!(answer.body.contains(r#"id="refused""#), "{tail}");
        assert_eq!(state(&s, &id).await, before, "{tail}");
    }
}

#[tokio::test]
async fn a_user_with_no_role_sees_the_apis_refusal_and_changes_nothing() {
    let s = TestServer::start().await;
    let (api, id) = api_and_connection(&s, "hidden").await;
    let nobody = person(&s, "nobody").await;
    let before = state(&s, &id).await;
    let b = Browser::signed_in(&s, &nobody.token).await;
    let (status, refusal) = s
        .patch_as(
            &nobody.token,
            &format!("/contoso/_apis/serviceendpoint/endpoints/{id}"),
            json!([{"projectReference": {"id": api}}]),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    let answer = b
        .post(
            &form_path(&id, "shares"),
            &[("csrf", &b.csrf), ("share", &api)],
        )
        .await;
    assert_refused_as(&answer, status, &refusal);
    assert_eq!(state(&s, &id).await, before);
    // Adding a role reads the connection first: the API's refusal of that read.
    let (status, refusal) = s
        .get_as(
            &nobody.token,
            &format!("/contoso/web/_apis/serviceendpoint/endpoints/{id}"),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    let answer = b
        .post(
            &form_path(&id, "roles"),
            &[
                ("csrf", &b.csrf),
                ("user", &nobody.upn),
                ("role", "Administrator"),
            ],
        )
        .await;
    assert_refused_as(&answer, status, &refusal);
    assert_eq!(state(&s, &id).await, before);
}

#[tokio::test]
async fn an_action_without_its_token_changes_nothing() {
    let s = TestServer::start().await;
    let (api, id) = api_and_connection(&s, "tokened").await;
    let alice = person(&s, "alice").await;
    let pipeline = s
        .admin_web_pipeline("one", "steps:\n  - script: echo hi\n")
        .await["id"]
        .clone();
    authorize_pipeline(&s, &permissions_path(&id), &pipeline, true)
        .await
        .expect_status(StatusCode::OK);
    let before = state(&s, &id).await;
    let b = Browser::admin(&s).await;
    let p = pipeline.to_string();
    let cases: [(&str, Vec<(&str, &str)>); 3] = [
        ("roles", vec![("user", &alice.upn), ("role", "User")]),
        ("shares", vec![("share", &api)]),
        ("pipelines", vec![("revoke", &p)]),
    ];
    for (tail, fields) in cases {
        for csrf in [None, Some("not-the-token")] {
            let mut form: Vec<(&str, &str)> = csrf.map(|c| ("csrf", c)).into_iter().collect();
            form.extend(fields.iter().copied());
            assert_csrf_refused(&b.post(&form_path(&id, tail), &form).await);
            assert_eq!(state(&s, &id).await, before, "{tail}");
        }
    }
}

#[tokio::test]
async fn a_secret_connection_shows_its_secret_expiring_then_expired() {
    let s = TestServer::start().await;
    let c = created(&s, automatic_body(&s, "secretive", "ServicePrincipal")).await;
    let id = c["id"].as_str().unwrap().to_string();
    let end = keyless_model::time_fmt::parse_iso(c["data"]["secretExpiration"].as_str().unwrap())
        .unwrap();
    // Three months ahead: no warning yet.
    assert!(end - s.state.now() > 60 * 86_400, "{c}");
    let list = "/_console/orgs/contoso/web";
    let details = format!("/_console/orgs/contoso/web/connections/{id}");
    let says = |page: &Page, badge: &str| page.body.contains(&format!(">{badge}</span>"));
    let b = Browser::admin(&s).await;
    for path in [list, details.as_str()] {
        let page = b.get(path).await;
        assert!(
            !says(&page, "Secret expiring") && !says(&page, "Secret expired"),
            "{path}"
        );
    }
    // Twenty days before its end: expiring (a session ends meanwhile: sign in again).
    s.state.clock.advance(end - s.state.now() - 20 * 86_400);
    let b = Browser::admin(&s).await;
    let page = b.get(list).await;
    assert!(says(&page, "Secret expiring"), "{}", page.body);
    assert!(
        page.body
            .contains(r#"<span class="badge warn secret">Secret expiring</span>"#)
    );
    assert!(says(&b.get(&details).await, "Secret expiring"));
    // The demo connection (workload identity) says nothing of a secret.
    assert_eq!(page.body.matches("Secret expiring").count(), 1);
    // A day after its end: expired.
    s.state.clock.advance(21 * 86_400);
    let b = Browser::admin(&s).await;
    let page = b.get(list).await;
    assert!(
        page.body
            .contains(r#"<span class="badge fail secret">Secret expired</span>"#),
        "{}",
        page.body
    );
    assert!(says(&b.get(&details).await, "Secret expired"));
}
