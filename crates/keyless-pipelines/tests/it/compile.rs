//! `compile`: files on disk through `FsLoader`, expansion then reading.

use crate::support::{files, fixtures, scripts, task_input};
use keyless_pipelines::template::{FsLoader, Options};
use keyless_pipelines::{Code, Severity, compile};
use std::collections::BTreeMap;

fn loader(with_tools: bool) -> FsLoader {
    let mut repositories = BTreeMap::new();
    if with_tools {
        repositories.insert("tools".to_owned(), fixtures().join("tools"));
    }
    FsLoader::new(fixtures().join("repo"), repositories)
}

#[test]
fn a_pipeline_with_local_and_remote_templates_compiles() {
    let c = compile("azure-pipelines.yml", &loader(true), &Options::default());
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    assert_eq!(
        c.files,
        vec![
            (None, "azure-pipelines.yml".to_owned()),
            (None, "templates/base.yml".to_owned()),
            (Some("tools".to_owned()), "steps/common.yml".to_owned()),
        ]
    );
    let p = c.pipeline.unwrap();
    let stages: Vec<&str> = p.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(stages, ["Build", "Deploy_dev", "Deploy_prod"]);
    assert_eq!(
        scripts(&p),
        [
            "checkout self",
            "echo \"common steps for build\"",
            "make build",
            "AzureCLI@2",
            "AzureCLI@2"
        ]
    );
    let build = &p.stages[0].jobs[0];
    assert_eq!(build.steps[0].loc.file.as_ref(), "steps/common.yml@tools");
    assert_eq!(build.steps[2].loc.file.as_ref(), "azure-pipelines.yml");
    assert_eq!(build.steps[2].display_name.as_deref(), Some("Build shop"));
    let deploy = &p.stages[2].jobs[0];
    let sub = task_input(&deploy.steps[0], "azureSubscription");
    assert_eq!(sub.value.value, "shop-prod");
    assert_eq!(sub.value.loc.file.as_ref(), "templates/base.yml");
    assert_eq!((sub.value.loc.line, sub.value.loc.col), (30, 36));
    assert_eq!(p.resources.repositories[0].alias, "tools");
}

#[test]
fn run_parameters_reach_the_template() {
    let options = Options {
        parameters: vec![("environments".into(), "[qa]".into())],
    };
    let c = compile("azure-pipelines.yml", &loader(true), &options);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let stages: Vec<String> = c
        .pipeline
        .unwrap()
        .stages
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(stages, ["Build", "Deploy_qa"]);
}

#[test]
fn without_the_other_repository_its_template_is_a_note() {
    let c = compile("azure-pipelines.yml", &loader(false), &Options::default());
    let found: Vec<_> = c
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code,
                d.severity,
                d.loc.file.to_string(),
                d.loc.line,
                d.loc.col,
            )
        })
        .collect();
    assert_eq!(
        found,
        [(
            Code::RemoteTemplate,
            Severity::Note,
            "templates/base.yml".to_owned(),
            14,
            17
        )]
    );
    assert_eq!(c.pipeline.unwrap().stages[0].jobs[0].steps.len(), 1);
}

#[test]
fn findings_are_sorted_by_file_line_and_column() {
    let list = [
        (
            "azure-pipelines.yml",
            "steps:\n- template: t.yml\n- script: ${{ nope }}\n- bogus: 1\n",
        ),
        ("t.yml", "steps:\n- script: ${{ eq( }}\n- task: X@y\n"),
    ];
    let c = compile("azure-pipelines.yml", &files(&list), &Options::default());
    let found: Vec<_> = c
        .diagnostics
        .iter()
        .map(|d| (d.loc.file.to_string(), d.loc.line, d.loc.col, d.code))
        .collect();
    assert_eq!(
        found,
        [
            (
                "azure-pipelines.yml".to_owned(),
                3,
                15,
                Code::ExpressionError
            ),
            ("azure-pipelines.yml".to_owned(), 4, 3, Code::InvalidValue),
            ("t.yml".to_owned(), 2, 19, Code::ExpressionSyntax),
            ("t.yml".to_owned(), 3, 9, Code::InvalidValue),
        ]
    );
}

#[test]
fn the_plain_fixtures_compile_from_disk() {
    let loader = FsLoader::new(fixtures().join("plain"), BTreeMap::new());
    for file in ["steps.yml", "stages.yml"] {
        let c = compile(file, &loader, &Options::default());
        assert!(c.diagnostics.is_empty(), "{file}: {:#?}", c.diagnostics);
        assert!(c.pipeline.is_some());
        assert_eq!(c.files, vec![(None, file.to_owned())]);
    }
}
