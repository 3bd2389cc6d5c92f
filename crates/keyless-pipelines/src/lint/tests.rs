use super::*;
use crate::diag::{Code, Severity};
use crate::refs::ConnectionKind;
use crate::testing::*;

/// `line:col code severity` of each finding.
fn brief(d: &[Diagnostic]) -> Vec<String> {
    d.iter()
        .map(|d| {
            format!(
                "{}:{} {} {}",
                d.loc.line,
                d.loc.col,
                d.code,
                d.severity.as_str()
            )
        })
        .collect()
}

fn lint(p: &Pipeline) -> Vec<Diagnostic> {
    let mut d = offline(p);
    sort(&mut d);
    d
}

/// A task step at line 10 with a finding, and steps like it without one.
struct TaskCase {
    reference: &'static str,
    inputs: &'static [(&'static str, &'static str)],
    /// The findings, as [`brief`] gives them.
    brief: &'static [&'static str],
    /// The message of the first finding.
    message: &'static str,
    /// The fix of the first finding, where it is checked.
    fix: Option<&'static str>,
    /// Task steps (reference and inputs, lines 10, 20…) that give no finding.
    clean: &'static [(&'static str, &'static [(&'static str, &'static str)])],
}

fn check_task(c: &TaskCase) {
    let d = lint(&steps(vec![task(c.reference, 10, c.inputs)]));
    assert_eq!(brief(&d), c.brief, "{}", c.reference);
    assert_eq!(d[0].message, c.message, "{}", c.reference);
    if let Some(fix) = c.fix {
        assert_eq!(d[0].fix.as_deref(), Some(fix), "{}", c.reference);
    }
    let clean: Vec<_> = c
        .clean
        .iter()
        .zip((10..).step_by(10))
        .map(|((reference, inputs), line)| task(reference, line, inputs))
        .collect();
    assert_eq!(
        brief(&lint(&steps(clean))),
        Vec::<String>::new(),
        "{}",
        c.reference
    );
}

#[test]
fn kl101_a_task_without_federation() {
    check_task(&TaskCase {
        reference: "ContainerBuild@0",
        inputs: &[("dockerRegistryServiceConnection", "acr")],
        brief: &["12:20 KL101 error"],
        message: "ContainerBuild@0 does not support workload identity federation; its input dockerRegistryServiceConnection names connection 'acr'",
        fix: None,
        // The same task without a connection input, and a supported task.
        clean: &[
            ("ContainerBuild@0", &[("repository", "app")]),
            ("AzureCLI@2", &[("azureSubscription", "arm")]),
        ],
    });
}

#[test]
fn kl102_an_old_version_names_the_new_one() {
    check_task(&TaskCase {
        reference: "AzureFileCopy@4",
        inputs: &[("azureSubscription", "arm"), ("Destination", "AzureBlob")],
        brief: &["12:20 KL102 error"],
        message: "AzureFileCopy@4 does not support workload identity federation, AzureFileCopy@6 does; its input azureSubscription names connection 'arm'",
        fix: Some("Use AzureFileCopy@6"),
        clean: &[("AzureFileCopy@6", &[("azureSubscription", "arm")])],
    });
}

#[test]
fn kl103_an_input_without_federation() {
    check_task(&TaskCase {
        reference: "Docker@1",
        inputs: &[
            ("azureSubscriptionEndpoint", "arm"),
            ("dockerRegistryEndpoint", "hub"),
        ],
        brief: &["13:20 KL103 error"],
        message: "Docker@1 input dockerRegistryEndpoint does not support workload identity federation (connection 'hub')",
        fix: Some(
            "Use the input azureSubscriptionEndpoint with an Azure Resource Manager connection instead",
        ),
        clean: &[("Docker@1", &[("azureSubscriptionEndpoint", "arm")])],
    });
}

