//! `keyless lint` as a user runs it: exit codes, the three formats (compared with the
//! golden reports of the fixture corpus in keyless-pipelines), a folder with a bad file, and
//! the live rules against `keyless serve --demo`.
#![allow(clippy::unwrap_used)]

use crate::harness::{assert_says, bin, serve, text};
use std::path::{Path, PathBuf};
use std::process::Output;

fn pipelines_tests() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../keyless-pipelines/tests")
}

fn lint_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .arg("lint")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const CLEAN: &str = "steps:\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: prod-arm\n      scriptType: bash\n";
const OLD_TASK: &str =
    "steps:\n  - task: AzureFileCopy@4\n    inputs:\n      azureSubscription: prod-arm\n";
const PENDING: &str = "steps:\n  - task: Docker@2\n    inputs:\n      containerRegistry: acr\n";

#[test]
fn lint_exit_codes_follow_fail_on() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "clean.yml", CLEAN);
    write(d.path(), "old.yml", OLD_TASK);
    write(d.path(), "pending.yml", PENDING);

    let out = lint_in(d.path(), &["clean.yml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "0 errors, 0 warnings in 1 file\n"
    );

    let out = lint_in(d.path(), &["old.yml"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "old.yml:4:26: error[KL102]: AzureFileCopy@4 does not support workload identity federation, AzureFileCopy@6 does; its input azureSubscription names connection 'prod-arm'\n  fix: Use AzureFileCopy@6\n\n1 error, 0 warnings in 1 file\n"
    );

    assert_eq!(lint_in(d.path(), &["pending.yml"]).status.code(), Some(0));
    assert_eq!(
        lint_in(d.path(), &["pending.yml", "--fail-on", "warning"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        lint_in(d.path(), &["clean.yml", "--fail-on", "note"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn lint_unreadable_input_and_misuse_exit_2() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.yml", OLD_TASK);
    let out = lint_in(d.path(), &["old.yml", "missing.yml"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        t.contains("missing.yml:1:1: error[KL001]: The pipeline 'missing.yml' cannot be read: no such file."),
        "{t}"
    );
    assert!(t.contains("old.yml:4:26: error[KL102]"), "{t}");

    std::fs::write(d.path().join("binary.yml"), [0xff, 0xfe, 0x00]).unwrap();
    let out = lint_in(d.path(), &["binary.yml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("it is not UTF-8"), "{}", text(&out));

    for args in [
        &["old.yml", "--param", "novalue"][..],
        &["old.yml", "--repo", "=path"],
        &["old.yml", "--server", "https://127.0.0.1:1"],
        &["old.yml", "--format", "xml"],
        &["old.yml", "--org", "contoso"],
        &[],
    ] {
        let out = lint_in(d.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    }
}

#[test]
fn lint_a_folder_goes_on_past_a_bad_file_and_skips_hidden_folders() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "pipelines/a/old.yml", OLD_TASK);
    write(
        d.path(),
        "pipelines/b/bad.yaml",
        "steps:\n  - script: [unclosed\n",
    );
    write(d.path(), "pipelines/c/clean.YML", CLEAN);
    write(d.path(), "pipelines/notes.txt", "not yaml");
    write(d.path(), "pipelines/.hidden/old.yml", OLD_TASK);
    let out = lint_in(d.path(), &["pipelines", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["files"], 3);
    let got: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("pipelines/a/old.yml".to_string(), "KL102".to_string()),
            ("pipelines/b/bad.yaml".to_string(), "KL002".to_string()),
        ]
    );
}

/// The binary gives the golden reports of the fixture corpus, byte for byte.
#[test]
fn lint_formats_match_the_golden_reports() {
    let fixtures = pipelines_tests().join("fixtures/lint");
    for (format, golden) in [
        ("human", "lint.txt"),
        ("json", "lint.json"),
        ("sarif", "lint.sarif"),
    ] {
        let out = lint_in(&fixtures, &[".", "--format", format, "--color", "never"]);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", text(&out));
        let expected =
            std::fs::read_to_string(pipelines_tests().join("golden").join(golden)).unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "{format}");
    }
}

#[test]
fn lint_colours_only_when_asked() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.yml", OLD_TASK);
    let out = lint_in(d.path(), &["old.yml", "--color", "always"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b[1;31merror[KL102]\x1b[0m"));
    // Not a terminal: no colour by default.
    let out = lint_in(d.path(), &["old.yml"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
}

#[test]
fn lint_live_rules_against_the_demo_server() {
    let s = serve();
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "deploy.yml",
        "steps:\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: demo-connection\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: missing-connection\n",
    );
    let file = d.path().join("deploy.yml");
    let file = file.to_str().unwrap();

    // `keyless lint` of the file checked against the pipeline `pipeline` of contoso/web.
    let live_lint = |pipeline: &str, extra: &[&str]| {
        let mut args = vec![
            "lint",
            file,
            "--org",
            "contoso",
            "--project",
            "web",
            "--pipeline",
            pipeline,
        ];
        args.extend(extra);
        s.client(&args)
    };
    let out = live_lint("deploy", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        t.contains(":7:26: error[KL301]: service connection 'missing-connection' (input azureSubscription of AzureCLI@2 (step 'AzureCLI@2', job Job, stage __default)) does not exist in project web of contoso"),
        "{t}"
    );
    assert!(t.contains("  fix: Correct the name or create the connection; keyless doctor --all contoso lists the connections"), "{t}");
    assert!(t.ends_with("1 error, 0 warnings in 1 file\n"), "{t}");

    // A pipeline that is not authorized for the demo connection.
    write(d.path(), "other.yml", "steps:\n  - script: echo other\n");
    let other = d.path().join("other.yml");
    let out = s.create_pipeline("other", &other);
    assert!(out.status.success(), "{}", text(&out));
    let out = live_lint("other", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v = json_codes(&out, &["KL305", "KL301"]);
    assert_eq!(
        v["diagnostics"][0]["fix"],
        "Authorize the pipeline on the connection; keyless doctor contoso web demo-connection"
    );

    // Offline, the same file is clean.
    let out = bin().args(["lint", file]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let out = live_lint("nope", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_says(&out, "project web has no pipeline 'nope'");
}

/// `--param` gives the pipeline's parameters; `--repo` a local copy for `file@alias`.
#[test]
fn lint_params_and_repository_copies() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "main/azure-pipelines.yml",
        "parameters:\n  - name: environment\n    type: string\nresources:\n  repositories:\n    - repository: shared\n      type: git\n      name: platform/shared\nsteps:\n  - template: steps/copy.yml@shared\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: ${{ parameters.environment }}-arm\n",
    );
    write(d.path(), "shared/steps/copy.yml", OLD_TASK);
    let file = "main/azure-pipelines.yml";

    let out = lint_in(d.path(), &[file, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    json_codes(&out, &["KL011", "KL012"]);

    let out = lint_in(d.path(), &[file, "--param", "environment=prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let out = lint_in(
        d.path(),
        &[
            file,
            "--param",
            "environment=prod",
            "--repo",
            "shared=shared",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with("steps/copy.yml@shared:4:26: error[KL102]: AzureFileCopy@4"),
        "{}",
        text(&out)
    );
}

/// The JSON report of `out`, after checking the codes of its findings, in order.
fn json_codes(out: &std::process::Output, want: &[&str]) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, want, "{v}");
    v
}
