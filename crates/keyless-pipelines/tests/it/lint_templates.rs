//! Rules over pipelines that use templates: variables and steps that a template brings are
//! checked as if written in the pipeline, at the template's own position.
#![allow(clippy::unwrap_used)]

use keyless_pipelines::template::{MapLoader, Options};
use keyless_pipelines::{compile, lint};
fn lint_files(files: &[(&str, &str)]) -> Vec<String> {
    let loader = MapLoader(
        files
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    let c = compile(files[0].0, &loader, &Options::default());
    lint::run(&c, None)
        .iter()
        .map(|d| format!("{} {} {}", d.loc, d.code, d.severity.as_str()))
        .collect()
}

const USES_CONNECTION_VARIABLE: &str = "variables:\n  - template: vars/connections.yml\nsteps:\n  - task: AzureCLI@2\n    inputs:\n      azureSubscription: $(deployConnection)\n      scriptType: bash\n";

#[test]
fn a_variable_from_a_variables_template_is_defined() {
    let found = lint_files(&[
        ("azure-pipelines.yml", USES_CONNECTION_VARIABLE),
        (
            "vars/connections.yml",
            "variables:\n  deployConnection: prod-arm\n",
        ),
    ]);
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn without_the_template_variable_it_is_kl202() {
    let found = lint_files(&[
        ("azure-pipelines.yml", USES_CONNECTION_VARIABLE),
        (
            "vars/connections.yml",
            "variables:\n  otherConnection: prod-arm\n",
        ),
    ]);
    assert_eq!(found, vec!["azure-pipelines.yml:6:26 KL202 error"]);
}

#[test]
fn a_step_template_is_checked_where_it_is_written() {
    let found = lint_files(&[
        (
            "azure-pipelines.yml",
            "steps:\n  - template: steps/copy.yml\n    parameters:\n      connection: prod-arm\n",
        ),
        (
            "steps/copy.yml",
            "parameters:\n  - name: connection\n    type: string\nsteps:\n  - task: AzureFileCopy@5\n    inputs:\n      azureSubscription: ${{ parameters.connection }}\n",
        ),
    ]);
    assert_eq!(found, vec!["steps/copy.yml:7:26 KL102 error"]);
}
