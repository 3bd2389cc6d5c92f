//! `keyless run`: a pipeline file run on this machine as a run of keyless.
#![allow(clippy::unwrap_used)]

use crate::harness;

use harness::{Server, assert_says, block_on, send_json, serve, text};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

fn write(dir: &Path, yaml: &str) -> String {
    let f = dir.join("azure-pipelines.yml");
    std::fs::write(&f, yaml).unwrap();
    f.display().to_string()
}

/// `keyless run` of the pipeline file in `dir`, in `dir`, not yet started.
fn run_command(s: &Server, dir: &Path, extra: &[&str]) -> std::process::Command {
    let file = dir.join("azure-pipelines.yml").display().to_string();
    let mut args = vec!["run", file.as_str(), "--org", "contoso", "--project", "web"];
    args.extend(extra);
    let mut c = s.command(&args);
    c.current_dir(dir);
    c
}

fn run(s: &Server, dir: &Path, extra: &[&str]) -> std::process::Output {
    run_command(s, dir, extra).output().unwrap()
}

/// `method path` as the administrator, with a JSON body or none: the answer's JSON.
fn admin(s: &Server, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut req = s
        .http()
        .request(method, format!("{}{path}", s.origin))
        .bearer_auth(&s.env()["KEYLESS_TOKEN"]);
    if let Some(b) = body {
        req = req.json(&b);
    }
    block_on(send_json(req))
}

fn builds(s: &Server) -> Value {
    admin(
        s,
        reqwest::Method::GET,
        "/contoso/web/_apis/build/builds",
        None,
    )
}

const PIPELINE: &str = r###"
variables:
  greeting: hello
stages:
  - stage: one
    jobs:
      - job: A
        steps:
          - script: |
              echo "$GREETING $(greeting) token=[$SYSTEM_ACCESSTOKEN]"
              echo "##vso[task.setvariable variable=color;isOutput=true]blue"
              echo "##vso[task.setvariable variable=pw;issecret=true]s3cr3t-value"
            name: setter
          - bash: echo "mapped=$TOKEN pw=$(pw)"; exit 4
            displayName: tolerated failure
            continueOnError: true
            env:
              TOKEN: $(System.AccessToken)
          - task: PublishBuildArtifacts@1
          - task: VendorThing@1
      - job: B
        dependsOn: A
        variables:
          fromA: $[ dependencies.A.outputs['setter.color'] ]
        steps:
          - script: echo "color=$(fromA)"
      - job: C
        dependsOn: A
        condition: failed()
        steps:
          - script: echo never-runs
  - stage: two
    jobs:
      - job: D
        steps:
          - script: echo "second stage, $MY_VAR"
"###;

