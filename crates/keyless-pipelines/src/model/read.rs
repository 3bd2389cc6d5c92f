//! The expanded YAML tree read into a [`Pipeline`].
//!
//! Keys follow the Azure Pipelines YAML schema: a key a place does not have is KL005
//! ("Unexpected value 'x'", as Azure Pipelines words it) at the key; a value of the wrong
//! kind is KL006 at the value. Reading goes on after a finding, so one pass reports them all.
//!
//! Facts this reader follows:
//!
//! - booleans are `true`, `y`, `yes`, `on`, `false`, `n`, `no`, `off` in any case (the
//!   schema's boolean), or a boolean produced by a `${{ }}` expression;
//! - a value holding a run-time macro `$(…)` or expression `$[…]` is accepted where a
//!   boolean or number belongs, and read as the default (its value is known only at run
//!   time);
//! - the kind of a step, job or stage is given by its kind key (`task`, `script`, `job`,
//!   `deployment`, `stage`…), wherever it stands in the mapping;
//! - a job with no name (`- job:` with no value) is named `Job`; further unnamed jobs of the
//!   same stage `Job1`, `Job2`…; unnamed stages likewise `Stage`, `Stage1`…;
//! - top-level `jobs:` form one stage `__default`; top-level `steps:` form stage
//!   `__default` with one job `Job`;
//! - names of stages and jobs hold only ASCII letters, digits and `_` and do not start with
//!   a digit; a name used twice in the same list, and a `dependsOn` naming no stage or job
//!   of the list, are KL006;
//! - a deployment job's steps are those of its strategy's hooks in their run order:
//!   `preDeploy`, `deploy`, `routeTraffic`, `postRouteTraffic`, then `on` (`success` and
//!   `failure` in the order written).

mod common;
mod jobs;
mod pipeline;
mod steps;

pub(crate) use common::PARAMETER_TYPES;

use super::Pipeline;
use crate::diag::{Code, Diagnostic};
use crate::loc::Loc;
use crate::yaml::{Node, Value};

/// Reads the expanded tree. `None` when the document is not a pipeline (KL004).
pub fn read(root: &Node) -> (Option<Pipeline>, Vec<Diagnostic>) {
    let mut r = Reader { diags: Vec::new() };
    let pipeline = pipeline::read_pipeline(&mut r, root);
    (pipeline, r.diags)
}

/// Collects findings while reading.
pub(crate) struct Reader {
    pub(crate) diags: Vec<Diagnostic>,
}

impl Reader {
    pub(crate) fn unknown_key(&mut self, key: &Node) {
        let text = key.as_str().unwrap_or("");
        self.diags.push(Diagnostic::new(
            Code::UnknownKey,
            key.loc.clone(),
            format!("Unexpected value '{text}'"),
        ));
    }

    pub(crate) fn invalid(&mut self, loc: &Loc, message: impl Into<String>) {
        self.diags
            .push(Diagnostic::new(Code::InvalidValue, loc.clone(), message));
    }

    /// The pairs of a mapping, or KL006 "Expected a mapping" (`what` names the place).
    pub(crate) fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [(Node, Node)]> {
        match &node.value {
            Value::Map(pairs) => Some(pairs),
            _ => {
                self.invalid(
                    &node.loc,
                    format!("{} was not expected: {what} is a mapping.", kind_of(node)),
                );
                None
            }
        }
    }

