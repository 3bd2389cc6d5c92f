//! A tenant's directory roles and guests from its console page: assigned, invited and
//! removed by the administrator (checked through the admin API), refused for a member with
//! the API's text, and refused without the CSRF token; a refusal changes nothing.

use super::super::{Browser, assert_csrf_refused, assert_refused_as};
use super::TENANT;
use crate::common::TestServer;
use crate::sc_support::{Person, person};
use crate::support::user_with_pat;
use reqwest::StatusCode;
use serde_json::json;

const ROLES: &str = "/keyless/v1/tenants/contoso/roles";
const GUESTS: &str = "/keyless/v1/tenants/contoso/guests";

/// The tenant's role assignments as `(role, principal id, principal type)`, sorted.
async fn roles(s: &TestServer) -> Vec<(String, String, String)> {
    let list = s.admin_ok(ROLES).await;
    let mut rows: Vec<(String, String, String)> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let f = |k: &str| a[k].as_str().unwrap().to_string();
            (f("role"), f("principalId"), f("principalType"))
        })
        .collect();
    rows.sort();
    rows
}

/// The user principal names of the tenant's guests, sorted.
async fn guests(s: &TestServer) -> Vec<String> {
    let list = s.admin_ok(GUESTS).await;
    let mut upns: Vec<String> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["user"]["userPrincipalName"].as_str().unwrap().to_string())
        .collect();
    upns.sort();
    upns
}

/// A user of the tenant northwind (created when missing), not invited anywhere.
async fn outsider(s: &TestServer, name: &str) -> Person {
    let (status, _) = s.admin_get("/keyless/v1/tenants/northwind").await;
    if status == StatusCode::NOT_FOUND {
        s.admin_created("/keyless/v1/tenants", json!({"name": "northwind"}))
            .await;
    }
    user_with_pat(s, "northwind", name, "pat").await.into()
}

fn role_form<'a>(
    csrf: &'a str,
    role: &'a str,
    kind: &'a str,
    who: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("role", role),
        ("kind", kind),
        ("principal", who),
    ]
}

