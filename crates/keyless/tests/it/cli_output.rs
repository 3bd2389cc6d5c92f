//! The CLI's output: the human tables of the demo world (snapshots, ids and times masked),
//! `-o json` equal to the API's body (fetched here with an HTTP client), `-o yaml`,
//! `-o tsv`, `--query`, completions for each shell, manual pages and exit codes.

use crate::harness;

use harness::{assert_says, bin, block_on, serve, text};
use serde_json::Value;

/// `s` with every UUID and every RFC 3339 time (to the second) replaced by a mask of the
/// same width, so that column alignment stays what the real values gave.
pub(crate) fn masked(s: &str) -> String {
    let b = s.as_bytes();
    let shape = |at: usize, pattern: &[u8]| {
        b.len() >= at + pattern.len()
            && pattern.iter().zip(&b[at..]).all(|(p, c)| match p {
                b'h' => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
                b'd' => c.is_ascii_digit(),
                other => other == c,
            })
    };
    const UUID: &[u8] = b"hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh";
    const TIME: &[u8] = b"dddd-dd-ddTdd:dd:ddZ";
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if shape(i, UUID) {
            out.push_str("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
            i += UUID.len();
        } else if shape(i, TIME) {
            out.push_str("YYYY-MM-DDTHH:MM:SSZ");
            i += TIME.len();
        } else {
            let ch = s[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The output of a command that succeeded, which holds each of `lines`.
fn says(out: std::process::Output, lines: &[&str]) -> String {
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    for l in lines {
        assert!(t.contains(l), "{l}: {t}");
    }
    t
}

pub(crate) const X: &str = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
pub(crate) const T: &str = "YYYY-MM-DDTHH:MM:SSZ";

#[test]
fn human_output_of_the_demo_world() {
    let s = serve();
    let snapshots: Vec<(&[&str], String)> = vec![
        (
            &["sc", "list", "contoso", "web"],
            format!(
                "NAME             TYPE     SCHEME                      STATE  ISSUER   MODE    SCOPE              LAST USED  ID\n\
                 demo-connection  azurerm  WorkloadIdentityFederation  Ready  EntraID  Manual  demo-subscription  -          {X}\n"
            ),
        ),
        (
            &["org", "list"],
            format!(
                "NAME     CLOUD   TENANT                                OWNER  CREATED               ID\n\
                 contoso  public  {X}  -      {T}  {X}\n"
            ),
        ),
        (
            &["project", "list", "contoso"],
            format!("NAME  DESCRIPTION  CREATED               ID\nweb   -            {T}  {X}\n"),
        ),
        (
            &["user", "list", "contoso"],
            format!(
                "UPN                            NAME                TYPE    ADMIN  ID\n\
                 admin@contoso.onmicrosoft.com  Demo administrator  Member  yes    {X}\n"
            ),
        ),
        (
            &["subscription", "list"],
            format!(
                "NAME               STATE    TENANT                                ID\n\
                 demo-subscription  Enabled  {X}  {X}\n"
            ),
        ),
        (
            &["tenant", "list"],
            format!(
                "NAME     DOMAIN                   CLOUD   FEDERATION  ID\n\
                 contoso  contoso.onmicrosoft.com  public  yes         {X}\n"
            ),
        ),
        (
            &["pipeline", "list", "contoso", "web"],
            format!(
                "ID  NAME    FILE                 CONNECTIONS  CREATED\n\
                 1   deploy  azure-pipelines.yml  1            {T}\n"
            ),
        ),
        (
            &["pat", "list"],
            format!("NAME  SCOPES  EXPIRES               REVOKED  ID\ndemo  full    {T}  -        {X}\n"),
        ),
        (
            &["org", "identity", "list", "contoso"],
            "no service principals or managed identities in contoso\n".to_string(),
        ),
        (
            &["audit", "--since", "1h", "--decision", "denied"],
            "no audit entries since 1h with --decision denied (try --since 24h)\n".to_string(),
        ),
        (
            &["org", "show", "contoso"],
            "Organization     contoso\nOwner            (none: keyless administrators)\nPreview features\n  on   workload-identity-arm    Workload Identity federation for ARM service connections\n".to_string(),
        ),
        (
            &["project", "member", "list", "contoso", "web"],
            "no memberships\n".to_string(),
        ),
        (
            &["user", "guest", "list", "contoso"],
            "no guests in contoso\n".to_string(),
        ),
        (
            &["org", "user", "list", "contoso"],
            "no access levels set (every user is Basic)\n".to_string(),
        ),
        (
            &["pipeline", "security", "list", "contoso", "web", "deploy"],
            "no permission entries of its own (the project's defaults apply)\n".to_string(),
        ),
        (
            &["sc", "permissions", "contoso", "web", "demo-connection"],
            format!(
                "demo-connection: only the pipelines below\nPIPELINE  AUTHORIZED  ON\n1         yes         {T}\n"
            ),
        ),
    ];
    for (args, expected) in snapshots {
        let out = s.client(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        let got = String::from_utf8(out.stdout).unwrap();
        // Not a terminal: no colour, no symbols.
        assert!(
            !got.contains('\x1b') && !got.contains('✓'),
            "{args:?}: {got}"
        );
        assert_eq!(masked(&got), expected, "{args:?}");
    }

    // One object: FIELD value lines; a name works where the id does.
    let out = s.client(&["sc", "show", "contoso", "demo-connection"]);
    says(
        out,
        &[
            "  Name       demo-connection\n",
            "  Scheme     WorkloadIdentityFederation\n",
            "  Issuer     https://",
            "  Subject    /eid1/",
        ],
    );

    // `show` for every kind of object, by name or id; `update` where the API has one.
    let out = s.client(&["project", "show", "contoso", "web"]);
    says(out, &["  NAME         web\n"]);
    let out = s.client(&["user", "show", "contoso", "admin"]);
    says(out, &["  UPN    admin@contoso.onmicrosoft.com\n"]);
    let out = s.client(&["pipeline", "show", "contoso", "web", "deploy"]);
    says(out, &["  FILE         azure-pipelines.yml\n"]);
    let out = s.client(&["subscription", "show", "demo-subscription", "-o", "tsv"]);
    says(out, &["demo-subscription\tEnabled\t"]);

    // A token is shown once at creation, and revoked by name.
    let out = s.client(&["pat", "create", "reader", "--scope", "read"]);
    says(
        out,
        &[
            "Created personal access token reader\n",
            "  Token    kls_pat_",
            "shown once",
        ],
    );
    let out = s.client(&["pat", "revoke", "reader"]);
    says(out, &["Revoked token "]);
    // `delete` is the same command.
    s.client(&["pat", "create", "second", "--scope", "read"]);
    let out = s.client(&["pat", "delete", "second"]);
    says(out, &["Revoked token "]);

    // A create says what was made and what to do next.
    let sub = &s.env()["AZURE_SUBSCRIPTION_ID"];
    let create = |name: &str, flags: &[&str]| {
        s.client(&[&["sc", "create", "contoso", "web", name][..], flags].concat())
    };
    let out = create("made", &["--automatic", "--subscription", sub]);
    let made = says(
        out,
        &[
            "  app registration ",
            "  service principal ",
            "  federated credential for issuer ",
            "  role assignment ",
            "Next: keyless sc verify contoso ",
        ],
    );
    assert!(
        made.starts_with("Created service connection made in contoso/web (Automatic)\n"),
        "{made}"
    );
    let tenant = &s.env()["AZURE_TENANT_ID"];
    let client = &s.env()["AZURE_CLIENT_ID"];
    let ids = ["--client-id", client, "--tenant-id", tenant];
    let out = create("draft", &[&ids[..], &["--subscription-id", sub]].concat());
    says(
        out,
        &[
            "adds a federated credential with",
            "  issuer    https://",
            "  subject   /eid1/",
            "  audience  api://AzureADTokenExchange",
        ],
    );

    // `status`: where the CLI points and as whom.
    let out = s.client(&["status"]);
    assert!(out.status.success(), "{}", text(&out));
    let status = text(&out);
    assert!(
        status.contains(&format!("  Server          {}\n", s.origin)),
        "{status}"
    );
    assert!(
        status.contains("  User            admin@contoso.onmicrosoft.com\n"),
        "{status}"
    );
    assert!(status.contains("  Token expires   "), "{status}");
    // What the server says of itself (`GET /keyless/v1/status`).
    for line in [
        format!("  Server version  {}\n", env!("CARGO_PKG_VERSION")),
        "  Database        sqlite\n".to_string(),
        "  Replicas seen   1\n".to_string(),
    ] {
        assert!(status.contains(&line), "{line}: {status}");
    }
    assert!(status.contains("  Server uptime   "), "{status}");
    assert!(!status.contains("Server uptime   -"), "{status}");
}

/// The body of `GET path` from the API, with the demo token.
pub(crate) fn api(s: &harness::Server, path: &str) -> Value {
    let http = s.http();
    let url = format!("{}{path}", s.origin);
    let token = s.env()["KEYLESS_TOKEN"].clone();
    block_on(async move {
        let r = http.get(url).bearer_auth(token).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        r.json().await.unwrap()
    })
}

pub(crate) fn stdout_json(s: &harness::Server, args: &[&str]) -> Value {
    let out = s.client(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn json_is_the_api_body_and_query_yaml_tsv_select_from_it() {
    let s = serve();
    let cases: &[(&[&str], &str)] = &[
        (
            &["sc", "list", "contoso", "web"],
            "/contoso/web/_apis/serviceendpoint/endpoints?api-version=7.1",
        ),
        (&["org", "list"], "/keyless/v1/organizations"),
        (
            &["project", "list", "contoso"],
            "/keyless/v1/organizations/contoso/projects",
        ),
        (
            &["user", "list", "contoso"],
            "/keyless/v1/tenants/contoso/users",
        ),
        (&["subscription", "list"], "/keyless/v1/subscriptions"),
        (&["tenant", "list"], "/keyless/v1/tenants"),
        (
            &["tenant", "show", "contoso"],
            "/keyless/v1/tenants/contoso",
        ),
        (&["pat", "list"], "/keyless/v1/pats"),
        (
            &["pipeline", "list", "contoso", "web"],
            "/keyless/v1/organizations/contoso/projects/web/pipelines",
        ),
        (
            &["org", "show", "contoso"],
            "/keyless/v1/organizations/contoso/settings",
        ),
    ];
    for (args, path) in cases {
        let body = api(&s, path);
        let json = stdout_json(&s, &[args, &["-o", "json"][..]].concat());
        assert_eq!(json, body, "{args:?}");
        let alias = stdout_json(&s, &[args, &["--json"][..]].concat());
        assert_eq!(alias, body, "{args:?} --json");
        let out = s.client(&[args, &["-o", "yaml"][..]].concat());
        assert!(out.status.success(), "{}", text(&out));
        let yaml: Value = yaml_serde::from_slice(&out.stdout).unwrap();
        assert_eq!(yaml, body, "{args:?} -o yaml");
    }

    let body = api(
        &s,
        "/contoso/web/_apis/serviceendpoint/endpoints?api-version=7.1",
    );
    let id = body["value"][0]["id"].as_str().unwrap();
    let names = stdout_json(
        &s,
        &["sc", "list", "contoso", "web", "--query", "value[].name"],
    );
    assert_eq!(names, serde_json::json!(["demo-connection"]));
    let list = |flags: &[&str]| s.client(&[&["sc", "list", "contoso", "web"][..], flags].concat());
    let out = list(&[
        "-o",
        "tsv",
        "--query",
        "value[].[name, authorization.scheme]",
    ]);
    assert_eq!(text(&out), "demo-connection\tWorkloadIdentityFederation\n");
    let out = list(&["-o", "tsv"]);
    let row = text(&out);
    assert!(
        row.starts_with(
            "demo-connection\tazurerm\tWorkloadIdentityFederation\tReady\tEntraID\tManual\t"
        ),
        "{row}"
    );
    assert!(row.ends_with(&format!("\t{id}\n")), "{row}");
    let out = list(&["-o", "table", "--query", "value[].{name: name, id: id}"]);
    assert_eq!(
        text(&out),
        format!("id                                    name\n{id}  demo-connection\n")
    );
    let out = s.client(&["sc", "list", "contoso", "web", "--query", "value["]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("is not JMESPath"), "{}", text(&out));
}

/// `keyless pool` and `keyless agent`: human output, and `-o json` equal to the bodies of
/// keyless' API and of Azure DevOps' REST shape fetched here; the hosted pool takes no
/// agent.
#[test]
fn pools_and_agents_human_and_json() {
    let s = serve();
    let sub = s.env()["AZURE_SUBSCRIPTION_ID"].clone();
    let vm = format!(
        "/subscriptions/{sub}/resourceGroups/demo-rg/providers/Microsoft.Compute/virtualMachines/build-vm"
    );
    says(
        s.client(&["pool", "create", "contoso", "builders"]),
        &["Created self-hosted pool builders"],
    );
    let added = says(
        s.client(&[
            "agent", "add", "contoso", "vm-agent", "--pool", "builders", "--vm", &vm,
        ]),
        &[
            "Registered agent vm-agent in pool builders",
            "kla_",
            "The secret is shown once",
        ],
    );
    assert!(added.contains(&vm), "{added}");
    says(
        s.client(&["agent", "add", "contoso", "bare", "--pool", "builders"]),
        &["Registered agent bare in pool builders"],
    );

    let pools = s.client(&["pool", "list", "contoso"]);
    let t = masked(&says(pools, &[]));
    assert_eq!(
        t,
        format!(
            "NAME             KIND              AGENTS  CREATED               ID\nAzure Pipelines  Microsoft-hosted  0       {T}  1\nbuilders         self-hosted       2       {T}  2\n"
        )
    );
    let agents = masked(&says(
        s.client(&["agent", "list", "contoso", "--pool", "builders"]),
        &[],
    ));
    let vm_masked = masked(&vm);
    let pad = " ".repeat(vm_masked.len() - 2);
    assert_eq!(
        agents,
        format!(
            "NAME      STATUS  VM{pad}  CREATED               ID\nvm-agent  online  {vm_masked}  {T}  1\nbare      online  -{pad}   {T}  2\n"
        )
    );
    for (args, paths) in [
        (
            &["pool", "list", "contoso"][..],
            [
                "/keyless/v1/organizations/contoso/pools",
                "/contoso/_apis/distributedtask/pools",
            ],
        ),
        (
            &["agent", "list", "contoso", "--pool", "builders"][..],
            [
                "/keyless/v1/organizations/contoso/pools/builders/agents",
                "/contoso/_apis/distributedtask/pools/builders/agents",
            ],
        ),
    ] {
        let json = stdout_json(&s, &[args, &["-o", "json"][..]].concat());
        for path in paths {
            assert_eq!(json, api(&s, path), "{args:?} {path}");
        }
    }

    let out = s.client(&["agent", "add", "contoso", "x", "--pool", "Azure Pipelines"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_says(
        &out,
        "is the Microsoft-hosted pool: its agents are Microsoft's",
    );
    says(
        s.client(&["agent", "remove", "contoso", "bare", "--pool", "builders"]),
        &[],
    );
    says(
        s.client(&["pool", "delete", "contoso", "builders"]),
        &["Deleted pool builders and its agents"],
    );
    let left = stdout_json(&s, &["pool", "list", "contoso", "-o", "json"]);
    assert_eq!(left["count"], 1, "{left}");
}

#[test]
fn pipeline_delete_for_people_and_programs() {
    let s = serve();
    let out = s.client(&["pipeline", "delete", "contoso", "web", "nowhere"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let deleted = stdout_json(
        &s,
        &[
            "pipeline", "delete", "contoso", "web", "deploy", "-o", "json",
        ],
    );
    assert_eq!(deleted["name"], "deploy", "{deleted}");
    let out = s.client(&["pipeline", "list", "contoso", "web"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_says(&out, "no pipelines in contoso/web");
    let out = s.client(&["pipeline", "delete", "contoso", "web", "deploy"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_says(&out, "no pipeline in contoso/web matches 'deploy'");
    // For people: one sentence.
    let repo = tempfile::tempdir().unwrap();
    let file = repo.path().join("azure-pipelines.yml");
    std::fs::write(&file, "trigger: none\nsteps:\n  - script: echo hi\n").unwrap();
    let out = s.create_pipeline("second", &file);
    assert!(out.status.success(), "{}", text(&out));
    let out = s.client(&["pipeline", "delete", "contoso", "web", "second"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(text(&out), "Deleted pipeline second of contoso/web\n");
}

#[test]
fn subscription_delete_for_people() {
    let s = serve();
    let out = s.client(&["subscription", "create", "prod", "--tenant", "contoso"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = s.client(&["subscription", "delete", "prod"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(text(&out), "Deleted subscription prod\n");
    let out = s.client(&["subscription", "delete", "prod", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_says(&out, "no subscription matches 'prod'");
}

#[test]
fn exit_codes_and_errors_from_the_catalogue() {
    let s = serve();
    // 1: refused by the server, printed as its catalogue entry.
    let out = s.client(&["org", "show", "nowhere"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: 404 Not Found: The organization 'nowhere' does not exist.\n"),
        "{err}"
    );
    for line in [
        "\n  code:  NotFound (404 NotFound)\n",
        "\n  fix:   ",
        "\n  more:  keyless explain NotFound\n",
    ] {
        assert!(err.contains(line), "{line}: {err}");
    }
    // An error the catalogue does not know: its whole message and its code.
    let unknown = "00000000-0000-0000-0000-00000000abcd";
    let out = s.client(&["sc", "show", "contoso", unknown]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("error: 404 Not Found: "), "{err}");
    assert!(err.contains(unknown), "{err}");
    assert!(err.contains("\n  code:  "), "{err}");
    // 2: usage, from clap or from the command's own checks.
    for args in [
        &["sc", "list"][..],
        &["sc", "list", "contoso", "web", "-o", "xml"],
        &["sc", "create", "contoso", "web", "no-client-id"],
        &["org", "settings", "contoso", "--feature", "sometimes"],
    ] {
        let out = s.client(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    }
    // 3: the server cannot be reached.
    let out = s
        .command(&["org", "list"])
        .env("KEYLESS_URL", "https://127.0.0.1:1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_says(&out, "cannot reach keyless at https://127.0.0.1:1");
    // An empty answer is said, with exit 0.
    let out = s.client(&["audit", "--since", "1h", "--code", "AADSTS700213"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        text(&out),
        "no audit entries since 1h with --code AADSTS700213 (try --since 24h)\n"
    );
}

#[test]
fn completions_for_each_shell_and_manual_pages() {
    for (shell, marker) in [
        ("bash", "_keyless()"),
        ("zsh", "#compdef keyless"),
        ("fish", "complete -c keyless"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[keyless]"),
    ] {
        let out = bin().args(["completion", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {}", text(&out));
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {marker}");
        assert!(script.contains("permissions"), "{shell}: no sc permissions");
    }
    let out = bin().args(["man"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(".TH keyless 1"), "{}", text(&out));
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .arg("man")
        .arg("--dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    for page in [
        "keyless.1",
        "keyless-sc.1",
        "keyless-sc-create.1",
        "keyless-status.1",
    ] {
        let p = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(p.contains(".SH NAME"), "{page}");
    }
    let create = std::fs::read_to_string(dir.path().join("keyless-sc-create.1")).unwrap();
    assert!(
        create.contains("keyless sc create contoso web deploy \\-\\-automatic"),
        "{create}"
    );
    let out = bin().args(["sc", "create", "--help"]).output().unwrap();
    assert_says(
        &out,
        "Examples:\n  keyless sc create contoso web deploy --automatic",
    );
}

/// `keyless ARGS` with standard output a pipe whose reader is already closed.
fn into_a_closed_pipe(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    bin()
        .args(args)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_closed_pipe_ends_the_command_with_141_and_no_message() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..50 {
        let yaml = "steps:\n- task: AzureFunctionApp@1\n  inputs:\n    azureSubscription: c\n";
        std::fs::write(d.path().join(format!("p{i}.yml")), yaml).unwrap();
    }
    let dir = d.path().to_str().unwrap();
    // `explain` prints with println!, `lint` through a buffered writer.
    for args in [
        &["explain", "AADSTS700213"][..],
        &["lint", dir, "--format", "json"][..],
    ] {
        let out = into_a_closed_pipe(args);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Progress lines may stand on standard error; no error and no panic.
        assert!(
            !stderr.contains("error") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}
