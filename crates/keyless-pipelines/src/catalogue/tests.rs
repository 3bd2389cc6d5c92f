use super::*;

/// Microsoft's table of tasks and their workload identity federation support, transcribed
/// (links dropped, their text kept).
const PUBLISHED: &[(&str, &str)] = &[
    ("AutomatedAnalysis@0", "Y"),
    ("AzureAppServiceManage@0", "Y"),
    ("AzureAppServiceSettings@1", "Y"),
    ("AzureCLI@1", "Y"),
    ("AzureCLI@2", "Y"),
    (
        "AzureCloudPowerShellDeployment@1",
        "Use AzureCloudPowerShellDeployment@2",
    ),
    ("AzureCloudPowerShellDeployment@2", "Y"),
    ("AzureContainerApps@0", "Y"),
    ("AzureContainerApps@1", "Y"),
    ("AzureFileCopy@1", "Use AzureFileCopy@6"),
    ("AzureFileCopy@2", "Use AzureFileCopy@6"),
    ("AzureFileCopy@3", "Use AzureFileCopy@6"),
    ("AzureFileCopy@4", "Use AzureFileCopy@6"),
    ("AzureFileCopy@5", "Use AzureFileCopy@6"),
    ("AzureFileCopy@6", "Y"),
    ("AzureFunctionApp@1", "Y"),
    ("AzureFunctionApp@2", "Y"),
    ("AzureFunctionAppContainer@1", "Y"),
    (
        "AzureFunctionOnKubernetes@0",
        "Use AzureFunctionOnKubernetes@1",
    ),
    (
        "AzureFunctionOnKubernetes@1",
        "azureSubscriptionConnection: Y, dockerRegistryServiceConnection: N, use Azure instead of Kubernetes service connection",
    ),
    (
        "AzureIoTEdge@2",
        "azureSubscription: Y, azureSubscriptionEndpoint: Y, dockerRegistryConnection: N",
    ),
    ("AzureKeyVault@1", "Y"),
    ("AzureKeyVault@2", "Y"),
    ("AzureMonitor@0", "Use AzureMonitor@1"),
    ("AzureMonitor@1", "Y"),
    ("AzureMysqlDeployment@1", "Y"),
    ("AzureNLBManagement@1", "N"),
    ("AzurePolicyCheckGate@0", "Y"),
    ("AzurePowerShell@2", "Y"),
    ("AzurePowerShell@3", "Y"),
    ("AzurePowerShell@4", "Y"),
    ("AzurePowerShell@5", "Y"),
    ("AzureResourceGroupDeployment@2", "Y"),
    ("AzureResourceManagerTemplateDeployment@3", "Y"),
    (
        "AzureRmWebAppDeployment@3",
        "azureSubscription:Y, dockerRegistryConnection: N",
    ),
    ("AzureRmWebAppDeployment@4", "Y"),
    ("AzureSpringCloud@0", "Y"),
    ("AzureVmssDeployment@0", "Y"),
    ("AzureWebApp@1", "Y"),
    ("AzureWebAppContainer@1", "Y"),
    ("ContainerBuild@0", "N"),
    ("ContainerStructureTest@0", "N"),
    (
        "Docker@0",
        "azureSubscription: y,dockerRegistryConnection: N",
    ),
    (
        "Docker@1",
        "azureSubscription: y, azureSubscriptionEndpoint: Y, dockerRegistryConnection: N",
    ),
    ("Docker@2", "2024 Q2"),
    (
        "DockerCompose@0",
        "azureSubscription: Y, dockerRegistryEndpoint: N",
    ),
    (
        "HelmDeploy@0",
        "Y, use Azure instead of Kubernetes service connection",
    ),
    ("InvokeRESTAPI@1", "Y"),
    ("JavaToolInstaller@0", "Y"),
    ("JenkinsDownloadArtifacts@1", "Y"),
    ("Kubernetes@0", "Use Kubernetes@1"),
    (
        "Kubernetes@1",
        "azureSubscriptionEndpoint: Y, dockerRegistryEndpoint: N, use Azure instead of Kubernetes service connection",
    ),
    ("KubernetesManifest@0", "Use KubernetesManifest@1"),
    (
        "KubernetesManifest@1",
        "azureSubscriptionConnection: Y, dockerRegistryEndpoint: N, use Azure instead of Kubernetes service connection",
    ),
    ("Notation@0", "N"),
    ("PackerBuild@0", "2024 Q2"),
    ("PackerBuild@1", "2024 Q2"),
    ("PublishToAzureServiceBus@1", "N"),
    ("PublishToAzureServiceBus@2", "2024 Q2"),
    ("ServiceFabricComposeDeploy@0", "N"),
    ("ServiceFabricDeploy@1", "N"),
    ("SqlAzureDacpacDeployment@1", "Y"),
];

#[test]
fn every_published_row_is_in_the_table_as_published() {
    assert_eq!(PUBLISHED.len(), 62);
    for (reference, cell) in PUBLISHED {
        let (name, major) = reference.split_once('@').unwrap();
        let t = find(name, major.parse().unwrap()).unwrap_or_else(|| panic!("{reference} missing"));
        assert_eq!(t.published, Some(*cell), "{reference}");
    }
    let listed = TASKS.iter().filter(|t| t.published.is_some()).count();
    assert_eq!(listed, PUBLISHED.len());
}

