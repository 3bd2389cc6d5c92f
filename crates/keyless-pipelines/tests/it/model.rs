//! `model::read`: the expanded tree to the typed pipeline.

use crate::support::{check_read, clean, fixture, found, read, variable_texts};
use keyless_pipelines::Code;
use keyless_pipelines::model::{JobKind, Shell, StepKind, Trigger, Variable};

#[test]
fn a_steps_pipeline_has_one_default_stage_and_job() {
    let p = clean(&fixture("plain/steps.yml"));
    assert_eq!(p.name.as_deref(), Some("$(Date:yyyyMMdd)$(Rev:.r)"));
    assert_eq!(
        p.trigger,
        Some(Trigger::Branches {
            include: vec!["main".into(), "releases/*".into()],
            exclude: vec![]
        })
    );
    assert_eq!(p.pr, Some(Trigger::None));
    let pool = p.pool.as_ref().unwrap();
    assert_eq!(pool.vm_image.as_deref(), Some("ubuntu-latest"));
    assert_eq!((pool.loc.line, pool.loc.col), (8, 3));
    assert_eq!(p.variables.len(), 2);
    assert_eq!(p.stages.len(), 1);
    let stage = &p.stages[0];
    assert_eq!(stage.name, "__default");
    assert_eq!(stage.jobs.len(), 1);
    let job = &stage.jobs[0];
    assert_eq!(job.name, "Job");
    assert_eq!(job.kind, JobKind::Regular);
    assert_eq!(job.steps.len(), 7);

    let checkout = &job.steps[0];
    assert_eq!(
        checkout.kind,
        StepKind::Checkout {
            repository: "self".into()
        }
    );
    match &job.steps[1].kind {
        StepKind::Script {
            shell,
            script,
            working_directory,
            fail_on_stderr,
        } => {
            assert_eq!(*shell, Shell::Script);
            assert_eq!(script, "echo building\nmake all\n");
            assert_eq!(working_directory.as_deref(), Some("src"));
            assert!(fail_on_stderr);
        }
        other => panic!("{other:?}"),
    }
    let task = &job.steps[2];
    assert_eq!(task.name.as_deref(), Some("deploy"));
    assert_eq!(task.condition.as_deref(), Some("succeeded()"));
    assert!(task.continue_on_error);
    assert_eq!(task.timeout_in_minutes, Some(10));
    assert_eq!(task.env, vec![("A".to_string(), "b".to_string())]);
    assert_eq!((task.loc.line, task.loc.col), (21, 3));
    let StepKind::Task(t) = &task.kind else {
        panic!("{task:?}")
    };
    assert_eq!(t.reference.value, "AzureCLI@2");
    assert_eq!((t.reference.loc.line, t.reference.loc.col), (21, 9));
    assert_eq!(t.name, "AzureCLI");
    assert_eq!(t.major, Some(2));
    assert_eq!(t.inputs.len(), 4);
    let sub = t.input("AZURESUBSCRIPTION").unwrap();
    assert_eq!(sub.value.value, "prod-connection");
    assert_eq!((sub.loc.line, sub.loc.col), (28, 5));
    assert_eq!((sub.value.loc.line, sub.value.loc.col), (28, 24));
    assert!(!job.steps[3].enabled);
    assert!(matches!(
        job.steps[4].kind,
        StepKind::Script {
            shell: Shell::Pwsh,
            ..
        }
    ));
    assert!(matches!(
        job.steps[5].kind,
        StepKind::Script {
            shell: Shell::PowerShell,
            ..
        }
    ));
    assert_eq!(
        job.steps[6].kind,
        StepKind::Other {
            key: "publish".into(),
            value: "$(Build.ArtifactStagingDirectory)".into()
        }
    );
}

