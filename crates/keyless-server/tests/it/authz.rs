//! Who may do what in an organization: every route that acts on projects, pipelines, jobs
//! and connections, called by each kind of person (Reader, Contributor, Build
//! Administrator, Project Administrator of `web`, Contributor of another project only, a
//! guest invited into the organization's tenant, a user of another tenant). The guest is a
//! user of the organization in no project group: it answers as a member without groups. Refusals are checked for their status,
//! their code and their envelope, and, at the end, that nothing but the allowed calls
//! changed anything. `docs/AUTHORIZATION.md` lists the same routes and rights.
#![allow(clippy::unwrap_used)]

use crate::common;
mod jobs;
use crate::sc_support;
use crate::support;

use common::{Expect, TestServer};
use reqwest::{Method, StatusCode};
use sc_support::{Person, add_to_group, person};
use serde_json::{Value, json};
use support::sorted_names;

const ORG: &str = "/keyless/v1/organizations/contoso";
const WEB: &str = "/keyless/v1/organizations/contoso/projects/web";

/// The people of the matrix, in its column order.
const WHO: [&str; 7] = [
    "reader",
    "contributor",
    "build-admin",
    "project-admin",
    "other-member",
    "guest",
    "foreign",
];

async fn foreign_user(s: &TestServer, name: &str) -> Person {
    support::user_with_pat(s, "fabrikam", name, "pat")
        .await
        .into()
}

/// The demo world plus project `other`, a tenant `fabrikam`, a pipeline `secured` of
/// `web`, and the seven people.
pub async fn world() -> (TestServer, Vec<Person>) {
    let s = TestServer::start().await;
    for (path, body) in [
        (
            format!("{ORG}/projects"),
            json!({"name": "other", "description": ""}),
        ),
        ("/keyless/v1/tenants".into(), json!({"name": "fabrikam"})),
        (
            format!("{WEB}/pipelines"),
            common::pipeline_body("secured", &[]),
        ),
    ] {
        let (st, b) = s.admin_post(&path, body).await;
        assert_eq!(st, StatusCode::CREATED, "{path}: {b}");
    }
    let mut people = Vec::new();
    for (name, group) in [
        ("reader", Some("Readers")),
        ("contributor", Some("Contributors")),
        ("build-admin", Some("Build Administrators")),
        ("project-admin", Some("Project Administrators")),
    ] {
        let p = person(&s, name).await;
        if let Some(g) = group {
            add_to_group(&s, "web", &p, g).await;
        }
        people.push(p);
    }
    let other = person(&s, "other-member").await;
    add_to_group(&s, "other", &other, "Contributors").await;
    people.push(other);
    let guest = foreign_user(&s, "guest").await;
    s.admin_created(
        "/keyless/v1/tenants/contoso/guests",
        json!({"user": guest.upn}),
    )
    .await;
    people.push(guest);
    people.push(foreign_user(&s, "foreign").await);
    (s, people)
}

/// The code of a refusal in whichever envelope it came: Azure DevOps' exception (its
/// numbered prefix, else `typeKey`) or ARM's `{"error":{"code"}}`. Asserts the envelope's
/// keys.
pub fn refusal_code(body: &Value) -> String {
    if body.get("$id").is_some() {
        for k in [
            "innerException",
            "message",
            "typeName",
            "typeKey",
            "errorCode",
            "eventId",
        ] {
            assert!(body.get(k).is_some(), "DevOps envelope without {k}: {body}");
        }
        let message = body["message"].as_str().unwrap();
        match message.split_once(": ") {
            Some((code, _))
                if (code.starts_with("TF") || code.starts_with("VS"))
                    && code[2..].chars().all(|c| c.is_ascii_digit()) =>
            {
                code.to_string()
            }
            _ => body["typeKey"].as_str().unwrap().to_string(),
        }
    } else {
        let e = &body["error"];
        assert!(
            e["message"].is_string(),
            "ARM envelope without a message: {body}"
        );
        e["code"].as_str().unwrap().to_string()
    }
}