#[test]
fn kl103_a_kubernetes_connection_is_a_warning_with_the_azure_guidance() {
    check_task(&TaskCase {
        reference: "KubernetesManifest@1",
        inputs: &[("kubernetesServiceConnection", "aks")],
        brief: &["12:20 KL103 warning"],
        message: "KubernetesManifest@1 input kubernetesServiceConnection takes a Kubernetes service connection ('aks'); use Azure instead of Kubernetes service connection",
        fix: Some(
            "Set connectionType: azureResourceManager and name an Azure Resource Manager connection in azureSubscriptionEndpoint",
        ),
        clean: &[(
            "KubernetesManifest@1",
            &[
                ("connectionType", "azureResourceManager"),
                ("azureSubscriptionConnection", "arm"),
            ],
        )],
    });
}

#[test]
fn kl104_announced_support() {
    check_task(&TaskCase {
        reference: "Docker@2",
        inputs: &[("containerRegistry", "acr"), ("command", "push")],
        brief: &["12:20 KL104 warning"],
        message: "Docker@2 support for workload identity federation is announced (2024 Q2), not available; its input containerRegistry names connection 'acr'",
        fix: None,
        clean: &[("Docker@2", &[("command", "build")])],
    });
}

#[test]
fn kl105_a_marketplace_task_given_a_connection() {
    check_task(&TaskCase {
        reference: "Contoso.Deploy.Task@3",
        inputs: &[
            ("azureSubscription", "arm"),
            ("region", "west"),
            ("apiEndpoint", "x"),
        ],
        brief: &["12:20 KL105 warning", "14:20 KL105 warning"],
        message: "Contoso.Deploy.Task@3 is not a built-in task; its input azureSubscription looks like a service connection ('arm'), and Marketplace tasks do not support workload identity federation",
        fix: None,
        clean: &[("Contoso.Deploy.Task@3", &[("region", "west")])],
    });
}

#[test]
fn kl106_an_unknown_major_of_a_known_task() {
    let d = lint(&steps(vec![
        task("AzureCLI@7", 10, &[("azureSubscription", "arm")]),
        task("bash", 20, &[]),
    ]));
    assert_eq!(
        brief(&d),
        vec!["10:11 KL106 warning", "20:11 KL106 warning"]
    );
    assert_eq!(
        d[0].message,
        "AzureCLI has no major version 7 that keyless knows (known: 1, 2, 3)"
    );
    assert_eq!(d[0].fix.as_deref(), Some("Use AzureCLI@3"));
    assert_eq!(
        d[1].message,
        "bash names no major version (@N); keyless knows 3"
    );
    let d = lint(&steps(vec![task(
        "azurecli@3",
        10,
        &[("azureSubscription", "arm")],
    )]));
    assert!(d.is_empty());
}

#[test]
fn kl201_a_container_from_acr_with_azure_subscription() {
    let mut p = steps(vec![script(20)]);
    p.resources.containers = vec![
        container(
            "build",
            "contoso.azurecr.io/tools/build:1",
            None,
            Some("arm"),
            2,
        ),
        container("hub", "docker.io/library/node:22", None, Some("arm"), 8),
        container(
            "acr",
            "contoso.azurecr.io/app:1",
            Some("acr-docker"),
            None,
            14,
        ),
    ];
    let d = lint(&p);
    assert_eq!(brief(&d), vec!["5:24 KL201 error"]);
    assert_eq!(
        d[0].message,
        "container build pulls contoso.azurecr.io/tools/build:1 from Azure Container Registry with azureSubscription 'arm'; container resources do not support a workload identity federation connection there"
    );
}

#[test]
fn acr_images() {
    assert!(resources::is_acr_image("contoso.azurecr.io/app:1"));
    assert!(resources::is_acr_image("Contoso.AzureCR.io:443/app"));
    assert!(resources::is_acr_image("gov.azurecr.us/app"));
    assert!(!resources::is_acr_image("azurecr.io/app"));
    assert!(!resources::is_acr_image("node:22"));
    assert!(!resources::is_acr_image(
        "contoso.azurecr.io.evil.example/app"
    ));
}

