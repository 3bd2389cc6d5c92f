//! The built-in functions: names (case-insensitive), argument counts, and what they do.

use super::ExprError;
use super::eval::Evaluator;
use super::parser::Ast;
use super::value::Val;
use crate::yaml::{Node, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum F {
    And,
    Or,
    Not,
    Xor,
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Contains,
    ContainsValue,
    StartsWith,
    EndsWith,
    In,
    NotIn,
    Coalesce,
    Format,
    Join,
    Length,
    Lower,
    Upper,
    Replace,
    Split,
    Trim,
    ConvertToJson,
    Iif,
    /// Available only at run time (`counter`, the status functions).
    RunTime,
}

#[derive(Debug, PartialEq)]
pub(super) struct Func {
    pub(super) name: &'static str,
    pub(super) min: usize,
    pub(super) max: Option<usize>,
    pub(super) f: F,
}

const fn func(name: &'static str, min: usize, max: Option<usize>, f: F) -> Func {
    Func { name, min, max, f }
}

static FUNCTIONS: &[Func] = &[
    func("and", 2, None, F::And),
    func("or", 2, None, F::Or),
    func("not", 1, Some(1), F::Not),
    func("xor", 2, Some(2), F::Xor),
    func("eq", 2, Some(2), F::Eq),
    func("ne", 2, Some(2), F::Ne),
    func("gt", 2, Some(2), F::Gt),
    func("ge", 2, Some(2), F::Ge),
    func("lt", 2, Some(2), F::Lt),
    func("le", 2, Some(2), F::Le),
    func("contains", 2, Some(2), F::Contains),
    func("containsValue", 2, Some(2), F::ContainsValue),
    func("startsWith", 2, Some(2), F::StartsWith),
    func("endsWith", 2, Some(2), F::EndsWith),
    func("in", 1, None, F::In),
    func("notIn", 1, None, F::NotIn),
    func("coalesce", 2, None, F::Coalesce),
    func("format", 1, None, F::Format),
    func("join", 2, Some(2), F::Join),
    func("length", 1, Some(1), F::Length),
    func("lower", 1, Some(1), F::Lower),
    func("upper", 1, Some(1), F::Upper),
    func("replace", 3, Some(3), F::Replace),
    func("split", 2, Some(2), F::Split),
    func("trim", 1, Some(1), F::Trim),
    func("convertToJson", 1, Some(1), F::ConvertToJson),
    func("iif", 3, Some(3), F::Iif),
    func("counter", 0, None, F::RunTime),
    func("always", 0, None, F::RunTime),
    func("succeeded", 0, None, F::RunTime),
    func("failed", 0, None, F::RunTime),
    func("canceled", 0, None, F::RunTime),
    func("succeededOrFailed", 0, None, F::RunTime),
];

pub(super) fn lookup(name: &str) -> Option<&'static Func> {
    FUNCTIONS.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// A text argument, or KL010 for a collection.
fn text<'v>(v: &'v Val<'_>, at: usize, func: &str) -> Result<Cow<'v, str>, ExprError> {
    v.to_text().ok_or_else(|| {
        ExprError::eval(
            at,
            format!("'{func}' cannot convert {} to String", v.kind().name()),
        )
    })
}

fn ordered(left: &Val<'_>, right: &Val<'_>, at: usize, func: &str) -> Result<Ordering, ExprError> {
    left.compare(right).ok_or_else(|| {
        ExprError::eval(
            at,
            format!(
                "'{func}' cannot compare {} with {}",
                left.kind().name(),
                right.kind().name()
            ),
        )
    })
}

impl<'s> Evaluator<'s, '_> {
    pub(super) fn call(
        &mut self,
        func: &Func,
        args: &[Ast],
        at: usize,
    ) -> Result<Val<'s>, ExprError> {
        let name = func.name;
        Ok(match func.f {
            F::And => {
                for a in args {
                    if !self.eval(a)?.truthy() {
                        return Ok(Val::Bool(false));
                    }
                }
                Val::Bool(true)
            }
            F::Or => {
                for a in args {
                    if self.eval(a)?.truthy() {
                        return Ok(Val::Bool(true));
                    }
                }
                Val::Bool(false)
            }
            F::Not => Val::Bool(!self.arg(args, 0)?.truthy()),
            F::Xor => Val::Bool(self.arg(args, 0)?.truthy() != self.arg(args, 1)?.truthy()),
            F::Eq | F::Ne => {
                let (l, r) = (self.arg(args, 0)?, self.arg(args, 1)?);
                Val::Bool(l.equals(&r) == (func.f == F::Eq))
            }
            F::Gt | F::Ge | F::Lt | F::Le => {
                let (l, r) = (self.arg(args, 0)?, self.arg(args, 1)?);
                let o = ordered(&l, &r, at, name)?;
                Val::Bool(match func.f {
                    F::Gt => o == Ordering::Greater,
                    F::Ge => o != Ordering::Less,
                    F::Lt => o == Ordering::Less,
                    _ => o != Ordering::Greater,
                })
            }
            F::Contains | F::StartsWith | F::EndsWith => {
                let (l, r) = (self.arg(args, 0)?, self.arg(args, 1)?);
                let hay = text(&l, at, name)?.to_uppercase();
                let needle = text(&r, at, name)?.to_uppercase();
                Val::Bool(match func.f {
                    F::Contains => hay.contains(&needle),
                    F::StartsWith => hay.starts_with(&needle),
                    _ => hay.ends_with(&needle),
                })
            }
            F::ContainsValue => {
                let (coll, wanted) = (self.arg(args, 0)?, self.arg(args, 1)?);
                let found = match &coll {
                    Val::Node(n) => match &n.value {
                        Value::Seq(items) => items.iter().any(|i| wanted.equals(&Val::of(i))),
                        Value::Map(pairs) => pairs.iter().any(|(_, v)| wanted.equals(&Val::of(v))),
                        _ => false,
                    },
                    _ => false,
                };
                Val::Bool(found)
            }
            F::In | F::NotIn => {
                let left = self.arg(args, 0)?;
                let mut found = false;
                for a in &args[1..] {
                    if left.equals(&self.eval(a)?) {
                        found = true;
                        break;
                    }
                }
                Val::Bool(found == (func.f == F::In))
            }
            F::Coalesce => {
                for a in args {
                    let v = self.eval(a)?;
                    match &v {
                        Val::Null => {}
                        Val::String(s) if s.is_empty() => {}
                        _ => return Ok(v),
                    }
                }
                Val::Null
            }
            F::Format => self.format(args, at)?,
            F::Join => {
                let (sep, coll) = (self.arg(args, 0)?, self.arg(args, 1)?);
                let sep = text(&sep, at, name)?.into_owned();
                match &coll {
                    Val::Node(n) => match &n.value {
                        Value::Seq(items) => {
                            let parts: Vec<Cow<'_, str>> = items
                                .iter()
                                .map(|i| {
                                    Val::of(i)
                                        .to_text()
                                        .map(|t| Cow::Owned(t.into_owned()))
                                        .unwrap_or(Cow::Borrowed(""))
                                })
                                .collect();
                            self.bounded(parts.join(&sep), at)?
                        }
                        _ => Val::text(""),
                    },
                    other => Val::text(text(other, at, name)?.into_owned()),
                }
            }
            F::Length => {
                let v = self.arg(args, 0)?;
                let n = match &v {
                    Val::Node(n) => match &n.value {
                        Value::Seq(items) => items.len(),
                        Value::Map(pairs) => pairs.len(),
                        _ => 0,
                    },
                    other => text(other, at, name)?.chars().count(),
                };
                Val::Number(n as f64)
            }
            F::Lower => {
                let v = self.arg(args, 0)?;
                Val::text(text(&v, at, name)?.to_lowercase())
            }
            F::Upper => {
                let v = self.arg(args, 0)?;
                Val::text(text(&v, at, name)?.to_uppercase())
            }
            F::Trim => {
                let v = self.arg(args, 0)?;
                Val::text(text(&v, at, name)?.trim())
            }
            F::Replace => {
                let (s, old, new) = (self.arg(args, 0)?, self.arg(args, 1)?, self.arg(args, 2)?);
                let (s, old, new) = (
                    text(&s, at, name)?,
                    text(&old, at, name)?,
                    text(&new, at, name)?,
                );
                if old.is_empty() {
                    Val::text(s.into_owned())
                } else {
                    let count = s.matches(old.as_ref()).count();
                    let len = s.len() - count * old.len() + count * new.len();
                    self.check_len(len, at)?;
                    Val::text(s.replace(old.as_ref(), &new))
                }
            }
            F::Split => {
                let (s, delims) = (self.arg(args, 0)?, self.arg(args, 1)?);
                let s = text(&s, at, name)?;
                let delims: Vec<char> = text(&delims, at, name)?.chars().collect();
                let items: Vec<Node> = if delims.is_empty() {
                    vec![Node::new(self.loc.clone(), Value::String(s.into_owned()))]
                } else {
                    s.split(|c| delims.contains(&c))
                        .map(|p| Node::new(self.loc.clone(), Value::String(p.to_owned())))
                        .collect()
                };
                Val::Node(Cow::Owned(Node::new(self.loc.clone(), Value::Seq(items))))
            }
            F::ConvertToJson => {
                let v = self.arg(args, 0)?;
                let json = to_json(&v);
                self.bounded(json, at)?
            }
            F::Iif => {
                if self.arg(args, 0)?.truthy() {
                    self.arg(args, 1)?
                } else {
                    self.arg(args, 2)?
                }
            }
            F::RunTime if args.is_empty() && self.scope.status(name).is_some() => {
                Val::Bool(self.scope.status(name).unwrap_or_default())
            }
            F::RunTime => {
                return Err(ExprError::eval(
                    at,
                    format!(
                        "'{name}' is available only at run time, in `$[ ]` expressions and conditions"
                    ),
                ));
            }
        })
    }

    /// `format('{0} and {1}', a, b)`; `{{` and `}}` are literal braces; a format
    /// specifier (`{0:yyyyMMdd}`) is ignored.
    fn format(&mut self, args: &[Ast], at: usize) -> Result<Val<'s>, ExprError> {
        let fmt = self.arg(args, 0)?;
        let fmt = text(&fmt, at, "format")?.into_owned();
        let mut values = Vec::new();
        for a in &args[1..] {
            let v = self.eval(a)?;
            values.push(text(&v, at, "format")?.into_owned());
        }
        let mut out = String::new();
        let mut chars = fmt.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    out.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    out.push('}');
                }
                '{' => {
                    let mut spec = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        spec.push(c);
                    }
                    let index = spec.split(':').next().unwrap_or("").trim();
                    let value = index
                        .parse::<usize>()
                        .ok()
                        .filter(|_| closed)
                        .and_then(|i| values.get(i));
                    match value {
                        Some(v) => out.push_str(v),
                        None => {
                            return Err(ExprError::eval(
                                at,
                                format!(
                                    "'format': the format '{fmt}' is not valid for {} argument(s)",
                                    values.len()
                                ),
                            ));
                        }
                    }
                }
                '}' => {
                    return Err(ExprError::eval(
                        at,
                        format!("'format': the format '{fmt}' has a '}}' with no '{{'"),
                    ));
                }
                c => out.push(c),
            }
            self.check_len(out.len(), at)?;
        }
        Ok(Val::text(out))
    }
}