#[test]
fn a_stages_pipeline_reads_resources_stages_and_deployments() {
    let p = clean(&fixture("plain/stages.yml"));
    assert_eq!(
        p.trigger,
        Some(Trigger::Branches {
            include: vec!["main".into()],
            exclude: vec!["experimental/*".into()]
        })
    );
    let repo = &p.resources.repositories[0];
    assert_eq!(repo.alias, "tools");
    assert_eq!(repo.kind, "github");
    assert_eq!(repo.name, "contoso/tools");
    assert_eq!(repo.reference.as_deref(), Some("refs/heads/main"));
    let ep = repo.endpoint.as_ref().unwrap();
    assert_eq!(
        (ep.value.as_str(), ep.loc.line, ep.loc.col),
        ("github-contoso", 15, 15)
    );
    let c = &p.resources.containers[0];
    assert_eq!(c.alias, "builder");
    assert_eq!(
        c.azure_subscription.as_ref().unwrap().value,
        "acr-subscription"
    );
    assert_eq!(
        p.resources.containers[1].endpoint.as_ref().unwrap().value,
        "dockerhub"
    );
    let pr = &p.resources.pipelines[0];
    assert_eq!(
        (pr.alias.as_str(), pr.source.as_str()),
        ("upstream", "Upstream CI")
    );
    assert_eq!(pr.project.as_deref(), Some("Other"));
    assert_eq!(
        p.variables,
        vec![
            Variable::Value {
                loc: p.variables[0].loc().clone(),
                name: "region".into(),
                value: "westeurope".into(),
                readonly: true
            },
            Variable::Group {
                loc: p.variables[1].loc().clone(),
                name: "shared-secrets".into()
            }
        ]
    );

    assert_eq!(p.stages.len(), 2);
    let build = &p.stages[0];
    assert_eq!(build.display_name.as_deref(), Some("Build it"));
    assert_eq!(
        build.pool.as_ref().unwrap().name.as_deref(),
        Some("Default")
    );
    let names: Vec<&str> = build.jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, ["Compile", "Job", "Job1"]);
    let compile = &build.jobs[0];
    assert_eq!(compile.container.as_deref(), Some("builder"));
    assert_eq!(
        compile.pool.as_ref().unwrap().demands,
        vec!["agent.os -equals Linux"]
    );
    assert_eq!(build.jobs[1].depends_on, Some(vec!["Compile".to_string()]));
    assert_eq!(build.jobs[2].depends_on, None);

    let deploy = &p.stages[1];
    assert_eq!(deploy.depends_on, Some(vec!["Build".to_string()]));
    assert!(
        deploy
            .condition
            .as_deref()
            .unwrap()
            .starts_with("and(succeeded()")
    );
    let release = &deploy.jobs[0];
    assert_eq!(
        release.kind,
        JobKind::Deployment {
            environment: Some("production.web".into())
        }
    );
    let scripts: Vec<String> = release
        .steps
        .iter()
        .map(|s| match &s.kind {
            StepKind::Script { script, .. } => script.clone(),
            StepKind::Task(t) => t.reference.value.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        scripts,
        ["echo pre", "AzureWebApp@1", "echo failed", "echo ok"]
    );
    let canary = &deploy.jobs[1];
    assert_eq!(
        canary.kind,
        JobKind::Deployment {
            environment: Some("staging".into())
        }
    );
    assert_eq!(canary.steps.len(), 3);
    assert_eq!(p.jobs().count(), 5);
}

#[test]
fn a_jobs_pipeline_has_one_default_stage() {
    let p =
        clean("jobs:\n- job: A\n  steps:\n  - script: a\n- job: B\n  dependsOn: A\n  steps: []\n");
    assert_eq!(p.stages.len(), 1);
    assert_eq!(p.stages[0].name, "__default");
    assert_eq!((p.stages[0].loc.line, p.stages[0].loc.col), (1, 1));
    assert_eq!(p.stages[0].jobs.len(), 2);
}

#[test]
fn steps_pipeline_job_keys_apply_to_its_job() {
    let p = clean(
        "container: ubuntu:22.04\ncontinueOnError: true\nworkspace:\n  clean: all\nsteps:\n- script: a\n",
    );
    let job = &p.stages[0].jobs[0];
    assert_eq!(job.container.as_deref(), Some("ubuntu:22.04"));
    assert!(job.continue_on_error);
    assert_eq!((job.loc.line, job.loc.col), (5, 1));
}

