//! User-assigned managed identities in the console over HTTP, through ARM with the user's
//! ARM access token: the subscription page lists them per resource group; an identity's
//! page lists, adds and removes its federated credentials (checked through ARM), fills the
//! form from the query as text, shows ARM's refusals with nothing changed, refuses a form
//! without its CSRF token; a manual connection using the identity, a Draft, links to the
//! identity's page, and after the credential is added there Verify makes it Ready.

use super::subscriptions::{arm_token, owner, page_of};
use super::wizard::{FORM, connection_named, manual_form};
use super::{Browser, assert_csrf_refused, assert_refused_as};
use crate::common::{Client, Expect, TestServer};
use crate::identities::identity_path;
use crate::sc_support::{member, person};
use crate::support::{grant, rbac};
use keyless_model::rbac::READER;
use reqwest::StatusCode;
use serde_json::{Value, json};

const API: &str = "api-version=2023-01-31";

/// A caller of ARM with `token`.
fn arm<'a>(s: &'a TestServer, token: &str) -> Client<'a> {
    s.client(token).with_api_per_path()
}

/// A new identity `name` in the demo resource group, made through ARM with `token`: its
/// (client id, principal id).
async fn new_identity(s: &TestServer, token: &str, name: &str) -> (String, String) {
    let made = arm(s, token)
        .put(&identity_path(s, name), json!({"location": "eastus"}))
        .await
        .expect_status(StatusCode::CREATED);
    let p = &made["properties"];
    (
        p["clientId"].as_str().unwrap().to_string(),
        p["principalId"].as_str().unwrap().to_string(),
    )
}

/// The identity's federated credentials as ARM lists them to `token`'s holder.
async fn credentials(s: &TestServer, token: &str, name: &str) -> Vec<Value> {
    let path = format!(
        "{}/federatedIdentityCredentials?{API}",
        identity_path(s, name)
    );
    let (st, body) = s.get_as(token, &path).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body["value"].as_array().unwrap().clone()
}

/// The identity's console page.
fn identity_page(s: &TestServer, name: &str) -> String {
    format!(
        "/_console/subscriptions/{}/resourcegroups/demo-rg/identities/{name}",
        s.var("AZURE_SUBSCRIPTION_ID")
    )
}

fn credential_form<'f>(csrf: &'f str, name: &'f str) -> Vec<(&'f str, &'f str)> {
    vec![
        ("csrf", csrf),
        ("name", name),
        ("issuer", "https://issuer.example"),
        ("subject", "sc://contoso/web/mi"),
        ("audience", "api://AzureADTokenExchange"),
    ]
}