/// A value as indented JSON (two spaces), keys in document order: scalars of the YAML are
/// strings; booleans and numbers of expressions keep their type.
fn to_json(v: &Val<'_>) -> String {
    let mut out = String::new();
    write_json(&mut out, v, 0);
    out
}

fn json_string(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::String(s.to_owned()).to_string());
}

fn indent(out: &mut String, level: usize) {
    out.push('\n');
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// Writes one value; the depth is bounded by the YAML and template limits.
fn write_json(out: &mut String, v: &Val<'_>, level: usize) {
    match v {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Number(n) if n.is_finite() => out.push_str(&super::value::number_text(*n)),
        Val::Node(n) => match &n.value {
            Value::Seq(items) if items.is_empty() => out.push_str("[]"),
            Value::Seq(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    indent(out, level + 1);
                    write_json(out, &Val::of(item), level + 1);
                }
                indent(out, level);
                out.push(']');
            }
            Value::Map(pairs) if pairs.is_empty() => out.push_str("{}"),
            Value::Map(pairs) => {
                out.push('{');
                for (i, (k, item)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    indent(out, level + 1);
                    json_string(out, &Val::of(k).to_text().unwrap_or_default());
                    out.push_str(": ");
                    write_json(out, &Val::of(item), level + 1);
                }
                indent(out, level);
                out.push('}');
            }
            _ => write_json(out, &Val::of(n), level),
        },
        other => json_string(out, &other.to_text().unwrap_or_default()),
    }
}