#[test]
fn kl202_a_connection_from_a_variable_set_at_run_time() {
    let p = steps(vec![
        script(10),
        named_task(
            "AzureCLI@2",
            "Deploy",
            20,
            &[("azureSubscription", "$(subscriptionFromOutput)")],
        ),
    ]);
    let d = lint(&p);
    assert_eq!(brief(&d), vec!["22:20 KL202 error"]);
    assert_eq!(
        d[0].message,
        "input azureSubscription of AzureCLI@2 (step 'Deploy', job Job, stage __default) is '$(subscriptionFromOutput)', and variable subscriptionFromOutput is not defined in the variables of the pipeline, stage __default or job Job: a variable set at run time (a previous task's output, ##vso[task.setvariable]) is not there when the connection is resolved"
    );
    assert_eq!(
        d[0].fix.as_deref(),
        Some(
            "Define subscriptionFromOutput under variables: with the connection's name, or pass it as a template parameter"
        )
    );
}

#[test]
fn kl202_variables_of_the_pipeline_stage_and_job_are_fine() {
    let p = stages(
        vec![var("PipelineConn", "arm-a", 2)],
        vec![stage(
            "Deploy",
            5,
            vec![var("stageConn", "arm-b", 6)],
            vec![job(
                "Web",
                8,
                vec![var("jobConn", "arm-c", 9)],
                vec![
                    task(
                        "AzureCLI@2",
                        12,
                        &[("azureSubscription", "$(pipelineconn)")],
                    ),
                    task(
                        "AzureCLI@2",
                        20,
                        &[("azureSubscription", "$(stageConn)-$(jobConn)")],
                    ),
                    task(
                        "AzureCLI@2",
                        30,
                        &[("azureSubscription", "$(System.TeamProject)-arm")],
                    ),
                ],
            )],
        )],
    );
    assert!(lint(&p).is_empty());
}

#[test]
fn kl202_a_variable_of_another_job_does_not_count() {
    let p = stages(
        Vec::new(),
        vec![stage(
            "S",
            1,
            Vec::new(),
            vec![
                job("A", 2, vec![var("conn", "arm", 3)], vec![script(5)]),
                job(
                    "B",
                    10,
                    Vec::new(),
                    vec![task("AzureCLI@2", 12, &[("azureSubscription", "$(conn)")])],
                ),
            ],
        )],
    );
    assert_eq!(brief(&lint(&p)), vec!["14:20 KL202 error"]);
}

#[test]
fn kl202_a_run_time_expression_is_an_error_and_a_group_a_note() {
    let mut p = steps(vec![
        task("AzureCLI@2", 10, &[("azureSubscription", "$(mapped)")]),
        task(
            "AzureCLI@2",
            20,
            &[("azureSubscription", "$[ variables.x ]")],
        ),
        task("AzureCLI@2", 30, &[("azureSubscription", "$(fromGroup)")]),
    ]);
    p.variables = vec![
        var("mapped", "$[ dependencies.A.outputs['s.conn'] ]", 2),
        group("shared", 3),
    ];
    let d = lint(&p);
    assert_eq!(
        brief(&d),
        vec!["12:20 KL202 error", "22:20 KL202 error", "32:20 KL202 note"]
    );
    assert_eq!(
        d[2].message,
        "input azureSubscription of AzureCLI@2 (step 'AzureCLI@2', job Job, stage __default) is '$(fromGroup)'; variable fromGroup is not defined in the file and may come from variable group shared, which keyless cannot read"
    );
}

