//! The fixture corpus (`tests/fixtures/lint/`, one file per rule scenario and per class of
//! catalogue row) linted offline, in the three report formats, compared exactly with
//! `tests/golden/lint.{txt,json,sarif}`. `KEYLESS_BLESS=1` rewrites the golden files.
#![allow(clippy::unwrap_used)]

use keyless_pipelines::template::{FsLoader, Options};
use keyless_pipelines::{Compiled, Diagnostic, lint, report};
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// A fixture compiled as `keyless lint` compiles a file, named by its file name.
fn compile(name: &str) -> Compiled {
    let loader = FsLoader::new(dir().join("fixtures/lint"), Default::default());
    keyless_pipelines::compile(name, &loader, &Options::default())
}

fn corpus() -> (Vec<Diagnostic>, usize) {
    let mut names: Vec<String> = std::fs::read_dir(dir().join("fixtures/lint"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    names.sort();
    let mut all = Vec::new();
    for n in &names {
        all.extend(lint::run(&compile(n), None));
    }
    lint::sort(&mut all);
    (all, names.len())
}

fn check(golden: &str, actual: &str) {
    let path = dir().join("golden").join(golden);
    if std::env::var("KEYLESS_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "tests/golden/{golden} differs (KEYLESS_BLESS=1 cargo test -p keyless-pipelines --test lint_golden rewrites it):\n{actual}"
    );
}

#[test]
fn human() {
    let (d, files) = corpus();
    check("lint.txt", &report::human(&d, files, false));
}

#[test]
fn json() {
    let (d, files) = corpus();
    check("lint.json", &report::json(&d, files));
}

#[test]
fn sarif() {
    let (d, _) = corpus();
    check("lint.sarif", &report::sarif(&d));
}

/// Every rule of the offline set appears in the corpus at least once.
#[test]
fn the_corpus_covers_every_offline_rule() {
    let (d, _) = corpus();
    for code in [
        "KL002", "KL004", "KL101", "KL102", "KL103", "KL104", "KL105", "KL106", "KL201", "KL202",
        "KL203",
    ] {
        assert!(d.iter().any(|x| x.code.as_str() == code), "{code}");
    }
    assert!(
        !d.iter()
            .any(|x| &*x.loc.file == "clean-supported-tasks.yml")
    );
}

/// Every prefix of every fixture (cut at each line, and inside the line) compiles, lints
/// and reports without a panic.
#[test]
fn truncated_fixtures_never_panic() {
    use keyless_pipelines::template::MapLoader;
    for e in std::fs::read_dir(dir().join("fixtures/lint")).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        let cuts: Vec<usize> = text
            .char_indices()
            .filter(|(_, c)| *c == '\n' || *c == ':' || *c == '$')
            .map(|(i, _)| i)
            .collect();
        for cut in cuts {
            let loader = MapLoader([("p.yml".to_string(), text[..cut].to_string())].into());
            let c = keyless_pipelines::compile("p.yml", &loader, &Options::default());
            let d = lint::run(&c, None);
            let _ = (
                report::human(&d, 1, true),
                report::json(&d, 1),
                report::sarif(&d),
            );
        }
    }
}
