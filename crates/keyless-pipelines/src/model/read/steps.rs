//! Steps: scripts, checkout, tasks, and the agent-only kinds.

use super::{Reader, key_of};
use crate::model::{Input, Located, Shell, Step, StepKind, TaskStep};
use crate::yaml::{Node, Value};

/// Each step kind: its kind key and the keys it adds to those every step has
/// (`condition`, `continueOnError`, `displayName`, `target`, `enabled`, `env`, `name`,
/// `timeoutInMinutes`, `retryCountOnTaskFailure`).
const KINDS: &[(&str, &[&str])] = &[
    ("task", &["inputs"]),
    ("script", &["failOnStderr", "workingDirectory"]),
    ("bash", &["failOnStderr", "workingDirectory"]),
    (
        "pwsh",
        &[
            "errorActionPreference",
            "failOnStderr",
            "ignoreLASTEXITCODE",
            "workingDirectory",
        ],
    ),
    (
        "powershell",
        &[
            "errorActionPreference",
            "failOnStderr",
            "ignoreLASTEXITCODE",
            "workingDirectory",
        ],
    ),
    (
        "checkout",
        &[
            "clean",
            "fetchDepth",
            "fetchFilter",
            "fetchTags",
            "lfs",
            "persistCredentials",
            "submodules",
            "path",
            "sparseCheckoutDirectories",
            "sparseCheckoutPatterns",
            "workspaceRepo",
        ],
    ),
    ("download", &["artifact", "patterns"]),
    ("downloadBuild", &["artifact", "path", "patterns", "inputs"]),
    ("getPackage", &["path"]),
    ("upload", &["artifact"]),
    ("publish", &["artifact"]),
    ("reviewApp", &[]),
];

pub(super) fn read_steps(r: &mut Reader, v: &Node) -> Vec<Step> {
    let Some(items) = r.seq(v, "steps") else {
        return Vec::new();
    };
    items.iter().filter_map(|item| read_step(r, item)).collect()
}

fn read_step(r: &mut Reader, item: &Node) -> Option<Step> {
    let pairs = r.map(item, "a step")?;
    let Some((kind_key, extra)) = KINDS
        .iter()
        .find(|(k, _)| item.get(k).is_some())
        .map(|(k, e)| (*k, *e))
    else {
        r.invalid(
            &item.loc,
            "A step has no kind: task, script, bash, pwsh, powershell, checkout, download, downloadBuild, getPackage, publish, upload or reviewApp.",
        );
        return None;
    };
    let mut step = Step {
        loc: item.loc.clone(),
        kind: StepKind::Other {
            key: kind_key.to_owned(),
            value: String::new(),
        },
        name: None,
        display_name: None,
        condition: None,
        continue_on_error: false,
        enabled: true,
        timeout_in_minutes: None,
        env: Vec::new(),
    };
    let mut working_directory = None;
    let mut fail_on_stderr = false;
    let mut inputs = Vec::new();
    for (k, v) in pairs {
        let key = key_of(k);
        match key {
            _ if key == kind_key => {}
            "condition" => step.condition = r.text(v, key),
            "continueOnError" => step.continue_on_error = r.boolean(v, key, false),
            "displayName" => step.display_name = r.text(v, key),
            "enabled" => step.enabled = r.boolean(v, key, true),
            "env" => step.env = read_env(r, v),
            "name" => step.name = r.text(v, key),
            "timeoutInMinutes" => step.timeout_in_minutes = r.number(v, key),
            "retryCountOnTaskFailure" => {
                r.number(v, key);
            }
            "target" => read_target(r, v),
            _ if !extra.contains(&key) => r.unknown_key(k),
            "workingDirectory" => working_directory = r.text(v, key),
            "failOnStderr" => fail_on_stderr = r.boolean(v, key, false),
            "inputs" => inputs = read_inputs(r, v),
            "ignoreLASTEXITCODE" | "clean" | "lfs" | "persistCredentials" | "fetchTags" => {
                r.boolean(v, key, false);
            }
            _ => {
                r.text(v, key);
            }
        }
    }
    let kind_node = item.get(kind_key)?;
    step.kind = match kind_key {
        "task" => {
            let reference = r.located(kind_node, "task")?;
            let (name, major) = split_task_reference(r, &reference);
            StepKind::Task(TaskStep {
                reference,
                name,
                major,
                inputs,
            })
        }
        "script" | "bash" | "pwsh" | "powershell" => StepKind::Script {
            shell: match kind_key {
                "script" => Shell::Script,
                "bash" => Shell::Bash,
                "pwsh" => Shell::Pwsh,
                _ => Shell::PowerShell,
            },
            script: r.text(kind_node, kind_key)?,
            working_directory,
            fail_on_stderr,
        },
        "checkout" => StepKind::Checkout {
            repository: r.text(kind_node, "checkout")?,
        },
        _ => StepKind::Other {
            key: kind_key.to_owned(),
            value: r.text(kind_node, kind_key)?,
        },
    };
    Some(step)
}

/// `Name@Major`: the name and the major version (KL006 when the version is not a number).
fn split_task_reference(r: &mut Reader, reference: &Located) -> (String, Option<u32>) {
    let text = reference.value.trim();
    match text.rsplit_once('@') {
        None => (text.to_owned(), None),
        Some((name, version)) => match version.trim().parse::<u32>() {
            Ok(major) => (name.to_owned(), Some(major)),
            Err(_) => {
                r.invalid(
                    &reference.loc,
                    format!("'{text}' does not end with a major version (`Name@2`)."),
                );
                (name.to_owned(), None)
            }
        },
    }
}

/// The pairs of a mapping that may be left empty (`key:` with no value); none when it is
/// not a mapping (reported).
fn optional_map<'n>(r: &mut Reader, v: &'n Node, what: &str) -> &'n [(Node, Node)] {
    if matches!(v.value, Value::Null) {
        return &[];
    }
    r.map(v, what).unwrap_or_default()
}

/// `inputs:`: a mapping of single values, in document order.
fn read_inputs(r: &mut Reader, v: &Node) -> Vec<Input> {
    optional_map(r, v, "inputs")
        .iter()
        .filter_map(|(k, val)| {
            let value = r.located(val, "an input")?;
            Some(Input {
                loc: k.loc.clone(),
                name: key_of(k).to_owned(),
                value,
            })
        })
        .collect()
}

/// `env:`: a mapping of single values.
fn read_env(r: &mut Reader, v: &Node) -> Vec<(String, String)> {
    optional_map(r, v, "env")
        .iter()
        .filter_map(|(k, val)| {
            Some((
                key_of(k).to_owned(),
                r.text(val, "an environment variable")?,
            ))
        })
        .collect()
}

/// `target:`: a container alias (or `host`), or `{container, commands, settableVariables}`.
fn read_target(r: &mut Reader, v: &Node) {
    match &v.value {
        Value::Map(pairs) => r.only(pairs, &["container", "commands", "settableVariables"]),
        _ => {
            r.text(v, "target");
        }
    }
}
