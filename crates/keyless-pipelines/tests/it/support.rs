//! Helpers shared by the test modules.

use keyless_pipelines::model::{self, Pipeline};
use keyless_pipelines::template::{self, Expanded, MapLoader, Options};
use keyless_pipelines::yaml::Node;
use keyless_pipelines::{Code, Diagnostic, yaml};
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
    use keyless_pipelines::model::StepKind;
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
