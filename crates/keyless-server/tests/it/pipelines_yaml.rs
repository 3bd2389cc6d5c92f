//! Pipelines are YAML: saving compiles the file and its templates (errors with file, line
//! and column), the connections it names are read from task inputs and resources, and a
//! run is checked when it is queued (a name that resolves to nothing, a connection closed
//! to the pipeline). World files take `yaml:` or `file:` with the files beside them.
#![allow(clippy::unwrap_used)]

use crate::common::{self, Expect, TestServer, assert_devops_error, not_found_text};
use crate::sc_support::oidc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PIPELINES: &str = "/keyless/v1/organizations/contoso/projects/web/pipelines";

async fn queue(s: &TestServer, pipeline: &str) -> (StatusCode, Value) {
    s.admin(Method::POST, &format!("{PIPELINES}/{pipeline}/jobs"), None)
        .await
}

fn demo_id(s: &TestServer) -> String {
    s.var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
}

async fn pipeline_names(s: &TestServer) -> Vec<String> {
    let list = s.admin_ok(PIPELINES).await;
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn yaml_that_does_not_compile_is_refused_with_its_position_and_nothing_is_saved() {
    let s = TestServer::start().await;
    let before = pipeline_names(&s).await;
    let cases = [
        (
            "trigger: none\nfoo: 1\nsteps:\n  - script: echo\n",
            "The pipeline is not valid. /azure-pipelines.yml (Line: 2, Col: 1): Unexpected value 'foo'",
        ),
        (
            "steps:\n  - template: missing.yml\n",
            "The pipeline is not valid. /azure-pipelines.yml (Line: 2, Col: 15): Template 'missing.yml' not found",
        ),
    ];
    for (yaml, starts) in cases {
        let (status, body) = s
            .admin_post(PIPELINES, json!({"name": "bad", "yaml": yaml}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{yaml}: {body}");
        assert_eq!(body["typeKey"], "PipelineValidationException", "{body}");
        let m = body["message"].as_str().unwrap();
        assert!(m.starts_with(starts), "{yaml}: {m}");
    }
    assert_eq!(pipeline_names(&s).await, before);
}

#[tokio::test]
async fn bodies_without_a_pipeline_file_are_refused() {
    let s = TestServer::start().await;
    let y = common::pipeline_yaml(&[]);
    let cases = [
        (json!({"name": "p"}), "Give the pipeline's YAML"),
        (
            json!({"name": "p", "yaml": y, "files": {"a.yml": y}, "path": "a.yml"}),
            "Give the pipeline's YAML",
        ),
        (
            json!({"name": "p", "files": {"a.yml": y}}),
            "files needs path",
        ),
        (
            json!({"name": "p", "path": "b.yml", "files": {"a.yml": y}}),
            "The pipeline file 'b.yml' is not among the files.",
        ),
        (
            json!({"name": "p", "path": "a.yml", "files": {"../a.yml": y, "a.yml": y}}),
            "leaves the repository",
        ),
    ];
    for (body, says) in cases {
        s.admin_post(PIPELINES, body.clone())
            .await
            .expect_message(StatusCode::BAD_REQUEST, says);
    }
    assert_eq!(pipeline_names(&s).await, ["deploy"]);
}

#[tokio::test]
async fn a_connection_named_in_a_template_is_authorized_and_usable() {
    let s = TestServer::start().await;
    let id = demo_id(&s);
    let main = "trigger: none\njobs:\n  - job: Deploy\n    steps:\n      - template: templates/deploy.yml\n        parameters:\n          connection: demo-connection\n";
    let template = "parameters:\n  - name: connection\n    type: string\nsteps:\n  - task: AzurePowerShell@5\n    inputs:\n      azureSubscription: ${{ parameters.connection }}\n      ScriptType: InlineScript\n      Inline: Get-AzContext\n      azurePowerShellVersion: LatestVersion\n";
    let p = s
        .admin_created(
            PIPELINES,
            json!({
                "name": "templated",
                "path": "ci/azure-pipelines.yml",
                "files": {"ci/azure-pipelines.yml": main, "ci/templates/deploy.yml": template},
            }),
        )
        .await;
    assert_eq!(p["connections"], json!([id]), "{p}");
    assert_eq!(p["definition"]["path"], "ci/azure-pipelines.yml");
    let env = queue(&s, "templated")
        .await
        .expect_status(StatusCode::CREATED)["env"]
        .clone();
    oidc(&s, &env, &id).await.expect_status(StatusCode::OK);
}

#[tokio::test]
async fn a_connection_from_the_variables_resolves_when_the_run_is_queued() {
    let s = TestServer::start().await;
    let id = demo_id(&s);
    let yaml = "variables:\n  serviceConnection: demo-connection\nsteps:\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: $(serviceConnection)\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: az account show\n";
    s.admin_created(PIPELINES, json!({"name": "vars", "yaml": yaml}))
        .await;
    let env = queue(&s, "vars").await.expect_status(StatusCode::CREATED)["env"].clone();
    oidc(&s, &env, &id).await.expect_status(StatusCode::OK);
}

#[tokio::test]
async fn names_that_resolve_to_nothing_fail_the_run_each_listed() {
    let s = TestServer::start().await;
    // One input written with its alias, one set from a variable only a step would set, and
    // a second step of the same task.
    let yaml = "steps:\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: no-such-connection\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: 'true'\n  - task: AzureCLI@2\n    inputs:\n      connectedServiceNameARM: $(fromAnEarlierStep)\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: 'true'\n";
    s.admin_created(PIPELINES, json!({"name": "missing", "yaml": yaml}))
        .await;
    let (status, body) = queue(&s, "missing").await;
    let first = not_found_text(
        "Job",
        "AzureCLI",
        "connectedServiceNameARM",
        "no-such-connection",
    );
    let second = not_found_text(
        "Job",
        "AzureCLI1",
        "connectedServiceNameARM",
        "$(fromAnEarlierStep)",
    );
    let second = second.trim_start_matches("The pipeline is not valid. ");
    assert_devops_error(
        status,
        &body,
        400,
        "PipelineValidationException",
        &format!("{first},{second}"),
    );
    // The refusal is audited as a denied job, with the code.
    let audit = s.admin_ok("/keyless/v1/audit?kind=job").await;
    assert!(
        audit["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["decision"] == "denied" && e["code"] == "PipelineNotValid"),
        "{audit}"
    );
}

#[tokio::test]
async fn a_connection_closed_to_the_pipeline_fails_the_run_with_the_permission_text() {
    let s = TestServer::start().await;
    let id = demo_id(&s);
    let p = s
        .admin_created(
            PIPELINES,
            common::pipeline_body("closed", &["demo-connection"]),
        )
        .await;
    let pid = p["id"].as_i64().unwrap();
    // The administrator takes the authorization back.
    s.admin_patch(
        &format!("/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{id}"),
        json!({"pipelines": [{"id": pid, "authorized": false}]}),
    )
    .await
    .expect_status(StatusCode::OK);
    let (status, body) = queue(&s, "closed").await;
    assert_devops_error(
        status,
        &body,
        403,
        "AccessCheckException",
        &format!(
            "This pipeline needs permission to access a resource before this run can continue. The service connection 'demo-connection' ({id}) is not authorized for the pipeline 'closed'. An administrator of the connection can permit it: Project settings, Service connections, demo-connection, Security, Pipeline permissions; or PATCH contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{id} with pipelines id {pid} authorized true; or keyless sc permissions demo-connection --authorize {pid}."
        ),
    );
}

#[tokio::test]
async fn a_pipeline_saved_before_yaml_keeps_its_listed_connections() {
    let s = TestServer::start().await;
    let id = demo_id(&s);
    let store = s.store();
    let org = store.find_organization("contoso").await.unwrap();
    let web = store.find_project(org.id, "web").await.unwrap();
    let legacy = keyless_model::devops::Pipeline {
        id: 0,
        project_id: web.id,
        name: "legacy".into(),
        connections: vec![id.parse().unwrap()],
        definition: None,
        created_at: s.state.now(),
    };
    let pid = store.create_pipeline(&legacy).await.unwrap();
    store
        .authorize_pipeline(id.parse().unwrap(), pid, None, s.state.now())
        .await
        .unwrap();
    let env = queue(&s, "legacy").await.expect_status(StatusCode::CREATED)["env"].clone();
    oidc(&s, &env, &id).await.expect_status(StatusCode::OK);
}

#[tokio::test]
async fn world_files_take_inline_yaml_or_a_file_with_its_templates() {
    let s = TestServer::start().await;
    let world = |pipelines: &str| {
        format!(
            "organizations:\n  - name: contoso\n    tenant: contoso\n    projects:\n      - name: web\n        pipelines:\n{pipelines}"
        )
    };
    let main = "steps:\n  - template: steps.yml\n";
    let steps = "steps:\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: demo-connection\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: az account show\n";
    let text = world("          - name: from-file\n            file: ci/main.yml\n");
    let resp = s
        .http
        .post(format!("{}/keyless/v1/apply", s.origin))
        .bearer_auth(s.var("KEYLESS_TOKEN"))
        .json(&json!({"world": text, "files": {"ci/main.yml": main, "ci/steps.yml": steps}}))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = demo_id(&s);
    let env = queue(&s, "from-file")
        .await
        .expect_status(StatusCode::CREATED)["env"]
        .clone();
    oidc(&s, &env, &id).await.expect_status(StatusCode::OK);

    // A file that was not sent, and YAML that does not compile: located, nothing written.
    for (pipelines, says) in [
        (
            "          - name: lost\n            file: ci/lost.yml\n",
            "line 7: organizations[0].projects[0].pipelines[0]: The pipeline file 'ci/lost.yml' is not among the files.",
        ),
        (
            "          - name: broken\n            yaml: |\n              bogus: true\n              steps:\n                - script: echo\n",
            "organizations[0].projects[0].pipelines[0].yaml: The pipeline is not valid. /azure-pipelines.yml (Line: 1, Col: 1): Unexpected value 'bogus'",
        ),
    ] {
        let (status, body) = crate::support::apply(&s, &world(pipelines)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(common::message(&body).contains(says), "{says}: {body}");
    }
    assert_eq!(pipeline_names(&s).await, ["deploy", "from-file"]);
}
