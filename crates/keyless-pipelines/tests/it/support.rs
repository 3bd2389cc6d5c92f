//! Helpers shared by the test modules.

use keyless_pipelines::model::{self, Input, Pipeline, Step, StepKind, Variable};
use keyless_pipelines::template::{self, Expanded, MapLoader, Options};
use keyless_pipelines::yaml::Node;
use keyless_pipelines::{Code, Compiled, Diagnostic, yaml};
use std::path::PathBuf;
use std::sync::Arc;

/// The folder of the test fixtures.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fixture's text.
pub fn fixture(path: &str) -> String {
    std::fs::read_to_string(fixtures().join(path)).expect("fixture")
}

/// Parses and reads `text` as `p.yml`, panicking on a YAML error.
pub fn read(text: &str) -> (Option<Pipeline>, Vec<Diagnostic>) {
    let file: Arc<str> = Arc::from("p.yml");
    let root = yaml::parse(&file, text).unwrap_or_else(|d| panic!("{d:?}"));
    model::read(&root)
}

/// Reads `text`, which must give a pipeline and no finding.
pub fn clean(text: &str) -> Pipeline {
    let (p, diags) = read(text);
    assert!(diags.is_empty(), "{diags:#?}");
    p.expect("pipeline")
}

/// Code, line and column of each finding.
pub fn found(diags: &[Diagnostic]) -> Vec<(Code, u32, u32)> {
    diags
        .iter()
        .map(|d| (d.code, d.loc.line, d.loc.col))
        .collect()
}

/// An in-memory repository of `(path, text)` files.
pub fn files(list: &[(&str, &str)]) -> MapLoader {
    MapLoader(
        list.iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect(),
    )
}

/// Expands `azure-pipelines.yml` of `list`.
pub fn expand(list: &[(&str, &str)]) -> (Expanded, Vec<Diagnostic>) {
    template::expand("azure-pipelines.yml", &files(list), &Options::default())
}

/// Expands with no finding, giving the tree.
pub fn expanded(list: &[(&str, &str)]) -> Node {
    let (e, d) = expand(list);
    assert!(d.is_empty(), "{d:#?}");
    e.root.expect("root")
}

/// Expands and reads the pipeline, which must have no finding.
pub fn compiled(list: &[(&str, &str)]) -> Pipeline {
    let c = keyless_pipelines::compile("azure-pipelines.yml", &files(list), &Options::default());
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    c.pipeline.expect("pipeline")
}

/// The findings of compiling `azure-pipelines.yml` of `list`: code, file, line, column.
pub fn findings(list: &[(&str, &str)]) -> Vec<(Code, String, u32, u32)> {
    let c = keyless_pipelines::compile("azure-pipelines.yml", &files(list), &Options::default());
    c.diagnostics
        .iter()
        .map(|d| (d.code, d.loc.file.to_string(), d.loc.line, d.loc.col))
        .collect()
}

/// The scripts of every step, in order, as `shell: text` (tasks as their reference).
pub fn scripts(p: &Pipeline) -> Vec<String> {
    p.jobs()
        .flat_map(|(_, j)| j.steps.iter())
        .map(|s| match &s.kind {
            StepKind::Script { script, .. } => script.clone(),
            StepKind::Task(t) => t.reference.value.clone(),
            StepKind::Checkout { repository } => format!("checkout {repository}"),
            StepKind::Other { key, value } => format!("{key} {value}"),
        })
        .collect()
}

/// A case of [`check_findings`]: its name, the `(path, text)` files, and the findings
/// expected (code, file, line, column).
pub type Case<'a> = (
    &'a str,
    &'a [(&'a str, &'a str)],
    &'a [(Code, &'a str, u32, u32)],
);

/// Compiles the files of each case and compares its findings; a failure names its case.
pub fn check_findings(cases: &[Case]) {
    for (name, list, want) in cases {
        let want: Vec<(Code, String, u32, u32)> = want
            .iter()
            .map(|&(code, file, line, col)| (code, file.to_owned(), line, col))
            .collect();
        assert_eq!(findings(list), want, "case: {name}");
    }
}

/// Compiles `azure-pipelines.yml` of `list` with these run parameters.
pub fn compile_with(list: &[(&str, &str)], parameters: &[(&str, &str)]) -> Compiled {
    let options = Options {
        parameters: parameters
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    keyless_pipelines::compile("azure-pipelines.yml", &files(list), &options)
}

/// Each variable of the pipeline as `name=value`, a group as `group name`.
pub fn variable_texts(p: &Pipeline) -> Vec<String> {
    p.variables
        .iter()
        .map(|v| match v {
            Variable::Value { name, value, .. } => format!("{name}={value}"),
            Variable::Group { name, .. } => format!("group {name}"),
        })
        .collect()
}

/// The input `name` of a step, which must be a task with that input.
pub fn task_input<'a>(step: &'a Step, name: &str) -> &'a Input {
    let StepKind::Task(t) = &step.kind else {
        panic!("not a task: {step:?}")
    };
    t.input(name)
        .unwrap_or_else(|| panic!("no input {name}: {t:?}"))
}

/// A case of [`check_read`]: its name, the text, and the findings expected (code, line,
/// column).
pub type ReadCase<'a> = (&'a str, &'a str, &'a [(Code, u32, u32)]);

/// Reads the text of each case and compares its findings; a failure names its case.
pub fn check_read(cases: &[ReadCase]) {
    for (name, text, want) in cases {
        let (_, d) = read(text);
        assert_eq!(found(&d), *want, "case: {name}: {d:#?}");
    }
}
