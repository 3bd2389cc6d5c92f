use super::*;
use crate::diag::{Code, Diagnostic, Severity};
use crate::loc::Loc;
use std::sync::Arc;

fn at(file: &str, line: u32, col: u32) -> Loc {
    Loc::new(&Arc::from(file), line, col)
}

fn sample() -> Vec<Diagnostic> {
    vec![
        Diagnostic::new(
            Code::TaskVersionWithoutFederation,
            at("a.yml", 12, 20),
            "AzureFileCopy@4 does not support it",
        )
        .with_fix("Use AzureFileCopy@6"),
        Diagnostic::new(
            Code::MarketplaceTask,
            at("a.yml", 20, 20),
            "Contoso@1 is not a built-in task",
        ),
        Diagnostic::new(
            Code::TaskFederationPending,
            at("dir/b c.yml", 3, 7),
            "Docker@2 support is announced",
        ),
    ]
}

#[test]
fn human_groups_by_file_with_fixes_and_a_summary() {
    assert_eq!(
        human(&sample(), 3, false),
        "a.yml:12:20: error[KL102]: AzureFileCopy@4 does not support it\n\
         \x20 fix: Use AzureFileCopy@6\n\
         a.yml:20:20: warning[KL105]: Contoso@1 is not a built-in task\n\
         \n\
         dir/b c.yml:3:7: warning[KL104]: Docker@2 support is announced\n\
         \n\
         1 error, 2 warnings in 3 files\n"
    );
    assert_eq!(human(&[], 1, false), "0 errors, 0 warnings in 1 file\n");
}

#[test]
fn human_colours_only_when_asked() {
    let d = &sample()[..1];
    assert!(!human(d, 1, false).contains('\x1b'));
    assert_eq!(
        human(d, 1, true),
        "\x1b[1ma.yml:12:20\x1b[0m: \x1b[1;31merror[KL102]\x1b[0m: AzureFileCopy@4 does not support it\n\
         \x20 fix: Use AzureFileCopy@6\n\
         \n\
         \x1b[1m1 error, 0 warnings in 1 file\x1b[0m\n"
    );
}

#[test]
fn summary_counts_notes_when_there_are_any() {
    let mut d = sample();
    d[1].severity = Severity::Note;
    assert_eq!(summary(&d, 2), "1 error, 1 warning, 1 note in 2 files");
}

#[test]
fn json_has_the_documented_shape() {
    let v: serde_json::Value = serde_json::from_str(&json(&sample()[..2], 2)).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "version": 1,
            "files": 2,
            "diagnostics": [
                {"code": "KL102", "severity": "error", "file": "a.yml", "line": 12, "column": 20,
                 "message": "AzureFileCopy@4 does not support it", "fix": "Use AzureFileCopy@6"},
                {"code": "KL105", "severity": "warning", "file": "a.yml", "line": 20, "column": 20,
                 "message": "Contoso@1 is not a built-in task", "fix": null},
            ]
        })
    );
    let text = json(&[], 0);
    assert_eq!(
        text,
        "{\n  \"version\": 1,\n  \"files\": 0,\n  \"diagnostics\": []\n}\n"
    );
}

#[test]
fn sarif_has_a_rule_per_code_and_located_results() {
    let v: serde_json::Value = serde_json::from_str(&sarif(&sample())).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["$schema"], sarif::SCHEMA);
    let driver = &v["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "keyless");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), Code::ALL.len());
    assert_eq!(rules[0]["id"], "KL001");
    let kl102 = rules.iter().find(|r| r["id"] == "KL102").unwrap();
    assert_eq!(kl102["name"], "TaskVersionWithoutFederation");
    assert_eq!(
        kl102["shortDescription"]["text"],
        "task version does not support workload identity federation"
    );
    assert_eq!(kl102["defaultConfiguration"]["level"], "error");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["ruleId"], "KL102");
    assert_eq!(
        rules[results[0]["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "KL102"
    );
    assert_eq!(results[0]["level"], "error");
    assert_eq!(
        results[0]["message"]["text"],
        "AzureFileCopy@4 does not support it"
    );
    assert_eq!(results[0]["properties"]["fix"], "Use AzureFileCopy@6");
    let loc = &results[2]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "dir/b%20c.yml");
    assert_eq!(loc["region"]["startLine"], 3);
    assert_eq!(loc["region"]["startColumn"], 7);
}

#[test]
fn uris() {
    assert_eq!(sarif::uri("pipelines/deploy.yml"), "pipelines/deploy.yml");
    assert_eq!(
        sarif::uri("/tmp/a b/x#1.yml"),
        "file:///tmp/a%20b/x%231.yml"
    );
    assert_eq!(sarif::uri("dir\\win.yml"), "dir/win.yml");
    assert_eq!(sarif::uri("é.yml"), "%C3%A9.yml");
}
