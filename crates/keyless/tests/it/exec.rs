//! `keyless exec`: a command as a step of a job that may use a connection.
#![allow(clippy::unwrap_used)]

use crate::harness;

use harness::{Server, assert_fails_with, block_on, request_id_token, serve, serve_with, text};
use std::time::{Duration, Instant};

const EXEC: [&str; 7] = [
    "exec",
    "--org",
    "contoso",
    "--project",
    "web",
    "--connection",
    "demo-connection",
];

fn exec(s: &Server, script: &str) -> std::process::Output {
    let mut args = EXEC.to_vec();
    args.extend(["--", "sh", "-c", script]);
    s.client(&args)
}

fn lines(o: &std::process::Output) -> std::collections::HashMap<String, String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_command_gets_every_variable_and_its_exit_code_is_keyless_exit_code() {
    let s = serve();
    let demo = s.env();
    let out = exec(
        &s,
        "env; echo TOKEN_FILE_HEAD=$(cut -c1-3 \"$AZURE_FEDERATED_TOKEN_FILE\"); exit 7",
    );
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    let env = lines(&out);
    for (k, want) in [
        (
            "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
            demo["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"].as_str(),
        ),
        (
            "AZURESUBSCRIPTION_CLIENT_ID",
            demo["AZURE_CLIENT_ID"].as_str(),
        ),
        (
            "AZURESUBSCRIPTION_TENANT_ID",
            demo["AZURE_TENANT_ID"].as_str(),
        ),
        ("AZURE_CLIENT_ID", demo["AZURE_CLIENT_ID"].as_str()),
        ("AZURE_TENANT_ID", demo["AZURE_TENANT_ID"].as_str()),
        (
            "AZURE_SUBSCRIPTION_ID",
            demo["AZURE_SUBSCRIPTION_ID"].as_str(),
        ),
        ("AZURE_AUTHORITY_HOST", s.origin.as_str()),
        ("ARM_CLIENT_ID", demo["AZURE_CLIENT_ID"].as_str()),
        ("ARM_TENANT_ID", demo["AZURE_TENANT_ID"].as_str()),
        (
            "ARM_SUBSCRIPTION_ID",
            demo["AZURE_SUBSCRIPTION_ID"].as_str(),
        ),
        (
            "ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID",
            demo["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"].as_str(),
        ),
        ("ARM_USE_OIDC", "true"),
        (
            "ARM_METADATA_HOSTNAME",
            s.origin.trim_start_matches("https://"),
        ),
        ("SYSTEM_TEAMPROJECT", "web"),
        ("BUILD_DEFINITIONNAME", "keyless-exec-demo-connection"),
        ("TF_BUILD", "True"),
        ("TOKEN_FILE_HEAD", "eyJ"),
    ] {
        assert_eq!(env.get(k).map(String::as_str), Some(want), "{k}");
    }
    assert_eq!(env["ARM_OIDC_REQUEST_URL"], env["SYSTEM_OIDCREQUESTURI"]);
    assert_eq!(env["ARM_OIDC_REQUEST_TOKEN"], env["SYSTEM_ACCESSTOKEN"]);
    assert!(env["SYSTEM_ACCESSTOKEN"].starts_with("kls_job_"));
    // The CA bundle holds keyless' CA.
    let ca = std::fs::read_to_string(s.dir.path().join("tls/ca.pem")).unwrap();
    assert!(env.contains_key("REQUESTS_CA_BUNDLE"));
    assert!(env["NODE_EXTRA_CA_CERTS"].ends_with("ca.pem"));
    assert!(!ca.is_empty());
}

#[test]
fn the_job_token_stops_working_when_the_command_ends() {
    let s = serve();
    let out = exec(
        &s,
        "echo URI=$SYSTEM_OIDCREQUESTURI; echo TOKEN=$SYSTEM_ACCESSTOKEN; echo ID=$AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
    );
    assert!(out.status.success(), "{}", text(&out));
    let env = lines(&out);
    let (status, body) = block_on(async {
        let r = request_id_token(&s.http(), &env["URI"], &env["TOKEN"], &env["ID"]).await;
        (r.status(), r.text().await.unwrap())
    });
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("its job has finished"), "{body}");
}

#[test]
fn a_pipeline_that_does_not_name_the_connection_is_refused_before_the_command_runs() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("azure-pipelines.yml");
    std::fs::write(&file, "steps:\n  - script: echo hi\n").unwrap();
    let out = s.client(&[
        "pipeline",
        "create",
        "contoso",
        "web",
        "scripts",
        "-f",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let mut args = EXEC.to_vec();
    args.extend(["--pipeline", "scripts", "--", "sh", "-c", "echo RAN"]);
    let out = s.client(&args);
    assert_fails_with(&out, "is not referenced by the pipeline 'scripts'");
    assert!(!text(&out).contains("RAN"));
}

#[test]
fn a_missing_azure_cli_is_named_with_what_to_install() {
    let s = serve();
    let mut args = EXEC.to_vec();
    args.extend(["--az", "--", "true"]);
    let out = s
        .command(&args)
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_fails_with(&out, "the Azure CLI (az) is not installed");
}

#[test]
fn signals_reach_the_command() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("started");
    let script = format!(
        "trap 'exit 42' TERM; touch {}; while :; do sleep 0.05; done",
        marker.display()
    );
    let mut args = EXEC.to_vec();
    args.extend(["--", "sh", "-c", &script]);
    let mut child = s.command(&args).spawn().unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while !marker.exists() {
        assert!(Instant::now() < until, "the command did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert_eq!(child.wait().unwrap().code(), Some(42));
}

#[test]
fn the_federated_token_file_is_rewritten_before_the_id_token_expires() {
    let s = serve_with(&["--id-token-lifetime", "2s"]);
    let out = exec(
        &s,
        "a=$(cat \"$AZURE_FEDERATED_TOKEN_FILE\"); sleep 2.5; b=$(cat \"$AZURE_FEDERATED_TOKEN_FILE\"); [ \"$a\" != \"$b\" ] && [ -n \"$b\" ]",
    );
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_secret_connection_gives_the_command_its_secret_and_no_token_file() {
    let s = serve();
    let sub = s.env()["AZURE_SUBSCRIPTION_ID"].clone();
    let out = s.client(&[
        "sc",
        "create",
        "contoso",
        "web",
        "secret-conn",
        "--automatic",
        "--scheme",
        "ServicePrincipal",
        "--subscription-id",
        &sub,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let mut args = EXEC.to_vec();
    args[6] = "secret-conn";
    args.extend([
        "--",
        "sh",
        "-c",
        "echo SECRET_LEN=${#AZURE_CLIENT_SECRET}; echo ARM_SECRET_SAME=$([ \"$AZURE_CLIENT_SECRET\" = \"$ARM_CLIENT_SECRET\" ] && echo yes); echo FILE=${AZURE_FEDERATED_TOKEN_FILE:-none}; echo OIDC=${ARM_USE_OIDC:-none}",
    ]);
    let out = s.client(&args);
    assert!(out.status.success(), "{}", text(&out));
    let env = lines(&out);
    assert!(
        env["SECRET_LEN"].parse::<usize>().unwrap() > 20,
        "{}",
        text(&out)
    );
    assert_eq!(env["ARM_SECRET_SAME"], "yes");
    assert_eq!(env["FILE"], "none");
    assert_eq!(env["OIDC"], "none");
}