    /// The items of a sequence, or KL006. A null value is an empty sequence.
    pub(crate) fn seq<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            Value::Null => Some(&[]),
            _ => {
                self.invalid(
                    &node.loc,
                    format!("{} was not expected: {what} is a sequence.", kind_of(node)),
                );
                None
            }
        }
    }

    /// A scalar as text (null is empty; booleans and numbers of expressions are spelled as
    /// Azure Pipelines converts them to text), or KL006 for a collection.
    pub(crate) fn text(&mut self, node: &Node, what: &str) -> Option<String> {
        match scalar_text(node) {
            Some(s) => Some(s),
            None => {
                self.invalid(
                    &node.loc,
                    format!(
                        "{} was not expected: {what} is a single value.",
                        kind_of(node)
                    ),
                );
                None
            }
        }
    }

    /// A text value with its position.
    pub(crate) fn located(&mut self, node: &Node, what: &str) -> Option<super::Located> {
        self.text(node, what).map(|value| super::Located {
            loc: node.loc.clone(),
            value,
        })
    }

    /// A boolean field; `default` when the value is known only at run time or invalid.
    pub(crate) fn boolean(&mut self, node: &Node, what: &str, default: bool) -> bool {
        if let Value::Bool(b) = node.value {
            return b;
        }
        let Some(text) = self.text(node, what) else {
            return default;
        };
        match parse_bool(&text) {
            Some(b) => b,
            None if is_runtime(&text) => default,
            None => {
                self.invalid(
                    &node.loc,
                    format!("'{text}' is not a boolean: {what} is true or false."),
                );
                default
            }
        }
    }

    /// A whole number of at most `u32::MAX`; `None` when known only at run time or invalid.
    pub(crate) fn number(&mut self, node: &Node, what: &str) -> Option<u32> {
        if let Value::Number(n) = node.value
            && n >= 0.0
            && n.fract() == 0.0
            && n <= f64::from(u32::MAX)
        {
            // Checked: whole, not negative, in range.
            return Some(n as u32);
        }
        let text = self.text(node, what)?;
        let t = text.trim();
        if let Ok(n) = t.parse::<u32>() {
            return Some(n);
        }
        if !is_runtime(&text) {
            self.invalid(
                &node.loc,
                format!("'{text}' is not a whole number: {what} is a number of minutes or times."),
            );
        }
        None
    }

    /// One text or a sequence of texts.
    pub(crate) fn texts(&mut self, node: &Node, what: &str) -> Vec<String> {
        match &node.value {
            Value::Seq(items) => items.iter().filter_map(|i| self.text(i, what)).collect(),
            Value::Null => Vec::new(),
            _ => self.text(node, what).into_iter().collect(),
        }
    }

    /// A text that must be one of `allowed`.
    pub(crate) fn one_of(&mut self, node: &Node, what: &str, allowed: &[&str]) {
        if let Some(t) = self.text(node, what)
            && !allowed.contains(&t.as_str())
        {
            self.invalid(
                &node.loc,
                format!("'{t}' is not a valid {what}: {}.", allowed.join(" or ")),
            );
        }
    }

    /// A sequence of texts (a single text is KL006).
    pub(crate) fn text_list(&mut self, node: &Node, what: &str) -> Vec<String> {
        match self.seq(node, what) {
            Some(items) => items.iter().filter_map(|i| self.text(i, what)).collect(),
            None => Vec::new(),
        }
    }

    /// Reports every key of `pairs` that is not in `allowed`.
    pub(crate) fn only(&mut self, pairs: &[(Node, Node)], allowed: &[&str]) {
        for (k, _) in pairs {
            if !k.as_str().is_some_and(|k| allowed.contains(&k)) {
                self.unknown_key(k);
            }
        }
    }
}

/// The key's text of a pair (keys are text after parsing; an expression may give another
/// scalar, which no schema key matches).
pub(crate) fn key_of(k: &Node) -> &str {
    k.as_str().unwrap_or("")
}

/// What kind of node this is, for messages ("A sequence", "A mapping", "A value").
pub(crate) fn kind_of(node: &Node) -> &'static str {
    match node.value {
        Value::Seq(_) => "A sequence",
        Value::Map(_) => "A mapping",
        Value::Null => "An empty value",
        _ => "A single value",
    }
}

/// A scalar's text; `None` for a collection.
pub(crate) fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(crate::expr::bool_text(*b).to_owned()),
        Value::Number(n) => Some(crate::expr::number_text(*n)),
        Value::Seq(_) | Value::Map(_) => None,
    }
}

/// The schema's boolean words, in any case.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    let t = text.trim().to_ascii_lowercase();
    match t.as_str() {
        "true" | "y" | "yes" | "on" => Some(true),
        "false" | "n" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The text holds a run-time macro or expression.
pub(crate) fn is_runtime(text: &str) -> bool {
    crate::expr::dollar_then(text, &["(", "["])
}

/// A stage or job name as Azure Pipelines accepts it: ASCII letters, digits and `_`, not
/// starting with a digit.
pub(crate) fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