/// One route of the matrix: what each person gets, as `"201"` or `"403 TF215106"`.
struct Case {
    method: Method,
    path: String,
    /// `{who}` in the body is replaced by the person's name, `{upn}` by their UPN.
    body: Option<Value>,
    expect: [&'static str; 7],
}

fn personal(v: &Value, who: &str, upn: &str) -> Value {
    serde_json::from_str(&v.to_string().replace("{who}", who).replace("{upn}", upn)).unwrap()
}

async fn run(s: &TestServer, people: &[Person], cases: &[Case]) {
    for c in cases {
        for ((who, p), want) in WHO.iter().zip(people).zip(c.expect) {
            let body = c.body.as_ref().map(|b| personal(b, who, &p.upn));
            let (st, resp) = s
                .send(c.method.clone(), &c.path, Some(&p.token), body)
                .await;
            let (want, want_text) = want.split_once('|').unwrap_or((want, ""));
            let (want_status, want_code) = want.split_once(' ').unwrap_or((want, ""));
            assert!(
                resp.to_string().contains(want_text),
                "{who}: {} {}: {resp} lacks {want_text}",
                c.method,
                c.path
            );
            assert_eq!(
                st.as_str(),
                want_status,
                "{who}: {} {}: {resp}",
                c.method,
                c.path
            );
            if !want_code.is_empty() {
                assert_eq!(
                    refusal_code(&resp),
                    want_code,
                    "{who}: {} {}: {resp}",
                    c.method,
                    c.path
                );
            }
        }
    }
}

/// The names in a `{"value": [...]}` list, sorted.
fn names(list: &Value) -> Vec<String> {
    sorted_names(list, "name")
}

#[tokio::test]
async fn pipelines_jobs_and_projects_by_role() {
    let (s, people) = world().await;
    let connection = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let no = "403 AccessCheckException";
    let hidden = "404 VS800075";
    let denied = "403 TF215106";
    let cases = [
        Case {
            method: Method::POST,
            path: format!("{WEB}/pipelines/deploy/jobs"),
            body: None,
            expect: [denied, "201", "201", "201", hidden, hidden, no],
        },
        Case {
            method: Method::GET,
            path: format!("{WEB}/pipelines"),
            body: None,
            expect: ["200", "200", "200", "200", hidden, hidden, no],
        },
        // Naming a connection needs the User role on it: Build Administrators are only
        // Readers of connections.
        Case {
            method: Method::POST,
            path: format!("{WEB}/pipelines"),
            body: Some(common::pipeline_body("with-{who}", &[&connection])),
            expect: [denied, "201", no, "201", hidden, hidden, no],
        },
        Case {
            method: Method::POST,
            path: format!("{WEB}/pipelines"),
            body: Some(common::pipeline_body("plain-{who}", &[])),
            expect: [denied, "201", "201", "201", hidden, hidden, no],
        },
        Case {
            method: Method::GET,
            path: format!("{WEB}/pipelines/secured/security"),
            body: None,
            expect: ["200", "200", "200", "200", hidden, hidden, no],
        },
        Case {
            method: Method::PUT,
            path: format!("{WEB}/pipelines/secured/security"),
            body: Some(json!({"user": "{upn}", "permission": "QueueBuilds", "access": "Allow"})),
            expect: [denied, denied, "200", "200", hidden, hidden, no],
        },
        Case {
            method: Method::POST,
            path: format!("{ORG}/projects"),
            body: Some(json!({"name": "p-{who}"})),
            expect: [no, no, no, no, no, no, no],
        },
        Case {
            method: Method::GET,
            path: format!("{ORG}/projects"),
            body: None,
            expect: ["200", "200", "200", "200", "200", "200", no],
        },
        Case {
            method: Method::GET,
            path: format!("{WEB}/members"),
            body: None,
            expect: ["200", "200", "200", "200", hidden, hidden, no],
        },
        Case {
            method: Method::POST,
            path: format!("{WEB}/members"),
            body: Some(json!({"user": "{upn}", "group": "Project Administrators"})),
            expect: [no, no, no, "201", no, no, no],
        },
        Case {
            method: Method::PATCH,
            path: WEB.to_string(),
            body: Some(json!({"name": "web"})),
            expect: [no, no, no, "200", no, no, no],
        },
        Case {
            method: Method::PATCH,
            path: ORG.to_string(),
            body: Some(json!({"name": "contoso"})),
            expect: [no, no, no, no, no, no, no],
        },
    ];
    run(&s, &people, &cases).await;

    // Nothing but the allowed calls changed anything.
    let (_, list) = s.admin_get(&format!("{WEB}/pipelines")).await;
    assert_eq!(
        names(&list),
        [
            "deploy",
            "plain-build-admin",
            "plain-contributor",
            "plain-project-admin",
            "secured",
            "with-contributor",
            "with-project-admin",
        ]
    );
    let (_, list) = s.admin_get(&format!("{ORG}/projects")).await;
    assert_eq!(names(&list), ["other", "web"]);
    let (_, aces) = s
        .admin_get(&format!("{WEB}/pipelines/secured/security"))
        .await;
    let mut want = vec![people[2].upn.clone(), people[3].upn.clone()];
    want.sort();
    assert_eq!(sorted_names(&aces, "user"), want, "{aces}");
    let (_, members) = s.admin_get(&format!("{WEB}/members")).await;
    let admins: Vec<&str> = members["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["group"] == "Project Administrators")
        .map(|m| m["user"].as_str().unwrap())
        .collect();
    assert_eq!(admins, [people[3].upn.as_str()], "{members}");

    // Each sees only the projects where they have a group: the guest, in none, sees none.
    for (i, want) in [(0, vec!["web"]), (4, vec!["other"]), (5, vec![])] {
        let (_, list) = s.get_as(&people[i].token, &format!("{ORG}/projects")).await;
        assert_eq!(names(&list), want, "{}", WHO[i]);
    }
}

#[tokio::test]
async fn a_guest_has_a_place_in_a_project_through_its_groups() {
    let (s, people) = world().await;
    let guest = &people[5];
    add_to_group(&s, "web", guest, "Readers").await;
    let list = s.get_ok_as(&guest.token, &format!("{ORG}/projects")).await;
    assert_eq!(names(&list), ["web"]);
    for path in [format!("{WEB}/pipelines"), format!("{WEB}/members")] {
        let (st, b) = s.get_as(&guest.token, &path).await;
        assert_eq!(st, StatusCode::OK, "{path}: {b}");
    }
    // A Reader: queueing is refused as for every Reader.
    let b = s
        .send(
            Method::POST,
            &format!("{WEB}/pipelines/deploy/jobs"),
            Some(&guest.token),
            None,
        )
        .await
        .expect_status(StatusCode::FORBIDDEN);
    assert_eq!(refusal_code(&b), "TF215106");
    // Still hidden from the project it has no group in.
    let b = s
        .get_as(&guest.token, &format!("{ORG}/projects/other/pipelines"))
        .await
        .expect_status(StatusCode::NOT_FOUND);
    assert_eq!(refusal_code(&b), "VS800075");
}

#[tokio::test]
async fn connections_by_role() {
    let (s, people) = world().await;
    let id = s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID");
    let (_, list) = s.admin_get(&format!("{ORG}/projects")).await;
    let web_id = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "web")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let roles = format!(
        "/contoso/_apis/securityroles/scopes/distributedtask.serviceendpointrole/roleassignments/resources/{web_id}_{id}"
    );
    let no = "403 AccessCheckException";
    let creator = "403 AccessCheckException|Endpoint Creators";
    let cases = [
        Case {
            method: Method::GET,
            path: roles.clone(),
            body: None,
            expect: ["200", "200", "200", "200", no, no, no],
        },
        // Nobody below Administrator makes themselves Administrator.
        Case {
            method: Method::PUT,
            path: roles.clone(),
            body: Some(json!([{"roleName": "Administrator", "userId": "{upn}"}])),
            expect: [no, no, no, "200", no, no, no],
        },
        Case {
            method: Method::PUT,
            path: roles.clone(),
            body: Some(json!([{"roleName": "User", "userId": "{upn}"}])),
            expect: [no, no, no, "200", no, no, no],
        },
        Case {
            method: Method::PATCH,
            path: roles.clone(),
            body: Some(json!(["{upn}"])),
            expect: [no, no, no, "204", no, no, no],
        },
        Case {
            method: Method::GET,
            path: format!("/contoso/_apis/serviceendpoint/endpoints/{id}?api-version=7.1"),
            body: None,
            expect: ["200", "200", "200", "200", no, no, no],
        },
        Case {
            method: Method::POST,
            path: format!(
                "/contoso/_apis/serviceendpoint/endpointproxy?endpointId={id}&api-version=7.1-preview.1"
            ),
            body: Some(json!({"dataSourceDetails": {"dataSourceName": "TestConnection"}})),
            expect: [no, "200", no, "200", no, no, no],
        },
        Case {
            method: Method::GET,
            path: format!("/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{id}"),
            body: None,
            expect: ["200", "200", "200", "200", no, no, no],
        },
        Case {
            method: Method::PATCH,
            path: format!("/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{id}"),
            body: Some(json!({"allPipelines": {"authorized": false}})),
            expect: [no, no, no, "200", no, no, no],
        },
        Case {
            method: Method::GET,
            path: format!("{WEB}/connections/{id}/doctor"),
            body: None,
            expect: [no, no, no, "200", no, no, no],
        },
        Case {
            method: Method::POST,
            path: "/contoso/_apis/serviceendpoint/endpoints?api-version=7.1".into(),
            body: Some(json!({
                "data": {"subscriptionId": s.var("AZURE_SUBSCRIPTION_ID"), "subscriptionName": "demo-subscription", "environment": "AzureCloud", "scopeLevel": "Subscription", "creationMode": "Manual"},
                "name": "conn-{who}",
                "type": "AzureRM",
                "url": "https://management.azure.com/",
                "authorization": {"scheme": "WorkloadIdentityFederation", "parameters": {"tenantid": s.var("AZURE_TENANT_ID"), "serviceprincipalid": s.var("AZURE_CLIENT_ID")}},
                "isShared": false,
                "serviceEndpointProjectReferences": [{"projectReference": {"name": "web"}, "name": "conn-{who}"}],
            })),
            expect: [creator, "200", creator, "200", creator, creator, no],
        },
    ];
    run(&s, &people, &cases).await;
    let (_, list) = s
        .admin_get("/contoso/web/_apis/serviceendpoint/endpoints?api-version=7.1")
        .await;
    assert_eq!(
        names(&list),
        ["conn-contributor", "conn-project-admin", "demo-connection"]
    );
    let (_, r) = s.admin_get(&roles).await;
    assert!(
        !r.to_string().contains(&people[1].upn) && !r.to_string().contains(&people[0].upn),
        "{r}"
    );
}

#[tokio::test]
async fn administrator_routes_refuse_everyone_else() {
    let (s, people) = world().await;
    let no = "403 AccessCheckException";
    let everyone = [no; 7];
    let sp = s.var("AZURE_CLIENT_ID");
    let cases = [
        Case {
            method: Method::GET,
            path: "/keyless/v1/audit".into(),
            body: None,
            expect: everyone,
        },
        Case {
            method: Method::GET,
            path: "/keyless/v1/keys".into(),
            body: None,
            expect: everyone,
        },
        Case {
            method: Method::POST,
            path: "/keyless/v1/keys/rotate".into(),
            body: Some(json!({})),
            expect: everyone,
        },
        Case {
            method: Method::PUT,
            path: format!("{ORG}/identities/{sp}"),
            body: Some(json!({"projects": {"web": "Project Administrators"}})),
            expect: everyone,
        },
        Case {
            method: Method::DELETE,
            path: format!("{ORG}/identities/{sp}"),
            body: None,
            expect: everyone,
        },
        Case {
            method: Method::GET,
            path: format!("{ORG}/identities"),
            body: None,
            expect: ["200", "200", "200", "200", "200", "200", no],
        },
    ];
    let (_, keys_before) = s.admin_get("/keyless/v1/keys").await;
    run(&s, &people, &cases).await;
    // Apply takes YAML.
    for (who, p) in WHO.iter().zip(&people) {
        let evil = "organizations:\n  - name: evil\n    tenant: contoso\n";
        let (status, body) = support::apply_as(&s, &p.token, evil).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(refusal_code(&body), "AccessCheckException", "{who}: {body}");
    }
    let (_, keys_after) = s.admin_get("/keyless/v1/keys").await;
    assert_eq!(keys_before, keys_after, "no key was rotated");
    let (_, ids) = s.admin_get(&format!("{ORG}/identities")).await;
    assert_eq!(ids["count"], 0, "{ids}");
    let (st, _) = s.admin_get("/keyless/v1/organizations/evil/projects").await;
    assert_eq!(st, StatusCode::NOT_FOUND, "no organization was applied");
}
