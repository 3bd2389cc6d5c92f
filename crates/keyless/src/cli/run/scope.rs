//! Run-time expressions of a run: conditions with the status functions (`succeeded()`,
//! `failed()`, `canceled()`, `always()`, `succeededOrFailed()`), `variables['x']`,
//! `dependencies.J.result`, `dependencies.J.outputs['step.var']` (and `stageDependencies`),
//! `$[ … ]` variable values, and `$(x)` macros.

use keyless_pipelines::expr::{Expr, Scope, Val};
use keyless_pipelines::loc::Loc;
use keyless_pipelines::yaml::{Node, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a job or step result is, as conditions see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    SucceededWithIssues,
    Failed,
    Canceled,
    Skipped,
}

impl Outcome {
    pub fn text(self) -> &'static str {
        match self {
            Outcome::Succeeded => "Succeeded",
            Outcome::SucceededWithIssues => "SucceededWithIssues",
            Outcome::Failed => "Failed",
            Outcome::Canceled => "Canceled",
            Outcome::Skipped => "Skipped",
        }
    }
    /// The wire text of the run and build APIs.
    pub fn wire(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::SucceededWithIssues => "succeededWithIssues",
            Outcome::Failed => "failed",
            Outcome::Canceled => "canceled",
            Outcome::Skipped => "skipped",
        }
    }
    pub fn ok(self) -> bool {
        matches!(self, Outcome::Succeeded | Outcome::SucceededWithIssues)
    }
}

/// A finished job as later jobs see it.
#[derive(Debug, Clone)]
pub struct Finished {
    pub outcome: Outcome,
    /// `step.variable` → value.
    pub outputs: BTreeMap<String, String>,
}

/// The names an expression reads at run time.
pub struct RunScope<'a> {
    pub variables: &'a BTreeMap<String, String>,
    /// Jobs this one depends on, by name (`dependencies`).
    pub dependencies: BTreeMap<String, &'a Finished>,
    /// Every finished job of every stage (`stageDependencies.S.J`).
    pub stages: BTreeMap<String, BTreeMap<String, &'a Finished>>,
    /// The outcome so far of what the condition is about: the dependencies (a job) or the
    /// job's earlier steps (a step).
    pub so_far: Outcome,
    pub canceled: bool,
}

fn loc() -> Loc {
    Loc::start(&Arc::from("runtime"))
}

fn text(s: &str) -> Node {
    Node::new(loc(), Value::String(s.to_string()))
}

fn map(pairs: Vec<(String, Node)>) -> Node {
    Node::new(
        loc(),
        Value::Map(pairs.into_iter().map(|(k, v)| (text(&k), v)).collect()),
    )
}

fn finished_node(f: &Finished) -> Node {
    let outputs = f
        .outputs
        .iter()
        .map(|(k, v)| (k.clone(), text(v)))
        .collect();
    map(vec![
        ("result".into(), text(f.outcome.text())),
        ("outputs".into(), map(outputs)),
    ])
}

impl Scope for RunScope<'_> {
    fn named(&self, name: &str) -> Option<Val<'_>> {
        let node = match name.to_ascii_lowercase().as_str() {
            "variables" => map(self
                .variables
                .iter()
                .map(|(k, v)| (k.clone(), text(v)))
                .collect()),
            "dependencies" => map(self
                .dependencies
                .iter()
                .map(|(k, f)| (k.clone(), finished_node(f)))
                .collect()),
            "stagedependencies" => map(self
                .stages
                .iter()
                .map(|(s, jobs)| {
                    let jobs = jobs
                        .iter()
                        .map(|(j, f)| (j.clone(), finished_node(f)))
                        .collect();
                    (s.clone(), map(jobs))
                })
                .collect()),
            _ => return None,
        };
        Some(Val::Node(Cow::Owned(node)))
    }

    fn status(&self, function: &str) -> Option<bool> {
        Some(match function.to_ascii_lowercase().as_str() {
            "always" => true,
            "canceled" => self.canceled,
            "failed" => !self.canceled && self.so_far == Outcome::Failed,
            "succeeded" => !self.canceled && self.so_far.ok(),
            "succeededorfailed" => !self.canceled,
            _ => return None,
        })
    }
}

