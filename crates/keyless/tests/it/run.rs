//! `keyless run`: a pipeline file run on this machine as a run of keyless.
#![allow(clippy::unwrap_used)]

use crate::harness;

use harness::{Server, block_on, send_json, serve, text};
use std::path::Path;
use std::time::{Duration, Instant};

fn write(dir: &Path, yaml: &str) -> String {
    let f = dir.join("azure-pipelines.yml");
    std::fs::write(&f, yaml).unwrap();
    f.display().to_string()
}

fn run(s: &Server, dir: &Path, extra: &[&str]) -> std::process::Output {
    let file = dir.join("azure-pipelines.yml").display().to_string();
    let mut args = vec!["run", file.as_str(), "--org", "contoso", "--project", "web"];
    args.extend(extra);
    s.command(&args).current_dir(dir).output().unwrap()
}

fn builds(s: &Server) -> serde_json::Value {
    block_on(send_json(
        s.http()
            .get(format!("{}/contoso/web/_apis/build/builds", s.origin))
            .bearer_auth(&s.env()["KEYLESS_TOKEN"]),
    ))
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
    assert!(
        text(&out).contains(".2 of pipeline azure-pipelines"),
        "{}",
        text(&out)
    );
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

#[test]
fn a_missing_powershell_or_azure_cli_is_a_clear_step_failure() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "steps:\n  - pwsh: Write-Host hi\n  - task: AzureCLI@2\n    condition: always()\n    inputs:\n      azureSubscription: demo-connection\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: az group list\n",
    );
    let file = dir.path().join("azure-pipelines.yml").display().to_string();
    let out = s
        .command(&["run", &file, "--org", "contoso", "--project", "web"])
        .env("PATH", "/usr/bin:/bin")
        .env_remove("KEYLESS_AZ")
        .current_dir(dir.path())
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
            .json(&serde_json::json!({"status": "cancelling"}))
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
