//! World files: project members, connection pipeline permissions, shares and roles.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::sc_support;
use crate::support::{apply, fabrikam_deployer, fabrikam_infra, fabrikam_rita_ed};

use common::{Expect, TestServer};
use reqwest::StatusCode;
use serde_json::json;

pub(crate) const WORLD: &str = concat!(
    "\n",
    fabrikam_rita_ed!(),
    fabrikam_deployer!("prod"),
    fabrikam_infra!(),
    r#"        members:
          - user: fabrikam/rita
            group: Readers
        connections:
          - name: prod
            app: fabrikam/deployer
            subscription: prod
            pipelines: [release]
            sharedWith: [apps]
            roles:
              - user: fabrikam/ed
                role: Administrator
        pipelines:
          - name: release
            yaml: "steps: [{task: AzureCLI@2, inputs: {azureSubscription: prod, scriptType: bash, scriptLocation: inlineScript, inlineScript: az account show}}]"
          - name: nightly
            yaml: "steps: [{task: AzureCLI@2, inputs: {azureSubscription: prod, scriptType: bash, scriptLocation: inlineScript, inlineScript: az account show}}]"
      - name: apps
"#,
);

/// The status of the ID token request, for the connection `id`, of a new job of the
/// pipeline `pipeline` of fabrikam/infra.
async fn job_oidc(s: &TestServer, pipeline: &str, id: &str) -> StatusCode {
    let env = sc_support::start_job(s, "fabrikam", "infra", pipeline).await;
    sc_support::oidc(s, &env, id).await.0
}

#[tokio::test]
async fn world_sets_members_permissions_shares_and_roles_idempotently() {
    let s = TestServer::start().await;
    apply(&s, WORLD).await.expect_status(StatusCode::OK);
    let again = apply(&s, WORLD).await.expect_status(StatusCode::OK);
    assert_eq!(again["changes"], json!([]), "{again}");
    let org = s.store().find_organization("fabrikam").await.unwrap();
    let infra = s.store().find_project(org.id, "infra").await.unwrap();
    let apps = s.store().find_project(org.id, "apps").await.unwrap();
    let conn = s.store().find_connection(infra.id, "prod").await;
    let conn = conn.unwrap();
    let id = conn.id.to_string();
    assert_eq!(job_oidc(&s, "release", &id).await, StatusCode::OK);
    // nightly names prod, which is open to release only: its run is refused when queued.
    let (status, body) = s
        .admin(
            reqwest::Method::POST,
            "/keyless/v1/organizations/fabrikam/projects/infra/pipelines/nightly/jobs",
            None,
        )
        .await;
    let nightly = s.store().find_pipeline(infra.id, "nightly").await.unwrap();
    common::assert_devops_error(
        status,
        &body,
        403,
        "AccessCheckException",
        &format!(
            "This pipeline needs permission to access a resource before this run can continue. The service connection 'prod' ({id}) is not authorized for the pipeline 'nightly'. An administrator of the connection can permit it: Project settings, Service connections, prod, Security, Pipeline permissions; or PATCH fabrikam/infra/_apis/pipelines/pipelinePermissions/endpoint/{id} with pipelines id {} authorized true; or keyless sc permissions prod --authorize {}.",
            nightly.id, nightly.id
        ),
    );
    assert_eq!(
        s.store().list_connection_shares(conn.id).await.unwrap(),
        vec![apps.id]
    );
    let members = s.store().list_project_members(infra.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].1, "Readers");
    let roles = s.store().list_connection_roles(conn.id).await.unwrap();
    assert_eq!(roles[0].1, "Administrator");
    // Unknown groups, roles, pipelines and projects are refused with their location, before
    // anything is written.
    for (from, to, word) in [
        ("group: Readers", "group: Wizards", "Wizards"),
        ("role: Administrator", "role: Wizard", "Wizard"),
        ("pipelines: [release]", "pipelines: [missing]", "missing"),
        ("sharedWith: [apps]", "sharedWith: [nowhere]", "nowhere"),
    ] {
        let (st, e) = apply(&s, &WORLD.replace(from, to)).await;
        assert!(st.is_client_error(), "{e}");
        assert!(e.to_string().contains(word), "{e}");
    }
    let (st, e) = apply(
        &s,
        &WORLD
            .replace("name: apps", "name: apps2")
            .replace("[apps]", "[apps2]")
            .replace("role: Wizard", "role: Administrator")
            .replace("group: Readers", "group: Wizards"),
    )
    .await;
    assert!(st.is_client_error(), "{e}");
    assert!(
        s.store().find_project(org.id, "apps2").await.is_err(),
        "nothing written"
    );
}
