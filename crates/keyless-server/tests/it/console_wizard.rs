//! The console's New service connection wizard over HTTP: an automatic connection made
//! Ready, a manual one saved as Draft with the issuer and subject to hand on, the
//! preflight's problems shown together, refusals with the API's text that create nothing,
//! the form kept with the error beside its field, escaping.

use super::{Browser, api_message};
use crate::common::TestServer;
use crate::sc_support::{add_to_group, automatic_body, create_as, guest, member, person};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(super) const FORM: &str = "/_console/orgs/contoso/web/new/azurerm";

/// (app registrations of the demo tenant, connections of web).
async fn made(s: &TestServer) -> (usize, usize) {
    let store = s.store();
    let org = store.find_organization("contoso").await.unwrap();
    let web = store.find_project(org.id, "web").await.unwrap();
    (
        store.list_applications(s.tenant()).await.unwrap().len(),
        store.list_connections(web.id).await.unwrap().len(),
    )
}

/// A browser signed in with `token`.
async fn signed_in<'a>(s: &'a TestServer, token: &str) -> Browser<'a> {
    let mut b = Browser::new(s);
    let answer = b.sign_in(token).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    b
}

/// The connection of web named `name`, as the administrator reads it from the API.
pub(super) async fn connection_named(s: &TestServer, name: &str) -> Value {
    let list = s
        .admin_ok("/contoso/web/_apis/serviceendpoint/endpoints")
        .await;
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no connection {name} in {list}"))
}

/// The automatic form for the demo subscription, named `name`, with this session's token.
fn automatic_form<'f>(b: &'f Browser<'_>, sub: &'f str, name: &'f str) -> Vec<(&'f str, &'f str)> {
    vec![
        ("csrf", b.csrf.as_str()),
        ("mode", "Automatic"),
        ("scheme", "WorkloadIdentityFederation"),
        ("level", "Subscription"),
        ("subscription", sub),
        ("name", name),
        ("description", "made by the wizard"),
    ]
}

/// The manual workload identity form: subscription, tenant, client id and name.
pub(super) fn manual_form<'f>(b: &'f Browser<'_>, fields: [&'f str; 4]) -> Vec<(&'f str, &'f str)> {
    let [sub, tenant, client, name] = fields;
    vec![
        ("csrf", b.csrf.as_str()),
        ("mode", "Manual"),
        ("scheme", "WorkloadIdentityFederation"),
        ("subscriptionOther", sub),
        ("tenant", tenant),
        ("client", client),
        ("name", name),
    ]
}