#[test]
fn a_pipeline_runs_its_jobs_in_order_with_variables_outputs_and_masking() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), PIPELINE);
    let out = run(&s, dir.path(), &["--var", "my.var=from-cli"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("hello hello token=[]"),
        "the job token reaches a script only when mapped:\n{t}"
    );
    assert!(t.contains("mapped=*** pw=***"), "{t}");
    assert!(
        !t.contains("s3cr3t-value") && !t.contains("kls_job_"),
        "{t}"
    );
    assert!(t.contains("color=blue"), "{t}");
    assert!(!t.contains("never-runs"), "{t}");
    assert!(t.contains("second stage, from-cli"), "{t}");
    assert!(
        t.contains("PublishBuildArtifacts@1 runs only on an Azure Pipelines agent"),
        "{t}"
    );
    assert!(t.contains("VendorThing@1 is not a built-in task"), "{t}");
    assert!(t.contains("Run partiallySucceeded"), "{t}");
    // Progress, not on a terminal: a plain line when the jobs start and one when they end
    // (the skipped job C counts), on standard error, without escape codes.
    let progress = String::from_utf8(out.stderr.clone()).unwrap();
    assert!(
        progress.contains("running azure-pipelines: jobs (4)…\n"),
        "{progress}"
    );
    assert!(
        progress.contains("running azure-pipelines: jobs 4/4: done in "),
        "{progress}"
    );
    assert!(
        !progress.contains('\x1b') && !progress.contains('\r'),
        "{progress}"
    );
    let b = builds(&s);
    assert_eq!(b["count"], 1);
    assert_eq!(b["value"][0]["result"], "partiallySucceeded");
    assert_eq!(b["value"][0]["definition"]["name"], "azure-pipelines");

    // A second run updates the pipeline from the file and numbers the run .2.
    std::fs::write(
        dir.path().join("azure-pipelines.yml"),
        "steps:\n  - script: exit 1\n",
    )
    .unwrap();
    let out = run(&s, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_says(&out, ".2 of pipeline azure-pipelines");
    assert!(text(&out).contains("Run failed"), "{}", text(&out));
}

#[test]
fn a_pipeline_that_does_not_compile_or_names_an_unknown_connection_runs_no_step() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "steps:\n  - script: echo ran\n    bogus: [\n");
    let out = run(&s, dir.path(), &[]);
    assert!(!out.status.success());
    assert!(text(&out).contains("error[KL"), "{}", text(&out));
    assert!(!text(&out).contains("Run "), "{}", text(&out));
    write(
        dir.path(),
        "steps:\n  - script: echo ran\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: not-authorized\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: az group list\n",
    );
    let out = run(&s, dir.path(), &[]);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(
        t.contains("references service connection not-authorized which could not be found"),
        "{t}"
    );
    assert!(t.contains("no step ran"), "{t}");
    assert_eq!(builds(&s)["count"], 0);
}

/// The pipeline permissions of `connection`: read, or changed with `body` first.
fn connection_permissions(s: &Server, connection: &str, body: Option<Value>) -> Value {
    let path = format!("/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{connection}");
    let method = match body {
        Some(_) => reqwest::Method::PATCH,
        None => reqwest::Method::GET,
    };
    admin(s, method, &path, body)
}

#[test]
fn a_pipeline_using_a_connection_closed_to_it_runs_no_step_and_opens_nothing() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    // The pipeline exists (it names no connection yet), and the connection is closed to it.
    write(dir.path(), "steps:\n  - script: echo first\n");
    assert!(run(&s, dir.path(), &[]).status.success());
    let pipeline = builds(&s)["value"][0]["definition"]["id"].as_i64().unwrap();
    let connection = s.env()["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"].clone();
    let close = json!({"allPipelines": {"authorized": false}, "pipelines": [{"id": pipeline, "authorized": false}]});
    connection_permissions(&s, &connection, Some(close));
    let before = connection_permissions(&s, &connection, None);
    assert_eq!(before["allPipelines"]["authorized"], false, "{before}");

    write(
        dir.path(),
        "steps:\n  - script: echo STEP-RAN\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: demo-connection\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: az group list\n",
    );
    let out = run(&s, dir.path(), &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    let want = format!(
        "This pipeline needs permission to access a resource before this run can continue. The service connection 'demo-connection' ({connection}) is not authorized for the pipeline 'azure-pipelines'. An administrator of the connection can permit it: Project settings, Service connections, demo-connection, Security, Pipeline permissions; or PATCH contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{connection} with pipelines id {pipeline} authorized true; or keyless sc permissions demo-connection --authorize {pipeline}."
    );
    assert!(t.contains(&want), "{t}");
    assert!(t.contains("no step ran"), "{t}");
    assert!(!t.contains("STEP-RAN"), "{t}");
    // No run was queued, and the connection is as closed as it was.
    assert_eq!(builds(&s)["count"], 1);
    assert_eq!(connection_permissions(&s, &connection, None), before);
}

/// A stand-in `az` in `dir` running the shell `body` (with `$LOG`, the log file it may
/// write): its path and the log's.
#[cfg(unix)]
fn fake_az(dir: &Path, body: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let log = dir.join("az.log");
    let az = dir.join("az");
    let script = format!("#!/bin/sh\nLOG='{}'\n{body}", log.display());
    std::fs::write(&az, script).unwrap();
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    (az, log)
}