#[test]
fn kl203_azure_cli_3_with_the_input_of_the_other_type() {
    let d = lint(&steps(vec![
        task(
            "AzureCLI@3",
            10,
            &[
                ("connectionType", "azureDevOps"),
                ("azureSubscription", "arm"),
            ],
        ),
        task("AzureCLI@3", 20, &[("azureDevOpsServiceConnection", "ado")]),
    ]));
    assert_eq!(brief(&d), vec!["13:20 KL203 error", "22:20 KL203 error"]);
    assert_eq!(
        d[0].message,
        "AzureCLI@3 has connectionType azureDevOps, which reads an Azure DevOps connection from azureDevOpsServiceConnection; azureSubscription names 'arm' as an Azure Resource Manager connection and is ignored"
    );
    assert_eq!(
        d[0].fix.as_deref(),
        Some(
            "Set connectionType: azureRM to use 'arm', or name an Azure DevOps connection in azureDevOpsServiceConnection"
        )
    );
    assert!(
        d[1].message
            .starts_with("AzureCLI@3 has connectionType azureRM (the default), which reads")
    );
    let d = lint(&steps(vec![
        task(
            "AzureCLI@3",
            10,
            &[
                ("connectionType", "azureDevOps"),
                ("azureDevOpsServiceConnection", "ado"),
            ],
        ),
        task("AzureCLI@3", 20, &[("azureSubscription", "arm")]),
    ]));
    assert!(d.is_empty());
}

#[test]
fn kl203_one_name_used_as_both_types() {
    let mut p = steps(vec![task(
        "AzureCLI@2",
        10,
        &[("azureSubscription", "shared")],
    )]);
    p.resources.repositories = vec![repository("tools", "git", Some("Shared"), 20)];
    let d = lint(&p);
    assert_eq!(brief(&d), vec!["22:15 KL203 error"]);
    assert_eq!(
        d[0].message,
        "connection 'Shared' is used here (endpoint of repository tools) as an Azure DevOps connection but at line 12 (input azureSubscription of AzureCLI@2 (step 'AzureCLI@2', job Job, stage __default)) as an Azure Resource Manager connection; a connection has one type"
    );
    // A GitHub repository's endpoint is not an Azure DevOps connection.
    p.resources.repositories = vec![repository("tools", "github", Some("shared"), 20)];
    assert!(lint(&p).is_empty());
}

fn live_pipeline() -> Compiled {
    let p = steps(vec![
        task("AzureCLI@2", 10, &[("azureSubscription", "ok")]),
        task("AzureCLI@2", 20, &[("azureSubscription", "missing")]),
        task("AzureCLI@2", 30, &[("azureSubscription", "draft")]),
        task("AzureCLI@2", 40, &[("azureSubscription", "expired")]),
        task("AzureCLI@2", 50, &[("azureSubscription", "forbidden")]),
        task("AzureCLI@2", 60, &[("azureSubscription", "closed")]),
        task("AzureCLI@2", 70, &[("azureSubscription", "ado")]),
        task("AzureFileCopy@4", 80, &[("azureSubscription", "secret")]),
    ]);
    Compiled {
        pipeline: Some(p),
        diagnostics: Vec::new(),
        files: vec![(None, "azure-pipelines.yml".into())],
    }
}

fn facts() -> LiveFacts {
    let ready = |kind| ConnectionFacts {
        exists: true,
        kind: Some(kind),
        state: Some(ConnectionState::Ready),
        scheme: Some("WorkloadIdentityFederation".into()),
        secret_expired: Some(false),
        tenant_forbids_federation: Some(false),
        authorized: Some(true),
    };
    let arm = || ready(ConnectionKind::AzureRm);
    LiveFacts {
        organization: "contoso".into(),
        project: "web app".into(),
        pipeline: Some("deploy".into()),
        connections: vec![
            ("ok".into(), arm()),
            ("missing".into(), ConnectionFacts::default()),
            (
                "draft".into(),
                ConnectionFacts {
                    state: Some(ConnectionState::Draft),
                    ..arm()
                },
            ),
            (
                "expired".into(),
                ConnectionFacts {
                    scheme: Some("ServicePrincipal".into()),
                    secret_expired: Some(true),
                    ..arm()
                },
            ),
            (
                "forbidden".into(),
                ConnectionFacts {
                    tenant_forbids_federation: Some(true),
                    ..arm()
                },
            ),
            (
                "closed".into(),
                ConnectionFacts {
                    authorized: Some(false),
                    ..arm()
                },
            ),
            ("ado".into(), ready(ConnectionKind::AzureDevOps)),
            (
                "secret".into(),
                ConnectionFacts {
                    scheme: Some("ServicePrincipal".into()),
                    ..arm()
                },
            ),
        ],
    }
}

