//! `template::expand`: templates, parameters and `${{ }}` that work.

use crate::support::{
    compile_with, compiled, expand, expanded, scripts, task_input, variable_texts,
};
use keyless_pipelines::model::JobKind;
use keyless_pipelines::yaml::{Node, Value};

const PIPE: &str = "azure-pipelines.yml";

fn text_of(n: &Node) -> String {
    match &n.value {
        Value::String(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

#[test]
fn a_steps_template_with_parameters() {
    let p = compiled(&[
        (
            PIPE,
            "steps:\n- script: first\n- template: ci/steps.yml\n  parameters:\n    name: World\n- script: last\n",
        ),
        (
            "ci/steps.yml",
            "parameters:\n- name: name\n  type: string\n- name: greeting\n  default: Hello\nsteps:\n- script: echo ${{ parameters.greeting }} ${{ parameters.name }}\n- template: more.yml\n",
        ),
        ("ci/more.yml", "steps:\n- bash: more\n"),
    ]);
    assert_eq!(scripts(&p), ["first", "echo Hello World", "more", "last"]);
    let step = &p.stages[0].jobs[0].steps[1];
    assert_eq!(step.loc.file.as_ref(), "ci/steps.yml");
    assert_eq!((step.loc.line, step.loc.col), (7, 3));
    let more = &p.stages[0].jobs[0].steps[2];
    assert_eq!(more.loc.file.as_ref(), "ci/more.yml");
}

#[test]
fn files_lists_every_file_read_once_pipeline_first() {
    let (e, d) = expand(&[
        (
            PIPE,
            "steps:\n- template: /t/a.yml\n- template: t/a.yml\n- template: t/b.yml\n",
        ),
        ("t/a.yml", "steps:\n- script: a\n"),
        ("t/b.yml", "steps:\n- template: a.yml\n"),
    ]);
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(
        e.files,
        vec![
            (None, PIPE.to_owned()),
            (None, "t/a.yml".to_owned()),
            (None, "t/b.yml".to_owned())
        ]
    );
}

#[test]
fn jobs_stages_and_variables_templates() {
    let p = compiled(&[
        (
            PIPE,
            "variables:\n- template: vars.yml\n- name: own\n  value: x\nstages:\n- template: stages.yml\n  parameters:\n    env: prod\n",
        ),
        ("vars.yml", "variables:\n  fromTemplate: 1\n  other: two\n"),
        (
            "stages.yml",
            "parameters:\n- name: env\nstages:\n- stage: deploy_${{ parameters.env }}\n  jobs:\n  - template: jobs.yml\n",
        ),
        (
            "jobs.yml",
            "jobs:\n- job: A\n  steps:\n  - script: a\n- job: B\n  steps: []\n",
        ),
    ]);
    let names = variable_texts(&p);
    assert_eq!(names, ["fromTemplate=1", "other=two", "own=x"]);
    assert_eq!(p.variables[0].loc().file.as_ref(), "vars.yml");
    assert_eq!(p.stages[0].name, "deploy_prod");
    let jobs: Vec<&str> = p.stages[0].jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(jobs, ["A", "B"]);
    assert_eq!(p.stages[0].jobs[0].loc.file.as_ref(), "jobs.yml");
}

#[test]
fn extends_merges_the_template_with_the_pipeline() {
    let p = compiled(&[
        (
            PIPE,
            "trigger: none\nvariables:\n  fromPipeline: a\nextends:\n  template: base.yml\n  parameters:\n    buildSteps:\n    - script: user step\n",
        ),
        (
            "base.yml",
            "parameters:\n- name: buildSteps\n  type: stepList\n  default: []\nvariables:\n  fromTemplate: ${{ variables.fromPipeline }}b\nstages:\n- stage: Build\n  jobs:\n  - job: Build\n    steps:\n    - script: before\n    - ${{ parameters.buildSteps }}\n    - ${{ each step in parameters.buildSteps }}:\n      - ${{ step }}\n    - script: after\n",
        ),
    ]);
    assert_eq!(scripts(&p), ["before", "user step", "user step", "after"]);
    // The user's step keeps where the pipeline wrote it.
    let user = &p.stages[0].jobs[0].steps[1];
    assert_eq!(user.loc.file.as_ref(), PIPE);
    assert_eq!((user.loc.line, user.loc.col), (8, 7));
    let vars = variable_texts(&p);
    assert_eq!(vars, ["fromPipeline=a", "fromTemplate=ab"]);
}

#[test]
fn extends_chains() {
    let p = compiled(&[
        (PIPE, "extends:\n  template: a.yml\n"),
        (
            "a.yml",
            "extends:\n  template: b.yml\n  parameters:\n    x: from a\n",
        ),
        (
            "b.yml",
            "parameters:\n- name: x\nsteps:\n- script: ${{ parameters.x }}\n",
        ),
    ]);
    assert_eq!(scripts(&p), ["from a"]);
}

#[test]
fn conditionals_in_mappings_and_sequences() {
    let p = compiled(&[(
        PIPE,
        "\
parameters:
- name: env
  default: prod
- name: fast
  type: boolean
  default: false
variables:
  ${{ if eq(parameters.env, 'PROD') }}:
    tier: gold
  ${{ elseif eq(parameters.env, 'test') }}:
    tier: silver
  ${{ else }}:
    tier: bronze
steps:
- ${{ if parameters.fast }}:
  - script: fast
- ${{ elseif eq(parameters.env, 'prod') }}:
  - script: prod
  - script: prod2
- ${{ else }}:
  - script: other
- ${{ if true }}:
    script: single
- ${{ if 'false' }}:
  - script: a non-empty string is true
- ${{ if false }}:
  - script: never
- script: ${{ variables.tier }}
",
    )]);
    assert_eq!(
        scripts(&p),
        [
            "prod",
            "prod2",
            "single",
            "a non-empty string is true",
            "gold"
        ]
    );
}

#[test]
fn each_over_lists_and_mappings() {
    let p = compiled(&[(
        PIPE,
        "\
parameters:
- name: regions
  type: object
  default: [westeurope, eastus]
- name: settings
  type: object
  default:
    a: 1
    b: 2
jobs:
- ${{ each region in parameters.regions }}:
  - job: deploy_${{ region }}
    steps:
    - ${{ each s in parameters.settings }}:
      - script: ${{ s.key }}=${{ s.value }} in ${{ region }}
    variables:
      ${{ each s in parameters.settings }}:
        ${{ s.key }}: ${{ s.value }}
",
    )]);
    let names: Vec<&str> = p.stages[0].jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, ["deploy_westeurope", "deploy_eastus"]);
    assert_eq!(
        scripts(&p),
        [
            "a=1 in westeurope",
            "b=2 in westeurope",
            "a=1 in eastus",
            "b=2 in eastus"
        ]
    );
    assert_eq!(p.stages[0].jobs[1].variables.len(), 2);
}

#[test]
fn insert_merges_a_mapping_parameter() {
    let p = compiled(&[
        (
            PIPE,
            "steps:\n- template: s.yml\n  parameters:\n    extra:\n      displayName: Named\n      condition: always()\n",
        ),
        (
            "s.yml",
            "parameters:\n- name: extra\n  type: object\n  default: {}\nsteps:\n- script: x\n  ${{ insert }}: ${{ parameters.extra }}\n",
        ),
    ]);
    let step = &p.stages[0].jobs[0].steps[0];
    assert_eq!(step.display_name.as_deref(), Some("Named"));
    assert_eq!(step.condition.as_deref(), Some("always()"));
}

#[test]
fn whole_expressions_keep_their_type_and_text_expressions_make_text() {
    let root = expanded(&[(
        PIPE,
        "\
parameters:
- name: n
  type: number
  default: 3
- name: b
  type: boolean
  default: true
- name: list
  type: object
  default: [x, y]
a: ${{ parameters.n }}
b: ${{ parameters.b }}
c: n=${{ parameters.n }} b=${{ parameters.b }}
d: ${{ parameters.list }}
e: ${{ length(parameters.list) }}
f: $(runtime) $[ variables.x ] ${{ 'compile' }}
g: ${{ variables['Build.SourceBranch'] }}-end
h: '${{ format(''{0}}}'', 1) }}'
steps: []
",
    )]);
    assert_eq!(root.get("a").unwrap().value, Value::Number(3.0));
    assert_eq!(root.get("b").unwrap().value, Value::Bool(true));
    assert_eq!(text_of(root.get("c").unwrap()), "n=3 b=True");
    let d = root.get("d").unwrap();
    assert_eq!(d.as_seq().unwrap().len(), 2);
    // An inserted collection stands where it was written.
    assert_eq!((d.loc.line, d.loc.col), (10, 12));
    assert_eq!(root.get("e").unwrap().value, Value::Number(2.0));
    assert_eq!(
        text_of(root.get("f").unwrap()),
        "$(runtime) $[ variables.x ] compile"
    );
    assert_eq!(text_of(root.get("g").unwrap()), "-end");
    assert_eq!(text_of(root.get("h").unwrap()), "1}");
    // The declarations stay in the pipeline, unexpanded.
    assert!(root.get("parameters").is_some());
}

#[test]
fn compile_time_variables_follow_scopes_and_order() {
    let root = expanded(&[(
        PIPE,
        "\
variables:
- name: a
  value: one
- name: b
  value: ${{ variables.a }}-two
stages:
- stage: S
  variables:
    a: stage
  jobs:
  - job: J
    variables:
      c: ${{ variables.a }}
    steps:
    - script: ${{ variables.c }}
- stage: T
  jobs:
  - job: K
    steps:
    - script: ${{ variables.a }} ${{ variables.c }}|
",
    )]);
    let vars = root.get("variables").unwrap().as_seq().unwrap();
    assert_eq!(text_of(vars[1].get("value").unwrap()), "one-two");
    let stages = root.get("stages").unwrap().as_seq().unwrap();
    let job = &stages[0].get("jobs").unwrap().as_seq().unwrap()[0];
    assert_eq!(
        text_of(job.get("variables").unwrap().get("c").unwrap()),
        "stage"
    );
    let step = &job.get("steps").unwrap().as_seq().unwrap()[0];
    assert_eq!(text_of(step.get("script").unwrap()), "stage");
    let other = &stages[1].get("jobs").unwrap().as_seq().unwrap()[0];
    let step = &other.get("steps").unwrap().as_seq().unwrap()[0];
    assert_eq!(text_of(step.get("script").unwrap()), "one |");
}

#[test]
fn parameters_with_values_types_and_defaults() {
    let p = compiled(&[
        (
            PIPE,
            "jobs:\n- template: j.yml\n  parameters:\n    Size: large\n    count: '2'\n    run: TRUE\n    job:\n      job: extra\n      steps: []\n",
        ),
        (
            "j.yml",
            "\
parameters:
- name: size
  values: [small, large]
- name: count
  type: number
- name: run
  type: boolean
- name: job
  type: job
- name: jobs
  type: jobList
  default: []
jobs:
- job: main_${{ parameters.size }}_${{ parameters.count }}
  condition: ${{ parameters.run }}
  steps: []
- ${{ parameters.job }}
- ${{ parameters.jobs }}
",
        ),
    ]);
    let names: Vec<&str> = p.stages[0].jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, ["main_large_2", "extra"]);
    assert_eq!(p.stages[0].jobs[0].condition.as_deref(), Some("True"));
}

#[test]
fn legacy_parameter_mappings_accept_anything() {
    let p = compiled(&[
        (
            PIPE,
            "steps:\n- template: t.yml\n  parameters:\n    a: given\n    other: x\n",
        ),
        (
            "t.yml",
            "parameters:\n  a: default\n  b: kept\nsteps:\n- script: ${{ parameters.a }} ${{ parameters.b }} ${{ parameters.other }}\n",
        ),
    ]);
    assert_eq!(scripts(&p), ["given kept x"]);
}

#[test]
fn run_parameters_override_defaults() {
    let c = compile_with(
        &[(
            PIPE,
            "parameters:\n- name: image\n  default: ubuntu\n- name: debug\n  type: boolean\n  default: false\n- name: list\n  type: object\n  default: []\nsteps:\n- script: ${{ parameters.image }} ${{ parameters.debug }} ${{ length(parameters.list) }}\n",
        )],
        &[
            ("image", "windows"),
            ("debug", "true"),
            ("list", "[a, b, c]"),
        ],
    );
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let p = c.pipeline.unwrap();
    assert_eq!(scripts(&p), ["windows True 3"]);
    assert_eq!(p.parameters.len(), 3);
}

#[test]
fn template_paths_from_the_repository_root_and_up() {
    let p = compiled(&[
        (PIPE, "steps:\n- template: /ci/a/x.yml\n"),
        ("ci/a/x.yml", "steps:\n- template: ../b/y.yml\n"),
        ("ci/b/y.yml", "steps:\n- template: /z.yml@self\n"),
        ("z.yml", "steps:\n- script: z\n"),
    ]);
    assert_eq!(scripts(&p), ["z"]);
}

#[test]
fn deployment_jobs_from_templates() {
    let p = compiled(&[
        (
            PIPE,
            "stages:\n- stage: D\n  jobs:\n  - template: d.yml\n    parameters:\n      env: prod\n",
        ),
        (
            "d.yml",
            "parameters:\n- name: env\njobs:\n- deployment: Deploy\n  environment: ${{ parameters.env }}\n  strategy:\n    runOnce:\n      deploy:\n        steps:\n        - task: AzureCLI@2\n          inputs:\n            azureSubscription: conn-${{ parameters.env }}\n",
        ),
    ]);
    let job = &p.stages[0].jobs[0];
    assert_eq!(
        job.kind,
        JobKind::Deployment {
            environment: Some("prod".into())
        }
    );
    let input = task_input(&job.steps[0], "azureSubscription");
    assert_eq!(input.value.value, "conn-prod");
    assert_eq!(input.value.loc.file.as_ref(), "d.yml");
    assert_eq!((input.value.loc.line, input.value.loc.col), (12, 32));
}

#[test]
fn expressions_in_keys_and_template_paths() {
    let p = compiled(&[
        (
            PIPE,
            "parameters:\n- name: which\n  default: b\nsteps:\n- template: ${{ parameters.which }}.yml\n- script: x\n  ${{ format('display{0}', 'Name') }}: shown\n",
        ),
        ("b.yml", "steps:\n- script: from b\n"),
    ]);
    assert_eq!(scripts(&p), ["from b", "x"]);
    assert_eq!(
        p.stages[0].jobs[0].steps[1].display_name.as_deref(),
        Some("shown")
    );
}