/// `keyless run` in `dir` with `az` as the Azure CLI and `env` set: its output and text.
#[cfg(unix)]
fn run_with_az(
    s: &Server,
    dir: &Path,
    az: &Path,
    env: &[(&str, &str)],
) -> (std::process::Output, String) {
    let out = run_command(s, dir, &[])
        .env("KEYLESS_AZ", az)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let t = text(&out);
    (out, t)
}

/// An Azure DevOps connection (workload identity federation) of web for the demo app,
/// which first becomes a user of the organization (a reader of web).
fn create_azure_devops_connection(s: &Server, name: &str) {
    let env = s.env();
    let client = &env["AZURE_CLIENT_ID"];
    admin(
        s,
        reqwest::Method::PUT,
        &format!("/keyless/v1/organizations/contoso/identities/{client}"),
        Some(json!({"projects": {"web": "Readers"}})),
    );
    let body = json!({
        "name": name,
        "type": "AzureDevOps",
        "authorization": {"scheme": "WorkloadIdentityFederation", "parameters": {
            "tenantid": env["AZURE_TENANT_ID"], "serviceprincipalid": client}},
        "data": {},
    });
    let path = "/contoso/web/_apis/serviceendpoint/endpoints?api-version=7.1";
    let created = admin(s, reqwest::Method::POST, path, Some(body));
    assert_eq!(created["type"], "azuredevops", "{created}");
}

/// `AzureCLI@3` with `connectionType: azureDevOps` signs in with its Azure DevOps
/// connection (the `azureSubscription` input ignored) and selects no subscription; an
/// `AzureCLI@2` step selects its connection's subscription. `az` is a stand-in that logs
/// its arguments.
#[cfg(unix)]
#[test]
fn azure_cli_with_connection_type_azure_devops_signs_in_without_a_subscription() {
    let s = serve();
    let env = s.env();
    create_azure_devops_connection(&s, "ado-connection");
    let dir = tempfile::tempdir().unwrap();
    let (az, log) = fake_az(dir.path(), "echo \"$*\" >> \"$LOG\"\n");
    write(
        dir.path(),
        "steps:\n  - task: AzureCLI@3\n    inputs:\n      connectionType: azureDevOps\n      azureDevOpsServiceConnection: ado-connection\n      azureSubscription: demo-connection\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: az rest --resource 499b84ac-1321-427f-aa17-267ca6975798 && echo \"ADO-STEP config=$AZURE_CONFIG_DIR\"\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: demo-connection\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: echo ARM-STEP\n",
    );
    let (out, t) = run_with_az(&s, dir.path(), &az, &[]);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("ADO-STEP config=") && t.contains("ARM-STEP"),
        "{t}"
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    let logins: Vec<usize> = (0..calls.len())
        .filter(|&i| calls[i].starts_with("login "))
        .collect();
    assert_eq!(logins.len(), 2, "{calls:#?}");
    let want = format!(
        "login --service-principal -u {} --tenant {} --allow-no-subscriptions --federated-token ey",
        env["AZURE_CLIENT_ID"], env["AZURE_TENANT_ID"]
    );
    assert!(calls[logins[0]].starts_with(&want), "{calls:#?}");
    // The script's own `az` is the same one, after the sign-in; no subscription selected.
    assert_eq!(
        calls[logins[0] + 1],
        "rest --resource 499b84ac-1321-427f-aa17-267ca6975798",
        "{calls:#?}"
    );
    assert!(
        !calls[..logins[1]]
            .iter()
            .any(|c| c.starts_with("account set")),
        "{calls:#?}"
    );
    assert_eq!(
        calls[logins[1] + 1],
        format!(
            "account set --subscription {}",
            env["AZURE_SUBSCRIPTION_ID"]
        ),
        "{calls:#?}"
    );
    assert_eq!(calls.iter().filter(|c| **c == "logout").count(), 2);
}