/// Whether `condition` holds (`succeeded()` when there is none).
pub fn holds(condition: Option<&str>, scope: &RunScope) -> Result<bool, String> {
    let text = condition
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or("succeeded()");
    let expr = Expr::parse(text).map_err(|e| format!("condition '{text}': {}", e.message))?;
    expr.eval(scope, &loc())
        .map(|v| v.truthy())
        .map_err(|e| format!("condition '{text}': {}", e.message))
}

/// A variable's value: `$[ expression ]` evaluated, anything else as written.
pub fn runtime_value(value: &str, scope: &RunScope) -> Result<String, String> {
    let t = value.trim();
    let Some(inner) = t.strip_prefix("$[").and_then(|r| r.strip_suffix(']')) else {
        return Ok(value.to_string());
    };
    let expr = Expr::parse(inner).map_err(|e| format!("'{t}': {}", e.message))?;
    let v = expr
        .eval(scope, &loc())
        .map_err(|e| format!("'{t}': {}", e.message))?;
    Ok(v.to_text().map(|c| c.into_owned()).unwrap_or_default())
}

/// Replaces `$(name)` with the variable's value (names compared case-insensitively, `.`
/// and `_` alike); unknown names stay as written, as on an agent.
pub fn expand(text: &str, variables: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("$(") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find(')') {
            Some(j) if is_name(&after[..j]) => {
                let name = &after[..j];
                match lookup(variables, name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[i..i + 3 + j]),
                }
                rest = &after[j + 1..];
            }
            _ => {
                out.push_str("$(");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn norm(s: &str) -> String {
    s.to_ascii_uppercase().replace('.', "_")
}

pub fn lookup<'v>(variables: &'v BTreeMap<String, String>, name: &str) -> Option<&'v str> {
    let n = norm(name);
    variables
        .iter()
        .find(|(k, _)| norm(k) == n)
        .map(|(_, v)| v.as_str())
}

/// A variable's environment name on an agent: uppercased, `.` and spaces as `_`.
pub fn env_name(name: &str) -> String {
    name.to_ascii_uppercase().replace(['.', ' '], "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope<'a>(
        vars: &'a BTreeMap<String, String>,
        deps: BTreeMap<String, &'a Finished>,
        so_far: Outcome,
    ) -> RunScope<'a> {
        RunScope {
            variables: vars,
            dependencies: deps,
            stages: BTreeMap::new(),
            so_far,
            canceled: false,
        }
    }

    #[test]
    fn conditions_use_the_status_functions_and_the_dependencies() {
        let vars: BTreeMap<String, String> = [("env".to_string(), "prod".to_string())].into();
        let a = Finished {
            outcome: Outcome::Failed,
            outputs: [("s.out".to_string(), "42".to_string())].into(),
        };
        let s = scope(&vars, [("A".to_string(), &a)].into(), Outcome::Failed);
        assert!(!holds(None, &s).unwrap());
        assert!(holds(Some("failed()"), &s).unwrap());
        assert!(holds(Some("always()"), &s).unwrap());
        assert!(holds(Some("and(failed(), eq(variables['env'], 'prod'))"), &s).unwrap());
        assert!(holds(Some("eq(dependencies.A.result, 'Failed')"), &s).unwrap());
        assert_eq!(
            runtime_value("$[ dependencies.A.outputs['s.out'] ]", &s).unwrap(),
            "42"
        );
        assert_eq!(runtime_value("plain", &s).unwrap(), "plain");
        let ok = scope(&vars, BTreeMap::new(), Outcome::Succeeded);
        assert!(holds(Some("succeeded()"), &ok).unwrap());
        assert!(holds(Some("nonsense("), &ok).is_err());
    }

    #[test]
    fn macros_expand_known_names_only() {
        let vars: BTreeMap<String, String> = [
            ("build.sourcesDirectory".to_string(), "/w".to_string()),
            ("x".into(), "1".into()),
        ]
        .into();
        assert_eq!(
            expand("cd $(Build.SourcesDirectory) && echo $(x) $(y) $[z]", &vars),
            "cd /w && echo 1 $(y) $[z]"
        );
        assert_eq!(env_name("my.var name"), "MY_VAR_NAME");
    }
}
