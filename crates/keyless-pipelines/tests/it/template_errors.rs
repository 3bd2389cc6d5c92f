//! `template::expand`: every error path, with its code, file, line and column.

use crate::support::{Case, check_findings, compile_with, expand, files, findings};
use keyless_pipelines::Code;
use keyless_pipelines::template::{self, Options};

const PIPE: &str = "azure-pipelines.yml";

fn at(code: Code, file: &str, line: u32, col: u32) -> (Code, String, u32, u32) {
    (code, file.to_owned(), line, col)
}

fn messages(list: &[(&str, &str)]) -> Vec<String> {
    let c = keyless_pipelines::compile(PIPE, &files(list), &Options::default());
    c.diagnostics.iter().map(|d| d.message.clone()).collect()
}

#[test]
fn a_missing_pipeline_is_kl001() {
    assert_eq!(findings(&[]), [at(Code::UnreadableFile, PIPE, 1, 1)]);
    let c = keyless_pipelines::compile(PIPE, &files(&[]), &Options::default());
    assert!(c.pipeline.is_none());
    assert!(c.files.is_empty());
}

#[test]
fn yaml_errors_of_the_pipeline_and_of_templates() {
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("in the pipeline", &[(PIPE, "steps:\n- a: b\n c\n")], &[(Code::YamlSyntax, PIPE, 3, 2)]),
        ("in a template", &[(PIPE, "steps:\n- template: t.yml\n"), ("t.yml", "steps:\n  - [\n")], &[(Code::YamlSyntax, "t.yml", 3, 1)]),
    ];
    check_findings(cases);
}

#[test]
fn a_missing_template_is_kl007_at_the_reference_naming_the_resolved_path() {
    let list = [(
        PIPE,
        "steps:\n- script: a\n- template: ci/../steps/missing.yml\n",
    )];
    assert_eq!(findings(&list), [at(Code::TemplateNotFound, PIPE, 3, 13)]);
    assert!(
        messages(&list)[0].contains("no file 'steps/missing.yml'"),
        "{:?}",
        messages(&list)
    );
    // The pipeline is read without the missing steps.
    let c = keyless_pipelines::compile(PIPE, &files(&list), &Options::default());
    assert_eq!(c.pipeline.unwrap().stages[0].jobs[0].steps.len(), 1);
}

#[test]
fn unknown_aliases_and_escaping_paths_are_kl007() {
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("an unknown alias", &[(PIPE, "steps:\n- template: a.yml@nope\n")], &[(Code::TemplateNotFound, PIPE, 2, 13)]),
        ("a path leaving the repository", &[(PIPE, "steps:\n- template: ../../a.yml\n")], &[(Code::TemplateNotFound, PIPE, 2, 13)]),
        ("an empty path", &[(PIPE, "steps:\n- template: ''\n")], &[(Code::TemplateNotFound, PIPE, 2, 13)]),
    ];
    check_findings(cases);
}

#[test]
fn templates_of_unavailable_repositories_are_kl012_notes_and_dropped() {
    let list = [(
        PIPE,
        "resources:\n  repositories:\n  - repository: tools\n    type: git\n    name: p/tools\nsteps:\n- template: steps.yml@tools\n- script: own\n",
    )];
    let c = keyless_pipelines::compile(PIPE, &files(&list), &Options::default());
    let found: Vec<_> = c
        .diagnostics
        .iter()
        .map(|d| (d.code, d.severity, d.loc.line, d.loc.col))
        .collect();
    assert_eq!(
        found,
        [(
            Code::RemoteTemplate,
            keyless_pipelines::Severity::Note,
            7,
            13
        )]
    );
    assert_eq!(c.pipeline.unwrap().stages[0].jobs[0].steps.len(), 1);
    // An extends of such a template is kept: the pipeline is still a pipeline.
    let list = [(
        PIPE,
        "resources:\n  repositories:\n  - repository: tools\n    name: p/tools\nextends:\n  template: base.yml@tools\n  parameters:\n    x: 1\n",
    )];
    let c = keyless_pipelines::compile(PIPE, &files(&list), &Options::default());
    assert_eq!(c.diagnostics.len(), 1, "{:#?}", c.diagnostics);
    assert_eq!(c.diagnostics[0].code, Code::RemoteTemplate);
    assert!(c.pipeline.unwrap().stages.is_empty());
}