/// The structured support of each row says what its published cell says.
#[test]
fn support_matches_the_published_cell() {
    for t in TASKS {
        let Some(cell) = t.published else {
            assert_eq!(t.support, Support::Unrated, "{}", t.reference());
            continue;
        };
        match cell {
            "Y" => assert_eq!(t.support, Support::Yes, "{}", t.reference()),
            "N" => assert_eq!(t.support, Support::No, "{}", t.reference()),
            "2024 Q2" => assert_eq!(t.support, Support::Pending("2024 Q2")),
            c if c.starts_with("Use ") => {
                assert_eq!(t.support, Support::UseVersion(&c[4..]), "{}", t.reference())
            }
            c => {
                assert_eq!(t.support, Support::PerInput, "{}", t.reference());
                let guidance = c.contains(USE_AZURE);
                for i in t
                    .inputs
                    .iter()
                    .filter(|i| i.kind == ConnectionKind::Kubernetes)
                {
                    let want = if guidance {
                        InputSupport::UseAzure
                    } else {
                        InputSupport::Unrated
                    };
                    assert_eq!(i.support, want, "{} {}", t.reference(), i.name);
                }
                if c.starts_with("Y,") {
                    for i in t
                        .inputs
                        .iter()
                        .filter(|i| i.kind == ConnectionKind::AzureRm)
                    {
                        assert_eq!(i.support, InputSupport::Yes, "{} {}", t.reference(), i.name);
                    }
                }
                for pair in c.split(',').filter(|p| p.contains(':')) {
                    let (name, rating) = pair.split_once(':').unwrap();
                    let name = name.trim();
                    let input = t
                        .inputs
                        .iter()
                        .find(|i| i.answers_to(name) || i.published_as.contains(&name))
                        .unwrap_or_else(|| panic!("{}: no input {name}", t.reference()));
                    let want = match rating.trim() {
                        "Y" | "y" => InputSupport::Yes,
                        "N" => InputSupport::No,
                        r => panic!("rating {r}"),
                    };
                    assert_eq!(input.support, want, "{} {name}", t.reference());
                }
            }
        }
    }
}

#[test]
fn rows_and_input_names_are_unique() {
    for (n, a) in TASKS.iter().enumerate() {
        for b in &TASKS[n + 1..] {
            assert!(
                !(a.name.eq_ignore_ascii_case(b.name) && a.major == b.major),
                "{} twice",
                a.reference()
            );
        }
        let names: Vec<&str> = a
            .inputs
            .iter()
            .flat_map(|i| std::iter::once(i.name).chain(i.aliases.iter().copied()))
            .collect();
        for (k, x) in names.iter().enumerate() {
            assert!(
                !names[k + 1..].iter().any(|y| y.eq_ignore_ascii_case(x)),
                "{}: {x} twice",
                a.reference()
            );
        }
    }
}

#[test]
fn lookups_ignore_case_and_know_aliases() {
    let t = find("azurecli", 2).unwrap();
    assert_eq!(t.reference(), "AzureCLI@2");
    assert_eq!(
        t.input("AZURESUBSCRIPTION").map(|i| i.name),
        Some("connectedServiceNameARM")
    );
    assert_eq!(t.input("scriptType"), None);
    assert!(find("AzureCLI", 9).is_none());
    assert!(is_known("bash"));
    assert!(!is_known("SomePublisher.Deploy"));
    assert_eq!(versions("AzureFileCopy").count(), 6);
    let three = find("AzureCLI", 3).unwrap();
    assert_eq!(
        three.input("azureDevOpsServiceConnection").map(|i| i.kind),
        Some(ConnectionKind::AzureDevOps)
    );
    let nuget = find("NuGetAuthenticate", 1).unwrap();
    assert_eq!(
        nuget.input("azureDevOpsServiceConnection").map(|i| i.name),
        Some("workloadIdentityServiceConnection")
    );
}

#[test]
fn connection_like_input_names() {
    for yes in [
        "azureSubscription",
        "ConnectedServiceName",
        "connectedServiceNameARM",
        "myServiceConnection",
        "kubernetesServiceConnection",
        "dockerRegistryEndpoint",
        "endpoint",
        "environmentServiceNameAzureRM",
        "backendServiceArm",
    ] {
        assert!(looks_like_connection(yes), "{yes}");
    }
    for no in [
        "scriptType",
        "inlineScript",
        "subscriptionId",
        "endpoints",
        "connection",
    ] {
        assert!(!looks_like_connection(no), "{no}");
    }
}

/// `docs/TASKS.md` must equal what the table generates; `KEYLESS_BLESS=1` rewrites it.
#[test]
fn tasks_md_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/TASKS.md");
    let generated = markdown();
    if std::env::var("KEYLESS_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "docs/TASKS.md is stale: run KEYLESS_BLESS=1 cargo test -p keyless-pipelines tasks_md_is_current"
    );
}
