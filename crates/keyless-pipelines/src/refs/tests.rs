use super::*;
use crate::testing::*;

#[test]
fn task_inputs_by_name_or_alias_ignoring_case() {
    let p = steps(vec![
        named_task(
            "AzureCLI@2",
            "Deploy",
            10,
            &[("AZURESUBSCRIPTION", "prod-arm"), ("scriptType", "bash")],
        ),
        task("AzureWebApp@1", 20, &[("azureSubscription", "$(conn)")]),
        task("PowerShell@2", 30, &[("targetType", "inline")]),
    ]);
    let refs = connection_refs(&p);
    assert_eq!(refs.len(), 2);
    assert_eq!(refs[0].name, located("prod-arm", 12, 20));
    assert_eq!(refs[0].kind, ConnectionKind::AzureRm);
    assert!(!refs[0].runtime);
    assert_eq!(
        refs[0].site,
        Site::TaskInput {
            stage: "__default".into(),
            job: "Job".into(),
            step: "Deploy".into(),
            task: "AzureCLI@2".into(),
            input: "AZURESUBSCRIPTION".into(),
        }
    );
    assert_eq!(
        refs[0].site.describe(),
        "input AZURESUBSCRIPTION of AzureCLI@2 (step 'Deploy', job Job, stage __default)"
    );
    assert!(refs[1].runtime);
    match &refs[1].site {
        Site::TaskInput { step, .. } => assert_eq!(step, "AzureWebApp@1"),
        s => panic!("{s:?}"),
    }
}

#[test]
fn azure_cli_3_reads_the_input_its_connection_type_selects() {
    let p = steps(vec![
        task("AzureCLI@3", 10, &[("azureSubscription", "arm")]),
        task(
            "AzureCLI@3",
            20,
            &[
                ("connectionType", "azureDevOps"),
                ("azureDevOpsServiceConnection", "ado"),
                ("azureSubscription", "ignored"),
            ],
        ),
        task(
            "AzureCLI@3",
            30,
            &[
                ("connectionType", "AZURERM"),
                ("azureDevOpsServiceConnection", "ignored"),
            ],
        ),
    ]);
    let refs = connection_refs(&p);
    let got: Vec<(&str, ConnectionKind)> = refs
        .iter()
        .map(|r| (r.name.value.as_str(), r.kind))
        .collect();
    assert_eq!(
        got,
        vec![
            ("arm", ConnectionKind::AzureRm),
            ("ado", ConnectionKind::AzureDevOps)
        ]
    );
}

#[test]
fn resources_give_their_endpoints_and_subscriptions() {
    let mut p = steps(vec![script(5)]);
    p.resources.repositories = vec![
        repository("templates", "git", Some("my-azdo-connection"), 2),
        repository("gh", "github", Some("github-conn"), 6),
        repository("local", "git", None, 10),
    ];
    p.resources.containers = vec![container(
        "build",
        "contoso.azurecr.io/build:1",
        Some("acr-docker"),
        Some("$[ variables.c ]"),
        14,
    )];
    let refs = connection_refs(&p);
    let got: Vec<(&str, ConnectionKind, bool)> = refs
        .iter()
        .map(|r| (r.name.value.as_str(), r.kind, r.runtime))
        .collect();
    assert_eq!(
        got,
        vec![
            ("my-azdo-connection", ConnectionKind::AzureDevOps, false),
            ("github-conn", ConnectionKind::Repository, false),
            ("acr-docker", ConnectionKind::DockerRegistry, false),
            ("$[ variables.c ]", ConnectionKind::AzureRm, true),
        ]
    );
    assert_eq!(
        refs[0].site,
        Site::RepositoryEndpoint {
            alias: "templates".into()
        }
    );
    assert_eq!(
        refs[3].site,
        Site::ContainerSubscription {
            alias: "build".into()
        }
    );
}

#[test]
fn unknown_tasks_and_empty_values_give_no_reference() {
    let p = steps(vec![
        task("Contoso.Deploy@1", 10, &[("azureSubscription", "x")]),
        task("AzureCLI@9", 20, &[("azureSubscription", "x")]),
        task("AzureCLI@2", 30, &[("azureSubscription", "  ")]),
    ]);
    assert!(connection_refs(&p).is_empty());
}

#[test]
fn macros_and_run_time_values() {
    assert_eq!(macros("$(a)-$( b )-$(c"), vec!["a", "b"]);
    assert!(macros("plain").is_empty());
    assert!(is_runtime("$(x)"));
    assert!(is_runtime("$[ variables.x ]"));
    assert!(!is_runtime("${{ parameters.x }}"));
    assert!(!is_runtime("costs $5"));
}