#[test]
fn cycles_are_kl008() {
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("a template naming itself", &[(PIPE, "steps:\n- template: a.yml\n"), ("a.yml", "steps:\n- template: a.yml\n")], &[(Code::TemplateCycle, "a.yml", 2, 13)]),
        ("the pipeline naming itself", &[(PIPE, "steps:\n- template: azure-pipelines.yml\n")], &[(Code::TemplateCycle, PIPE, 2, 13)]),
        ("an extends template extending the pipeline", &[(PIPE, "extends:\n  template: e.yml\n"), ("e.yml", "extends:\n  template: azure-pipelines.yml\n")], &[(Code::NotAPipeline, PIPE, 1, 1), (Code::TemplateCycle, "e.yml", 2, 13)]),
    ];
    check_findings(cases);
    let list = [
        (PIPE, "steps:\n- template: a.yml\n"),
        ("a.yml", "steps:\n- script: a\n- template: sub/b.yml\n"),
        ("sub/b.yml", "steps:\n- template: /a.yml\n"),
    ];
    assert_eq!(
        findings(&list),
        [at(Code::TemplateCycle, "sub/b.yml", 2, 13)]
    );
    assert!(
        messages(&list)[0].contains("azure-pipelines.yml -> a.yml -> sub/b.yml -> a.yml"),
        "{:?}",
        messages(&list)
    );
}

#[test]
fn a_chain_deeper_than_the_limit_is_kl008() {
    let mut list: Vec<(String, String)> =
        vec![(PIPE.to_owned(), "steps:\n- template: t0.yml\n".to_owned())];
    for i in 0..=template::MAX_TEMPLATE_DEPTH {
        list.push((
            format!("t{i}.yml"),
            format!("steps:\n- script: s{i}\n- template: t{}.yml\n", i + 1),
        ));
    }
    let refs: Vec<(&str, &str)> = list.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let f = findings(&refs);
    // t0 … t98 are inserted (99 files below the pipeline); t98 names t99, one level too deep.
    assert_eq!(f, [at(Code::TemplateCycle, "t98.yml", 3, 13)]);
    // The depth also holds for chains through jobs and stages.
    let mut list: Vec<(String, String)> =
        vec![(PIPE.to_owned(), "stages:\n- template: s0.yml\n".to_owned())];
    for i in 0..=template::MAX_TEMPLATE_DEPTH {
        list.push((
            format!("s{i}.yml"),
            format!("stages:\n- template: s{}.yml\n", i + 1),
        ));
    }
    let refs: Vec<(&str, &str)> = list.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(findings(&refs)[0].0, Code::TemplateCycle);
}

#[test]
fn parameters_missing_unknown_mistyped_or_not_allowed_are_kl011() {
    let t = "\
parameters:
- name: required
- name: flag
  type: boolean
  default: false
- name: count
  type: number
  default: 1
- name: size
  default: small
  values: [small, large]
- name: steps
  type: stepList
  default: []
steps: []
";
    let list = [
        (
            PIPE,
            "steps:\n- template: t.yml\n  parameters:\n    flag: maybe\n    count: many\n    size: huge\n    steps: [a]\n    extra: 1\n",
        ),
        ("t.yml", t),
    ];
    assert_eq!(
        findings(&list),
        [
            at(Code::TemplateParameter, PIPE, 2, 13),
            at(Code::TemplateParameter, PIPE, 4, 11),
            at(Code::TemplateParameter, PIPE, 5, 12),
            at(Code::TemplateParameter, PIPE, 6, 11),
            at(Code::TemplateParameter, PIPE, 7, 12),
            at(Code::TemplateParameter, PIPE, 8, 5),
        ]
    );
    let m = messages(&list);
    assert_eq!(
        m[0],
        "A value for the 'required' parameter must be provided."
    );
    assert_eq!(m[1], "The 'flag' parameter value is not a valid boolean.");
    assert_eq!(m[5], "Unexpected parameter 'extra'");
    assert!(
        m[3].contains("'huge' is not a valid value: small, large"),
        "{}",
        m[3]
    );
}

