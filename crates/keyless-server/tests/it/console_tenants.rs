//! The console's tenant pages over HTTP: a tenant's app registrations, service principals
//! and managed identities (Graph asked in the page's tenant, a guest's too); its settings
//! form; a member refused on an app registration's page; a connection's link to its app.
//! Refusals (Graph's or the admin API's, CSRF) change nothing. The app page's own actions
//! are in the child module `console_tenant_app.rs`, the directory roles and guests forms in
//! `console_tenant_directory.rs`.

use super::{Browser, api_message, assert_csrf_refused, assert_refused_as};
use crate::common::{Expect, TestServer};
use crate::identities::identity_path;
use crate::sc_support::{created, guest, manual_body, person};
use crate::support::directory::in_tenant;
use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[path = "console_tenant_app.rs"]
mod app;
#[path = "console_tenant_directory.rs"]
mod directory;

const TENANT: &str = "/_console/tenants/contoso";

/// The demo app's object id (by Graph, as the administrator).
async fn demo_app(s: &TestServer) -> String {
    let found = s
        .admin_ok(&format!(
            "/v1.0/applications?$filter=appId eq '{}'",
            s.var("AZURE_CLIENT_ID")
        ))
        .await;
    found["value"][0]["id"].as_str().unwrap().to_string()
}

fn app_page(id: &str) -> String {
    format!("{TENANT}/apps/{id}")
}

/// The demo app's federated credentials as Graph lists them.
async fn credentials(s: &TestServer, app: &str) -> Value {
    s.admin_ok(&format!(
        "/v1.0/applications/{app}/federatedIdentityCredentials"
    ))
    .await["value"]
        .clone()
}

/// The demo app's secrets as Graph lists them.
async fn secrets(s: &TestServer, app: &str) -> Value {
    s.admin_ok(&format!("/v1.0/applications/{app}")).await["passwordCredentials"].clone()
}

async fn settings(s: &TestServer) -> Value {
    s.admin_ok("/keyless/v1/tenants/contoso").await["settings"].clone()
}

/// The Add federated credential form's fields.
fn credential_form<'a>(csrf: &'a str, name: &'a str, subject: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", name),
        ("issuer", "https://issuer.example"),
        ("subject", subject),
        ("audience", "api://AzureADTokenExchange"),
        ("description", "made in the console"),
    ]
}

