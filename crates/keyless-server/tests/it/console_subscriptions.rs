//! One subscription's console page over HTTP: resource groups and role assignments as ARM
//! lists them to the signed-in user (through the user's ARM access token), adding and
//! removing an assignment and a resource group (checked through ARM), ARM's refusal texts,
//! CSRF refusals that change nothing, and escaping.

use super::{Browser, assert_csrf_refused};
use crate::common::TestServer;
use crate::sc_support::{Person, person};
use crate::support::{demo_sp_id, grant_user, rbac};
use keyless_model::rbac::{OWNER, READER};
use reqwest::StatusCode;
use serde_json::{Value, json};

const AUTHZ: &str = "api-version=2022-04-01";
const GROUPS: &str = "api-version=2021-04-01";

pub(super) fn page_of(s: &TestServer) -> String {
    format!("/_console/subscriptions/{}", s.var("AZURE_SUBSCRIPTION_ID"))
}

/// A user's ARM access token, from the API.
pub(super) async fn arm_token(s: &TestServer, p: &Person) -> String {
    let (st, body) = s
        .post_as(
            &p.token,
            "/keyless/v1/me/token",
            json!({"resource": "https://management.azure.com/"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body["accessToken"].as_str().unwrap().to_string()
}

/// A member of the demo tenant holding Owner on the demo subscription.
pub(super) async fn owner(s: &TestServer) -> Person {
    let p = person(s, "owner").await;
    grant_user(s, &p.id, OWNER, &rbac::sub_scope(s)).await;
    p
}

/// The role assignments ARM lists at (and above) `scope`, as `token`'s holder.
async fn assignments(s: &TestServer, token: &str, scope: &str) -> Vec<Value> {
    let (st, body) = s
        .get_as(
            token,
            &format!("{}?{AUTHZ}&$filter=atScope()", rbac::assignments(scope)),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body["value"].as_array().unwrap().clone()
}

fn of_principal<'a>(list: &'a [Value], principal: &str) -> Vec<&'a Value> {
    list.iter()
        .filter(|a| a["properties"]["principalId"] == principal)
        .collect()
}

#[tokio::test]
async fn the_page_lists_groups_and_the_assignments_at_each_scope() {
    let s = TestServer::start().await;
    let o = owner(&s).await;
    let rg = format!("{}/resourceGroups/demo-rg", rbac::sub_scope(&s));
    let r = person(&s, "rg-reader").await;
    grant_user(&s, &r.id, READER, &rg).await;
    let b = Browser::signed_in(&s, &o.token).await;

    let list = b.get("/_console/subscriptions").await;
    assert!(
        list.body
            .contains(&format!(r#"<a href="{}">"#, page_of(&s))),
        "{}",
        list.body
    );
    let page = b.get(&page_of(&s)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.text();
    assert!(
        text.contains(
            r##"<th scope="row"><a href="#rg-demo-rg">demo-rg</a></th><td>westeurope</td>"##
        ),
        "{text}"
    );
    // At the subscription: the demo app's Contributor and the owner's Owner.
    let sub = rbac::sub_scope(&s);
    for (role, principal, kind) in [
        ("Contributor", demo_sp_id(&s).await, "ServicePrincipal"),
        ("Owner", o.id.clone(), "User"),
    ] {
        let row = format!(
            r#"<tr><th scope="row">{role}</th><td class="mono">{principal}</td><td>{kind}</td><td class="mono">{sub}</td>"#
        );
        assert!(text.contains(&row), "{row}: {text}");
    }
    // At the group: the reader, listed there only.
    let row = format!(
        r#"<tr><th scope="row">Reader</th><td class="mono">{}</td><td>User</td><td class="mono">{rg}</td>"#,
        r.id
    );
    assert_eq!(text.matches(&row).count(), 1, "{text}");
    let at_rg = &text[text.find(r#"<h3 id="rg-demo-rg">"#).unwrap()..];
    assert!(at_rg.contains(&row) && !at_rg.contains(&o.id), "{at_rg}");
    // A form to add an assignment at each scope, with ARM's role definitions.
    assert_eq!(text.matches("Add role assignment</button>").count(), 2);
    assert!(text.contains(&format!(
        r#"<option value="{sub}/providers/Microsoft.Authorization/roleDefinitions/{READER}">Reader</option>"#
    )));
}

#[tokio::test]
async fn an_assignment_is_added_and_removed_through_arm() {
    let s = TestServer::start().await;
    let o = owner(&s).await;
    let who = person(&s, "newcomer").await;
    let token = arm_token(&s, &o).await;
    let rg = format!("{}/resourceGroups/demo-rg", rbac::sub_scope(&s));
    let b = Browser::signed_in(&s, &o.token).await;
    let role = format!(
        "{}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
        rbac::sub_scope(&s)
    );
    let add = format!("{}/assignments", page_of(&s));
    let answer = b
        .post(
            &add,
            &[
                ("csrf", &b.csrf),
                ("group", "demo-rg"),
                ("role", &role),
                ("principal", &who.id),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), format!("{}#rg-demo-rg", page_of(&s)));
    let listed = assignments(&s, &token, &rg).await;
    let added = of_principal(&listed, &who.id);
    assert_eq!(added.len(), 1, "{listed:?}");
    let id = added[0]["id"].as_str().unwrap().to_string();
    assert_eq!(added[0]["properties"]["scope"], json!(rg));
    assert!(
        added[0]["properties"]["roleDefinitionId"]
            .as_str()
            .unwrap()
            .ends_with(&READER.to_string())
    );
    let page = b.get(&page_of(&s)).await;
    assert!(
        page.text()
            .contains(&format!(r#"name="assignment" value="{id}""#))
    );

    // Without the CSRF token: refused, still there.
    let remove = format!("{}/assignments/remove", page_of(&s));
    let answer = b.post(&remove, &[("assignment", &id)]).await;
    assert_csrf_refused(&answer);
    assert_eq!(
        of_principal(&assignments(&s, &token, &rg).await, &who.id).len(),
        1
    );

    let answer = b
        .post(
            &remove,
            &[("csrf", &b.csrf), ("group", "demo-rg"), ("assignment", &id)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(of_principal(&assignments(&s, &token, &rg).await, &who.id).is_empty());

    // An id that is no assignment of this subscription is refused before ARM is asked.
    let answer = b
        .post(
            &remove,
            &[("csrf", &b.csrf), ("assignment", "/keyless/v1/pats")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer
            .text()
            .contains("'/keyless/v1/pats' is not a role assignment")
    );
}

#[tokio::test]
async fn a_user_without_a_role_sees_arms_refusals_and_changes_nothing() {
    let s = TestServer::start().await;
    let o = owner(&s).await;
    let nobody = person(&s, "nobody").await;
    let b = Browser::signed_in(&s, &nobody.token).await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let page = b.get(&page_of(&s)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains(&format!(
            "Refused by ARM (404 Not Found): The subscription '{sub}' could not be found."
        )),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Add role assignment"));

    // The add form posted anyway: ARM's AuthorizationFailed, naming the user by UPN.
    let token = arm_token(&s, &o).await;
    let before = assignments(&s, &token, &rbac::sub_scope(&s)).await.len();
    let role = format!(
        "{}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}",
        rbac::sub_scope(&s)
    );
    let answer = b
        .post(
            &format!("{}/assignments", page_of(&s)),
            &[
                ("csrf", &b.csrf),
                ("role", &role),
                ("principal", &nobody.id),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.text().contains(&format!(
        "The client '{}' with object id '{}' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write'",
        nobody.upn, nobody.id
    )), "{}", answer.body);
    assert_eq!(
        assignments(&s, &token, &rbac::sub_scope(&s)).await.len(),
        before
    );

    // A read-only personal access token gets no ARM token at all.
    let read_only = s
        .admin_created(
            "/keyless/v1/pats",
            json!({"name": "reader", "user": o.upn, "scopes": ["read"]}),
        )
        .await;
    let b = Browser::signed_in(&s, read_only["token"].as_str().unwrap()).await;
    let page = b.get(&page_of(&s)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.text().contains("needs the scope resources"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_resource_group_is_added_and_deleted() {
    let s = TestServer::start().await;
    let o = owner(&s).await;
    let token = arm_token(&s, &o).await;
    let b = Browser::signed_in(&s, &o.token).await;
    let groups = format!("{}/groups", page_of(&s));
    let rg = format!("{}/resourcegroups/console-rg?{GROUPS}", rbac::sub_scope(&s));
    let form = [("name", "console-rg"), ("location", "northeurope")];
    assert_csrf_refused(&b.post(&groups, &form).await);
    let (st, _) = s.get_as(&token, &rg).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let answer = b
        .post(&groups, &[("csrf", &b.csrf), form[0], form[1]])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let got = s.get_ok_as(&token, &rg).await;
    assert_eq!(got["location"], "northeurope");

    let delete = format!("{}/groups/delete", page_of(&s));
    let answer = b
        .post(&delete, &[("csrf", &b.csrf), ("name", "console-rg")])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let (st, _) = s.get_as(&token, &rg).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn names_and_refusal_texts_are_escaped() {
    let s = TestServer::start().await;
    let o = owner(&s).await;
    let b = Browser::signed_in(&s, &o.token).await;
    let markup = r#""><script>alert(1)</script>"#;
    let reader = format!(
        "{}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
        rbac::sub_scope(&s)
    );
    let answer = b
        .post(
            &format!("{}/assignments", page_of(&s)),
            &[("csrf", &b.csrf), ("role", &reader), ("principal", markup)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(!answer.body.contains("<script>alert"), "{}", answer.body);
    // ARM's text drops the quote; the rest is shown as text.
    assert!(
        answer
            .text()
            .contains("Principal ><script>alert(1)</script> does not exist"),
        "{}",
        answer.body
    );

    let sub = s
        .admin_created(
            "/keyless/v1/subscriptions",
            json!({"name": markup, "tenant": "contoso"}),
        )
        .await;
    let id = sub["id"].as_str().unwrap();
    grant_user(&s, &o.id, OWNER, &format!("/subscriptions/{id}")).await;
    let page = b.get(&format!("/_console/subscriptions/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(page.text().contains(&format!("<h1>{markup}</h1>")));
}