#[tokio::test]
async fn an_identity_is_listed_and_its_credentials_are_added_and_removed() {
    let s = TestServer::start().await;
    let o = owner(&s).await;
    let token = arm_token(&s, &o).await;
    let (client, principal) = new_identity(&s, &token, "console-mi").await;
    let b = Browser::signed_in(&s, &o.token).await;

    let page = b.get(&page_of(&s)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let row = format!(
        r#"<tr><th scope="row"><a href="{}">console-mi</a></th><td class="mono">{client}</td><td class="mono">{principal}</td></tr>"#,
        identity_page(&s, "console-mi")
    );
    let text = page.text();
    let at_rg = &text[text.find(r#"<h3 id="rg-demo-rg">"#).unwrap()..];
    assert!(at_rg.contains(&row), "{row}: {text}");

    let here = identity_page(&s, "console-mi");
    let page = b.get(&here).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.text();
    assert!(text.contains(&format!(r#"<dd class="mono" id="client-id">{client}</dd>"#)));
    assert!(text.contains(&format!(
        r#"<dd class="mono" id="principal-id">{principal}</dd>"#
    )));
    assert!(
        text.contains("The identity has no federated credential."),
        "{text}"
    );
    assert!(text.contains(r#"name="audience" class="mono" value="api://AzureADTokenExchange""#));
    assert!(!text.contains(r#"name="description""#), "{text}");

    // Without the CSRF token: refused, nothing added.
    let add = format!("{here}/credentials");
    let mut form = credential_form(&b.csrf, "from-console");
    assert_csrf_refused(&b.post(&add, &form[1..]).await);
    assert!(credentials(&s, &token, "console-mi").await.is_empty());

    let answer = b.post(&add, &form).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), here);
    let list = credentials(&s, &token, "console-mi").await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["name"], "from-console");
    assert_eq!(
        list[0]["properties"],
        json!({"issuer": "https://issuer.example", "subject": "sc://contoso/web/mi",
               "audiences": ["api://AzureADTokenExchange"]})
    );
    let page = b.get(&here).await;
    let row = r#"<tr><th scope="row">from-console</th><td class="mono">https://issuer.example</td><td class="mono">sc://contoso/web/mi</td><td class="mono">api://AzureADTokenExchange</td>"#;
    assert!(page.text().contains(row), "{}", page.body);

    // The same issuer and subject again: ARM's refusal on the page, nothing added.
    form[1] = ("name", "again");
    let again = arm(&s, &token)
        .put(
            &format!(
                "{}/federatedIdentityCredentials/again",
                identity_path(&s, "console-mi")
            ),
            json!({"properties": {"issuer": "https://issuer.example",
                   "subject": "sc://contoso/web/mi", "audiences": ["api://AzureADTokenExchange"]}}),
        )
        .await
        .expect_status(StatusCode::BAD_REQUEST);
    let answer = b.post(&add, &form).await;
    assert_refused_as(&answer, StatusCode::BAD_REQUEST, &again);
    assert!(answer.body.contains(r#"id="credential-refusal""#));
    assert!(answer.text().contains(r#"name="name" value="again""#));
    assert_eq!(credentials(&s, &token, "console-mi").await.len(), 1);

    // No name: refused before ARM is asked.
    form[1] = ("name", " ");
    let answer = b.post(&add, &form).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(
        answer
            .text()
            .contains("Give the federated credential's name.")
    );
    assert_eq!(credentials(&s, &token, "console-mi").await.len(), 1);

    // Remove: without the token refused, then removed.
    let remove = format!("{here}/credentials/remove");
    let answer = b.post(&remove, &[("credential", "from-console")]).await;
    assert_csrf_refused(&answer);
    assert_eq!(credentials(&s, &token, "console-mi").await.len(), 1);
    let answer = b
        .post(
            &remove,
            &[("csrf", &b.csrf), ("credential", "from-console")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(credentials(&s, &token, "console-mi").await.is_empty());
    assert!(!b.get(&here).await.body.contains("from-console"));
}

#[tokio::test]
async fn the_form_is_filled_from_the_query_as_text_and_arms_refusals_change_nothing() {
    let s = TestServer::start().await;
    let o = owner(&s).await;
    let token = arm_token(&s, &o).await;
    new_identity(&s, &token, "guarded").await;
    let here = identity_page(&s, "guarded");

    let b = Browser::signed_in(&s, &o.token).await;
    let issuer = r#"https://x"><script>alert(1)</script>"#;
    let query = serde_urlencoded::to_string([
        ("issuer", issuer),
        ("subject", "sc://contoso/web/a&b"),
        ("name", "<b>n</b>"),
    ])
    .unwrap();
    let page = b.get(&format!("{here}?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert!(!page.body.contains("<b>n"), "{}", page.body);
    let text = page.text();
    assert!(text.contains(&format!(r#"name="issuer" class="mono" value="{issuer}""#)));
    assert!(text.contains(r#"name="subject" class="mono" value="sc://contoso/web/a&b""#));
    assert!(text.contains(r#"name="name" value="<b>n</b>""#));

    // A user without a role: ARM's refusal, on the page and on the form, nothing added.
    let nobody = person(&s, "nobody").await;
    let theirs = arm_token(&s, &nobody).await;
    let (st, refused) = s
        .get_as(&theirs, &format!("{}?{API}", identity_path(&s, "guarded")))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["code"], "AuthorizationFailed");
    let b = Browser::signed_in(&s, &nobody.token).await;
    assert_refused_as(&b.get(&here).await, st, &refused);
    let subscription = b.get(&page_of(&s)).await;
    assert!(
        !subscription.body.contains("guarded"),
        "{}",
        subscription.body
    );
    let fics = format!(
        "{}/federatedIdentityCredentials",
        identity_path(&s, "guarded")
    );
    let put = arm(&s, &theirs)
        .put(
            &format!("{fics}/intruder"),
            json!({"properties": {"issuer": "https://issuer.example",
                   "subject": "sc://contoso/web/mi", "audiences": ["api://AzureADTokenExchange"]}}),
        )
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert!(
        put["error"]["message"]
            .as_str()
            .unwrap()
            .contains("federatedIdentityCredentials/write"),
        "{put}"
    );
    let answer = b
        .post(
            &format!("{here}/credentials"),
            &credential_form(&b.csrf, "intruder"),
        )
        .await;
    assert_refused_as(&answer, StatusCode::FORBIDDEN, &put);
    assert!(credentials(&s, &token, "guarded").await.is_empty());
}

#[tokio::test]
async fn a_draft_using_the_identity_links_to_it_and_is_ready_after_the_credential_and_verify() {
    let s = TestServer::start().await;
    let admin_arm = s.arm_token().await;
    let (client, principal) = new_identity(&s, &admin_arm, "conn-mi").await;
    // The identity may read the subscription, which Verify reads.
    grant(&s, &principal, READER, &rbac::sub_scope(&s)).await;

    // A member without a role on the identity makes the connection: a Draft.
    let alice = member(&s, "alice").await;
    let ab = Browser::signed_in(&s, &alice.token).await;
    let (sub, tenant) = (s.var("AZURE_SUBSCRIPTION_ID"), s.var("AZURE_TENANT_ID"));
    let answer = ab
        .post(
            FORM,
            &manual_form(&ab, [&sub, &tenant, &client, "mi-draft"]),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let c = connection_named(&s, "mi-draft").await;
    assert_eq!(c["operationStatus"]["state"], "Draft");
    let params = &c["authorization"]["parameters"];
    let (issuer, subject) = (
        params["workloadIdentityFederationIssuer"].as_str().unwrap(),
        params["workloadIdentityFederationSubject"]
            .as_str()
            .unwrap(),
    );
    let details = format!(
        "/_console/orgs/contoso/web/connections/{}",
        c["id"].as_str().unwrap()
    );
    // Alice cannot see the identity through ARM: no link.
    let page = ab.get(&details).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("identity-link"), "{}", page.body);
    assert!(!page.body.contains("app-link"), "{}", page.body);

    // The administrator, who owns the subscription, gets the link with the form filled.
    let b = Browser::admin(&s).await;
    let page = b.get(&details).await;
    let text = page.text();
    let link = r#"" id="identity-link">Add the federated credential to the managed identity</a>"#;
    let end = text.find(link).unwrap_or_else(|| panic!("{}", page.body));
    let start = text[..end].rfind(r#"<a href=""#).unwrap() + 9;
    let href = &text[start..end];
    let query = serde_urlencoded::to_string([
        ("issuer", issuer),
        ("subject", subject),
        ("name", "mi-draft"),
    ])
    .unwrap();
    assert_eq!(href, format!("{}?{query}", identity_page(&s, "conn-mi")));
    let form = b.get(href).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let text = form.text();
    assert!(text.contains(&format!(r#"name="issuer" class="mono" value="{issuer}""#)));
    assert!(text.contains(&format!(r#"name="subject" class="mono" value="{subject}""#)));
    assert!(text.contains(r#"name="name" value="mi-draft""#));

    let answer = b
        .post(
            &format!("{}/credentials", identity_page(&s, "conn-mi")),
            &[
                ("csrf", b.csrf.as_str()),
                ("name", "mi-draft"),
                ("issuer", issuer),
                ("subject", subject),
                ("audience", "api://AzureADTokenExchange"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let list = credentials(&s, &admin_arm, "conn-mi").await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["properties"]["subject"], subject);

    // Verify through the console: the Draft becomes Ready.
    let verify = format!("{details}/verify");
    assert_csrf_refused(&b.post(&verify, &[]).await);
    assert_eq!(
        connection_named(&s, "mi-draft").await["operationStatus"]["state"],
        "Draft"
    );
    let answer = b.post(&verify, &[("csrf", &b.csrf)]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(
        answer.body.contains(r#"id="verify-steps""#),
        "{}",
        answer.body
    );
    assert_eq!(
        connection_named(&s, "mi-draft").await["operationStatus"]["state"],
        "Ready"
    );
    assert!(
        answer.text().contains(r#"id="state">Ready<"#),
        "{}",
        answer.body
    );
}