#[tokio::test]
async fn the_tenant_page_lists_apps_service_principals_and_managed_identities() {
    let (s, arm) = TestServer::start_with_arm_token().await;
    s.client(&arm)
        .with_api_per_path()
        .put(
            &identity_path(&s, "deployer"),
            json!({"location": "eastus"}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let b = Browser::admin(&s).await;
    let page = b.get(TENANT).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.text();
    assert!(!text.contains("Refused ("), "{}", page.body);
    let apps = s.admin_ok("/v1.0/applications").await;
    let apps = apps["value"].as_array().unwrap();
    assert!(!apps.is_empty());
    for a in apps {
        let row = format!(
            r#"<a href="{TENANT}/apps/{}">{}</a></th><td class="mono">{}</td>"#,
            a["id"].as_str().unwrap(),
            a["displayName"].as_str().unwrap(),
            a["appId"].as_str().unwrap()
        );
        assert!(text.contains(&row), "{row}: {}", page.body);
    }
    let sps = s.admin_ok("/v1.0/servicePrincipals").await;
    let (mut apps_seen, mut identities_seen) = (0, 0);
    let identities_at = text.find(r#"<table id="identities">"#).unwrap();
    let principals_at = text.find(r#"<table id="principals">"#).unwrap();
    for sp in sps["value"].as_array().unwrap() {
        let kind = sp["servicePrincipalType"].as_str().unwrap();
        let row = format!(
            r#"<th scope="row">{}</th><td class="mono">{}</td><td>{kind}</td>"#,
            sp["displayName"].as_str().unwrap(),
            sp["appId"].as_str().unwrap()
        );
        let at = text
            .find(&row)
            .unwrap_or_else(|| panic!("{row}: {}", page.body));
        if kind == "ManagedIdentity" {
            identities_seen += 1;
            assert!(at > identities_at, "{row} in the managed identities table");
        } else {
            apps_seen += 1;
            assert!((principals_at..identities_at).contains(&at), "{row}");
        }
    }
    assert!(
        apps_seen >= 1 && identities_seen >= 1,
        "{apps_seen} {identities_seen}"
    );
    assert!(text.contains("deployer"));
}

#[tokio::test]
async fn a_user_without_rights_sees_graphs_refusal_and_nothing_changes() {
    let s = TestServer::start().await;
    let app = demo_app(&s).await;
    let nobody = person(&s, "nobody").await;
    let b = Browser::signed_in(&s, &nobody.token).await;
    let page = b.get(&app_page(&app)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let (fics, secrets_before) = (credentials(&s, &app).await, secrets(&s, &app).await);
    // What Graph answers this user for the same credential.
    let (status, body) = s
        .post_as(
            &nobody.token,
            &format!("/v1.0/applications/{app}/federatedIdentityCredentials"),
            json!({"name": "theirs", "issuer": "https://issuer.example", "subject": "x",
                   "audiences": ["api://AzureADTokenExchange"]}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        api_message(&body),
        "Insufficient privileges to complete the operation."
    );
    let answer = b
        .post(
            &format!("{}/credentials", app_page(&app)),
            &credential_form(&b.csrf, "theirs", "x"),
        )
        .await;
    assert_refused_as(&answer, status, &body);
    // The form is shown again with its values.
    assert!(
        answer
            .body
            .contains(r#"id="fic-name" name="name" value="theirs""#)
    );
    let answer = b
        .post(
            &format!("{}/secrets", app_page(&app)),
            &[("csrf", b.csrf.as_str()), ("displayName", "theirs")],
        )
        .await;
    assert_refused_as(&answer, status, &body);
    assert!(answer.body.contains(r#"id="secret-refusal""#));
    assert_eq!(credentials(&s, &app).await, fics);
    assert_eq!(secrets(&s, &app).await, secrets_before);
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_change_nothing() {
    let s = TestServer::start().await;
    let app = demo_app(&s).await;
    let b = Browser::admin(&s).await;
    let (fics, secrets_before, settings_before) = (
        credentials(&s, &app).await,
        secrets(&s, &app).await,
        settings(&s).await,
    );
    let fic_id = fics[0]["id"].as_str().unwrap();
    let posts: [(String, Vec<(&str, &str)>); 5] = [
        (
            format!("{}/credentials", app_page(&app)),
            credential_form("", "sneaky", "x")[1..].to_vec(),
        ),
        (
            format!("{}/credentials/remove", app_page(&app)),
            vec![("credential", fic_id)],
        ),
        (
            format!("{}/secrets", app_page(&app)),
            vec![("displayName", "sneaky")],
        ),
        (
            format!("{}/secrets/remove", app_page(&app)),
            vec![("keyId", "00000000-0000-0000-0000-000000000000")],
        ),
        (
            format!("{TENANT}/settings"),
            vec![("secretLifetimeDays", "3")],
        ),
    ];
    for (path, form) in posts {
        assert_csrf_refused(&b.post(&path, &form).await);
        let mut wrong = form.clone();
        wrong.push(("csrf", "not-the-token"));
        assert_csrf_refused(&b.post(&path, &wrong).await);
    }
    assert_eq!(credentials(&s, &app).await, fics);
    assert_eq!(secrets(&s, &app).await, secrets_before);
    assert_eq!(settings(&s).await, settings_before);
}

/// The settings form as the console posts it.
fn settings_form(csrf: &str) -> Vec<(&str, &str)> {
    vec![
        ("csrf", csrf),
        ("guestPermissionsLimited", "on"),
        ("federatedCredentialsOnUnownedApps", "members"),
        ("secretLifetimeDays", "90"),
        ("federationEnabled", "on"),
        (
            "allowedIssuersForApps",
            "https://a.example\r\n\r\n https://b.example \r\n",
        ),
        ("allowedIssuersForManagedIdentities", " \r\n"),
    ]
}

#[tokio::test]
async fn the_settings_form_works_for_an_administrator_and_is_refused_otherwise() {
    let s = TestServer::start().await;
    let nobody = person(&s, "nobody").await;
    let before = settings(&s).await;
    let b = Browser::signed_in(&s, &nobody.token).await;
    let (status, body) = s
        .patch_as(
            &nobody.token,
            "/keyless/v1/tenants/contoso/settings",
            json!({"secretLifetimeDays": 90}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let answer = b
        .post(&format!("{TENANT}/settings"), &settings_form(&b.csrf))
        .await;
    assert_refused_as(&answer, status, &body);
    assert!(answer.body.contains(r#"id="settings-refusal""#));
    // The form keeps what was posted.
    assert!(answer.body.contains(r#"value="90""#), "{}", answer.body);
    assert_eq!(settings(&s).await, before);

    let admin = Browser::admin(&s).await;
    let answer = admin
        .post(&format!("{TENANT}/settings"), &settings_form(&admin.csrf))
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), TENANT);
    let after = settings(&s).await;
    assert_eq!(after["usersCanRegisterApps"], false);
    assert_eq!(after["guestPermissionsLimited"], true);
    assert_eq!(after["federatedCredentialsOnUnownedApps"], "members");
    assert_eq!(after["secretLifetimeDays"], 90);
    assert_eq!(
        after["federation"],
        json!({"enabled": true, "allowedIssuersForApps": ["https://a.example", "https://b.example"]})
    );
    assert_eq!(
        after["accessTokenAlgorithm"],
        before["accessTokenAlgorithm"]
    );
    let page = admin.get(TENANT).await;
    assert!(
        page.text()
            .contains("https://a.example\nhttps://b.example</textarea>")
    );
    // A lifetime that is no number: the API's own refusal, nothing changed.
    let mut bad = settings_form(&admin.csrf);
    bad[3] = ("secretLifetimeDays", "soon");
    let answer = admin.post(&format!("{TENANT}/settings"), &bad).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(
        answer.text().contains("Invalid settings"),
        "{}",
        answer.body
    );
    assert_eq!(settings(&s).await, after);
}

#[tokio::test]
async fn a_workload_identity_connection_links_to_its_app_with_the_form_filled() {
    let s = TestServer::start().await;
    let app = demo_app(&s).await;
    let c = created(
        &s,
        manual_body(&s, "linked", &s.var("AZURE_CLIENT_ID"), None),
    )
    .await;
    let params = &c["authorization"]["parameters"];
    let (issuer, subject) = (
        params["workloadIdentityFederationIssuer"].as_str().unwrap(),
        params["workloadIdentityFederationSubject"]
            .as_str()
            .unwrap(),
    );
    let b = Browser::admin(&s).await;
    let id = c["id"].as_str().unwrap();
    let details = b
        .get(&format!("/_console/orgs/contoso/web/connections/{id}"))
        .await;
    assert_eq!(details.status, StatusCode::OK);
    let text = details.text();
    let link = r#"" id="app-link">Add the federated credential in the app registration</a>"#;
    let end = text
        .find(link)
        .unwrap_or_else(|| panic!("{}", details.body));
    let start = text[..end].rfind(r#"<a href=""#).unwrap() + 9;
    let href = &text[start..end];
    let tenant = s.var("AZURE_TENANT_ID");
    let query =
        serde_urlencoded::to_string([("issuer", issuer), ("subject", subject), ("name", "linked")])
            .unwrap();
    assert_eq!(
        href,
        format!("/_console/tenants/{tenant}/apps/{app}?{query}")
    );
    let form = b.get(href).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let text = form.text();
    assert!(text.contains(&format!(r#"name="issuer" class="mono" value="{issuer}""#)));
    assert!(text.contains(&format!(r#"name="subject" class="mono" value="{subject}""#)));
    assert!(text.contains(r#"name="name" value="linked""#));

    // A client id no app of the tenant has: no link.
    let other = created(
        &s,
        manual_body(
            &s,
            "unknown-app",
            "0b7e5f2a-1111-4222-8333-944455556666",
            None,
        ),
    )
    .await;
    let details = b
        .get(&format!(
            "/_console/orgs/contoso/web/connections/{}",
            other["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(details.status, StatusCode::OK);
    assert!(!details.body.contains("app-link"), "{}", details.body);
}

#[tokio::test]
async fn graph_is_asked_in_the_pages_tenant_for_a_guest() {
    let s = TestServer::start().await;
    // Guests of contoso may read its directory once their permissions are not limited.
    s.admin_patch(
        "/keyless/v1/tenants/contoso/settings",
        json!({"guestPermissionsLimited": false}),
    )
    .await
    .expect_status(StatusCode::OK);
    let visitor = guest(&s, "visitor").await;
    let (status, apps) = in_tenant(
        &s,
        Method::GET,
        "/v1.0/applications",
        &visitor.token,
        "contoso",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{apps}");
    let client = s.var("AZURE_CLIENT_ID");
    assert!(apps.to_string().contains(&client));
    let b = Browser::signed_in(&s, &visitor.token).await;
    let page = b.get(TENANT).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains(&format!(r#"<td class="mono">{client}</td>"#)),
        "{}",
        page.body
    );
    // Their home tenant, northwind, has no such app.
    let home = b.get("/_console/tenants/northwind").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    assert!(!home.body.contains(&client), "{}", home.body);
}