#[test]
fn the_documented_boolean_words_are_accepted_in_any_case() {
    for (word, value) in [
        ("true", true),
        ("True", true),
        ("TRUE", true),
        ("yes", true),
        ("Y", true),
        ("on", true),
        ("false", false),
        ("No", false),
        ("n", false),
        ("OFF", false),
    ] {
        let p = clean(&format!("steps:\n- script: a\n  continueOnError: {word}\n"));
        assert_eq!(
            p.stages[0].jobs[0].steps[0].continue_on_error, value,
            "{word}"
        );
    }
    // Known only at run time: accepted, read as the default.
    let p =
        clean("steps:\n- script: a\n  enabled: $(flag)\n  timeoutInMinutes: $[ variables.t ]\n");
    let step = &p.stages[0].jobs[0].steps[0];
    assert!(step.enabled);
    assert_eq!(step.timeout_in_minutes, None);
}

#[test]
fn invalid_booleans_and_numbers_are_kl006_at_the_value() {
    check_read(&[(
        "a boolean and a number",
        "steps:\n- script: a\n  continueOnError: maybe\n  timeoutInMinutes: ten\n",
        &[(Code::InvalidValue, 3, 20), (Code::InvalidValue, 4, 21)],
    )]);
}

#[test]
fn unknown_keys_are_kl005_at_the_key_with_azure_wording() {
    let (p, d) = read("trigger: none\nfoo: 1\nsteps:\n- script: a\n  bogus: b\n");
    assert!(p.is_some());
    assert_eq!(
        found(&d),
        [(Code::UnknownKey, 2, 1), (Code::UnknownKey, 5, 3)]
    );
    assert_eq!(d[0].message, "Unexpected value 'foo'");
    assert_eq!(d[1].message, "Unexpected value 'bogus'");
}

#[test]
fn unknown_keys_everywhere() {
    let text = "\
trigger:
  branches: {include: [a], other: x}
  nope: 1
pool: {vmImage: x, size: big}
resources:
  repositories:
  - repository: r
    color: red
  things: []
stages:
- stage: S
  colour: red
  jobs:
  - job: J
    flavour: x
    steps:
    - task: A@1
      input: x
  - deployment: D
    steps: []
    strategy:
      runOnce:
        deploy:
          steps: []
          extra: 1
        later: {}
      blue: {}
";
    let (_, d) = read(text);
    let mut f = found(&d);
    f.sort();
    assert_eq!(
        f,
        [
            (Code::UnknownKey, 2, 28),
            (Code::UnknownKey, 3, 3),
            (Code::UnknownKey, 4, 20),
            (Code::UnknownKey, 8, 5),
            (Code::UnknownKey, 9, 3),
            (Code::UnknownKey, 12, 3),
            (Code::UnknownKey, 15, 5),
            (Code::UnknownKey, 18, 7),
            (Code::UnknownKey, 20, 5),
            (Code::UnknownKey, 25, 11),
            (Code::UnknownKey, 26, 9),
            (Code::UnknownKey, 27, 7),
        ],
        "{d:#?}"
    );
}

#[test]
fn steps_only_keys_are_unknown_with_jobs() {
    check_read(&[
        (
            "container",
            "container: x\njobs:\n- job: A\n  steps: []\n",
            &[(Code::UnknownKey, 1, 1)],
        ),
        (
            "steps",
            "jobs: []\nsteps: []\n",
            &[(Code::UnknownKey, 2, 1)],
        ),
    ]);
}

#[test]
fn a_document_that_is_not_a_mapping_is_kl004() {
    let (p, d) = read("- a\n- b\n");
    assert!(p.is_none());
    assert_eq!(found(&d), [(Code::NotAPipeline, 1, 1)]);
    let (p, d) = read("");
    assert!(p.is_none());
    assert_eq!(found(&d), [(Code::NotAPipeline, 1, 1)]);
}

#[test]
fn a_mapping_without_a_body_is_kl004() {
    let (p, d) = read("trigger: none\npool: x\n");
    assert!(p.is_none());
    assert_eq!(found(&d), [(Code::NotAPipeline, 1, 1)]);
    assert!(d[0].fix.is_some());
}

#[test]
fn wrong_kinds_are_kl006_at_the_value() {
    let text = "\
trigger: main
variables: 3
steps:
  script: a
";
    check_read(&[
        (
            "trigger, variables and steps",
            text,
            &[
                (Code::InvalidValue, 1, 10),
                (Code::InvalidValue, 2, 12),
                (Code::InvalidValue, 4, 3),
            ],
        ),
        (
            "step keys and steps",
            "steps:\n- script: [a]\n- task: X@1\n  inputs: [a]\n- 3\n- displayName: x\n",
            &[
                (Code::InvalidValue, 2, 11),
                (Code::InvalidValue, 4, 11),
                (Code::InvalidValue, 5, 3),
                (Code::InvalidValue, 6, 3),
            ],
        ),
    ]);
}

