//! `update` and `delete` of organizations, projects, users and tenants (and `pat show`):
//! their human output (snapshots, not a terminal: no colour), `-o json` equal to the API's
//! body, `--yes`, and the exit codes of a refusal (1) and of a usage error (2).

use crate::cli_output::{T, X, api, masked, stdout_json};
use crate::harness::{self, serve, text};

/// The command's stdout, masked, after checking its exit code.
fn run(s: &harness::Server, args: &[&str], code: i32) -> String {
    let out = s.client(args);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {}", text(&out));
    let got = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        !got.contains('\x1b') && !got.contains('✓'),
        "{args:?}: {got}"
    );
    masked(&got)
}

/// The command's stderr, after checking that it failed with `code`.
fn fails(s: &harness::Server, args: &[&str], code: i32) -> String {
    let out = s.client(args);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {}", text(&out));
    assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out));
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn updates_and_deletes_for_people() {
    let s = serve();
    run(&s, &["org", "create", "tailspin", "--tenant", "contoso"], 0);
    run(&s, &["project", "create", "tailspin", "site"], 0);
    run(&s, &["user", "create", "contoso", "bob"], 0);

    let snapshots: Vec<(&[&str], String)> = vec![
        (
            &["project", "update", "tailspin", "site", "--name", "site2"],
            format!(
                "Renamed project tailspin/site to site2\n  \
                 Name                 site2\n  \
                 Id                   {X}\n  \
                 Credentials updated  0\n  \
                 Need attention       -\n"
            ),
        ),
        (
            &[
                "org",
                "update",
                "tailspin",
                "--name",
                "tailspin2",
                "--owner",
                "bob@contoso.onmicrosoft.com",
            ],
            format!(
                "Updated organization tailspin2\n  \
                 NAME     tailspin2\n  \
                 CLOUD    public\n  \
                 TENANT   {X}\n  \
                 OWNER    {X}\n  \
                 CREATED  {T}\n  \
                 ID       {X}\n"
            ),
        ),
        (
            &[
                "user",
                "update",
                "contoso",
                "bob",
                "--display-name",
                "Bob Jones",
            ],
            format!(
                "Updated user bob in contoso\n  \
                 UPN    bob@contoso.onmicrosoft.com\n  \
                 NAME   Bob Jones\n  \
                 TYPE   Member\n  \
                 ADMIN  no\n  \
                 ID     {X}\n"
            ),
        ),
        (
            &["pat", "show", "demo"],
            format!(
                "  NAME     demo\n  SCOPES   full\n  EXPIRES  {T}\n  REVOKED  -\n  ID       {X}\n"
            ),
        ),
        (
            &["project", "delete", "tailspin2", "site2", "--yes"],
            "Deleted project tailspin2/site2\n".to_string(),
        ),
    ];
    for (args, expected) in snapshots {
        assert_eq!(run(&s, args, 0), expected, "{args:?}");
    }
    let renamed = run(
        &s,
        &[
            "subscription",
            "update",
            "demo-subscription",
            "--name",
            "production",
        ],
        0,
    );
    assert_eq!(
        renamed,
        format!(
            "Renamed subscription demo-subscription to production\n  \
             NAME    production\n  \
             STATE   Enabled\n  \
             TENANT  {X}\n  \
             ID      {X}\n"
        )
    );
    let tenant = run(
        &s,
        &[
            "tenant",
            "update",
            "contoso",
            "--display-name",
            "Contoso Ltd",
        ],
        0,
    );
    assert!(
        tenant.starts_with("Updated tenant contoso\n  Name                                   contoso\n  Display name                           Contoso Ltd\n"),
        "{tenant}"
    );

    // Refused by the server: exit 1, the catalogue entry, nothing deleted.
    let err = fails(&s, &["user", "delete", "contoso", "bob"], 1);
    assert!(
        err.contains(
            "409 Conflict: The user bob@contoso.onmicrosoft.com owns the organizations tailspin2"
        ),
        "{err}"
    );
    assert!(err.contains("  code:  Conflict"), "{err}");
    assert_eq!(
        run(
            &s,
            &["user", "show", "contoso", "bob", "--query", "displayName"],
            0
        ),
        "\"Bob Jones\"\n"
    );
    let err = fails(&s, &["tenant", "delete", "contoso", "--yes"], 1);
    assert!(err.contains("You sign in from the tenant contoso"), "{err}");
    // Unknown: exit 1 before anything is sent. Without --yes: a usage error, exit 2.
    let err = fails(&s, &["org", "delete", "ghost", "--yes"], 1);
    assert!(err.contains("no organization matches 'ghost'"), "{err}");
    let err = fails(&s, &["org", "delete", "tailspin2"], 2);
    assert!(
        err.contains("deleting organization tailspin2 also deletes its projects"),
        "{err}"
    );
    assert!(err.contains("--yes"), "{err}");
    // A name in use or misspelt is refused before the owner changes.
    let owner = || {
        run(
            &s,
            &[
                "org",
                "list",
                "--query",
                "value[?name=='tailspin2'].ownerId | [0]",
            ],
            0,
        )
    };
    let before = owner();
    let admin = "admin@contoso.onmicrosoft.com";
    for (name, code, says) in [
        (
            "Contoso",
            1,
            "an organization named 'Contoso' already exists; nothing was changed",
        ),
        (
            "no spaces",
            2,
            "The organization name 'no spaces' is invalid",
        ),
    ] {
        let args = [
            "org",
            "update",
            "tailspin2",
            "--name",
            name,
            "--owner",
            admin,
        ];
        let err = fails(&s, &args, code);
        assert!(err.contains(says), "{err}");
    }
    assert_eq!(owner(), before);
    let err = fails(&s, &["org", "update", "tailspin2"], 2);
    assert!(err.contains("give --name, --owner or both"), "{err}");
    assert_eq!(
        run(&s, &["org", "list", "--query", "value[].name"], 0),
        "[\n  \"contoso\",\n  \"tailspin2\"\n]\n"
    );

    assert_eq!(
        run(&s, &["org", "delete", "tailspin2", "--yes"], 0),
        "Deleted organization tailspin2\n"
    );
    assert_eq!(
        run(&s, &["user", "delete", "contoso", "bob"], 0),
        "Deleted user bob from contoso\n"
    );
    assert_eq!(
        run(
            &s,
            &[
                "user",
                "list",
                "contoso",
                "-o",
                "tsv",
                "--query",
                "value[].userPrincipalName"
            ],
            0
        ),
        "admin@contoso.onmicrosoft.com\n"
    );
    run(&s, &["tenant", "create", "fabrikam"], 0);
    assert_eq!(
        run(&s, &["tenant", "delete", "fabrikam", "--yes"], 0),
        "Deleted tenant fabrikam\n"
    );
}

