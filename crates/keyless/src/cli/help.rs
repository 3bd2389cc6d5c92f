//! Examples shown at the end of each command's `--help` (and in its manual page), kept in
//! one table so that every command has one: a unit test walks the command tree. A new
//! command adds its line here.

/// The command's path (without `keyless`) and its examples, one per line.
pub const EXAMPLES: &[(&str, &str)] = &[
    ("serve", "keyless serve --demo"),
    ("apply", "keyless apply -f world.yaml"),
    ("demo env", "eval \"$(keyless demo env)\""),
    ("explain", "keyless explain AADSTS700213"),
    (
        "audit",
        "keyless audit --decision denied --since 1h\nkeyless audit --code AADSTS700213 -o json",
    ),
    ("doctor", "keyless doctor contoso web demo-connection"),
    ("lint", "keyless lint . --org contoso --project web"),
    (
        "login",
        "keyless login --url https://127.0.0.1:8443 --token kls_pat_…",
    ),
    ("status", "keyless status"),
    ("pool list", "keyless pool list contoso"),
    ("pool create", "keyless pool create contoso linux-vms"),
    ("pool delete", "keyless pool delete contoso linux-vms"),
    ("agent list", "keyless agent list contoso --pool linux-vms"),
    (
        "agent add",
        "keyless agent add contoso vm-agent-1 --pool linux-vms --vm /subscriptions/…/virtualMachines/vm1",
    ),
    (
        "agent remove",
        "keyless agent remove contoso vm-agent-1 --pool linux-vms",
    ),
    (
        "backup",
        "keyless backup --data .keyless keyless-2026-12-05.db",
    ),
    (
        "restore",
        "keyless restore --data .keyless keyless-2026-12-05.db",
    ),
    (
        "kek rotate",
        "KEYLESS_KEK=old KEYLESS_NEW_KEK=new keyless kek rotate --data .keyless",
    ),
    ("completion", "keyless completion zsh > ~/.zfunc/_keyless"),
    ("man", "keyless man --dir docs/man"),
    (
        "pat create",
        "keyless pat create reader --scope read --days 7",
    ),
    ("pat list", "keyless pat list"),
    ("pat show", "keyless pat show reader"),
    ("pat revoke", "keyless pat revoke reader"),
    ("tenant create", "keyless tenant create fabrikam"),
    ("tenant list", "keyless tenant list -o tsv"),
    ("tenant show", "keyless tenant show contoso"),
    (
        "tenant set",
        "keyless tenant set contoso usersCanRegisterApps=false",
    ),
    (
        "tenant update",
        "keyless tenant update fabrikam --display-name \"Fabrikam Ltd\"",
    ),
    ("tenant delete", "keyless tenant delete fabrikam --yes"),
    ("user create", "keyless user create contoso alice"),
    (
        "user update",
        "keyless user update contoso alice --display-name \"Alice Smith\"",
    ),
    ("user delete", "keyless user delete contoso alice"),
    ("user show", "keyless user show contoso admin"),
    (
        "user list",
        "keyless user list contoso --query \"value[].userPrincipalName\"",
    ),
    (
        "user role add",
        "keyless user role add contoso \"Application Administrator\" --app ci-deployer",
    ),
    (
        "user role remove",
        "keyless user role remove contoso \"Application Administrator\" --user alice",
    ),
    ("user role list", "keyless user role list contoso"),
    (
        "user guest add",
        "keyless user guest add contoso eve@fabrikam.onmicrosoft.com",
    ),
    (
        "user guest remove",
        "keyless user guest remove contoso eve@fabrikam.onmicrosoft.com",
    ),
    ("user guest list", "keyless user guest list contoso"),
    (
        "org create",
        "keyless org create northwind --tenant contoso",
    ),
    ("org list", "keyless org list"),
    ("org show", "keyless org show contoso"),
    (
        "org settings",
        "keyless org settings contoso --feature workload-identity-arm=on",
    ),
    (
        "org member add",
        "keyless org member add contoso alice@contoso.onmicrosoft.com \"Project Collection Administrators\"",
    ),
    ("org member list", "keyless org member list contoso"),
    (
        "org member remove",
        "keyless org member remove contoso alice@contoso.onmicrosoft.com \"Project Collection Administrators\"",
    ),
    (
        "org user set",
        "keyless org user set contoso bob@contoso.onmicrosoft.com Stakeholder",
    ),
    ("org user list", "keyless org user list contoso"),
    ("org rename", "keyless org rename contoso contoso-eu"),
    (
        "org update",
        "keyless org update contoso --name contoso-eu --owner alice@contoso.onmicrosoft.com",
    ),
    ("org delete", "keyless org delete northwind --yes"),
    (
        "org identity add",
        "keyless org identity add contoso \"$AZURE_CLIENT_ID\" --project web=Readers",
    ),
    ("org identity list", "keyless org identity list contoso"),
    (
        "org identity remove",
        "keyless org identity remove contoso \"$AZURE_CLIENT_ID\"",
    ),
    ("project create", "keyless project create contoso api"),
    ("project list", "keyless project list contoso"),
    ("project show", "keyless project show contoso web"),
    (
        "project update",
        "keyless project update contoso api --name api-v2",
    ),
    ("project delete", "keyless project delete contoso api --yes"),
    (
        "project member add",
        "keyless project member add contoso web alice@contoso.onmicrosoft.com Contributors",
    ),
    (
        "project member list",
        "keyless project member list contoso web",
    ),
    (
        "project member remove",
        "keyless project member remove contoso web alice@contoso.onmicrosoft.com Contributors",
    ),
    (
        "subscription create",
        "keyless subscription create prod --tenant contoso",
    ),
    ("subscription list", "keyless subscription list"),
    (
        "subscription show",
        "keyless subscription show demo-subscription",
    ),
    (
        "subscription update",
        "keyless subscription update prod --name production",
    ),
    ("subscription delete", "keyless subscription delete prod"),
    (
        "pipeline create",
        "keyless pipeline create contoso web deploy --file azure-pipelines.yml",
    ),
    ("pipeline list", "keyless pipeline list contoso web"),
    ("pipeline show", "keyless pipeline show contoso web deploy"),
    (
        "pipeline update",
        "keyless pipeline update contoso web deploy --file azure-pipelines.yml",
    ),
    (
        "pipeline delete",
        "keyless pipeline delete contoso web deploy",
    ),
    (
        "pipeline security list",
        "keyless pipeline security list contoso web deploy",
    ),
    (
        "pipeline security set",
        "keyless pipeline security set contoso web deploy QueueBuilds Deny --group Contributors",
    ),
    (
        "job start",
        "eval \"$(keyless job start contoso web deploy)\"",
    ),
    (
        "sc list",
        "keyless sc list contoso web\nkeyless sc list contoso web -o tsv --query \"value[].[name,id]\"",
    ),
    ("sc show", "keyless sc show contoso demo-connection"),
    (
        "sc create",
        "keyless sc create contoso web deploy --automatic --subscription-id \"$AZURE_SUBSCRIPTION_ID\"\nkeyless sc create contoso web byo --client-id \"$AZURE_CLIENT_ID\" --tenant-id \"$AZURE_TENANT_ID\" --subscription-id \"$AZURE_SUBSCRIPTION_ID\"",
    ),
    ("sc verify", "keyless sc verify contoso demo-connection"),
    (
        "sc convert",
        "keyless sc convert contoso demo-connection --revert",
    ),
    (
        "sc permissions",
        "keyless sc permissions contoso web demo-connection --authorize 3,4",
    ),
    (
        "sc update",
        "keyless sc update contoso demo-connection --description \"deploys web\"\nkeyless sc update contoso demo-connection --name web-deploy",
    ),
    ("sc delete", "keyless sc delete contoso demo-connection"),
    (
        "exec",
        "keyless exec --org contoso --project web --connection demo-connection -- terraform plan",
    ),
    (
        "run",
        "keyless run azure-pipelines.yml --org contoso --project web",
    ),
    (
        "account get-access-token",
        "keyless account get-access-token\nkeyless account get-access-token --tenant contoso --query accessToken -o tsv",
    ),
    ("keys list", "keyless keys list"),
    ("keys rotate", "keyless keys rotate --issuer tenant:contoso"),
];

/// `cmd` with each command's examples after its help.
pub fn with_examples(cmd: clap::Command) -> clap::Command {
    add(cmd, "")
}

fn add(mut cmd: clap::Command, path: &str) -> clap::Command {
    if let Some((_, ex)) = EXAMPLES.iter().find(|(p, _)| *p == path) {
        let lines: Vec<String> = ex.lines().map(|l| format!("  {l}")).collect();
        cmd = cmd.after_help(format!("Examples:\n{}", lines.join("\n")));
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub = match path {
            "" => name.clone(),
            p => format!("{p} {name}"),
        };
        cmd = cmd.mut_subcommand(&name, |s| add(s, &sub));
    }
    cmd
}