#[test]
fn a_task_reference_needs_a_numeric_major() {
    let (_, d) = read("steps:\n- task: AzureCLI@two\n");
    assert_eq!(found(&d), [(Code::InvalidValue, 2, 9)]);
    let p = clean("steps:\n- task: Contoso.Tasks.Deploy\n");
    let StepKind::Task(t) = &p.stages[0].jobs[0].steps[0].kind else {
        panic!()
    };
    assert_eq!((t.name.as_str(), t.major), ("Contoso.Tasks.Deploy", None));
}

#[test]
fn names_duplicates_and_dependencies_are_checked() {
    let text = "\
stages:
- stage: A
  jobs:
  - job: 1bad
    steps: []
  - job: X
    steps: []
  - job: x
    dependsOn: [X, Missing]
    steps: []
- stage: A
  dependsOn: Nope
  jobs: []
";
    let (_, d) = read(text);
    assert_eq!(
        found(&d),
        [
            (Code::InvalidValue, 4, 5),
            (Code::InvalidValue, 8, 5),
            (Code::InvalidValue, 8, 5),
            (Code::InvalidValue, 11, 3),
            (Code::InvalidValue, 11, 3),
        ],
        "{d:#?}"
    );
    assert!(d[0].message.contains("'1bad' is not valid"));
    assert!(d[1].message.contains("used more than once"));
    assert!(d[2].message.contains("depends on 'Missing'"));
}

#[test]
fn unnamed_stages_get_default_names() {
    let p = clean("stages:\n- stage:\n  jobs: []\n- stage:\n  jobs: []\n- stage:\n  jobs: []\n");
    let names: Vec<&str> = p.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Stage", "Stage1", "Stage2"]);
}

#[test]
fn jobs_and_stages_need_their_kind_key() {
    check_read(&[
        (
            "a job",
            "jobs:\n- steps: []\n",
            &[(Code::InvalidValue, 2, 3)],
        ),
        (
            "a stage",
            "stages:\n- jobs: []\n",
            &[(Code::InvalidValue, 2, 3)],
        ),
    ]);
}

#[test]
fn required_resource_keys_are_kl006() {
    let text = "\
resources:
  containers:
  - container: c
  repositories:
  - name: x
  pipelines:
  - source: s
steps: []
";
    let (p, d) = read(text);
    assert_eq!(
        found(&d),
        [
            (Code::InvalidValue, 3, 5),
            (Code::InvalidValue, 5, 5),
            (Code::InvalidValue, 7, 5)
        ]
    );
    assert!(p.unwrap().resources.containers.is_empty());
}

#[test]
fn variables_in_both_forms_and_their_errors() {
    let p = clean("variables:\n  a: 1\n  b:\n  c: x\nsteps: []\n");
    let names = variable_texts(&p);
    assert_eq!(names, ["a=1", "b=", "c=x"]);
    check_read(&[
        (
            "a mapping value that is a sequence",
            "variables:\n  a: [1]\nsteps: []\n",
            &[(Code::InvalidValue, 2, 6)],
        ),
        (
            "a list item that is a text",
            "variables:\n- x\nsteps: []\n",
            &[(Code::InvalidValue, 2, 3)],
        ),
        (
            "list items without a name or with other keys",
            "variables:\n- value: 1\n- name: a\n  other: 2\n- group: g\n  name: n\nsteps: []\n",
            &[
                (Code::InvalidValue, 2, 3),
                (Code::UnknownKey, 4, 3),
                (Code::UnknownKey, 6, 3),
            ],
        ),
    ]);
}

