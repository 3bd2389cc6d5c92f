//! The task table. Input names, aliases and connection types are those of each task's
//! definition (`task.json`, and for the authenticate tasks the variant that adds the Azure
//! DevOps connection input); `published` is the cell of Microsoft's table of tasks that
//! support workload identity federation, word for word (links dropped, their text kept).

use super::{Input, InputSupport, Support, Task, When};
use crate::refs::ConnectionKind as K;

const fn input(
    name: &'static str,
    aliases: &'static [&'static str],
    kind: K,
    service: &'static str,
) -> Input {
    Input {
        name,
        aliases,
        kind,
        service,
        support: InputSupport::Unrated,
        instead: None,
        when: None,
        published_as: &[],
    }
}

/// An Azure Resource Manager input.
const fn arm(name: &'static str, aliases: &'static [&'static str]) -> Input {
    input(name, aliases, K::AzureRm, "AzureRM")
}
/// An Azure DevOps input (the `WorkloadIdentityUser` connection type).
const fn ado(name: &'static str, aliases: &'static [&'static str]) -> Input {
    input(name, aliases, K::AzureDevOps, "WorkloadIdentityUser")
}
const fn docker(name: &'static str, aliases: &'static [&'static str]) -> Input {
    input(name, aliases, K::DockerRegistry, "dockerregistry")
}
const fn kube(name: &'static str, aliases: &'static [&'static str]) -> Input {
    input(name, aliases, K::Kubernetes, "kubernetes")
}
const fn other(
    name: &'static str,
    aliases: &'static [&'static str],
    service: &'static str,
) -> Input {
    input(name, aliases, K::Other, service)
}

impl Input {
    const fn yes(mut self) -> Input {
        self.support = InputSupport::Yes;
        self
    }
    const fn no(mut self, instead: Option<&'static str>) -> Input {
        self.support = InputSupport::No;
        self.instead = instead;
        self
    }
    const fn use_azure(mut self) -> Input {
        self.support = InputSupport::UseAzure;
        self
    }
    const fn when(
        mut self,
        input: &'static [&'static str],
        equals: &'static str,
        default: &'static str,
    ) -> Input {
        self.when = Some(When {
            input,
            equals,
            default,
        });
        self
    }
    const fn published_as(mut self, names: &'static [&'static str]) -> Input {
        self.published_as = names;
        self
    }
}

const fn task(
    name: &'static str,
    major: u32,
    support: Support,
    published: Option<&'static str>,
    inputs: &'static [Input],
) -> Task {
    Task {
        name,
        major,
        support,
        published,
        inputs,
    }
}
const fn y(name: &'static str, major: u32, inputs: &'static [Input]) -> Task {
    task(name, major, Support::Yes, Some("Y"), inputs)
}
const fn n(name: &'static str, major: u32, inputs: &'static [Input]) -> Task {
    task(name, major, Support::No, Some("N"), inputs)
}
const fn upgrade(
    name: &'static str,
    major: u32,
    to: &'static str,
    published: &'static str,
    inputs: &'static [Input],
) -> Task {
    task(
        name,
        major,
        Support::UseVersion(to),
        Some(published),
        inputs,
    )
}
const fn pending(name: &'static str, major: u32, inputs: &'static [Input]) -> Task {
    task(
        name,
        major,
        Support::Pending("2024 Q2"),
        Some("2024 Q2"),
        inputs,
    )
}
const fn per_input(
    name: &'static str,
    major: u32,
    published: &'static str,
    inputs: &'static [Input],
) -> Task {
    task(name, major, Support::PerInput, Some(published), inputs)
}
const fn unrated(name: &'static str, major: u32, inputs: &'static [Input]) -> Task {
    task(name, major, Support::Unrated, None, inputs)
}

const AZ_SUB: &[&str] = &["azureSubscription"];
const CLASSIC: &[&str] = &["azureClassicSubscription"];
const ADO_ALIAS: &[&str] = &["azureDevOpsServiceConnection"];
const NONE: &[&str] = &[];

/// `ConnectedServiceName` (alias `azureSubscription`): the most common shape.
const CSN: &[Input] = &[arm("ConnectedServiceName", AZ_SUB)];
/// `connectedServiceNameARM` (alias `azureSubscription`).
const CSN_ARM_LOWER: &[Input] = &[arm("connectedServiceNameARM", AZ_SUB)];
/// `ConnectedServiceNameARM` (alias `azureSubscription`).
const CSN_ARM: &[Input] = &[arm("ConnectedServiceNameARM", AZ_SUB)];
/// A classic (certificate) Azure connection beside the Azure Resource Manager one.
const CLASSIC_AND_ARM: &[Input] = &[
    other("ConnectedServiceName", CLASSIC, "Azure"),
    arm("ConnectedServiceNameARM", AZ_SUB),
];
const AZURE_SUBSCRIPTION: &[Input] = &[arm("azureSubscription", NONE)];
const DOCKER_SC: &[Input] = &[docker("dockerRegistryServiceConnection", NONE)];
const NO_INPUTS: &[Input] = &[];

const AZCLI3_PICKER: &[&str] = &["connectionType"];
const INVOKE_PICKER: &[&str] = &["connectedServiceNameSelector", "connectionType"];
const HELM_PICKER: &[&str] = &["connectionType"];
const KUBE_CONN: &str = "Kubernetes Service Connection";
const ARM_CONN: &str = "Azure Resource Manager";

#[rustfmt::skip]
pub static TASKS: &[Task] = &[
    y("AutomatedAnalysis", 0, &[arm("connectedServiceNameARM", NONE)]),
    y("AzureAppServiceManage", 0, CSN),
    y("AzureAppServiceSettings", 1, CSN),
    unrated("AzureAppConfigurationExport", 10, CSN),
    unrated("AzureAppConfigurationImport", 10, CSN),
    y("AzureCLI", 1, CSN_ARM_LOWER),
    y("AzureCLI", 2, CSN_ARM_LOWER),
    unrated("AzureCLI", 3, &[
        arm("connectedServiceNameARM", AZ_SUB).when(AZCLI3_PICKER, "azureRM", "azureRM"),
        ado("azureDevOpsServiceConnection", NONE).when(AZCLI3_PICKER, "azureDevOps", "azureRM"),
    ]),
    upgrade("AzureCloudPowerShellDeployment", 1, "AzureCloudPowerShellDeployment@2", "Use AzureCloudPowerShellDeployment@2", &[
        other("ConnectedServiceName", CLASSIC, "Azure"),
        arm("ARMConnectedServiceName", NONE),
    ]),
    y("AzureCloudPowerShellDeployment", 2, &[arm("ARMConnectedServiceName", NONE)]),
    y("AzureContainerApps", 0, CSN_ARM_LOWER),
    y("AzureContainerApps", 1, CSN_ARM_LOWER),
    upgrade("AzureFileCopy", 1, "AzureFileCopy@6", "Use AzureFileCopy@6", CLASSIC_AND_ARM),
    upgrade("AzureFileCopy", 2, "AzureFileCopy@6", "Use AzureFileCopy@6", CLASSIC_AND_ARM),
    upgrade("AzureFileCopy", 3, "AzureFileCopy@6", "Use AzureFileCopy@6", CSN_ARM),
    upgrade("AzureFileCopy", 4, "AzureFileCopy@6", "Use AzureFileCopy@6", CSN_ARM),
    upgrade("AzureFileCopy", 5, "AzureFileCopy@6", "Use AzureFileCopy@6", CSN_ARM),
    y("AzureFileCopy", 6, CSN_ARM),
    y("AzureFunctionApp", 1, AZURE_SUBSCRIPTION),
    y("AzureFunctionApp", 2, &[arm("azureSubscription", &["connectedServiceNameARM"])]),
    y("AzureFunctionAppContainer", 1, AZURE_SUBSCRIPTION),
    upgrade("AzureFunctionOnKubernetes", 0, "AzureFunctionOnKubernetes@1", "Use AzureFunctionOnKubernetes@1", &[
        docker("dockerRegistryServiceConnection", NONE),
        kube("kubernetesServiceConnection", NONE),
    ]),
    per_input("AzureFunctionOnKubernetes", 1,
        "azureSubscriptionConnection: Y, dockerRegistryServiceConnection: N, use Azure instead of Kubernetes service connection",
        &[
            docker("dockerRegistryServiceConnection", NONE).no(None),
            kube("kubernetesServiceEndpoint", &["kubernetesServiceConnection"]).use_azure().when(HELM_PICKER, KUBE_CONN, KUBE_CONN),
            arm("azureSubscriptionEndpoint", &["azureSubscriptionConnection"]).yes().when(HELM_PICKER, ARM_CONN, KUBE_CONN),
        ]),
    per_input("AzureIoTEdge", 2, "azureSubscription: Y, azureSubscriptionEndpoint: Y, dockerRegistryConnection: N", &[
        arm("connectedServiceNameARM", AZ_SUB).yes(),
        docker("dockerRegistryEndpoint", &["dockerRegistryConnection"]).no(Some("azureSubscriptionEndpoint")),
        arm("azureSubscriptionEndpoint", NONE).yes(),
    ]),
    y("AzureKeyVault", 1, CSN),
    y("AzureKeyVault", 2, CSN),
    upgrade("AzureMonitor", 0, "AzureMonitor@1", "Use AzureMonitor@1", &[arm("connectedServiceNameARM", NONE)]),
    y("AzureMonitor", 1, &[arm("connectedServiceNameARM", NONE)]),
    y("AzureMysqlDeployment", 1, CSN),
    unrated("AzureMysqlDeployment", 2, CSN),
    n("AzureNLBManagement", 1, CSN),
    y("AzurePolicyCheckGate", 0, CSN),
    y("AzurePowerShell", 2, CLASSIC_AND_ARM),
    y("AzurePowerShell", 3, CLASSIC_AND_ARM),
    y("AzurePowerShell", 4, CSN_ARM),
    y("AzurePowerShell", 5, CSN_ARM),
    y("AzureResourceGroupDeployment", 2, &[
        arm("ConnectedServiceName", AZ_SUB),
        other("deploymentGroupEndpoint", &["teamServicesConnection"], "ExternalTfs"),
    ]),
    y("AzureResourceManagerTemplateDeployment", 3, &[arm("ConnectedServiceName", &["azureResourceManagerConnection"])]),
    per_input("AzureRmWebAppDeployment", 3, "azureSubscription:Y, dockerRegistryConnection: N", &[
        arm("ConnectedServiceName", AZ_SUB).yes(),
        docker("RegistryConnectedServiceName", &["dockerRegistryConnection"]).no(None),
    ]),
    y("AzureRmWebAppDeployment", 4, CSN),
    unrated("AzureRmWebAppDeployment", 5, CSN),
    y("AzureSpringCloud", 0, CSN),
    y("AzureVmssDeployment", 0, CSN),
    unrated("AzureVmssDeployment", 1, CSN),
    y("AzureWebApp", 1, AZURE_SUBSCRIPTION),
    y("AzureWebAppContainer", 1, AZURE_SUBSCRIPTION),
    unrated("ArchiveFiles", 2, NO_INPUTS),
    unrated("Bash", 3, NO_INPUTS),
    unrated("BatchScript", 1, NO_INPUTS),
    unrated("BicepDeploy", 0, &[arm("ConnectedServiceName", &["azureResourceManagerConnection"])]),
    unrated("Cache", 2, NO_INPUTS),
    unrated("CargoAuthenticate", 0, &[
        other("cargoServiceConnections", NONE, "externalcargorepository"),
        ado("workloadIdentityServiceConnection", ADO_ALIAS),
    ]),
    unrated("CmdLine", 2, NO_INPUTS),
    unrated("CondaAuthenticate", 0, &[ado("workloadIdentityServiceConnection", ADO_ALIAS)]),
    n("ContainerBuild", 0, DOCKER_SC),
    n("ContainerStructureTest", 0, DOCKER_SC),
    unrated("CopyFiles", 2, NO_INPUTS),
    unrated("CopyFilesOverSSH", 0, &[other("sshEndpoint", NONE, "ssh")]),
    unrated("Delay", 1, NO_INPUTS),
    unrated("DeleteFiles", 1, NO_INPUTS),
    per_input("Docker", 0, "azureSubscription: y,dockerRegistryConnection: N", &[
        docker("dockerRegistryEndpoint", &["dockerRegistryConnection"]).no(Some("azureSubscriptionEndpoint")),
        arm("azureSubscriptionEndpoint", AZ_SUB).yes(),
        other("dockerHostEndpoint", NONE, "dockerhost"),
    ]),
    per_input("Docker", 1, "azureSubscription: y, azureSubscriptionEndpoint: Y, dockerRegistryConnection: N", &[
        docker("dockerRegistryEndpoint", NONE).no(Some("azureSubscriptionEndpoint")).published_as(&["dockerRegistryConnection"]),
        arm("azureSubscriptionEndpoint", NONE).yes().published_as(AZ_SUB),
        other("dockerHostEndpoint", NONE, "dockerhost"),
    ]),
    pending("Docker", 2, &[docker("containerRegistry", NONE)]),
    per_input("DockerCompose", 0, "azureSubscription: Y, dockerRegistryEndpoint: N", &[
        docker("dockerRegistryEndpoint", NONE).no(Some("azureSubscriptionEndpoint")),
        arm("azureSubscriptionEndpoint", AZ_SUB).yes(),
        other("dockerHostEndpoint", NONE, "dockerhost"),
    ]),
    unrated("DockerCompose", 1, &[
        docker("dockerRegistryEndpoint", NONE),
        arm("azureSubscriptionEndpoint", AZ_SUB),
        other("dockerHostEndpoint", NONE, "dockerhost"),
    ]),
    unrated("DotNetCoreCLI", 2, &[
        arm("ConnectedServiceName", AZ_SUB),
        other("externalEndpoints", &["externalFeedCredentials"], "ExternalNuGetFeed"),
        other("externalEndpoint", &["publishFeedCredentials"], "ExternalNuGetFeed"),
    ]),
    unrated("DownloadBuildArtifacts", 1, NO_INPUTS),
    unrated("DownloadPipelineArtifact", 2, NO_INPUTS),
    unrated("DownloadSecureFile", 1, NO_INPUTS),
    unrated("ExtractFiles", 1, NO_INPUTS),
    unrated("FileTransform", 2, NO_INPUTS),
    unrated("GitHubRelease", 1, &[input("gitHubConnection", NONE, K::Repository, "github")]),
    unrated("GradleAuthenticate", 0, &[ado("adoServiceConnection", NONE)]),
    unrated("Gradle", 3, NO_INPUTS),
    per_input("HelmDeploy", 0,
        "Y, use Azure instead of Kubernetes service connection",
        &[
            arm("azureSubscriptionEndpoint", AZ_SUB).yes().when(HELM_PICKER, ARM_CONN, ARM_CONN),
            kube("kubernetesServiceEndpoint", &["kubernetesServiceConnection"]).use_azure().when(HELM_PICKER, KUBE_CONN, ARM_CONN),
            arm("azureSubscriptionEndpointForACR", &["azureSubscriptionForACR"]).yes(),
        ]),
    unrated("HelmDeploy", 1, &[
        arm("azureSubscriptionEndpoint", AZ_SUB).when(HELM_PICKER, ARM_CONN, ARM_CONN),
        kube("kubernetesServiceEndpoint", &["kubernetesServiceConnection"]).when(HELM_PICKER, KUBE_CONN, ARM_CONN),
        arm("azureSubscriptionEndpointForACR", &["azureSubscriptionForACR"]),
    ]),
    y("InvokeRESTAPI", 1, &[
        other("connectedServiceName", &["serviceConnection", "genericService"], "Generic")
            .when(INVOKE_PICKER, "connectedServiceName", "connectedServiceName"),
        arm("connectedServiceNameARM", &["azureServiceConnection", "azureSubscription"])
            .when(INVOKE_PICKER, "connectedServiceNameARM", "connectedServiceName"),
        ado("connectedServiceNameAzureDevOps", ADO_ALIAS)
            .when(INVOKE_PICKER, "connectedServiceNameAzureDevOps", "connectedServiceName"),
    ]),
    y("JavaToolInstaller", 0, &[arm("azureResourceManagerEndpoint", NONE)]),
    unrated("JavaToolInstaller", 1, &[arm("azureResourceManagerEndpoint", NONE)]),
    y("JenkinsDownloadArtifacts", 1, &[
        other("serverEndpoint", &["jenkinsServerConnection"], "Jenkins"),
        arm("ConnectedServiceNameARM", NONE),
    ]),
    upgrade("Kubernetes", 0, "Kubernetes@1", "Use Kubernetes@1", &[
        kube("kubernetesServiceEndpoint", &["kubernetesServiceConnection"]),
        docker("dockerRegistryEndpoint", &["dockerRegistryConnection"]),
        arm("azureSubscriptionEndpoint", AZ_SUB),
    ]),
    per_input("Kubernetes", 1,
        "azureSubscriptionEndpoint: Y, dockerRegistryEndpoint: N, use Azure instead of Kubernetes service connection",
        &[
            kube("kubernetesServiceEndpoint", NONE).use_azure().when(HELM_PICKER, KUBE_CONN, KUBE_CONN),
            arm("azureSubscriptionEndpoint", NONE).yes().when(HELM_PICKER, ARM_CONN, KUBE_CONN),
            docker("dockerRegistryEndpoint", NONE).no(Some("azureSubscriptionEndpointForSecrets")),
            arm("azureSubscriptionEndpointForSecrets", NONE),
        ]),
    upgrade("KubernetesManifest", 0, "KubernetesManifest@1", "Use KubernetesManifest@1", &[
        kube("kubernetesServiceConnection", NONE),
        docker("dockerRegistryEndpoint", NONE),
    ]),
    per_input("KubernetesManifest", 1,
        "azureSubscriptionConnection: Y, dockerRegistryEndpoint: N, use Azure instead of Kubernetes service connection",
        &[
            kube("kubernetesServiceEndpoint", &["kubernetesServiceConnection"]).use_azure()
                .when(HELM_PICKER, "kubernetesServiceConnection", "kubernetesServiceConnection"),
            arm("azureSubscriptionEndpoint", &["azureSubscriptionConnection"]).yes()
                .when(HELM_PICKER, "azureResourceManager", "kubernetesServiceConnection"),
            docker("dockerRegistryEndpoint", NONE).no(None),
        ]),
    unrated("ManualValidation", 1, NO_INPUTS),
    unrated("Maven", 4, &[arm("ConnectedServiceName", AZ_SUB)]),
    unrated("MavenAuthenticate", 0, &[
        other("mavenServiceConnections", NONE, "externalmavenrepository"),
        ado("workloadIdentityServiceConnection", ADO_ALIAS),
    ]),
    n("Notation", 0, &[arm("azurekvServiceConection", NONE)]),
    unrated("npmAuthenticate", 0, &[
        other("customEndpoint", NONE, "externalnpmregistry"),
        ado("workloadIdentityServiceConnection", ADO_ALIAS),
    ]),
    unrated("Npm", 1, &[
        other("customEndpoint", NONE, "externalnpmregistry"),
        other("publishEndpoint", NONE, "externalnpmregistry"),
    ]),
    unrated("NuGetAuthenticate", 0, &[other("nuGetServiceConnections", NONE, "ExternalNuGetFeed")]),
    unrated("NuGetAuthenticate", 1, &[
        other("nuGetServiceConnections", NONE, "ExternalNuGetFeed"),
        ado("workloadIdentityServiceConnection", ADO_ALIAS),
    ]),
    unrated("NuGetCommand", 2, &[
        other("externalEndpoints", &["externalFeedCredentials"], "ExternalNuGetFeed"),
        other("externalEndpoint", &["publishFeedCredentials"], "ExternalNuGetFeed"),
    ]),
    pending("PackerBuild", 0, &[arm("ConnectedServiceName", NONE)]),
    pending("PackerBuild", 1, &[arm("ConnectedServiceName", NONE)]),
    unrated("PipAuthenticate", 1, &[
        other("pythonDownloadServiceConnections", NONE, "externalPythonDownloadFeed"),
        ado("workloadIdentityServiceConnection", ADO_ALIAS),
    ]),
    unrated("PowerShell", 2, NO_INPUTS),
    unrated("PublishBuildArtifacts", 1, NO_INPUTS),
    unrated("PublishCodeCoverageResults", 2, NO_INPUTS),
    unrated("PublishPipelineArtifact", 1, NO_INPUTS),
    unrated("PublishTestResults", 2, NO_INPUTS),
    n("PublishToAzureServiceBus", 1, &[other("connectedServiceName", AZ_SUB, "AzureServiceBus")]),
    pending("PublishToAzureServiceBus", 2, &[arm("connectedServiceName", AZ_SUB)]),
    unrated("PythonScript", 0, NO_INPUTS),
    n("ServiceFabricComposeDeploy", 0, &[
        other("serviceConnectionName", &["clusterConnection"], "servicefabric"),
        docker("dockerRegistryEndpointName", &["dockerRegistryConnection"]),
        arm("azureSubscriptionEndpoint", AZ_SUB),
    ]),
    n("ServiceFabricDeploy", 1, &[
        other("serviceConnectionName", NONE, "servicefabric"),
        docker("dockerRegistryEndpoint", &["dockerRegistryConnection"]),
        arm("azureSubscriptionEndpoint", AZ_SUB),
    ]),
    unrated("ShellScript", 2, NO_INPUTS),
    y("SqlAzureDacpacDeployment", 1, CLASSIC_AND_ARM),
    unrated("SSH", 0, &[other("sshEndpoint", NONE, "ssh")]),
    unrated("TwineAuthenticate", 1, &[
        other("pythonUploadServiceConnection", NONE, "externalPythonUploadFeed"),
        ado("workloadIdentityServiceConnection", ADO_ALIAS),
    ]),
    unrated("UniversalPackages", 1, &[ado("adoServiceConnection", &["workloadIdentityServiceConnection", "azureDevOpsServiceConnection"])]),
    unrated("UseDotNet", 2, NO_INPUTS),
    unrated("UseNode", 1, NO_INPUTS),
    unrated("UsePythonVersion", 0, NO_INPUTS),
    unrated("VSBuild", 1, NO_INPUTS),
    unrated("VSTest", 2, NO_INPUTS),
    unrated("VSTest", 3, &[arm("ConnectedServiceName", AZ_SUB)]),
];