/// The demo app's service principal id in contoso.
async fn demo_principal(s: &TestServer) -> String {
    let found = s
        .admin_ok(&format!(
            "/v1.0/servicePrincipals?$filter=appId eq '{}'",
            s.var("AZURE_CLIENT_ID")
        ))
        .await;
    found["value"][0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_role_is_assigned_and_removed_for_a_user_and_an_app() {
    let s = TestServer::start().await;
    let ann = person(&s, "ann").await;
    let b = Browser::admin(&s).await;
    let before = roles(&s).await;
    let page = b.get(TENANT).await;
    // The form offers every role the API knows.
    for role in keyless_model::directory_roles::DirectoryRole::ALL {
        let option = format!(r#"<option value="{0}">{0}</option>"#, role.display_name());
        assert!(page.body.contains(&option), "{option}: {}", page.body);
    }
    let answer = b
        .post(
            &format!("{TENANT}/roles"),
            &role_form(&b.csrf, "User Administrator", "user", "ann"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), TENANT);
    let client = s.var("AZURE_CLIENT_ID");
    let answer = b
        .post(
            &format!("{TENANT}/roles"),
            &role_form(&b.csrf, "Directory Readers", "app", &client),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let sp = demo_principal(&s).await;
    let mut want = before.clone();
    want.push(("User Administrator".into(), ann.id.clone(), "User".into()));
    want.push((
        "Directory Readers".into(),
        sp.clone(),
        "ServicePrincipal".into(),
    ));
    want.sort();
    assert_eq!(roles(&s).await, want);

    // Each row names its principal, and its Remove button posts what the API takes.
    let page = b.get(TENANT).await;
    let text = page.text();
    assert!(
        text.contains(&format!(
            r#"<th scope="row">User Administrator</th><td>{}</td><td class="mono">{}</td><td>User</td>"#,
            ann.upn, ann.id
        )),
        "{}",
        page.body
    );
    assert!(
        text.contains(&format!(r#"name="principal" value="{client}">"#)),
        "{}",
        page.body
    );
    let answer = b
        .post(
            &format!("{TENANT}/roles/remove"),
            &role_form(&b.csrf, "User Administrator", "user", &ann.upn),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let answer = b
        .post(
            &format!("{TENANT}/roles/remove"),
            &role_form(&b.csrf, "Directory Readers", "app", &client),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(roles(&s).await, before);
    assert!(!b.get(TENANT).await.body.contains(&ann.id));
}

#[tokio::test]
async fn a_member_is_refused_roles_with_the_apis_text_and_nothing_changes() {
    let s = TestServer::start().await;
    let nobody = person(&s, "nobody").await;
    let ann = person(&s, "ann").await;
    s.admin_created(ROLES, json!({"role": "Directory Readers", "user": ann.upn}))
        .await;
    let before = roles(&s).await;
    let b = Browser::signed_in(&s, &nobody.token).await;
    let body = json!({"role": "Global Administrator", "user": "nobody"});
    let (status, refusal) = s.post_as(&nobody.token, ROLES, body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refusal}");
    let answer = b
        .post(
            &format!("{TENANT}/roles"),
            &role_form(&b.csrf, "Global Administrator", "user", "nobody"),
        )
        .await;
    assert_refused_as(&answer, status, &refusal);
    assert!(
        answer.body.contains(r#"id="role-refusal""#),
        "{}",
        answer.body
    );
    // The form keeps what was posted.
    assert!(
        answer
            .body
            .contains(r#"<option value="Global Administrator" selected>"#)
    );
    assert!(answer.body.contains(r#"name="principal" value="nobody""#));
    let answer = b
        .post(
            &format!("{TENANT}/roles/remove"),
            &role_form(&b.csrf, "Directory Readers", "user", &ann.upn),
        )
        .await;
    assert_refused_as(&answer, status, &refusal);
    assert_eq!(roles(&s).await, before);
}

#[tokio::test]
async fn a_guest_is_invited_and_removed() {
    let s = TestServer::start().await;
    let visitor = outsider(&s, "visitor").await;
    let b = Browser::admin(&s).await;
    let before = guests(&s).await;
    assert!(!before.contains(&visitor.upn));
    let answer = b
        .post(
            &format!("{TENANT}/guests"),
            &[("csrf", b.csrf.as_str()), ("user", &visitor.upn)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), TENANT);
    let mut want = before.clone();
    want.push(visitor.upn.clone());
    want.sort();
    assert_eq!(guests(&s).await, want);
    let page = b.get(TENANT).await;
    assert!(
        page.text().contains(&format!(
            r#"<input type="hidden" name="user" value="{}">"#,
            visitor.upn
        )),
        "{}",
        page.body
    );
    let answer = b
        .post(
            &format!("{TENANT}/guests/remove"),
            &[("csrf", b.csrf.as_str()), ("user", &visitor.upn)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(guests(&s).await, before);
}

#[tokio::test]
async fn a_member_is_refused_guests_with_the_apis_text_and_nothing_changes() {
    let s = TestServer::start().await;
    let nobody = person(&s, "nobody").await;
    let (visitor, invited) = (outsider(&s, "visitor").await, outsider(&s, "invited").await);
    s.admin_created(GUESTS, json!({"user": invited.upn})).await;
    let before = guests(&s).await;
    let b = Browser::signed_in(&s, &nobody.token).await;
    let (status, refusal) = s
        .post_as(&nobody.token, GUESTS, json!({"user": visitor.upn}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refusal}");
    let answer = b
        .post(
            &format!("{TENANT}/guests"),
            &[("csrf", b.csrf.as_str()), ("user", &visitor.upn)],
        )
        .await;
    assert_refused_as(&answer, status, &refusal);
    assert!(
        answer.body.contains(r#"id="guest-refusal""#),
        "{}",
        answer.body
    );
    assert!(
        answer
            .text()
            .contains(&format!(r#"name="user" value="{}""#, visitor.upn))
    );
    let (status, refusal) = s
        .delete_as(&nobody.token, &format!("{GUESTS}/{}", invited.upn))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refusal}");
    let answer = b
        .post(
            &format!("{TENANT}/guests/remove"),
            &[("csrf", b.csrf.as_str()), ("user", &invited.upn)],
        )
        .await;
    assert_refused_as(&answer, status, &refusal);
    assert_eq!(guests(&s).await, before);
}

#[tokio::test]
async fn role_and_guest_forms_without_the_csrf_token_change_nothing() {
    let s = TestServer::start().await;
    let (ann, visitor, invited) = (
        person(&s, "ann").await,
        outsider(&s, "visitor").await,
        outsider(&s, "invited").await,
    );
    s.admin_created(ROLES, json!({"role": "Directory Readers", "user": ann.upn}))
        .await;
    s.admin_created(GUESTS, json!({"user": invited.upn})).await;
    let (roles_before, guests_before) = (roles(&s).await, guests(&s).await);
    let b = Browser::admin(&s).await;
    let posts: [(&str, Vec<(&str, &str)>); 4] = [
        (
            "roles",
            role_form("", "User Administrator", "user", "ann")[1..].to_vec(),
        ),
        (
            "roles/remove",
            role_form("", "Directory Readers", "user", &ann.upn)[1..].to_vec(),
        ),
        ("guests", vec![("user", &visitor.upn)]),
        ("guests/remove", vec![("user", &invited.upn)]),
    ];
    for (tail, form) in posts {
        let path = format!("{TENANT}/{tail}");
        assert_csrf_refused(&b.post(&path, &form).await);
        let mut wrong = form.clone();
        wrong.push(("csrf", "not-the-token"));
        assert_csrf_refused(&b.post(&path, &wrong).await);
    }
    assert_eq!(roles(&s).await, roles_before);
    assert_eq!(guests(&s).await, guests_before);
}
