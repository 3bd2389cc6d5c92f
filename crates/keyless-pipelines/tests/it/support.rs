//! Helpers shared by the test modules.

use keyless_pipelines::model::{self, Pipeline};
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