#[test]
fn parameters_are_read_as_declared() {
    let text = "\
parameters:
- name: image
  displayName: Image
  type: string
  default: ubuntu
  values: [ubuntu, windows]
- name: flag
  type: boolean
- name: other
- name: bad
  type: whatever
steps: []
";
    let (p, d) = read(text);
    assert_eq!(found(&d), [(Code::InvalidValue, 11, 9)]);
    let p = p.unwrap();
    let kinds: Vec<(&str, &str)> = p
        .parameters
        .iter()
        .map(|x| (x.name.as_str(), x.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("image", "string"),
            ("flag", "boolean"),
            ("other", "string"),
            ("bad", "whatever")
        ]
    );
    assert_eq!(p.parameters[0].display_name.as_deref(), Some("Image"));
    let p = clean("parameters:\n  a: 1\n  b: x\nsteps: []\n");
    assert_eq!(p.parameters[1].kind, "object");
}

#[test]
fn pr_and_trigger_mappings() {
    let p = clean(
        "pr:\n  autoCancel: false\n  drafts: true\n  branches:\n    include: [main]\n  paths:\n    include: [src]\ntrigger:\n  tags:\n    include: [v*]\nsteps: []\n",
    );
    assert_eq!(
        p.pr,
        Some(Trigger::Branches {
            include: vec!["main".into()],
            exclude: vec![]
        })
    );
    let (_, d) = read("pr:\n  batch: true\ntrigger:\n  drafts: true\nsteps: []\n");
    assert_eq!(
        found(&d),
        [(Code::UnknownKey, 2, 3), (Code::UnknownKey, 4, 3)]
    );
}

#[test]
fn job_containers_and_environments_in_mapping_form() {
    let p = clean(
        "jobs:\n- job: A\n  container:\n    image: node:20\n    options: --x\n  services:\n    redis: redis\n  steps: []\n",
    );
    assert_eq!(p.stages[0].jobs[0].container.as_deref(), Some("node:20"));
    let (_, d) = read("jobs:\n- job: A\n  container:\n    options: x\n  steps: []\n");
    assert_eq!(found(&d), [(Code::InvalidValue, 4, 5)]);
}

#[test]
fn more_wrong_values_each_at_its_position() {
    let text = "\
lockBehavior: always
schedules:
- cron: '0 0 * * *'
  when: daily
- nightly
trigger:
  branches: [main]
pr:
  paths: x
resources:
  containers: x
stages:
- stage: S
  lockBehavior: sometimes
  trigger: later
  isSkippable: perhaps
  jobs:
  - job: J
    strategy: 3
    workspace: {clean: all, size: 1}
    uses: {repositories: [a], other: 1}
    cancelTimeoutInMinutes: -1
    steps:
    - checkout: self
      fetchTags: sometimes
      target: {container: c, other: 1}
  - deployment: D
    environment: {name: prod, color: red}
    strategy:
      runOnce:
        deploy: [a]
        on: [b]
";
    let (_, d) = read(text);
    let mut f = found(&d);
    f.sort();
    assert_eq!(
        f,
        [
            (Code::UnknownKey, 4, 3),
            (Code::UnknownKey, 20, 29),
            (Code::UnknownKey, 21, 31),
            (Code::UnknownKey, 26, 30),
            (Code::UnknownKey, 28, 31),
            (Code::InvalidValue, 1, 15),
            (Code::InvalidValue, 5, 3),
            (Code::InvalidValue, 7, 13),
            (Code::InvalidValue, 9, 10),
            (Code::InvalidValue, 11, 15),
            (Code::InvalidValue, 14, 17),
            (Code::InvalidValue, 15, 12),
            (Code::InvalidValue, 16, 16),
            (Code::InvalidValue, 19, 15),
            (Code::InvalidValue, 22, 29),
            (Code::InvalidValue, 25, 18),
            (Code::InvalidValue, 31, 17),
            (Code::InvalidValue, 32, 13),
        ],
        "{d:#?}"
    );
}

#[test]
fn the_first_syntax_resources_list_is_accepted() {
    let p = clean("resources:\n- repo: self\n  clean: true\nsteps: []\n");
    assert!(p.resources.repositories.is_empty());
    let (_, d) = read("resources:\n- repo: self\n  other: 1\nsteps: []\n");
    assert_eq!(found(&d), [(Code::UnknownKey, 3, 3)]);
}

#[test]
fn a_pipeline_left_extending_an_unseen_template_has_no_stages() {
    let p = clean("extends:\n  template: base.yml@tools\n");
    assert!(p.stages.is_empty());
}