/// A `ManagedServiceIdentity` connection of web, a self-hosted pool with an agent on a VM
/// and one on no VM.
fn managed_identity_setup(s: &Server) {
    let env = s.env();
    let body = json!({
        "data": {"subscriptionId": env["AZURE_SUBSCRIPTION_ID"], "subscriptionName": "demo-subscription", "environment": "AzureCloud", "scopeLevel": "Subscription", "creationMode": "Manual"},
        "name": "vm-identity",
        "type": "AzureRM",
        "url": "https://management.azure.com/",
        "authorization": {"scheme": "ManagedServiceIdentity", "parameters": {"tenantid": env["AZURE_TENANT_ID"]}},
        "isShared": false,
        "isReady": true,
        "serviceEndpointProjectReferences": [{"projectReference": {"name": "web"}, "name": "vm-identity"}],
    });
    let path = "/contoso/web/_apis/serviceendpoint/endpoints?api-version=7.1";
    let created = admin(s, reqwest::Method::POST, path, Some(body));
    assert_eq!(
        created["authorization"]["scheme"], "ManagedServiceIdentity",
        "{created}"
    );
    let pools = "/keyless/v1/organizations/contoso/pools";
    admin(
        s,
        reqwest::Method::POST,
        pools,
        Some(json!({"name": "builders"})),
    );
    let vm = format!(
        "/subscriptions/{}/resourceGroups/demo-rg/providers/Microsoft.Compute/virtualMachines/build-vm",
        env["AZURE_SUBSCRIPTION_ID"]
    );
    for body in [
        json!({"name": "vm-agent", "vm": vm}),
        json!({"name": "bare-agent"}),
    ] {
        admin(
            s,
            reqwest::Method::POST,
            &format!("{pools}/builders/agents"),
            Some(body),
        );
    }
}

const MANAGED_IDENTITY_STEP: &str = "    steps:\n      - task: AzureCLI@2\n        inputs:\n          azureSubscription: vm-identity\n          addSpnToEnvironment: true\n          scriptType: bash\n          scriptLocation: inlineScript\n          inlineScript: echo \"MI-STEP endpoint=$IDENTITY_ENDPOINT spn=${servicePrincipalId:-none}\"\n";

/// An `AzureCLI@2` step of a managed identity connection on an agent whose VM may carry
/// the identity signs the CLI in with `az login --identity` (the step's `az` finds the
/// VM's token endpoint in `IDENTITY_ENDPOINT`), selects the subscription, runs the script
/// and signs out; on the hosted pool or an agent on no VM it fails with the task's text
/// before any `az`, and when the CLI cannot get the identity's token the CLI's error comes
/// first. `az` is a stand-in that logs its arguments (and fails `login` when told to).
#[cfg(unix)]
#[test]
fn azure_cli_with_a_managed_identity_connection_signs_in_with_the_vm_identity() {
    let s = serve();
    let env = s.env();
    managed_identity_setup(&s);
    let dir = tempfile::tempdir().unwrap();
    let (az, log) = fake_az(
        dir.path(),
        "echo \"$* endpoint=$IDENTITY_ENDPOINT header=${IDENTITY_HEADER:+set}\" >> \"$LOG\"\nif [ \"$1\" = login ] && [ -n \"$FAKE_AZ_LOGIN_FAILS\" ]; then echo 'ERROR: Identity not found' >&2; exit 1; fi\n",
    );
    let unavailable = keyless_model::catalogue::entry("ManagedIdentityUnavailable").template;
    let endpoint = format!("{}/_agents/identity", s.origin);

    write(
        dir.path(),
        &format!(
            "jobs:\n  - job: onvm\n    pool:\n      name: builders\n      demands: Agent.Name -equals vm-agent\n{MANAGED_IDENTITY_STEP}"
        ),
    );
    let (out, t) = run_with_az(&s, dir.path(), &az, &[]);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains(&format!("MI-STEP endpoint={endpoint} spn=none")),
        "{t}"
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    let login = calls
        .iter()
        .position(|c| c.starts_with("login "))
        .unwrap_or_else(|| panic!("{calls:#?}"));
    assert_eq!(
        calls[login],
        format!("login --identity endpoint={endpoint} header=set"),
        "{calls:#?}"
    );
    assert_eq!(
        calls[login + 1],
        format!(
            "account set --subscription {} endpoint={endpoint} header=set",
            env["AZURE_SUBSCRIPTION_ID"]
        ),
        "{calls:#?}"
    );
    assert!(calls.last().unwrap().starts_with("logout "), "{calls:#?}");

    // The CLI finds no identity: its words, then the task's.
    std::fs::remove_file(&log).unwrap();
    let (out, t) = run_with_az(&s, dir.path(), &az, &[("FAKE_AZ_LOGIN_FAILS", "1")]);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("Identity not found"), "{t}");
    assert!(t.contains(&format!("##[error]{unavailable}")), "{t}");
    assert!(!t.contains("MI-STEP"), "{t}");

    // No identity endpoint at all: the hosted pool, an agent on no VM.
    for pool in [
        "    pool:\n      vmImage: ubuntu-latest\n",
        "    pool:\n      name: builders\n      demands: Agent.Name -equals bare-agent\n",
    ] {
        std::fs::remove_file(&log).ok();
        write(
            dir.path(),
            &format!("jobs:\n  - job: nomi\n{pool}{MANAGED_IDENTITY_STEP}"),
        );
        let (out, t) = run_with_az(&s, dir.path(), &az, &[]);
        assert_eq!(out.status.code(), Some(1), "{pool}: {t}");
        assert!(
            t.contains(&format!("##[error]{unavailable}")),
            "{pool}: {t}"
        );
        assert!(!t.contains("MI-STEP"), "{pool}: {t}");
        assert!(!log.exists(), "{pool}: az ran");
    }
}