#[test]
fn defaults_are_checked_too() {
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("a number and a step", &[(PIPE, "steps:\n- template: t.yml\n"), ("t.yml", "parameters:\n- name: n\n  type: number\n  default: x\n- name: s\n  type: step\n  default: {nope: 1}\nsteps: []\n")], &[(Code::TemplateParameter, "t.yml", 4, 12), (Code::TemplateParameter, "t.yml", 7, 12)]),
    ];
    check_findings(cases);
}

#[test]
fn run_parameters_that_do_not_fit_are_kl011() {
    let c = compile_with(
        &[(
            PIPE,
            "parameters:\n- name: flag\n  type: boolean\n  default: false\n- name: obj\n  type: object\n  default: {}\nsteps: []\n",
        )],
        &[("flag", "perhaps"), ("obj", "[unclosed"), ("nope", "x")],
    );
    let found: Vec<_> = c
        .diagnostics
        .iter()
        .map(|d| (d.code, d.loc.line, d.loc.col))
        .collect();
    assert_eq!(
        found,
        [
            (Code::TemplateParameter, 1, 1),
            (Code::TemplateParameter, 1, 1),
            (Code::TemplateParameter, 1, 1)
        ],
        "{:#?}",
        c.diagnostics
    );
}

#[test]
fn expression_syntax_errors_are_kl009_at_their_column() {
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("a plain scalar: `eq(1,` ends at column 24", &[(PIPE, "steps:\n- script: ${{ eq(1, }}\n")], &[(Code::ExpressionSyntax, PIPE, 2, 21)]),
        ("a quoted scalar, after other text", &[(PIPE, "steps:\n- script: 'a ${{ ) }}'\n")], &[(Code::ExpressionSyntax, PIPE, 2, 18)]),
        ("a block scalar: the expression on its third line", &[(PIPE, "steps:\n- script: |\n    echo a\n    echo ${{ eq(1 2) }}\n")], &[(Code::ExpressionSyntax, PIPE, 4, 19)]),
        ("a quote left open keeps `}}` inside it: the expression is not closed", &[(PIPE, "steps:\n- script: |\n    echo a\n    echo ${{ 'x }}\n")], &[(Code::ExpressionSyntax, PIPE, 4, 10)]),
        ("a directive key", &[(PIPE, "steps:\n- ${{ if eq(1 1) }}:\n  - script: a\n")], &[(Code::ExpressionSyntax, PIPE, 2, 15)]),
        ("unclosed `${{`", &[(PIPE, "steps:\n- script: a ${{ b\n")], &[(Code::ExpressionSyntax, PIPE, 2, 13)]),
        ("in a template", &[(PIPE, "steps:\n- template: t.yml\n"), ("t.yml", "steps:\n- bash: x${{ ,}}\n")], &[(Code::ExpressionSyntax, "t.yml", 2, 14)]),
        ("`each` without `in`", &[(PIPE, "steps:\n- ${{ each x of y }}:\n  - script: a\n")], &[(Code::ExpressionSyntax, PIPE, 2, 14)]),
        ("`else` with an expression", &[(PIPE, "steps:\n- ${{ if true }}:\n  - script: a\n- ${{ else 1 }}:\n  - script: b\n")], &[(Code::ExpressionSyntax, PIPE, 4, 12)]),
    ];
    check_findings(cases);
}

#[test]
fn elseif_and_else_without_if_are_kl009() {
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("else in a sequence", &[(PIPE, "steps:\n- script: a\n- ${{ else }}:\n  - script: b\n")], &[(Code::ExpressionSyntax, PIPE, 3, 3)]),
        ("elseif in a mapping", &[(PIPE, "variables:\n  ${{ elseif true }}:\n    a: b\nsteps: []\n")], &[(Code::ExpressionSyntax, PIPE, 2, 3)]),
    ];
    check_findings(cases);
}

