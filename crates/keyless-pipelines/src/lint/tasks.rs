//! KL101–KL106: tasks against the catalogue.

use crate::catalogue::{self, InputSupport, Support, Task};
use crate::diag::{Code, Diagnostic, Severity};
use crate::model::{Input, Pipeline, StepKind, TaskStep};
use crate::refs;

pub fn check(p: &Pipeline) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (_, job) in p.jobs() {
        for step in &job.steps {
            if let StepKind::Task(t) = &step.kind {
                task(t, &mut out);
            }
        }
    }
    out
}

fn task(t: &TaskStep, out: &mut Vec<Diagnostic>) {
    let reference = &t.reference.value;
    if !catalogue::is_known(&t.name) {
        marketplace(t, out);
        return;
    }
    let Some(row) = t.major.and_then(|m| catalogue::find(&t.name, m)) else {
        out.push(unknown_version(t));
        return;
    };
    for (input, cat) in refs::task_inputs(t) {
        if !refs::is_read(t, cat) {
            continue;
        }
        let name = &input.value.value;
        let at = input.value.loc.clone();
        let d = match (row.support, cat.support) {
            (Support::No, _) => Diagnostic::new(
                Code::TaskWithoutFederation,
                at,
                format!(
                    "{reference} does not support workload identity federation; its input {} names connection '{name}'",
                    input.name
                ),
            )
            .with_fix("Do this step with a task that supports workload identity federation (a script in AzureCLI@2, for example), or give it a connection that uses a secret"),
            (Support::UseVersion(to), _) => Diagnostic::new(
                Code::TaskVersionWithoutFederation,
                at,
                format!(
                    "{reference} does not support workload identity federation, {to} does; its input {} names connection '{name}'",
                    input.name
                ),
            )
            .with_fix(format!("Use {to}")),
            (Support::Pending(when), _) => Diagnostic::new(
                Code::TaskFederationPending,
                at,
                format!(
                    "{reference} support for workload identity federation is announced ({when}), not available; its input {} names connection '{name}'",
                    input.name
                ),
            )
            .with_fix("Until the task supports it, give this step a connection that uses a secret, or do the work in a script of AzureCLI@2"),
            (Support::PerInput, InputSupport::No) => input_without(row, reference, input, cat),
            (Support::PerInput, InputSupport::UseAzure) => use_azure(row, reference, input),
            _ => continue,
        };
        out.push(d);
    }
}

fn input_without(row: &Task, reference: &str, input: &Input, cat: &catalogue::Input) -> Diagnostic {
    let fix = match cat.instead.and_then(|i| row.input(i)) {
        Some(instead) => format!(
            "Use the input {} with an Azure Resource Manager connection instead",
            instead.name
        ),
        None => "Give this input a connection that uses a secret".to_string(),
    };
    Diagnostic::new(
        Code::InputWithoutFederation,
        input.value.loc.clone(),
        format!(
            "{reference} input {} does not support workload identity federation (connection '{}')",
            input.name, input.value.value
        ),
    )
    .with_fix(fix)
}

/// A Kubernetes connection where the task also takes an Azure Resource Manager one.
fn use_azure(row: &Task, reference: &str, input: &Input) -> Diagnostic {
    let arm = row
        .inputs
        .iter()
        .find(|i| i.kind == crate::refs::ConnectionKind::AzureRm && i.when.is_some());
    let fix = match arm.and_then(|a| a.when.map(|w| (a, w))) {
        Some((a, w)) => format!(
            "Set {}: {} and name an Azure Resource Manager connection in {}",
            w.input[0], w.equals, a.name
        ),
        None => "Use an Azure Resource Manager connection".to_string(),
    };
    let mut d = Diagnostic::new(
        Code::InputWithoutFederation,
        input.value.loc.clone(),
        format!(
            "{reference} input {} takes a Kubernetes service connection ('{}'); {}",
            input.name,
            input.value.value,
            catalogue::USE_AZURE
        ),
    )
    .with_fix(fix);
    d.severity = Severity::Warning;
    d
}

fn unknown_version(t: &TaskStep) -> Diagnostic {
    let known: Vec<String> = catalogue::versions(&t.name)
        .map(|r| r.major.to_string())
        .collect();
    let newest = catalogue::versions(&t.name).max_by_key(|r| r.major);
    let message = match t.major {
        Some(m) => format!(
            "{} has no major version {m} that keyless knows (known: {})",
            t.name,
            known.join(", ")
        ),
        None => format!(
            "{} names no major version (@N); keyless knows {}",
            t.reference.value,
            known.join(", ")
        ),
    };
    let d = Diagnostic::new(Code::UnknownTaskVersion, t.reference.loc.clone(), message);
    match newest {
        Some(r) => d.with_fix(format!("Use {}", r.reference())),
        None => d,
    }
}

fn marketplace(t: &TaskStep, out: &mut Vec<Diagnostic>) {
    for input in t
        .inputs
        .iter()
        .filter(|i| catalogue::looks_like_connection(&i.name))
    {
        out.push(
            Diagnostic::new(
                Code::MarketplaceTask,
                input.value.loc.clone(),
                format!(
                    "{} is not a built-in task; its input {} looks like a service connection ('{}'), and Marketplace tasks do not support workload identity federation",
                    t.reference.value, input.name, input.value.value
                ),
            )
            .with_fix("Use a built-in task that supports workload identity federation, or ask the task's publisher whether it does"),
        );
    }
}