#[tokio::test]
async fn the_wizard_creates_an_automatic_connection_that_is_ready() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let list = b.get("/_console/orgs/contoso/web").await;
    assert!(
        list.body
            .contains(r#"href="/_console/orgs/contoso/web/new""#)
    );
    let types = b.get("/_console/orgs/contoso/web/new").await;
    assert_eq!(types.status, StatusCode::OK);
    assert!(types.body.contains(&format!(r#"href="{FORM}""#)));
    assert!(
        types
            .body
            .contains(r#"href="/_console/orgs/contoso/web/new/azuredevops""#)
    );

    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let form = b.get(FORM).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains(&format!(r#"<option value="{sub}">"#)),
        "the picker lists the demo subscription: {}",
        form.body
    );

    let mut fields = automatic_form(&b, &sub, "wizard-auto");
    fields.push(("grantAll", "on"));
    let answer = b.post(FORM, &fields).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let c = connection_named(&s, "wizard-auto").await;
    let id = c["id"].as_str().unwrap();
    assert_eq!(
        answer.location(),
        format!("/_console/orgs/contoso/web/connections/{id}")
    );
    assert_eq!(c["operationStatus"]["state"], "Ready");
    assert_eq!(c["data"]["creationMode"], "Automatic");
    assert_eq!(c["data"]["subscriptionId"], sub.as_str());
    assert_eq!(c["authorization"]["scheme"], "WorkloadIdentityFederation");
    assert_eq!(c["description"], "made by the wizard");
    let permissions = s
        .admin_ok(&format!(
            "/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{id}"
        ))
        .await;
    assert_eq!(permissions["allPipelines"]["authorized"], true);

    let details = b.get(answer.location()).await;
    assert_eq!(details.status, StatusCode::OK);
    assert!(
        details.body.contains(r#"id="state">Ready<"#),
        "{}",
        details.body
    );
}

#[tokio::test]
async fn a_new_connection_is_closed_to_pipelines_unless_granted() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let answer = b.post(FORM, &automatic_form(&b, &sub, "closed")).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let id = connection_named(&s, "closed").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let permissions = s
        .admin_ok(&format!(
            "/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{id}"
        ))
        .await;
    assert_eq!(permissions["allPipelines"]["authorized"], false);
}

#[tokio::test]
async fn a_manual_connection_the_creator_cannot_complete_is_a_draft_with_its_next_steps() {
    let s = TestServer::start().await;
    let alice = member(&s, "alice").await;
    let b = signed_in(&s, &alice.token).await;
    let (sub, tenant, client) = (
        s.var("AZURE_SUBSCRIPTION_ID"),
        s.var("AZURE_TENANT_ID"),
        s.var("AZURE_CLIENT_ID"),
    );
    let form = manual_form(&b, [&sub, &tenant, &client, "drafty"]);
    let answer = b.post(FORM, &form).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let c = connection_named(&s, "drafty").await;
    assert_eq!(c["operationStatus"]["state"], "Draft");
    let params = &c["authorization"]["parameters"];
    let issuer = params["workloadIdentityFederationIssuer"].as_str().unwrap();
    let subject = params["workloadIdentityFederationSubject"]
        .as_str()
        .unwrap();
    assert_eq!(issuer, format!("{}/{tenant}/v2.0", s.origin));

    let details = b.get(answer.location()).await;
    assert_eq!(details.status, StatusCode::OK);
    let text = details.text();
    assert!(text.contains(r#"id="state">Draft<"#), "{text}");
    assert!(text.contains(&format!(
        "You don't have permission to the selected identity. Service connection is saved as draft. To complete the configuration, contact the owner of the identity to create a federated credential in the Azure portal using the Issuer and Subject Identifier below. Issuer: {issuer} Subject identifier: {subject}"
    )), "{text}");
    assert!(text.contains(&format!(
        r#"id="issuer" class="mono" readonly value="{issuer}""#
    )));
    assert!(text.contains(&format!(
        r#"id="subject" class="mono" readonly value="{subject}""#
    )));
    assert!(text.contains(r#"data-copy="subject""#));
}

#[tokio::test]
async fn the_preflight_problems_are_shown_together_and_nothing_is_made() {
    let s = TestServer::start().await;
    let gus = guest(&s, "gus").await;
    add_to_group(&s, "web", &gus, "Readers").await;
    crate::support::tenant_settings(
        &s,
        &s.tenant().to_string(),
        json!({"usersCanRegisterApps": false}),
    )
    .await;
    // What the API answers the same body.
    let body = automatic_body(&s, "auto", "WorkloadIdentityFederation");
    let (status, api) = create_as(&s, &gus.token, body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{api}");
    let problems = api["customProperties"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 3, "{api}");

    let before = made(&s).await;
    let b = signed_in(&s, &gus.token).await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let page = b.post(FORM, &automatic_form(&b, &sub, "auto")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    let text = page.text();
    for code in [
        "MissingCreatorRole",
        "GuestLimited",
        "RoleAssignmentForbidden",
    ] {
        let p = problems.iter().find(|p| p["code"] == code).unwrap();
        let message = p["message"].as_str().unwrap();
        assert!(
            text.contains(&format!("<li><strong>{code}</strong>: {message}</li>")),
            "{code} in {text}"
        );
    }
    // The form is shown again with its values.
    assert!(
        text.contains(r#"id="name" name="name" value="auto""#),
        "{text}"
    );
    assert_eq!(made(&s).await, before, "nothing was made");
}

#[tokio::test]
async fn a_form_without_the_csrf_token_creates_nothing() {
    let s = TestServer::start().await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let b = Browser::admin(&s).await;
    let before = made(&s).await;
    for csrf in [None, Some(""), Some("wrong")] {
        let mut fields = automatic_form(&b, &sub, "forged");
        match csrf {
            None => fields.retain(|(k, _)| *k != "csrf"),
            Some(t) => fields[0].1 = t,
        }
        let page = b.post(FORM, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{csrf:?}");
        assert!(page.body.contains("The form was refused"));
    }
    assert_eq!(made(&s).await, before, "nothing was made");
}

#[tokio::test]
async fn a_reader_of_the_project_is_refused_with_the_apis_text() {
    let s = TestServer::start().await;
    let rita = person(&s, "rita").await;
    add_to_group(&s, "web", &rita, "Readers").await;
    let (tenant, client) = (s.var("AZURE_TENANT_ID"), s.var("AZURE_CLIENT_ID"));
    let b = signed_in(&s, &rita.token).await;
    let sub = "00000000-0000-0000-0000-000000000001";
    let form = manual_form(&b, [sub, &tenant, &client, "not-mine"]);
    let before = made(&s).await;
    let page = b.post(FORM, &form).await;
    // The API's own answer to the same request, afterwards (it creates nothing either).
    let body = json!({
        "name": "not-mine", "type": "AzureRM",
        "authorization": {"scheme": "WorkloadIdentityFederation",
            "parameters": {"tenantid": tenant, "serviceprincipalid": client}},
        "data": {"creationMode": "Manual", "scopeLevel": "Subscription",
            "subscriptionId": sub},
        "serviceEndpointProjectReferences": [{"projectReference": {"name": "web"}}],
    });
    let (status, api) = create_as(&s, &rita.token, body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{api}");
    assert_eq!(page.status, status);
    assert!(page.text().contains(&api_message(&api)), "{}", page.body);
    assert_eq!(made(&s).await, before, "nothing was made");
}

#[tokio::test]
async fn bad_input_keeps_the_form_escaped_with_the_error_beside_the_field() {
    let s = TestServer::start().await;
    let b = Browser::admin(&s).await;
    let name = r#""><script>alert(1)<script>'&"#;
    let tenant = s.var("AZURE_TENANT_ID");
    let before = made(&s).await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let page = b
        .post(
            FORM,
            &manual_form(&b, [&sub, &tenant, "<b>not-a-guid", name]),
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(!page.body.contains("<b>not"), "{}", page.body);
    assert!(
        page.body
            .contains(r#"value="&#34;&#62;&#60;script&#62;alert(1)&#60;script&#62;&#39;&#38;""#)
    );
    let text = page.text();
    assert!(
        text.contains(r#"<p class="field-error" id="client-error">authorization.parameters.serviceprincipalid must be a GUID, got '"#),
        "{text}"
    );
    assert!(text.contains(r#"id="client" name="client" value="<b>not-a-guid""#));
    assert!(
        !text.contains(r#"id="refusal""#),
        "the error is beside its field"
    );
    assert_eq!(made(&s).await, before, "nothing was made");
}

#[tokio::test]
async fn an_azure_devops_connection_needs_its_identity_in_the_organization() {
    let s = TestServer::start().await;
    let path = "/_console/orgs/contoso/web/new/azuredevops";
    let b = Browser::admin(&s).await;
    let form = b.get(path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(!form.body.contains(r#"id="subscription""#));
    let (tenant, client) = (s.var("AZURE_TENANT_ID"), s.var("AZURE_CLIENT_ID"));
    let fields = [
        ("csrf", b.csrf.as_str()),
        ("tenant", &tenant),
        ("client", &client),
        ("name", "to-devops"),
    ];
    // The demo app is no user of contoso yet: the API's text, on the form.
    let refused = b.post(path, &fields).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.text().contains(
        "The Managed Identity / Service Principal demo-deploy does not have access to Azure DevOps organization contoso."
    ), "{}", refused.body);
    assert!(refused.body.contains(r#"id="refusal""#));
    crate::support::add_org_identity(&s, "contoso", &client, "web", "Readers").await;
    let answer = b.post(path, &fields).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let c = connection_named(&s, "to-devops").await;
    assert_eq!(c["type"], "azuredevops");
    assert_eq!(c["data"]["organizationName"], "contoso");
    assert_eq!(
        b.get("/_console/orgs/contoso/web/new/other").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_typed_secret_is_never_shown_back() {
    let s = TestServer::start().await;
    let secret = "wizard-secret-value-1234";
    let b = Browser::admin(&s).await;
    let sub = s.var("AZURE_SUBSCRIPTION_ID");
    let mut form = manual_form(&b, [&sub, "not-a-tenant", "not-a-client", "secretive"]);
    form[2].1 = "ServicePrincipal";
    form.push(("secret", secret));
    let before = made(&s).await;
    let page = b.post(FORM, &form).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(!page.body.contains(secret), "{}", page.body);
    assert!(
        page.body
            .contains(r#"id="secret" name="secret" type="password""#)
    );
    assert!(
        page.text()
            .contains(r#"id="name" name="name" value="secretive""#)
    );
    assert_eq!(made(&s).await, before, "nothing was made");
}
