//! `keyless-lint-corpus DIR [--files N]`: writes N pipeline files of about 100 lines each
//! under DIR (100 per folder), for timing `keyless lint DIR`. The files are the same on every
//! run: each is built from its index by a fixed linear congruential generator, mixing
//! stages, jobs, variables, resources, script steps and tasks of the catalogue (supported,
//! older versions, per-input, Marketplace), so the rules have work to do.
#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::path::PathBuf;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Task steps: the reference and its inputs (a connection input among them).
const TASKS: &[(&str, &[(&str, &str)])] = &[
    (
        "AzureCLI@2",
        &[
            ("azureSubscription", "prod-arm"),
            ("scriptType", "bash"),
            ("scriptLocation", "inlineScript"),
            ("inlineScript", "az group list"),
        ],
    ),
    (
        "AzureWebApp@1",
        &[
            ("azureSubscription", "$(armConnection)"),
            ("appName", "contoso-web"),
            ("package", "$(Pipeline.Workspace)/drop/*.zip"),
        ],
    ),
    (
        "AzureFileCopy@4",
        &[
            ("SourcePath", "site"),
            ("azureSubscription", "prod-arm"),
            ("Destination", "AzureBlob"),
            ("storage", "contosostatic"),
        ],
    ),
    (
        "Docker@1",
        &[
            ("containerregistrytype", "Container Registry"),
            ("dockerRegistryEndpoint", "docker-hub"),
            ("command", "Build an image"),
        ],
    ),
    (
        "Docker@2",
        &[
            ("containerRegistry", "contoso-acr"),
            ("repository", "web"),
            ("command", "buildAndPush"),
        ],
    ),
    (
        "AzureKeyVault@2",
        &[
            ("azureSubscription", "prod-arm"),
            ("KeyVaultName", "contoso-kv"),
            ("SecretsFilter", "'*'"),
        ],
    ),
    (
        "AzureCLI@3",
        &[
            ("connectionType", "azureDevOps"),
            ("azureDevOpsServiceConnection", "my-azdo-connection"),
            ("scriptType", "pscore"),
            ("scriptLocation", "inlineScript"),
            ("inlineScript", "az devops project list"),
        ],
    ),
    (
        "Contoso.tools.Deploy@1",
        &[("azureSubscription", "prod-arm"), ("region", "westeurope")],
    ),
    (
        "PowerShell@2",
        &[("targetType", "inline"), ("script", "Write-Host done")],
    ),
    (
        "AzureCLI@2",
        &[
            ("azureSubscription", "$(fromOutput)"),
            ("scriptType", "bash"),
            ("scriptLocation", "inlineScript"),
            ("inlineScript", "az account show"),
        ],
    ),
];

fn step(out: &mut String, r: &mut Lcg, indent: &str) {
    if r.next().is_multiple_of(4) {
        let _ = writeln!(out, "{indent}- script: |");
        let _ = writeln!(out, "{indent}    echo building");
        let _ = writeln!(out, "{indent}    make all");
        let _ = writeln!(out, "{indent}  displayName: Build {}", r.next() % 1000);
        return;
    }
    let (reference, inputs) = TASKS[(r.next() % TASKS.len() as u64) as usize];
    let _ = writeln!(out, "{indent}- task: {reference}");
    let _ = writeln!(out, "{indent}  displayName: Step {}", r.next() % 1000);
    let _ = writeln!(out, "{indent}  inputs:");
    for (k, v) in inputs {
        let _ = writeln!(out, "{indent}    {k}: {v}");
    }
}

fn pipeline(index: u64) -> String {
    let mut r = Lcg(index.wrapping_mul(2654435761).wrapping_add(1));
    let mut out = String::new();
    let _ = writeln!(out, "# Generated pipeline {index}.");
    let _ = writeln!(out, "trigger:\n  branches:\n    include: [main, release/*]");
    let _ = writeln!(
        out,
        "resources:\n  containers:\n    - container: tools\n      image: {}",
        r.pick(&["contoso.azurecr.io/tools:1", "node:22"])
    );
    let _ = writeln!(out, "      azureSubscription: prod-arm");
    let _ = writeln!(
        out,
        "variables:\n  armConnection: prod-arm\n  configuration: Release"
    );
    let _ = writeln!(
        out,
        "pool:\n  vmImage: {}",
        r.pick(&["ubuntu-latest", "windows-latest"])
    );
    let _ = writeln!(out, "stages:");
    let mut lines = out.lines().count();
    let mut stage = 0;
    while lines < 88 {
        let _ = writeln!(out, "  - stage: Stage{stage}\n    jobs:");
        for job in 0..2 {
            let _ = writeln!(out, "      - job: Job{job}\n        steps:");
            for _ in 0..3 {
                step(&mut out, &mut r, "          ");
            }
        }
        stage += 1;
        lines = out.lines().count();
    }
    out
}

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let mut dir: Option<PathBuf> = None;
    let mut files: u64 = 10_000;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--files" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => files = n,
                None => {
                    eprintln!("error: --files wants a number");
                    return std::process::ExitCode::from(2);
                }
            },
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            _ => {
                eprintln!("usage: keyless-lint-corpus DIR [--files N]");
                return std::process::ExitCode::from(2);
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: keyless-lint-corpus DIR [--files N]");
        return std::process::ExitCode::from(2);
    };
    let mut total_lines = 0;
    for i in 0..files {
        let folder = dir.join(format!("team{:03}", i / 100));
        let text = pipeline(i);
        total_lines += text.lines().count();
        let written = std::fs::create_dir_all(&folder)
            .and_then(|_| std::fs::write(folder.join(format!("pipeline{i:05}.yml")), text));
        if let Err(e) = written {
            eprintln!("error: cannot write under {}: {e}", folder.display());
            return std::process::ExitCode::FAILURE;
        }
    }
    println!("{files} files, {total_lines} lines under {}", dir.display());
    std::process::ExitCode::SUCCESS
}
