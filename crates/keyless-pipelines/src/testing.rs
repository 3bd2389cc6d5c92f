//! Pipelines built in code for the unit tests: one file, `azure-pipelines.yml`; a task
//! step's inputs on the lines after its `task:` line, keys at column 7, values at column 20.

use crate::loc::Loc;
use crate::model::*;
use std::sync::Arc;

pub fn file() -> Arc<str> {
    Arc::from("azure-pipelines.yml")
}

pub fn loc(line: u32, col: u32) -> Loc {
    Loc::new(&file(), line, col)
}

pub fn located(value: &str, line: u32, col: u32) -> Located {
    Located {
        loc: loc(line, col),
        value: value.to_string(),
    }
}

fn step(kind: StepKind, line: u32, display_name: Option<&str>) -> Step {
    Step {
        loc: loc(line, 3),
        kind,
        name: None,
        display_name: display_name.map(String::from),
        condition: None,
        continue_on_error: false,
        enabled: true,
        timeout_in_minutes: None,
        env: Vec::new(),
    }
}

/// `- task: reference` at `line`, its inputs on the following lines.
pub fn task(reference: &str, line: u32, inputs: &[(&str, &str)]) -> Step {
    let (name, major) = match reference.split_once('@') {
        Some((n, m)) => (n.to_string(), m.parse().ok()),
        None => (reference.to_string(), None),
    };
    let inputs = inputs
        .iter()
        .zip(line + 2..)
        .map(|((k, v), l)| Input {
            loc: loc(l, 7),
            name: k.to_string(),
            value: located(v, l, 20),
        })
        .collect();
    step(
        StepKind::Task(TaskStep {
            reference: located(reference, line, 11),
            name,
            major,
            inputs,
        }),
        line,
        None,
    )
}

/// A task step with a display name.
pub fn named_task(reference: &str, display: &str, line: u32, inputs: &[(&str, &str)]) -> Step {
    let mut s = task(reference, line, inputs);
    s.display_name = Some(display.to_string());
    s
}

pub fn script(line: u32) -> Step {
    step(
        StepKind::Script {
            shell: Shell::Bash,
            script: "echo hi".into(),
            working_directory: None,
            fail_on_stderr: false,
        },
        line,
        None,
    )
}

pub fn job(name: &str, line: u32, variables: Vec<Variable>, steps: Vec<Step>) -> Job {
    Job {
        variables,
        steps,
        ..Job::new(loc(line, 3), name.to_string(), JobKind::Regular)
    }
}

pub fn stage(name: &str, line: u32, variables: Vec<Variable>, jobs: Vec<Job>) -> Stage {
    Stage {
        loc: loc(line, 3),
        name: name.to_string(),
        display_name: None,
        depends_on: None,
        condition: None,
        pool: None,
        variables,
        jobs,
    }
}

pub fn var(name: &str, value: &str, line: u32) -> Variable {
    Variable::Value {
        loc: loc(line, 3),
        name: name.to_string(),
        value: value.to_string(),
        readonly: false,
    }
}

pub fn group(name: &str, line: u32) -> Variable {
    Variable::Group {
        loc: loc(line, 3),
        name: name.to_string(),
    }
}

/// A pipeline of stages.
pub fn stages(variables: Vec<Variable>, stages: Vec<Stage>) -> Pipeline {
    Pipeline {
        loc: loc(1, 1),
        name: None,
        trigger: None,
        pr: None,
        pool: None,
        variables,
        parameters: Vec::new(),
        resources: Resources::default(),
        stages,
    }
}

/// A pipeline with top-level `steps`: stage `__default`, job `Job`.
pub fn steps(steps: Vec<Step>) -> Pipeline {
    stages(
        Vec::new(),
        vec![stage(
            "__default",
            1,
            Vec::new(),
            vec![job("Job", 1, Vec::new(), steps)],
        )],
    )
}

pub fn repository(
    alias: &str,
    kind: &str,
    endpoint: Option<&str>,
    line: u32,
) -> RepositoryResource {
    RepositoryResource {
        loc: loc(line, 5),
        alias: alias.to_string(),
        kind: kind.to_string(),
        name: format!("project/{alias}"),
        reference: None,
        endpoint: endpoint.map(|e| located(e, line + 2, 15)),
    }
}

pub fn container(
    alias: &str,
    image: &str,
    endpoint: Option<&str>,
    azure_subscription: Option<&str>,
    line: u32,
) -> ContainerResource {
    ContainerResource {
        loc: loc(line, 5),
        alias: alias.to_string(),
        image: image.to_string(),
        endpoint: endpoint.map(|e| located(e, line + 2, 15)),
        azure_subscription: azure_subscription.map(|s| located(s, line + 3, 24)),
    }
}