#[test]
fn live_rules_kl301_to_kl305() {
    let d = run(&live_pipeline(), Some(&facts()));
    assert_eq!(
        brief(&d),
        vec![
            "22:20 KL301 error",
            "32:20 KL302 error",
            "42:20 KL303 error",
            "52:20 KL304 error",
            "62:20 KL305 error",
            "72:20 KL203 error",
        ]
    );
    assert_eq!(
        d[0].message,
        "service connection 'missing' (input azureSubscription of AzureCLI@2 (step 'AzureCLI@2', job Job, stage __default)) does not exist in project web app of contoso"
    );
    assert_eq!(
        d[0].fix.as_deref(),
        Some(
            "Correct the name or create the connection; keyless doctor --all contoso lists the connections"
        )
    );
    assert_eq!(
        d[1].fix.as_deref(),
        Some("keyless doctor contoso 'web app' draft")
    );
    assert_eq!(
        d[4].message,
        "pipeline 'deploy' is not authorized to use service connection 'closed' (input azureSubscription of AzureCLI@2 (step 'AzureCLI@2', job Job, stage __default))"
    );
    assert_eq!(
        d[5].message,
        "service connection 'ado' is an Azure DevOps connection, but input azureSubscription of AzureCLI@2 (step 'AzureCLI@2', job Job, stage __default) takes an Azure Resource Manager connection"
    );
}

#[test]
fn without_facts_only_offline_rules_run() {
    let d = run(&live_pipeline(), None);
    // AzureFileCopy@4 is reported offline; with facts its connection uses a secret, so not.
    assert_eq!(brief(&d), vec!["82:20 KL102 error"]);
    let d = run(&live_pipeline(), Some(&LiveFacts::default()));
    assert_eq!(brief(&d), vec!["82:20 KL102 error"]);
}

#[test]
fn run_keeps_compile_findings_and_sorts() {
    let mut c = live_pipeline();
    c.diagnostics.push(Diagnostic::new(
        Code::RemoteTemplate,
        loc(3, 1),
        "template x@other not checked",
    ));
    c.diagnostics.push(Diagnostic::new(
        Code::RemoteTemplate,
        loc(3, 1),
        "template x@other not checked",
    ));
    let d = run(&c, None);
    assert_eq!(brief(&d), vec!["3:1 KL012 note", "82:20 KL102 error"]);
    assert_eq!(d[1].severity, Severity::Error);
    let none = Compiled {
        pipeline: None,
        diagnostics: Vec::new(),
        files: Vec::new(),
    };
    assert!(run(&none, Some(&facts())).is_empty());
}

/// `keyless explain` knows every code, with its severity.
#[test]
fn every_code_has_an_explain_entry() {
    use keyless_model::catalogue::{self, Plane};
    assert_eq!(Code::ALL.len(), 26);
    for c in Code::ALL {
        let e = catalogue::find(c.as_str()).unwrap_or_else(|| panic!("{c} has no entry"));
        assert_eq!(e.plane, Plane::Pipeline, "{c}");
        assert_eq!(e.error, c.severity().as_str(), "{c}");
        assert_eq!(
            catalogue::identify(&format!("a.yml:1:1: error[{c}]: x")).map(|e| e.code),
            Some(c.as_str())
        );
    }
}
