//! KL202: a connection named by a variable that exists only at run time.
//!
//! Azure Pipelines resolves and authorizes the connections of a run before its jobs start,
//! so a connection name may come from a `variables:` entry (of the pipeline, or of the stage
//! and job of the step) or a template parameter, but not from a variable that a previous
//! step sets (`##vso[task.setvariable]`, a task's output variable) or a run-time expression.
//! A name that a variable group in scope may define is a note: the group's content is not
//! in the file.

use crate::diag::{Code, Diagnostic, Severity};
use crate::model::{Pipeline, Variable};
use crate::refs::{self, ConnectionRef, Site};

/// Prefixes of the variables Azure Pipelines defines itself.
const PREDEFINED: &[&str] = &[
    "agent.",
    "build.",
    "environment.",
    "pipeline.",
    "release.",
    "resources.",
    "system.",
    "tf_",
];

/// What the variables in scope of one reference say of a name.
enum Found<'a> {
    /// Defined with this value.
    Value(&'a str),
    /// Not defined; these groups are in scope.
    MaybeInGroups(Vec<&'a str>),
    Missing,
}

fn lookup<'a>(scopes: &[&'a [Variable]], name: &str) -> Found<'a> {
    let mut found = None;
    let mut groups = Vec::new();
    // Later scopes (stage, then job) override earlier ones, as in Azure Pipelines.
    for scope in scopes {
        for v in scope.iter() {
            match v {
                Variable::Value { name: n, value, .. } if n.eq_ignore_ascii_case(name) => {
                    found = Some(value.as_str())
                }
                Variable::Group { name: g, .. } => groups.push(g.as_str()),
                _ => {}
            }
        }
    }
    match found {
        Some(v) => Found::Value(v),
        None if groups.is_empty() => Found::Missing,
        None => Found::MaybeInGroups(groups),
    }
}

/// The variable lists a reference sees: the pipeline's, and for a task input its stage's and
/// job's.
fn scopes<'p>(p: &'p Pipeline, r: &ConnectionRef) -> (Vec<&'p [Variable]>, String) {
    let mut out: Vec<&[Variable]> = vec![&p.variables];
    let Site::TaskInput { stage, job, .. } = &r.site else {
        return (out, "the pipeline".into());
    };
    if let Some((s, j)) = p.jobs().find(|(s, j)| &s.name == stage && &j.name == job) {
        out.push(&s.variables);
        out.push(&j.variables);
    }
    (out, format!("the pipeline, stage {stage} or job {job}"))
}

pub fn check(p: &Pipeline, refs: &[ConnectionRef]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in refs.iter().filter(|r| r.runtime) {
        let value = &r.name.value;
        let at = r.name.loc.clone();
        let site = r.site.describe();
        if value.contains("$[") {
            out.push(
                Diagnostic::new(
                    Code::ConnectionFromRuntimeVariable,
                    at.clone(),
                    format!("{site} is '{value}', a run-time expression: its value is known only after the connection must be resolved"),
                )
                .with_fix("Name the connection directly, or through a variable defined under variables: or a template parameter"),
            );
        }
        let (scopes, where_) = scopes(p, r);
        for var in refs::macros(value) {
            let lower = var.to_ascii_lowercase();
            if PREDEFINED.iter().any(|p| lower.starts_with(p)) {
                continue;
            }
            match lookup(&scopes, var) {
                Found::Value(v) if v.contains("$[") => out.push(
                    Diagnostic::new(
                        Code::ConnectionFromRuntimeVariable,
                        at.clone(),
                        format!("{site} is '{value}', and variable {var} is set from a run-time expression ('{v}'), known only after the connection must be resolved"),
                    )
                    .with_fix(format!("Give {var} the connection's name under variables:, or pass it as a template parameter")),
                ),
                Found::Value(_) => {}
                Found::MaybeInGroups(groups) => {
                    let mut d = Diagnostic::new(
                        Code::ConnectionFromRuntimeVariable,
                        at.clone(),
                        format!("{site} is '{value}'; variable {var} is not defined in the file and may come from variable group {}, which keyless cannot read", groups.join(", ")),
                    )
                    .with_fix(format!("Make sure the group defines {var}; a variable set by a previous step is not there when the connection is resolved"));
                    d.severity = Severity::Note;
                    out.push(d);
                }
                Found::Missing => out.push(
                    Diagnostic::new(
                        Code::ConnectionFromRuntimeVariable,
                        at.clone(),
                        format!("{site} is '{value}', and variable {var} is not defined in the variables of {where_}: a variable set at run time (a previous task's output, ##vso[task.setvariable]) is not there when the connection is resolved"),
                    )
                    .with_fix(format!("Define {var} under variables: with the connection's name, or pass it as a template parameter")),
                ),
            }
        }
    }
    out
}
