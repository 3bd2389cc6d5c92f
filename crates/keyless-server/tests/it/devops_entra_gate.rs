//! An identity's Entra token for Azure DevOps presented to routes of the organization's REST
//! API other than the projects API: TF401444 while the identity is not a user of the
//! organization, then a refusal naming the one API keyless serves identities; each refusal
//! is audited and changes nothing. Anonymous routes still answer.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support;

use common::{DEVOPS_SCOPE, TestServer};
use reqwest::StatusCode;
use support::directory::token_for;

const ENDPOINTS: &str = "/contoso/web/_apis/serviceendpoint/endpoints";

#[tokio::test]
async fn an_identity_token_outside_the_projects_api_is_refused_and_audited() {
    let s = TestServer::start().await;
    let p = support::new_principal(&s, "reporting").await;
    let tenant = s.var("AZURE_TENANT_ID");
    let token = token_for(&s, &tenant, &p, DEVOPS_SCOPE).await;
    let before = s.admin_ok(ENDPOINTS).await;
    let body = sc_support::demo_manual_body(&s, "by-identity");

    let (st, b) = s.post_as(&token, ENDPOINTS, body.clone()).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{b}");
    assert_eq!(b["typeKey"], "VssUnauthorizedException", "{b}");
    assert_eq!(b["message"], support::tf401444(&tenant, &p.sp_id));

    support::add_org_identity(&s, "contoso", &p.sp_id, "web", "Contributors").await;
    let member_refusal = "keyless serves service principals and managed identities only the projects API of the organization (contoso/_apis/projects); this route takes a personal access token or a pipeline job's token.";
    for (st, b) in [
        s.post_as(&token, ENDPOINTS, body).await,
        s.get_as(&token, "/contoso/_apis/distributedtask/pools")
            .await,
    ] {
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{b}");
        assert!(b.get("$id").is_some(), "DevOps envelope: {b}");
        assert_eq!(b["message"], member_refusal);
    }
    assert_eq!(s.admin_ok(ENDPOINTS).await, before, "nothing was created");

    // The anonymous routes and the projects API answer the same token.
    s.get_ok_as(&token, "/contoso/_apis/ResourceAreas").await;
    s.get_ok_as(&token, "/contoso/_apis/serviceendpoint/types")
        .await;
    s.get_ok_as(&token, "/contoso/_apis/projects").await;

    let entries = support::audit(&s, "kind=devops").await;
    let seen: Vec<(&str, Option<&str>)> = entries
        .iter()
        .rev()
        .map(|e| (e["decision"].as_str().unwrap(), e["code"].as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("denied", Some("TF401444")),
            ("denied", Some("Unauthenticated")),
            ("denied", Some("Unauthenticated")),
            ("granted", None),
        ]
    );
    for e in &entries {
        assert_eq!(e["detail"]["identity"]["objectId"], p.sp_id.as_str());
        assert_eq!(e["detail"]["organization"], "contoso");
    }
}

/// Which paths the gate covers: the organization's REST API, but not the projects API,
/// the anonymous routes or other planes.
#[test]
fn the_gate_covers_the_organization_rest_api_but_projects_and_anonymous_routes() {
    let cases = [
        ("/contoso/_apis/serviceendpoint/endpoints", Some("contoso")),
        (
            "/contoso/web/_apis/serviceendpoint/endpoints/1",
            Some("contoso"),
        ),
        ("/contoso/_apis/distributedtask/pools", Some("contoso")),
        ("/contoso/web/_apis/pipelines/1/runs", Some("contoso")),
        ("/contoso/_apis/projects", None),
        ("/contoso/_apis/projects/web", None),
        ("/contoso/_apis", None),
        ("/contoso/_apis/ResourceAreas", None),
        ("/contoso/_apis/ResourceAreas/x", None),
        ("/contoso/_apis/serviceendpoint/types", None),
        ("/keyless/v1/organizations/contoso", None),
        ("/subscriptions/1/resourcegroups", None),
        ("/v1.0/applications", None),
        ("/contoso/oauth2/v2.0/token", None),
    ];
    for (path, want) in cases {
        assert_eq!(
            keyless_server::devops::entra_gate::gated_organization(path),
            want,
            "{path}"
        );
    }
}