#[test]
fn unknown_names_functions_and_arguments_are_kl010() {
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("an unknown name", &[(PIPE, "steps:\n- script: ${{ parameters.x }} ${{ nope.y }}\n")], &[(Code::ExpressionError, PIPE, 2, 35)]),
        ("a wrong number of arguments", &[(PIPE, "steps:\n- script: ${{ upper('a', 'b') }}\n")], &[(Code::ExpressionError, PIPE, 2, 15)]),
        ("a function of run time only", &[(PIPE, "variables:\n  v: ${{ counter('a', 1) }}\nsteps: []\n")], &[(Code::ExpressionError, PIPE, 2, 10)]),
        ("a loop name is known only inside its loop", &[(PIPE, "steps:\n- ${{ each s in split('a,b', ',') }}:\n  - script: ${{ s }}\n- script: ${{ s }}\n")], &[(Code::ExpressionError, PIPE, 4, 15)]),
        ("evaluation errors: a collection in text, `each` over text, a failed comparison", &[(PIPE, "parameters:\n- name: l\n  type: object\n  default: [a]\nsteps:\n- script: x ${{ parameters.l }}\n- ${{ each s in 'text' }}:\n  - script: a\n- script: ${{ gt(1, 'a') }}\n")], &[(Code::ExpressionError, PIPE, 6, 16), (Code::ExpressionError, PIPE, 7, 16), (Code::ExpressionError, PIPE, 9, 15)]),
    ];
    check_findings(cases);
}

#[test]
fn keys_defined_twice_after_expansion_are_kl006() {
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("a key and a conditional key", &[(PIPE, "steps:\n- script: a\n  ${{ if true }}:\n    script: b\n")], &[(Code::InvalidValue, PIPE, 4, 5)]),
        ("a pipeline key again in its extends template", &[(PIPE, "trigger: none\nextends:\n  template: e.yml\n"), ("e.yml", "trigger: none\nsteps: []\n")], &[(Code::InvalidValue, "e.yml", 1, 1)]),
        ("insert of a text", &[(PIPE, "steps:\n- script: a\n  ${{ insert }}: x\n")], &[(Code::InvalidValue, PIPE, 3, 18)]),
        ("a conditional sequence in a mapping", &[(PIPE, "variables:\n  ${{ if true }}: [a]\nsteps: []\n")], &[(Code::InvalidValue, PIPE, 2, 19)]),
    ];
    check_findings(cases);
}

#[test]
fn malformed_references_and_templates() {
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("a reference with another key", &[(PIPE, "steps:\n- template: t.yml\n  other: 1\n"), ("t.yml", "steps: []\n")], &[(Code::UnknownKey, PIPE, 3, 3)]),
        ("parameters that are a sequence", &[(PIPE, "steps:\n- template: t.yml\n  parameters: [a]\n"), ("t.yml", "steps: []\n")], &[(Code::InvalidValue, PIPE, 3, 15)]),
        ("a template that is a sequence", &[(PIPE, "steps:\n- template: t.yml\n"), ("t.yml", "- a\n")], &[(Code::InvalidValue, "t.yml", 1, 1)]),
        ("a template with two bodies", &[(PIPE, "steps:\n- template: t.yml\n"), ("t.yml", "jobs: []\nstages: []\n")], &[(Code::InvalidValue, "t.yml", 1, 1)]),
        ("a template with another key", &[(PIPE, "steps:\n- template: t.yml\n"), ("t.yml", "steps: []\nname: x\n")], &[(Code::UnknownKey, "t.yml", 2, 1)]),
        ("a template body that is a text", &[(PIPE, "steps:\n- template: t.yml\n"), ("t.yml", "steps: x\n")], &[(Code::InvalidValue, "t.yml", 1, 8)]),
        ("extends that is a text", &[(PIPE, "extends: e.yml\n")], &[(Code::NotAPipeline, PIPE, 1, 1), (Code::InvalidValue, PIPE, 1, 10)]),
        ("parameter declarations without a name or with another key", &[(PIPE, "steps:\n- template: t.yml\n"), ("t.yml", "parameters:\n- type: string\n- name: a\n  kind: x\nsteps: []\n")], &[(Code::TemplateParameter, PIPE, 2, 13), (Code::InvalidValue, "t.yml", 2, 3), (Code::UnknownKey, "t.yml", 4, 3)]),
    ];
    check_findings(cases);
}

