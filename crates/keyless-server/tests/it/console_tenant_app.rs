//! An app registration's page over HTTP, as the administrator: a federated credential added
//! and removed, the Add federated credential form filled from the query as text, a new
//! secret's value shown once in the answer and never on a later page.

use super::super::Browser;
use super::{app_page, credential_form, credentials, demo_app, secrets};
use crate::common::TestServer;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_federated_credential_is_added_and_removed() {
    let s = TestServer::start().await;
    let app = demo_app(&s).await;
    let b = Browser::admin(&s).await;
    let before = credentials(&s, &app).await.as_array().unwrap().len();
    let answer = b
        .post(
            &format!("{}/credentials", app_page(&app)),
            &credential_form(&b.csrf, "from-console", "sc://contoso/web/x"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), app_page(&app));
    let list = credentials(&s, &app).await;
    assert_eq!(list.as_array().unwrap().len(), before + 1);
    let made = list
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "from-console")
        .unwrap()
        .clone();
    assert_eq!(made["issuer"], "https://issuer.example");
    assert_eq!(made["subject"], "sc://contoso/web/x");
    assert_eq!(made["audiences"], json!(["api://AzureADTokenExchange"]));
    assert_eq!(made["description"], "made in the console");
    let page = b.get(&app_page(&app)).await;
    let row = r#"<th scope="row">from-console</th><td class="mono">https://issuer.example</td><td class="mono">sc://contoso/web/x</td>"#;
    assert!(page.text().contains(row), "{}", page.body);

    let id = made["id"].as_str().unwrap();
    let answer = b
        .post(
            &format!("{}/credentials/remove", app_page(&app)),
            &[("csrf", b.csrf.as_str()), ("credential", id)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let list = credentials(&s, &app).await;
    assert_eq!(list.as_array().unwrap().len(), before);
    assert!(!list.to_string().contains("from-console"));
    assert!(!b.get(&app_page(&app)).await.body.contains("from-console"));
}

#[tokio::test]
async fn the_credential_form_is_filled_from_the_query_as_text() {
    let s = TestServer::start().await;
    let app = demo_app(&s).await;
    let b = Browser::admin(&s).await;
    let issuer = r#"https://x"><script>alert(1)</script>"#;
    let query = serde_urlencoded::to_string([
        ("issuer", issuer),
        ("subject", "sc://contoso/web/a&b"),
        ("name", "<b>n</b>"),
    ])
    .unwrap();
    let page = b.get(&format!("{}?{query}", app_page(&app))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert!(!page.body.contains("<b>n"), "{}", page.body);
    let text = page.text();
    assert!(text.contains(&format!(r#"name="issuer" class="mono" value="{issuer}""#)));
    assert!(text.contains(r#"name="subject" class="mono" value="sc://contoso/web/a&b""#));
    assert!(text.contains(r#"name="name" value="<b>n</b>""#));
    assert!(text.contains(r#"name="audience" class="mono" value="api://AzureADTokenExchange""#));
}

#[tokio::test]
async fn a_new_secret_is_shown_once_and_never_again() {
    let s = TestServer::start().await;
    let app = demo_app(&s).await;
    let b = Browser::admin(&s).await;
    let before = secrets(&s, &app).await.as_array().unwrap().len();
    let answer = b
        .post(
            &format!("{}/secrets", app_page(&app)),
            &[("csrf", b.csrf.as_str()), ("displayName", "console-secret")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.location(), "");
    assert!(answer.body.contains("it will not be shown again"));
    let list = secrets(&s, &app).await;
    assert_eq!(list.as_array().unwrap().len(), before + 1);
    let made = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["displayName"] == "console-secret")
        .unwrap()
        .clone();
    let shown = answer.text();
    let at = shown
        .find(r#"id="new-secret" class="mono" readonly value=""#)
        .unwrap();
    let value = shown[at..].split('"').nth(5).unwrap().to_string();
    assert!(value.len() >= 30, "{value}");
    assert!(value.starts_with(made["hint"].as_str().unwrap()));
    assert!(answer.body.contains(made["keyId"].as_str().unwrap()));
    // The value works as the app's secret.
    let (status, _) = s
        .token(
            &s.var("AZURE_TENANT_ID"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &s.var("AZURE_CLIENT_ID")),
                ("client_secret", &value),
                ("scope", "https://management.azure.com/.default"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let later = b.get(&app_page(&app)).await;
    assert_eq!(later.status, StatusCode::OK);
    assert!(later.body.contains("console-secret"));
    assert!(!later.body.contains(&value), "{}", later.body);
    assert!(!later.body.contains(r#"id="new-secret""#));

    // Removed by its key id.
    let key = made["keyId"].as_str().unwrap();
    let answer = b
        .post(
            &format!("{}/secrets/remove", app_page(&app)),
            &[("csrf", b.csrf.as_str()), ("keyId", key)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(!secrets(&s, &app).await.to_string().contains(key));
}

#[tokio::test]
async fn reached_by_the_tenants_id_the_breadcrumb_names_the_tenant() {
    let s = TestServer::start().await;
    let app = demo_app(&s).await;
    let id = s.var("AZURE_TENANT_ID");
    let tenant = s.admin_ok(&format!("/keyless/v1/tenants/{id}")).await;
    assert_eq!(tenant["name"], "contoso");
    let b = Browser::admin(&s).await;
    let page = b.get(&format!("/_console/tenants/{id}/apps/{app}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let crumb = format!(
        r#"<a href="/_console/tenants">Tenants</a> › <a href="/_console/tenants/{id}">contoso</a> › "#
    );
    assert!(page.body.contains(&crumb), "{}", page.body);
}
