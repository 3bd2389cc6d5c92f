//! The binary as a user runs it: `serve --demo`, `apply`, `explain`, `audit`, `demo env`.
#![allow(clippy::unwrap_used)]

use crate::harness;

use harness::{
    assert_fails_with, assert_says, bin, block_on, request_id_token, serve, serve_with, text,
};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

#[test]
fn demo_env_has_every_variable_a_client_needs() {
    // The full list of keys is checked by the Python suite, which parses the file as a shell.
    let s = serve();
    let env = s.env();
    assert_eq!(env["AZURE_CORE_INSTANCE_DISCOVERY"], "false");
    assert!(!env["SYSTEM_OIDCREQUESTURI"].contains('?'));
    let out = bin()
        .args(["demo", "env", "--data"])
        .arg(s.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    // `demo env` exports exactly the keys of demo.env, each once.
    let exported: Vec<String> = text(&out)
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string()))
        .collect();
    let mut keys: Vec<String> = env.keys().cloned().collect();
    let mut sorted = exported.clone();
    keys.sort();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), exported.len(), "a key exported twice");
    assert_eq!(sorted, keys);
    assert!(keys.len() >= 16, "demo.env has {} keys", keys.len());
}

#[test]
fn restart_keeps_the_world_and_the_tokens() {
    let s = serve();
    let before = s.env();
    let dir = s.dir.path().to_path_buf();
    let mut s = s;
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    let mut again = bin()
        .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--data"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(again.stdout.take().unwrap()).lines();
    for l in lines {
        if l.unwrap().starts_with("demo world ready") {
            break;
        }
    }
    let after: std::collections::HashMap<String, String> =
        std::fs::read_to_string(dir.join("demo.env"))
            .unwrap()
            .lines()
            .filter_map(|l| {
                l.strip_prefix("export ")?
                    .split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect();
    let _ = again.kill();
    let _ = again.wait();
    drop(s);
    for k in [
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_SUBSCRIPTION_ID",
        "KEYLESS_TOKEN",
        "SYSTEM_ACCESSTOKEN",
    ] {
        assert_eq!(
            before[k],
            after[k].trim_matches('\''),
            "{k} changed on restart"
        );
    }
}

#[test]
fn apply_is_idempotent_and_errors_name_file_and_line() {
    let s = serve();
    let world = s.dir.path().join("world.yaml");
    std::fs::write(&world, "tenants:\n  - name: fabrikam\n    subscriptions:\n      - name: dev\n        resourceGroups:\n          - name: rg1\n            location: westus\n").unwrap();
    let w = world.to_str().unwrap();
    let first = s.client(&["apply", "-f", w]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("created tenant fabrikam"));
    let second = s.client(&["apply", "-f", w]);
    assert!(second.status.success());
    assert!(text(&second).contains("no changes"), "{}", text(&second));
    std::fs::write(&world, "tenants:\n  - name: fabrikam\n    subscriptions:\n      - name: dev\n        roleAssignments:\n          - app: ghost\n            role: Reader\n").unwrap();
    let bad = s.client(&["apply", "-f", w]);
    assert!(!bad.status.success());
    let t = text(&bad);
    assert!(
        t.contains("world.yaml") && t.contains("line 6") && t.contains("roleAssignments[0].app"),
        "{t}"
    );
    // A pipeline given as a file beside the world file, with the template it includes.
    std::fs::create_dir_all(s.dir.path().join("ci/steps")).unwrap();
    std::fs::write(
        s.dir.path().join("ci/main.yml"),
        "steps:\n  - template: steps/echo.yml\n",
    )
    .unwrap();
    std::fs::write(
        s.dir.path().join("ci/steps/echo.yml"),
        "steps:\n  - script: echo from a template\n",
    )
    .unwrap();
    std::fs::write(&world, "organizations:\n  - name: contoso\n    tenant: contoso\n    projects:\n      - name: web\n        pipelines:\n          - name: from-file\n            file: ci/main.yml\n").unwrap();
    let out = s.client(&["apply", "-f", w]);
    assert_says(&out, "created pipeline contoso/web/from-file");
    let out = s.client(&["pipeline", "list", "contoso", "web", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let saved = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "from-file")
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(saved["definition"]["path"], "ci/main.yml");
    assert_eq!(
        saved["definition"]["files"]["ci/steps/echo.yml"],
        "steps:\n  - script: echo from a template\n"
    );
    // A file that is not there: the command names it.
    std::fs::write(&world, "organizations:\n  - name: contoso\n    tenant: contoso\n    projects:\n      - name: web\n        pipelines:\n          - name: lost\n            file: ci/lost.yml\n").unwrap();
    assert_fails_with(&s.client(&["apply", "-f", w]), "ci/lost.yml");
}

#[test]
fn explain_codes_and_pasted_messages() {
    let out = bin().args(["explain", "AADSTS700213"]).output().unwrap();
    assert!(out.status.success());
    let t = text(&out);
    assert!(
        t.contains("Cause:") && t.contains("Fix:") && t.contains("subject"),
        "{t}"
    );
    let out = bin()
        .args(["explain", "Script failed with error: UnrecognizedArgumentError: unrecognized arguments: --federated-token"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(text(&out).contains("2.30"));
    // A code with an HTTP status shows it; a lint code shows its severity.
    let out = bin().args(["explain", "AADSTS700213"]).output().unwrap();
    assert!(
        text(&out).starts_with("AADSTS700213 (401 invalid_client)\n"),
        "{}",
        text(&out)
    );
    let out = bin().args(["explain", "kl101"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).starts_with("KL101 (error)\n"), "{}", text(&out));
    let out = bin()
        .args(["explain", "all", "is", "well"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("not in the keyless error catalogue"));
}

/// Pasted messages as they appear in a pipeline log: other letter case, quotes, `****`
/// placeholders, ids and log text around them.
#[test]
fn explain_is_tolerant_of_how_messages_are_pasted() {
    let cases = [
        (
            "##[error]INVALID CLIENT ID OR CLIENT SECRET",
            "AADSTS7000222 ",
        ),
        (
            "2024-01-01T00:00:00Z ##[error]Failed to obtain the JWT by using the service principal client ID. Exit code 1",
            "JwtFailed ",
        ),
        (
            "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: `https://app.vstoken.visualstudio.com`.",
            "LegacyIssuer ",
        ),
        (
            "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://vstoken.dev.azure.com/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'. Assertion Subject: 'sc://fabrikam/web/deploy'.",
            "SubjectChanged ",
        ),
        (
            "AADSTS700016: Application with identifier '****' wasn't found",
            "AADSTS700016 ",
        ),
        (
            "Subscription isn't listed when creating a service connection",
            "SubscriptionNotListed ",
        ),
        (
            "##[error]aadsts7000215: INVALID CLIENT SECRET IS PROVIDED",
            "AADSTS7000215 ",
        ),
        (
            "ERROR: the log says \"No matching federated identity record found\" for app 2b6a1f0e-3c4d-4e5f-9a8b-7c6d5e4f3a2b",
            "AADSTS70021 ",
        ),
        (
            "`Failed to obtain the JSON Web Token (JWT) using service principal client ID.` AADSTS7000222",
            "AADSTS7000222 ",
        ),
        (
            "##[error]'Failed to obtain the JSON web token (JWT) by using the service principal client ID'",
            "JwtFailed ",
        ),
    ];
    for (pasted, heading) in cases {
        let out = bin().args(["explain", pasted]).output().unwrap();
        assert!(out.status.success(), "{pasted}");
        let t = text(&out);
        assert!(t.starts_with(heading), "{pasted}: {t}");
    }
}

#[test]
fn audit_shows_denials() {
    let s = serve();
    let env = s.env();
    // One denied job-token request: an unknown connection.
    block_on(async {
        let r = request_id_token(
            &s.http(),
            &env["SYSTEM_OIDCREQUESTURI"],
            &env["SYSTEM_ACCESSTOKEN"],
            "6f1b1b1b-0000-4000-8000-000000000001",
        )
        .await;
        assert_eq!(r.status().as_u16(), 404);
    });
    let out = s.client(&["audit", "--decision", "denied", "--since", "10m"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("ConnectionNotFound"), "{}", text(&out));
}

#[test]
fn tenant_set_changes_one_policy_key() {
    let s = serve();
    let out = s.client(&[
        "tenant",
        "set",
        "contoso",
        "federation.enabled=false",
        "usersCanRegisterApps=false",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = s.client(&["tenant", "show", "contoso", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["settings"]["federation"]["enabled"], false);
    assert_eq!(v["settings"]["usersCanRegisterApps"], false);
    let out = s.client(&["tenant", "set", "contoso", "colour=blue"]);
    assert_fails_with(&out, "colour");
}

#[test]
fn keys_rotate_publishes_a_pending_key_and_list_shows_it() {
    let s = serve();
    let tenant = format!("tenant:{}", s.env()["AZURE_TENANT_ID"]);
    // The first rotation of an issuer without keys yet creates its first key (signing at
    // once); the next one rotates.
    for _ in 0..2 {
        let out = s.client(&["keys", "rotate", "--issuer", "tenant:contoso"]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = s.client(&["keys", "rotate", "--issuer", "tenant:contoso"]);
    assert!(out.status.success(), "{}", text(&out));
    let printed = text(&out);
    assert!(printed.contains("1 new key(s)"), "{printed}");
    // The default overlap is 5 minutes: published now, signing later.
    assert!(printed.contains("pending"), "{printed}");
    let out = s.client(&["keys", "list", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let states: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["issuer"] == tenant.as_str())
        .map(|k| k["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.iter().filter(|s| **s == "signing").count(), 1, "{v}");
    // Keys made in the same second have no defined order: count states, not positions.
    assert!(states.contains(&"pending"), "{v}");
    assert!(!text(&out).contains("sealed"));
    let out = s.client(&["keys", "rotate", "--issuer", "planet:mars"]);
    assert_fails_with(&out, "Unknown issuer");
    // The access-token algorithm is a tenant setting.
    let out = s.client(&["tenant", "set", "contoso", "accessTokenAlgorithm=ES256"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = s.client(&["tenant", "set", "contoso", "accessTokenAlgorithm=HS256"]);
    assert!(!out.status.success());
}

#[test]
fn org_identity_add_list_remove() {
    let s = serve();
    let client_id = s.env()["AZURE_CLIENT_ID"].clone();
    // `org identity add contoso CLIENT_ID` with the given options.
    let add = |options: &[&str]| {
        let mut args = vec!["org", "identity", "add", "contoso", &client_id];
        args.extend(options);
        s.client(&args)
    };
    let out = add(&[
        "--access-level",
        "Stakeholder",
        "--project",
        "web=Contributors",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = s.client(&["org", "identity", "list", "contoso", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["value"][0]["appId"], client_id.as_str());
    assert_eq!(v["value"][0]["projects"]["web"], "Contributors");
    let out = add(&["--project", "web"]);
    assert_fails_with(&out, "PROJECT=GROUP");
    let out = s.client(&["org", "identity", "remove", "contoso", &client_id]);
    assert!(out.status.success(), "{}", text(&out));
    let out = s.client(&["org", "identity", "remove", "contoso", &client_id]);
    assert_fails_with(&out, "is not a user");
}

#[test]
fn org_rename_then_a_name_in_use_fails() {
    let s = serve();
    let out = s.client(&["org", "rename", "contoso", "northwind"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("northwind"), "{}", text(&out));
    let out = s.client(&["org", "create", "fabrikam"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = s.client(&["org", "rename", "northwind", "Fabrikam"]);
    assert_fails_with(&out, "already exists");
}

#[test]
fn login_saves_url_and_token_for_the_other_commands() {
    let s = serve();
    let cfg = tempfile::tempdir().unwrap();
    let ca = s.dir.path().join("tls/ca.pem");
    let ca = ca.to_str().unwrap();
    let run = |args: &[&str]| {
        bin()
            .env("KEYLESS_CONFIG_DIR", cfg.path())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["tenant", "list", "--url", &s.origin, "--ca", ca]);
    assert_fails_with(&out, "keyless login");
    // A wrong token is refused and nothing is saved.
    let out = run(&[
        "login",
        "--url",
        &s.origin,
        "--token",
        "kls_pat_wrong",
        "--ca",
        ca,
    ]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(!cfg.path().join("config.json").exists());
    let token = s.env()["KEYLESS_TOKEN"].clone();
    let out = run(&["login", "--url", &s.origin, "--token", &token, "--ca", ca]);
    assert!(out.status.success(), "{}", text(&out));
    assert_says(&out, "admin@contoso.onmicrosoft.com");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(cfg.path().join("config.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // No URL, token or CA on the command line: the saved login is used.
    let out = run(&[
        "user",
        "role",
        "add",
        "contoso",
        "Application Administrator",
        "--app",
        "demo-deploy",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run(&["user", "role", "list", "contoso", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_says(&out, "Application Administrator");
    let out = run(&[
        "user",
        "role",
        "remove",
        "contoso",
        "Application Administrator",
        "--app",
        "demo-deploy",
    ]);
    assert!(out.status.success(), "{}", text(&out));
}

/// `keyless sc create contoso web NAME --automatic` with a secret at subscription `sub`:
/// the connection as JSON.
fn create_automatic(s: &harness::Server, name: &str, sub: &str) -> serde_json::Value {
    let out = s.client(&[
        "sc",
        "create",
        "contoso",
        "web",
        name,
        "-o",
        "json",
        "--automatic",
        "--scheme",
        "ServicePrincipal",
        "--subscription-id",
        sub,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sc_create_automatic_verify_convert_and_permissions() {
    let s = serve();
    let env = s.env();
    let sub = &env["AZURE_SUBSCRIPTION_ID"];
    let created = create_automatic(&s, "cli-auto", sub);
    assert_eq!(created["data"]["creationMode"], "Automatic", "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let out = s.client(&["sc", "verify", "contoso", &id, "-o", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("\"ok\""), "{}", text(&out));
    let out = s.client(&["sc", "convert", "contoso", &id, "-o", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_says(&out, "revertSchemeDeadline");
    let out = s.client(&["sc", "convert", "contoso", &id, "--revert"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = s.client(&[
        "sc",
        "permissions",
        "contoso",
        "web",
        &id,
        "--all-pipelines",
        "false",
        "-o",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("\"authorized\": false") || text(&out).contains("\"authorized\":false"),
        "{}",
        text(&out)
    );
    let out = s.client(&["sc", "create", "contoso", "web", "manual-without-client"]);
    assert_fails_with(&out, "--client-id");
}

/// `keyless sc create --scheme ManagedServiceIdentity`: the tenant and scope only, the
/// REST shape of such a connection; naming an identity of its own is a usage error.
#[test]
fn sc_create_makes_a_managed_identity_connection() {
    let s = serve();
    let env = s.env();
    let tenant = env["AZURE_TENANT_ID"].as_str();
    let create = |name: &str, extra: &[&str]| {
        let base = ["sc", "create", "contoso", "web", name, "--scheme"];
        let scheme = ["ManagedServiceIdentity", "--tenant-id", tenant];
        s.client(&[&base[..], &scheme[..], extra].concat())
    };
    let sub = env["AZURE_SUBSCRIPTION_ID"].as_str();
    let out = create("vm-identity", &["--subscription-id", sub, "-o", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let auth = &created["authorization"];
    assert_eq!(auth["scheme"], "ManagedServiceIdentity", "{created}");
    assert_eq!(auth["parameters"]["tenantid"], tenant, "{created}");
    assert!(
        auth["parameters"].get("serviceprincipalid").is_none(),
        "{created}"
    );
    assert_eq!(created["data"]["subscriptionId"], sub, "{created}");
    let shown = s.client(&["sc", "show", "contoso", "vm-identity", "-o", "json"]);
    assert!(shown.status.success(), "{}", text(&shown));
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["authorization"]["scheme"], "ManagedServiceIdentity");
    for extra in [
        &["--client-id", &env["AZURE_CLIENT_ID"]][..],
        &["--automatic"][..],
        &["--secret", "s3cret"][..],
    ] {
        let out = create("vm-identity-2", extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", text(&out));
        assert!(
            text(&out).contains("names no identity of its own"),
            "{extra:?}: {}",
            text(&out)
        );
    }
}

/// The value of `name` after a POSIX shell runs `exports` (what a user's `eval` sees).
fn shell_value(exports: &str, name: &str) -> String {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{exports}\nprintf '%s' \"${name}\""))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn pipeline_security_and_job_start_with_endpoints() {
    let s = serve();
    let env = s.env();
    let created = create_automatic(&s, "cli-secret", &env["AZURE_SUBSCRIPTION_ID"]);
    let id = created["id"].as_str().unwrap().to_string();
    // The pipeline file includes a template of its repository, which names the connection.
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join("steps")).unwrap();
    std::fs::write(
        repo.path().join("azure-pipelines.yml"),
        "trigger: none\nsteps:\n  - template: steps/deploy.yml\n",
    )
    .unwrap();
    let template = format!(
        "steps:\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: {id}\n      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: az account show\n"
    );
    std::fs::write(repo.path().join("steps/deploy.yml"), &template).unwrap();
    let pipeline_file = repo.path().join("azure-pipelines.yml");
    let file = pipeline_file.to_str().unwrap();
    let args = [
        "pipeline", "create", "contoso", "web", "cli-pipe", "--file", file,
    ];
    let out = s.client(&[&args[..], &["-o", "json"]].concat());
    assert!(out.status.success(), "{}", text(&out));
    let saved: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(saved["connections"], serde_json::json!([id]), "{saved}");
    assert_eq!(saved["definition"]["path"], "azure-pipelines.yml");
    assert_eq!(
        saved["definition"]["files"]["steps/deploy.yml"],
        template.as_str()
    );
    // A file that does not compile is refused with its position.
    std::fs::write(
        repo.path().join("broken.yml"),
        "steps:\n  - template: nowhere.yml\n",
    )
    .unwrap();
    let broken = repo.path().join("broken.yml");
    let out = s.create_pipeline("cli-broken", &broken);
    assert_fails_with(&out, "/broken.yml (Line: 2, Col: 15)");
    // Readers' access to queue builds.
    let set_readers_queue = |access: &str| {
        s.client(&[
            "pipeline",
            "security",
            "set",
            "contoso",
            "web",
            "cli-pipe",
            "QueueBuilds",
            access,
            "--group",
            "Readers",
        ])
    };
    let out = set_readers_queue("Deny");
    assert!(out.status.success(), "{}", text(&out));
    let list = ["pipeline", "security", "list", "contoso", "web", "cli-pipe"];
    let out = s.client(&[&list[..], &["-o", "tsv"]].concat());
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(text(&out), "Readers\t-\tQueue builds\tDeny\n");
    let out = set_readers_queue("Sometimes");
    assert_fails_with(&out, "Allow, Deny or NotSet");

    // Without --endpoints the exports hold no secret; with it, the job's endpoints.
    let out = s.client(&["job", "start", "contoso", "web", "cli-pipe"]);
    assert!(out.status.success(), "{}", text(&out));
    let plain = String::from_utf8(out.stdout).unwrap();
    assert!(!plain.contains("ENDPOINT_"), "{plain}");
    assert!(
        !shell_value(&plain, "SYSTEM_ACCESSTOKEN").is_empty(),
        "{plain}"
    );
    // The endpoint variables' names hold the connection id (hyphens): printed as JSON.
    let out = s.client(&["job", "start", "contoso", "web", "cli-pipe", "--endpoints"]);
    assert!(out.status.success(), "{}", text(&out));
    let job: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let upper = id.to_ascii_uppercase();
    let var = |k: &str| job["env"][k].as_str().unwrap_or_default().to_string();
    let secret = var(&format!(
        "ENDPOINT_AUTH_PARAMETER_{upper}_SERVICEPRINCIPALKEY"
    ));
    let client = var(&format!(
        "ENDPOINT_AUTH_PARAMETER_{upper}_SERVICEPRINCIPALID"
    ));
    assert!(!secret.is_empty() && !client.is_empty(), "{job}");
    assert!(!var("SYSTEM_ACCESSTOKEN").is_empty(), "{job}");
    // The secret is the app's: it buys an ARM token.
    let status = block_on(async {
        let http = s.http();
        http.post(format!(
            "{}/{}/oauth2/v2.0/token",
            s.origin, env["AZURE_TENANT_ID"]
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client.as_str()),
            ("client_secret", secret.as_str()),
            ("scope", "https://management.azure.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
    });
    assert_eq!(status, 200);
}

#[test]
fn project_member_add_list_remove() {
    let s = serve();
    let out = s.client(&["user", "create", "contoso", "mira"]);
    assert!(out.status.success(), "{}", text(&out));
    let upn = "mira@contoso.onmicrosoft.com";
    // A member command on the project web of contoso, for mira and one group.
    let member = |verb: &str, group: &str| {
        s.client(&["project", "member", verb, "contoso", "web", upn, group])
    };
    let out = member("add", "Build Administrators");
    assert!(out.status.success(), "{}", text(&out));
    let out = s.client(&["project", "member", "list", "contoso", "web", "-o", "tsv"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_says(&out, &format!("{upn}\tBuild Administrators\n"));
    let out = member("add", "Builders");
    assert_fails_with(&out, "Build Administrators");
    let out = member("remove", "Build Administrators");
    assert!(out.status.success(), "{}", text(&out));
    let out = s.client(&["project", "member", "list", "contoso", "web"]);
    assert!(!text(&out).contains(upn), "{}", text(&out));
    let out = member("remove", "Build Administrators");
    assert_fails_with(&out, "404");
}

/// SIGTERM ends the process within the shutdown grace (10 s) even while connections stay
/// open that the server's own timeouts would keep for minutes, and no new connection is
/// accepted once the signal came.
#[test]
fn sigterm_ends_a_busy_server_within_the_grace() {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let mut s = serve_with(&["--header-read-timeout", "5m", "--idle-timeout", "5m"]);
    let addr = format!("127.0.0.1:{}", s.port());
    // Connections that never finish their TLS handshake, one of them trickling bytes.
    let mut held: Vec<std::net::TcpStream> = (0..20)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    held[0].write_all(&[0x16, 0x03]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let pid = s.child.id().to_string();
    let started = Instant::now();
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(signalled.success());
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "a connection was accepted after SIGTERM"
    );
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still running {:?} after SIGTERM",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "exit after SIGTERM: {status}");
    drop(held);
}

#[test]
fn sc_update_edits_and_saves_a_connection() {
    let s = serve();
    let env = s.env();
    let created = create_automatic(&s, "cli-edit", &env["AZURE_SUBSCRIPTION_ID"]);
    let id = created["id"].as_str().unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let out = s.client(args);
        assert!(out.status.success(), "{}", text(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = json(&[
        "sc",
        "update",
        "contoso",
        "cli-edit",
        "--description",
        "deploys web",
        "-o",
        "json",
    ]);
    assert_eq!(v["id"], id, "{v}");
    assert_eq!(v["description"], "deploys web", "{v}");
    assert_eq!(v["name"], "cli-edit", "{v}");
    let v = json(&[
        "sc",
        "update",
        "contoso",
        id,
        "--name",
        "cli-edited",
        "-o",
        "json",
    ]);
    assert_eq!(v["name"], "cli-edited", "{v}");
    assert_eq!(v["description"], "deploys web", "{v}");
    // What the server keeps, read back.
    let shown = json(&["sc", "show", "contoso", id, "-o", "json"]);
    assert_eq!(
        (&shown["name"], &shown["description"]),
        (&v["name"], &v["description"])
    );
    // For people: one sentence naming the connection.
    let out = s.client(&["sc", "update", "contoso", "cli-edited"]);
    assert_says(&out, "Saved service connection cli-edited");
    // A name that matches nothing is refused before anything is sent.
    let out = s.client(&["sc", "update", "contoso", "no-such", "--description", "x"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_says(&out, "no service connection named 'no-such'");
}