#[test]
fn expansion_stops_at_the_node_limit() {
    let items: Vec<String> = (0..400).map(|i| format!("i{i}")).collect();
    let text = format!(
        "parameters:\n- name: l\n  type: object\n  default: [{}]\nsteps:\n- ${{{{ each a in parameters.l }}}}:\n  - ${{{{ each b in parameters.l }}}}:\n    - script: ${{{{ a }}}}${{{{ b }}}}\n",
        items.join(", ")
    );
    let (e, d) = expand(&[(PIPE, &text)]);
    assert!(e.root.is_none());
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].code, Code::YamlLimit);
    assert!(d[0].message.contains("100000 nodes"), "{}", d[0].message);
    assert_eq!((d[0].loc.line, d[0].loc.col), (8, 15));
}

#[test]
fn expansion_stops_at_the_work_limit() {
    // Loops that make nothing still count.
    let items: Vec<String> = (0..2000).map(|i| format!("i{i}")).collect();
    let text = format!(
        "parameters:\n- name: l\n  type: object\n  default: [{}]\nsteps:\n- ${{{{ each a in parameters.l }}}}:\n  - ${{{{ each b in parameters.l }}}}:\n    - ${{{{ if false }}}}:\n      - script: x\n",
        items.join(", ")
    );
    let (e, d) = expand(&[(PIPE, &text)]);
    assert!(e.root.is_none());
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].code, Code::YamlLimit);
    assert!(d[0].message.contains("steps"), "{}", d[0].message);
}

#[test]
fn expansion_stops_at_the_text_limit() {
    let big = "x".repeat(900_000);
    let text = format!(
        "parameters:\n- name: l\n  type: object\n  default: [{}]\n- name: big\n  default: {big}\nsteps:\n- ${{{{ each a in parameters.l }}}}:\n  - script: ${{{{ parameters.big }}}}\n",
        vec!["a"; 30].join(", ")
    );
    let (e, d) = expand(&[(PIPE, &text)]);
    assert!(e.root.is_none());
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(d[0].message.contains("bytes of text"), "{}", d[0].message);
}

#[test]
fn expansion_stops_at_the_depth_limit() {
    // A parameter 60 levels deep inserted 50 levels down: deeper than the limit.
    let mut deep = String::from("leaf");
    for _ in 0..60 {
        deep = format!("{{a: {deep}}}");
    }
    let mut text =
        format!("parameters:\n- name: deep\n  type: object\n  default: {deep}\nsteps: []\nx:\n");
    for i in 1..50 {
        text.push_str(&"  ".repeat(i));
        text.push_str("b:\n");
    }
    text.push_str(&"  ".repeat(50));
    text.push_str("c: ${{ parameters.deep }}\n");
    let (e, d) = expand(&[(PIPE, &text)]);
    assert!(e.root.is_none(), "{d:#?}");
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].code, Code::YamlLimit);
    assert!(d[0].message.contains("deeper than 100"), "{}", d[0].message);
    assert_eq!((d[0].loc.line, d[0].loc.col), (56, 104));
}

#[test]
fn conditions_nested_through_many_templates_stop_at_the_nesting_limit() {
    // Each template nests 30 conditions, then names the next template: the recursion
    // would grow past any stack; expansion stops at the limit instead.
    let mut list: Vec<(String, String)> =
        vec![(PIPE.to_owned(), "steps:\n- template: t0.yml\n".to_owned())];
    for i in 0..90 {
        let mut t = String::from("steps:\n");
        for level in 0..30 {
            t.push_str(&"  ".repeat(level));
            t.push_str("- ${{ if true }}:\n");
        }
        t.push_str(&"  ".repeat(30));
        t.push_str(&format!("- template: t{}.yml\n", i + 1));
        list.push((format!("t{i}.yml"), t));
    }
    list.push(("t90.yml".to_owned(), "steps:\n- script: end\n".to_owned()));
    let refs: Vec<(&str, &str)> = list.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let (e, d) = expand(&refs);
    assert!(e.root.is_none());
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].code, Code::YamlLimit);
    let limit = format!("nest more than {}", template::MAX_NESTING);
    assert!(d[0].message.contains(&limit), "{}", d[0].message);
}