#[test]
fn a_missing_powershell_or_azure_cli_is_a_clear_step_failure() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "steps:\n  - pwsh: Write-Host hi\n  - task: AzureCLI@2\n    condition: always()\n    inputs:\n      azureSubscription: demo-connection\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: az group list\n",
    );
    let out = run_command(&s, dir.path(), &[])
        .env("PATH", "/usr/bin:/bin")
        .env_remove("KEYLESS_AZ")
        .output()
        .unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    if harness_has("/usr/bin/pwsh") {
        return;
    }
    assert!(t.contains("PowerShell (pwsh) is not installed"), "{t}");
    assert!(t.contains("the Azure CLI (az) is not installed"), "{t}");
}

fn harness_has(p: &str) -> bool {
    Path::new(p).exists() || Path::new("/usr/bin/az").exists()
}

#[test]
fn ctrl_c_stops_the_step_and_cancels_the_run() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    let child = run_until_started(
        &s,
        dir.path(),
        "steps:\n  - script: touch {marker} && sleep 30\n  - script: echo after\n",
    );
    let started = Instant::now();
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!text(&out).contains("\nafter"), "{}", text(&out));
    let b = builds(&s);
    assert_eq!(b["value"][0]["status"], "completed");
    assert_eq!(b["value"][0]["result"], "canceled");
}

#[test]
fn a_run_canceled_in_keyless_starts_no_more_jobs() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    let child = run_until_started(
        &s,
        dir.path(),
        "jobs:\n  - job: A\n    steps:\n      - script: touch {marker} && sleep 2\n  - job: B\n    steps:\n      - script: echo B-RAN\n",
    );
    let id = builds(&s)["value"][0]["id"].as_i64().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        s.http()
            .patch(format!("{}/contoso/web/_apis/build/builds/{id}", s.origin))
            .bearer_auth(&s.env()["KEYLESS_TOKEN"])
            .json(&json!({"status": "cancelling"}))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    assert!(!text(&out).contains("B-RAN"), "{}", text(&out));
    assert_eq!(builds(&s)["value"][0]["result"], "canceled");
}

/// Starts `keyless run` on `pipeline` (written in `dir`; `{marker}` becomes a file its first
/// step creates) and returns once that step has started.
fn run_until_started(s: &Server, dir: &Path, pipeline: &str) -> std::process::Child {
    let marker = dir.join("started");
    write(
        dir,
        &pipeline.replace("{marker}", &marker.display().to_string()),
    );
    let file = dir.join("azure-pipelines.yml").display().to_string();
    let child = s
        .command(&["run", &file, "--org", "contoso", "--project", "web"])
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    while !marker.exists() {
        assert!(Instant::now() < until, "the step did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}
