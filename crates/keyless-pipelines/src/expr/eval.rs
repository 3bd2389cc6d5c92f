//! Evaluation of a parsed expression against the named values in scope.

use super::parser::Ast;
use super::value::{Val, map_get};
use super::{ExprError, MAX_STRING};
use crate::loc::Loc;
use crate::yaml::Value;
use std::borrow::Cow;

/// The named values an expression can read (`parameters`, `variables`, `each` names).
pub trait Scope {
    /// The value of a name, or `None` when the name is not known here.
    fn named(&self, name: &str) -> Option<Val<'_>>;
    /// The value of a run-time status function (`succeeded`, `failed`, `canceled`,
    /// `always`, `succeededOrFailed`) where the run decides it; `None` at compile time.
    fn status(&self, _function: &str) -> Option<bool> {
        None
    }
}

pub(super) struct Evaluator<'s, 'l> {
    pub(super) scope: &'s dyn Scope,
    /// Where values the expression creates (`split`) are placed.
    pub(super) loc: &'l Loc,
}

impl<'s> Evaluator<'s, '_> {
    pub(super) fn arg(&mut self, args: &[Ast], i: usize) -> Result<Val<'s>, ExprError> {
        match args.get(i) {
            Some(a) => self.eval(a),
            None => Ok(Val::Null),
        }
    }

    pub(super) fn check_len(&self, len: usize, at: usize) -> Result<(), ExprError> {
        if len > MAX_STRING {
            return Err(ExprError::eval(
                at,
                format!("The result is longer than {MAX_STRING} bytes"),
            ));
        }
        Ok(())
    }

    pub(super) fn bounded(&self, s: String, at: usize) -> Result<Val<'s>, ExprError> {
        self.check_len(s.len(), at)?;
        Ok(Val::text(s))
    }

    pub(super) fn eval(&mut self, ast: &Ast) -> Result<Val<'s>, ExprError> {
        Ok(match ast {
            Ast::Null => Val::Null,
            Ast::Bool(b) => Val::Bool(*b),
            Ast::Number(n) => Val::Number(*n),
            Ast::Str(s) => Val::text(s.clone()),
            Ast::Version(v) => Val::Version(v.clone()),
            Ast::Name { name, at } => match self.scope.named(name) {
                Some(v) => v,
                None => return Err(unrecognized(name, *at)),
            },
            Ast::Call { func, args, at } => self.call(func, args, *at)?,
            Ast::Prop { target, name, .. } => {
                let t = self.eval(target)?;
                member(t, &Val::text(name.clone()))
            }
            Ast::Index { target, index, .. } => {
                let t = self.eval(target)?;
                let i = self.eval(index)?;
                member(t, &i)
            }
        })
    }
}

pub(super) fn unrecognized(name: &str, at: usize) -> ExprError {
    ExprError::eval(at, format!("Unrecognized value: '{name}'"))
}

/// `target[key]`: a mapping's entry by key (ignoring case), a sequence's item by index;
/// null when there is none.
fn member<'s>(target: Val<'s>, key: &Val<'_>) -> Val<'s> {
    let Val::Node(node) = target else {
        return Val::Null;
    };
    match node {
        Cow::Borrowed(n) => match &n.value {
            Value::Map(_) => match key.to_text() {
                Some(k) => map_get(n, &k).map(Val::of).unwrap_or(Val::Null),
                None => Val::Null,
            },
            Value::Seq(items) => index_of(key, items.len())
                .map(|i| Val::of(&items[i]))
                .unwrap_or(Val::Null),
            _ => Val::Null,
        },
        Cow::Owned(n) => {
            let found = match &n.value {
                Value::Map(_) => key.to_text().and_then(|k| map_get(&n, &k).cloned()),
                Value::Seq(items) => index_of(key, items.len()).map(|i| items[i].clone()),
                _ => None,
            };
            match found {
                Some(child) => match child.value {
                    Value::Seq(_) | Value::Map(_) => Val::Node(Cow::Owned(child)),
                    Value::String(s) => Val::text(s),
                    Value::Null => Val::Null,
                    Value::Bool(b) => Val::Bool(b),
                    Value::Number(x) => Val::Number(x),
                },
                None => Val::Null,
            }
        }
    }
}

/// A whole number in range, from a number or text.
fn index_of(key: &Val<'_>, len: usize) -> Option<usize> {
    let n = key.to_number()?;
    if n < 0.0 || n.fract() != 0.0 || n >= len as f64 {
        return None;
    }
    // Checked: whole, not negative, below `len`.
    Some(n as usize)
}