#[test]
fn nesting_within_the_limit_expands() {
    let mut list: Vec<(String, String)> =
        vec![(PIPE.to_owned(), "steps:\n- template: t0.yml\n".to_owned())];
    for i in 0..5 {
        let mut t = String::from("steps:\n");
        for level in 0..30 {
            t.push_str(&"  ".repeat(level));
            t.push_str("- ${{ if true }}:\n");
        }
        t.push_str(&"  ".repeat(30));
        t.push_str(&format!("- template: t{}.yml\n", i + 1));
        list.push((format!("t{i}.yml"), t));
    }
    list.push(("t5.yml".to_owned(), "steps:\n- script: end\n".to_owned()));
    let refs: Vec<(&str, &str)> = list.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let (e, d) = expand(&refs);
    assert!(d.is_empty(), "{d:#?}");
    assert!(e.root.is_some());
}

#[test]
fn every_parameter_type_refuses_a_wrong_value() {
    let t = "\
parameters:
- {name: job, type: job}
- {name: jobs, type: jobList}
- {name: dep, type: deployment}
- {name: deps, type: deploymentList}
- {name: stage, type: stage}
- {name: stages, type: stageList}
- {name: step, type: step}
- {name: container, type: container}
- {name: containers, type: containerList}
- {name: strings, type: stringList}
- {name: pool, type: pool}
- {name: text, type: string}
steps: []
";
    let list = [
        (
            PIPE,
            "\
steps:
- template: t.yml
  parameters:
    job: {steps: []}
    jobs: [{stage: x}]
    dep: {job: x}
    deps: x
    stage: [a]
    stages: [{job: a}]
    step: {displayName: x}
    container: image
    containers: [image]
    strings: [[a]]
    pool: [a]
    text: {a: b}
",
        ),
        ("t.yml", t),
    ];
    let f = findings(&list);
    let lines: Vec<u32> = f.iter().map(|x| x.2).collect();
    assert_eq!(lines, (4..=15).collect::<Vec<u32>>(), "{f:#?}");
    assert!(
        f.iter().all(|x| x.0 == Code::TemplateParameter && x.3 > 4),
        "{f:#?}"
    );
}

#[test]
fn more_malformed_expansions() {
    #[rustfmt::skip]
    let cases: &[Case] = &[
        ("a key made a collection by an expression", &[(PIPE, "parameters:\n- {name: l, type: object, default: [a]}\nsteps:\n- script: a\n  ${{ parameters.l }}: x\n")], &[(Code::InvalidValue, PIPE, 5, 3)]),
        ("a template path made a collection", &[(PIPE, "parameters:\n- {name: l, type: object, default: [a]}\nsteps:\n- template: ${{ parameters.l }}\n")], &[(Code::InvalidValue, PIPE, 4, 13)]),
        ("an extends template that is not a mapping", &[(PIPE, "extends:\n  template: e.yml\n"), ("e.yml", "- a\n")], &[(Code::NotAPipeline, PIPE, 1, 1), (Code::InvalidValue, "e.yml", 1, 1)]),
        ("`extends` with another key", &[(PIPE, "extends:\n  template: e.yml\n  other: 1\n"), ("e.yml", "steps: []\n")], &[(Code::UnknownKey, PIPE, 3, 3)]),
    ];
    check_findings(cases);
}

#[test]
fn positions_hold_with_crlf_and_wide_characters() {
    assert_eq!(
        findings(&[(PIPE, "steps:\r\n- script: 'é ü ${{ nope }}'\r\n")]),
        [at(Code::ExpressionError, PIPE, 2, 20)]
    );
}