#[test]
fn json_of_updates_and_deletes_is_the_api_body() {
    let s = serve();
    run(&s, &["user", "create", "contoso", "carol"], 0);
    let updated = stdout_json(
        &s,
        &[
            "user",
            "update",
            "contoso",
            "carol",
            "--display-name",
            "Carol",
            "-o",
            "json",
        ],
    );
    let users = api(&s, "/keyless/v1/tenants/contoso/users");
    let listed = users["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["displayName"] == "Carol")
        .unwrap();
    assert_eq!(&updated, listed);
    let tenant = stdout_json(
        &s,
        &[
            "tenant",
            "update",
            "contoso",
            "--display-name",
            "Contoso",
            "-o",
            "json",
        ],
    );
    assert_eq!(tenant, api(&s, "/keyless/v1/tenants/contoso"));
    // A delete prints the object as the API listed it before.
    let deleted = stdout_json(&s, &["user", "delete", "contoso", "carol", "-o", "json"]);
    assert_eq!(deleted, updated);
    let pat = stdout_json(&s, &["pat", "show", "demo", "-o", "json"]);
    assert_eq!(pat, api(&s, "/keyless/v1/pats")["value"][0]);
    let renamed = stdout_json(
        &s,
        &[
            "project", "update", "contoso", "web", "--name", "site", "-o", "json",
        ],
    );
    assert_eq!(
        renamed["project"],
        api(&s, "/keyless/v1/organizations/contoso/projects")["value"][0]
    );
    assert_eq!(renamed["credentialsUpdated"], 0);
}
