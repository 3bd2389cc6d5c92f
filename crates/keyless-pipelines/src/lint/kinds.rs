//! KL203: an Azure DevOps connection where an Azure Resource Manager one belongs, or the
//! reverse. Offline, two cases:
//!
//! 1. A step sets a connection input of one of the two types that the task does not read
//!    because its picker (`AzureCLI@3 connectionType`, `InvokeRESTAPI@1
//!    connectedServiceNameSelector`) selects an input of the other type: `connectionType:
//!    azureDevOps` with `azureSubscription`, or `azureDevOpsServiceConnection` without
//!    `connectionType: azureDevOps`.
//! 2. One connection name is used as one type in one place of the pipeline and as the other
//!    type in another (an Azure Repos repository's `endpoint` takes an Azure DevOps
//!    connection): the first use in document order sets the type, later uses of the other
//!    type are reported.

use crate::catalogue;
use crate::diag::{Code, Diagnostic};
use crate::model::{Pipeline, StepKind, TaskStep};
use crate::refs::{self, ConnectionKind, ConnectionRef};

fn arm_or_ado(k: ConnectionKind) -> bool {
    matches!(k, ConnectionKind::AzureRm | ConnectionKind::AzureDevOps)
}

pub fn check(p: &Pipeline, refs: &[ConnectionRef]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (_, job) in p.jobs() {
        for step in &job.steps {
            if let StepKind::Task(t) = &step.kind {
                picker(t, &mut out);
            }
        }
    }
    used_as_both(refs, &mut out);
    out
}

fn picker(t: &TaskStep, out: &mut Vec<Diagnostic>) {
    let Some(row) = t.major.and_then(|m| catalogue::find(&t.name, m)) else {
        return;
    };
    let set = refs::task_inputs(t);
    for (input, cat) in &set {
        let Some(w) = cat.when else { continue };
        if refs::is_read(t, cat) || !arm_or_ado(cat.kind) {
            continue;
        }
        // The input of the other type that the picker selects.
        let Some(active) = row
            .inputs
            .iter()
            .find(|i| arm_or_ado(i.kind) && i.kind != cat.kind && refs::is_read(t, i))
        else {
            continue;
        };
        let value = w
            .input
            .iter()
            .find_map(|p| t.input(p))
            .map(|i| i.value.value.trim().to_string())
            .unwrap_or_else(|| format!("{} (the default)", w.default));
        out.push(
            Diagnostic::new(
                Code::ConnectionTypeMismatch,
                input.value.loc.clone(),
                format!(
                    "{} has {} {value}, which reads an {} connection from {}; {} names '{}' as an {} connection and is ignored",
                    t.reference.value,
                    w.input[0],
                    active.kind.describe(),
                    active.name,
                    input.name,
                    input.value.value,
                    cat.kind.describe()
                ),
            )
            .with_fix(format!(
                "Set {}: {} to use '{}', or name an {} connection in {}",
                w.input[0],
                w.equals,
                input.value.value,
                active.kind.describe(),
                active.name
            )),
        );
    }
}

fn used_as_both(refs: &[ConnectionRef], out: &mut Vec<Diagnostic>) {
    let mut typed: Vec<&ConnectionRef> = refs
        .iter()
        .filter(|r| !r.runtime && arm_or_ado(r.kind))
        .collect();
    typed.sort_by(|a, b| a.name.loc.cmp(&b.name.loc));
    for (n, r) in typed.iter().enumerate() {
        let name = r.name.value.trim();
        let Some(first) = typed[..n]
            .iter()
            .find(|f| f.name.value.trim().eq_ignore_ascii_case(name))
        else {
            continue;
        };
        if first.kind == r.kind {
            continue;
        }
        // The other use's position: by line in the same file (a report may name the file
        // differently from the model), by file and line otherwise.
        let at = if first.name.loc.file == r.name.loc.file {
            format!("line {}", first.name.loc.line)
        } else {
            format!("{}:{}", first.name.loc.file, first.name.loc.line)
        };
        out.push(
            Diagnostic::new(
                Code::ConnectionTypeMismatch,
                r.name.loc.clone(),
                format!(
                    "connection '{name}' is used here ({}) as an {} connection but at {at} ({}) as an {} connection; a connection has one type",
                    r.site.describe(),
                    r.kind.describe(),
                    first.site.describe(),
                    first.kind.describe()
                ),
            )
            .with_fix(format!("Name an {} connection here", r.kind.describe())),
        );
    }
}
