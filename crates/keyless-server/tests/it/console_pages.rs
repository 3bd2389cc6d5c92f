//! The console's signing-keys page and a connection's access page over HTTP: what the API
//! lists, the actions of those the API lets act, the API's refusal to anyone else, CSRF
//! refusals and escaping, each changing nothing it should not.

use super::{Browser, Page, assert_csrf_refused, assert_refused_as};
use crate::common::TestServer;
use crate::sc_support::{created, demo_manual_body, guest, person};
use reqwest::StatusCode;
use serde_json::Value;

/// The key ids the API lists, in its order; never empty (a token signed made the tenant's).
async fn kids(s: &TestServer) -> Vec<String> {
    s.arm_token().await;
    let keys = s.admin_ok("/keyless/v1/keys").await;
    let listed: Vec<String> = keys["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect();
    assert!(!listed.is_empty());
    listed
}

/// The rotation form, posted with `csrf` and `issuer`.
async fn rotate(b: &Browser<'_>, csrf: &str, issuer: &str) -> Page {
    b.post(
        "/_console/keys/rotate",
        &[("csrf", csrf), ("issuer", issuer)],
    )
    .await
}

#[tokio::test]
async fn the_keys_page_lists_every_key_the_api_lists() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let listed = kids(&s).await;
    let page = b.get("/_console/keys").await;
    assert_eq!(page.status, StatusCode::OK);
    for kid in &listed {
        assert!(page.text().contains(kid.as_str()), "{kid}: {}", page.body);
    }
    assert!(
        page.body
            .contains(r#"<form method="post" action="/_console/keys/rotate">"#)
    );
    assert!(page.body.contains(r#"<a href="/_console/keys">Keys</a>"#));
}

#[tokio::test]
async fn an_administrator_rotates_the_keys_and_sees_the_list_again() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let before = kids(&s).await;
    let answer = rotate(&b, &b.csrf, "tenant:contoso").await;
    assert_eq!(
        (answer.status, answer.location()),
        (StatusCode::SEE_OTHER, "/_console/keys")
    );
    let after = kids(&s).await;
    assert!(after.len() > before.len(), "{before:?} -> {after:?}");
    let page = b.get("/_console/keys").await;
    let new: Vec<_> = after.iter().filter(|k| !before.contains(k)).collect();
    assert!(!new.is_empty());
    for kid in new {
        assert!(page.text().contains(kid.as_str()));
    }
}

#[tokio::test]
async fn someone_not_an_administrator_sees_the_apis_refusal_and_rotates_nothing() {
    let s = TestServer::start().await;
    let nobody = person(&s, "nobody").await;
    let b = Browser::signed_in(&s, &nobody.token).await;
    let (status, body) = s.get_as(&nobody.token, "/keyless/v1/keys").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let page = b.get("/_console/keys").await;
    assert_refused_as(&page, status, &body);

    let before = kids(&s).await;
    let (status, body) = s
        .post_as(
            &nobody.token,
            "/keyless/v1/keys/rotate",
            serde_json::json!({"issuer": "all"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(kids(&s).await, before);
    let answer = rotate(&b, &b.csrf, "all").await;
    assert_refused_as(&answer, StatusCode::FORBIDDEN, &body);
    assert_eq!(kids(&s).await, before);
}

#[tokio::test]
async fn a_rotation_without_the_form_token_or_of_no_issuer_rotates_nothing() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let before = kids(&s).await;
    for csrf in ["", "not-the-token"] {
        let answer = rotate(&b, csrf, "all").await;
        assert_csrf_refused(&answer);
        assert_eq!(kids(&s).await, before);
    }
    // An issuer spelled like markup: the API's refusal, as text.
    let issuer = r#"tenant:"><script>alert(1)</script>"#;
    let answer = rotate(&b, &b.csrf, issuer).await;
    let (status, body) = s
        .admin_post(
            "/keyless/v1/keys/rotate",
            serde_json::json!({ "issuer": issuer }),
        )
        .await;
    assert_refused_as(&answer, status, &body);
    assert!(!answer.body.contains("<script>alert"), "{}", answer.body);
    assert_eq!(kids(&s).await, before);
}

/// A new manual connection of web (closed to every pipeline): its id.
pub(super) async fn connection(s: &TestServer, name: &str) -> String {
    let c = created(s, demo_manual_body(s, name)).await;
    c["id"].as_str().unwrap().to_string()
}

pub(super) fn permissions_path(id: &str) -> String {
    format!("/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{id}")
}

pub(super) async fn permissions(s: &TestServer, id: &str) -> Value {
    s.admin_ok(&permissions_path(id)).await
}

pub(super) fn access_page(id: &str) -> String {
    format!("/_console/orgs/contoso/web/connections/{id}/access")
}

#[tokio::test]
async fn the_access_page_shows_pipelines_roles_projects_and_token_requests() {
    let s = TestServer::start().await;
    let id = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    // A token request of the demo connection, for the audit section.
    s.exchange(&s.id_token().await).await;
    let b = Browser::admin(&s).await;
    let page = b.get(&access_page(&id)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.text();
    let all = permissions(&s, &id).await["allPipelines"]["authorized"] == true;
    let said = match all {
        true => "Open to all pipelines.",
        false => "Only the pipelines below may use it.",
    };
    assert!(text.contains(said), "{}", page.body);
    for h in [
        "Pipeline permissions",
        "Security roles",
        "Projects",
        "Recent token requests",
    ] {
        assert!(text.contains(&format!("<h2>{h}</h2>")), "{h}");
    }
    assert!(!text.contains("Refused ("), "{}", page.body);
    assert!(text.contains(r#"<th scope="row">web</th>"#));
    let audit = s
        .admin_ok(&format!("/keyless/v1/audit?connection={id}&limit=20"))
        .await;
    let kinds: Vec<&str> = audit["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(!kinds.is_empty());
    assert!(text.matches("<tr><th scope=\"row\">").count() >= kinds.len());
    let details = b
        .get(&format!("/_console/orgs/contoso/web/connections/{id}"))
        .await;
    assert!(details.body.contains(&format!(
        r#"<a href="/_console/orgs/contoso/web/connections/{id}/access">"#
    )));
}

#[tokio::test]
async fn an_administrator_opens_a_connection_to_all_and_authorizes_a_pipeline() {
    let s = TestServer::start().await;
    let id = connection(&s, "extras").await;
    let pipeline = s
        .admin_web_pipeline("hello", "steps:\n  - script: echo hi\n")
        .await["id"]
        .as_i64()
        .unwrap();
    let b = Browser::admin(&s).await;
    let post = format!("/_console/orgs/contoso/web/connections/{id}/pipelines");
    let back = (StatusCode::SEE_OTHER, access_page(&id));

    let answer = b.post(&post, &[("csrf", &b.csrf), ("all", "open")]).await;
    assert_eq!((answer.status, answer.location().to_string()), back);
    assert_eq!(
        permissions(&s, &id).await["allPipelines"]["authorized"],
        true
    );
    let answer = b.post(&post, &[("csrf", &b.csrf), ("all", "close")]).await;
    assert_eq!((answer.status, answer.location().to_string()), back);
    assert_eq!(
        permissions(&s, &id).await["allPipelines"]["authorized"],
        false
    );

    let answer = b
        .post(
            &post,
            &[("csrf", &b.csrf), ("pipeline", &pipeline.to_string())],
        )
        .await;
    assert_eq!((answer.status, answer.location().to_string()), back);
    let ids: Vec<i64> = permissions(&s, &id).await["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![pipeline]);
    let page = b.get(&access_page(&id)).await;
    assert!(
        page.body
            .contains(&format!(r#"<tr><th scope="row">{pipeline}</th>"#))
    );
}

#[tokio::test]
async fn a_user_without_a_role_sees_the_apis_refusal_and_changes_no_permission() {
    let s = TestServer::start().await;
    let id = connection(&s, "extras").await;
    let nobody = person(&s, "nobody").await;
    let b = Browser::signed_in(&s, &nobody.token).await;
    let (status, body) = s
        .get_as(
            &nobody.token,
            &format!("/contoso/web/_apis/serviceendpoint/endpoints/{id}"),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    let page = b.get(&access_page(&id)).await;
    assert_refused_as(&page, status, &body);

    let before = permissions(&s, &id).await;
    let (status, body) = s
        .patch_as(
            &nobody.token,
            &permissions_path(&id),
            serde_json::json!({"allPipelines": {"authorized": true}}),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    let answer = b
        .post(
            &format!("/_console/orgs/contoso/web/connections/{id}/pipelines"),
            &[("csrf", &b.csrf), ("all", "open")],
        )
        .await;
    assert_refused_as(&answer, status, &body);
    assert_eq!(permissions(&s, &id).await, before);
}

#[tokio::test]
async fn a_permission_form_without_its_token_or_with_a_bad_pipeline_changes_nothing() {
    let s = TestServer::start().await;
    let id = connection(&s, "extras").await;
    let b = Browser::admin(&s).await;
    let post = format!("/_console/orgs/contoso/web/connections/{id}/pipelines");
    let before = permissions(&s, &id).await;
    for csrf in ["", "not-the-token"] {
        let answer = b.post(&post, &[("csrf", csrf), ("all", "open")]).await;
        assert_csrf_refused(&answer);
    }
    let answer = b
        .post(&post, &[("csrf", &b.csrf), ("pipeline", "<b>1</b>")])
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(!answer.body.contains("<b>1"));
    assert_eq!(permissions(&s, &id).await, before);
}

#[tokio::test]
async fn a_connection_named_like_markup_is_text_on_its_access_page() {
    let s = TestServer::start().await;
    let name = r#""><script>alert(1)<script>'&"#;
    let id = connection(&s, name).await;
    let b = Browser::admin(&s).await;
    let page = b.get(&access_page(&id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(page.text().contains(&format!("<h1>Access to {name}</h1>")));
}

#[tokio::test]
async fn the_subscriptions_page_lists_what_the_api_lists_for_each_user() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let page = b.get("/_console/subscriptions").await;
    assert_eq!(page.status, StatusCode::OK);
    let listed = s.admin_ok("/keyless/v1/subscriptions").await;
    let subs = listed["value"].as_array().unwrap();
    assert!(!subs.is_empty());
    for sub in subs {
        let id = sub["id"].as_str().unwrap();
        let row = format!(
            r#"<tr><th scope="row"><a href="/_console/subscriptions/{id}">{}</a></th><td class="mono">{id}</td>"#,
            sub["displayName"].as_str().unwrap(),
        );
        assert!(page.text().contains(&row), "{row}: {}", page.body);
    }
    assert!(
        page.body
            .contains(r#"<a href="/_console/subscriptions">Subscriptions</a>"#)
    );

    // Signing in needs a token that may read `/keyless/v1/me`, and any such token may read
    // the list; a user outside every tenant would see it empty. A new tenant's subscription
    // shows only to its members.
    s.admin_created(
        "/keyless/v1/tenants",
        serde_json::json!({"name": "fabrikam"}),
    )
    .await;
    s.admin_created(
        "/keyless/v1/subscriptions",
        serde_json::json!({"name": "fabrikam-only", "tenant": "fabrikam"}),
    )
    .await;
    let nobody = person(&s, "nobody").await;
    let b = Browser::signed_in(&s, &nobody.token).await;
    let theirs = s
        .get_ok_as(&nobody.token, "/keyless/v1/subscriptions")
        .await;
    assert!(!theirs.to_string().contains("fabrikam-only"));
    let page = b.get("/_console/subscriptions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("fabrikam-only"), "{}", page.body);
    let admin_page = Browser::admin(&s)
        .await
        .get("/_console/subscriptions")
        .await;
    assert!(admin_page.body.contains("fabrikam-only"));
}

#[tokio::test]
async fn a_subscription_named_like_markup_is_text() {
    let s = TestServer::start().await;
    let name = r#""><script>alert(1)</script>'&"#;
    let sub = s
        .admin_created(
            "/keyless/v1/subscriptions",
            serde_json::json!({"name": name, "tenant": "contoso"}),
        )
        .await;
    let id = sub["id"].as_str().unwrap();
    let b = Browser::admin(&s).await;
    let page = b.get("/_console/subscriptions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(page.text().contains(&format!(
        r#"<th scope="row"><a href="/_console/subscriptions/{id}">{name}</a></th>"#
    )));
}

#[tokio::test]
async fn the_tenant_pages_show_the_apis_settings_roles_and_guests() {
    let s = TestServer::start().await;
    let visitor = guest(&s, "visitor").await;
    let b = Browser::admin(&s).await;
    let list = b.get("/_console/tenants").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body
            .contains(r#"<a href="/_console/tenants/contoso">contoso</a>"#)
    );
    let page = b.get("/_console/tenants/contoso").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.text();
    let t = s.admin_ok("/keyless/v1/tenants/contoso").await;
    let lifetime = t["settings"]["secretLifetimeDays"].to_string();
    assert!(text.contains(&format!("<dt>secretLifetimeDays</dt><dd>{lifetime}</dd>")));
    let enabled = t["settings"]["federation"]["enabled"].to_string();
    assert!(text.contains(&format!("<dt>federation.enabled</dt><dd>{enabled}</dd>")));
    assert!(
        text.contains(&format!("<td>{}</td>", visitor.upn)),
        "{}",
        page.body
    );
    assert!(!text.contains("Refused ("), "{}", page.body);
    let roles = s.admin_ok("/keyless/v1/tenants/contoso/roles").await;
    for r in roles["value"].as_array().unwrap() {
        assert!(text.contains(r["principalId"].as_str().unwrap()));
    }
}

#[tokio::test]
async fn a_tenant_the_api_refuses_shows_its_refusal() {
    let s = TestServer::start().await;
    // The guest helper makes the tenant northwind; a user of contoso alone is no member.
    guest(&s, "visitor").await;
    let visitor = person(&s, "nobody").await;
    let (status, body) = s
        .get_as(&visitor.token, "/keyless/v1/tenants/northwind")
        .await;
    assert!(status.is_client_error(), "{status}");
    let mut b = Browser::new(&s);
    assert_eq!(
        b.sign_in(&visitor.token).await.status,
        StatusCode::SEE_OTHER
    );
    assert_refused_as(&b.get("/_console/tenants/northwind").await, status, &body);
    let (status, body) = s
        .get_as(&visitor.token, "/keyless/v1/tenants/no-such")
        .await;
    assert!(status.is_client_error(), "{status}");
    assert_refused_as(&b.get("/_console/tenants/no-such").await, status, &body);
    // A tenant name spelled like markup goes to the API encoded and comes back as text.
    let page = b.get("/_console/tenants/%3Cscript%3Ealert(1)").await;
    assert!(page.status.is_client_error());
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
}
