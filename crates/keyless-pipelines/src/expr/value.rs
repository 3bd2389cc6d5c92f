//! Values of expressions and the conversions between their types.
//!
//! The rules are those of Azure Pipelines' expressions:
//!
//! - to boolean: null, `false`, `0` and `''` are false; everything else true;
//! - to number: null is 0, `false` 0, `true` 1, `''` 0; other text is read as a decimal
//!   number with an optional sign, decimal point, thousands separators (`,`) and
//!   surrounding white space, or does not convert; versions and collections do not convert;
//! - to text: null is `''`, booleans `True`/`False`, numbers without a decimal point when
//!   whole, versions as written; collections do not convert;
//! - to version: text with two to four dot-separated numbers, or a number with a decimal
//!   part (`1.2`);
//! - comparison converts the right value to the left one's type; text compares ordinally,
//!   ignoring case.

use crate::loc::Loc;
use crate::yaml::{Node, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

/// A version literal: two to four numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version(Vec<u32>);

impl Version {
    /// `1.2`, `1.2.3`, `1.2.3.4`; each number at most `i32::MAX`.
    pub fn parse(text: &str) -> Option<Version> {
        let parts: Option<Vec<u32>> = text
            .trim()
            .split('.')
            .map(|p| {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                p.parse::<u32>().ok().filter(|n| *n <= i32::MAX as u32)
            })
            .collect();
        let parts = parts?;
        (2..=4).contains(&parts.len()).then_some(Version(parts))
    }

    pub fn text(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(u32::to_string).collect();
        parts.join(".")
    }

    /// Missing parts order before any present part (`1.2` < `1.2.0`).
    fn cmp(&self, other: &Version) -> Ordering {
        let n = self.0.len().max(other.0.len());
        for i in 0..n {
            let a = self.0.get(i).map(|v| i64::from(*v)).unwrap_or(-1);
            let b = other.0.get(i).map(|v| i64::from(*v)).unwrap_or(-1);
            match a.cmp(&b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        Ordering::Equal
    }
}

/// A value: a scalar, or a sequence or mapping of the YAML (borrowed where it was read).
#[derive(Debug, Clone)]
pub enum Val<'a> {
    Null,
    Bool(bool),
    Number(f64),
    String(Cow<'a, str>),
    Version(Version),
    /// A sequence or a mapping.
    Node(Cow<'a, Node>),
}

/// The type of a value, for conversions and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Boolean,
    Number,
    String,
    Version,
    Array,
    Object,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "Null",
            Kind::Boolean => "Boolean",
            Kind::Number => "Number",
            Kind::String => "String",
            Kind::Version => "Version",
            Kind::Array => "Array",
            Kind::Object => "Object",
        }
    }
}

/// `True`/`False`, as Azure Pipelines writes a boolean in text.
pub fn bool_text(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// A number as Azure Pipelines writes it in text: whole numbers without a decimal point.
pub fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}

/// Reads text as a number; `None` when it does not convert.
pub fn text_to_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return Some(0.0);
    }
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int: String = int.chars().filter(|c| *c != ',').collect();
    let ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !ok(&int) || !ok(frac) {
        return None;
    }
    let n: f64 = format!(
        "{}.{}",
        if int.is_empty() { "0" } else { &int },
        if frac.is_empty() { "0" } else { frac }
    )
    .parse()
    .ok()?;
    Some(sign * n)
}

impl<'a> Val<'a> {
    /// The value of a YAML node, borrowing it.
    pub fn of(node: &'a Node) -> Val<'a> {
        match &node.value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Number(*n),
            Value::String(s) => Val::String(Cow::Borrowed(s)),
            Value::Seq(_) | Value::Map(_) => Val::Node(Cow::Borrowed(node)),
        }
    }

    pub fn text(s: impl Into<String>) -> Val<'a> {
        Val::String(Cow::Owned(s.into()))
    }

    pub fn kind(&self) -> Kind {
        match self {
            Val::Null => Kind::Null,
            Val::Bool(_) => Kind::Boolean,
            Val::Number(_) => Kind::Number,
            Val::String(_) => Kind::String,
            Val::Version(_) => Kind::Version,
            Val::Node(n) => match n.value {
                Value::Map(_) => Kind::Object,
                _ => Kind::Array,
            },
        }
    }

    /// The value as a YAML node at `loc` (a collection keeps its own positions).
    pub fn into_node(self, loc: &Loc) -> Node {
        match self {
            Val::Null => Node::new(loc.clone(), Value::Null),
            Val::Bool(b) => Node::new(loc.clone(), Value::Bool(b)),
            Val::Number(n) => Node::new(loc.clone(), Value::Number(n)),
            Val::String(s) => Node::new(loc.clone(), Value::String(s.into_owned())),
            Val::Version(v) => Node::new(loc.clone(), Value::String(v.text())),
            Val::Node(n) => n.into_owned(),
        }
    }

    pub fn truthy(&self) -> bool {
        match self {
            Val::Null => false,
            Val::Bool(b) => *b,
            Val::Number(n) => *n != 0.0 && !n.is_nan(),
            Val::String(s) => !s.is_empty(),
            Val::Version(_) | Val::Node(_) => true,
        }
    }

    /// The value as text; `None` for a collection.
    pub fn to_text(&self) -> Option<Cow<'_, str>> {
        Some(match self {
            Val::Null => Cow::Borrowed(""),
            Val::Bool(b) => Cow::Borrowed(bool_text(*b)),
            Val::Number(n) => Cow::Owned(number_text(*n)),
            Val::String(s) => Cow::Borrowed(s.as_ref()),
            Val::Version(v) => Cow::Owned(v.text()),
            Val::Node(_) => return None,
        })
    }

    pub fn to_number(&self) -> Option<f64> {
        match self {
            Val::Null => Some(0.0),
            Val::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            Val::Number(n) => Some(*n),
            Val::String(s) => text_to_number(s),
            Val::Version(_) | Val::Node(_) => None,
        }
    }

    fn to_version(&self) -> Option<Version> {
        match self {
            Val::Version(v) => Some(v.clone()),
            Val::String(s) => Version::parse(s),
            Val::Number(n) if n.fract() != 0.0 && *n > 0.0 => Version::parse(&number_text(*n)),
            _ => None,
        }
    }

    /// Compares `self` with `right` converted to `self`'s type; `None` when `right` does
    /// not convert (or the values are collections).
    pub fn compare(&self, right: &Val<'_>) -> Option<Ordering> {
        match self {
            Val::Null => match right {
                Val::Null => Some(Ordering::Equal),
                Val::String(s) if s.is_empty() => Some(Ordering::Equal),
                _ => None,
            },
            Val::Bool(a) => Some(a.cmp(&right.truthy())),
            Val::Number(a) => a.partial_cmp(&right.to_number()?),
            Val::String(a) => Some(compare_ignore_case(a, &right.to_text()?)),
            Val::Version(a) => Some(a.cmp(&right.to_version()?)),
            Val::Node(_) => None,
        }
    }

    /// `eq`: equal after conversion; `false` when the conversion fails.
    pub fn equals(&self, right: &Val<'_>) -> bool {
        self.compare(right) == Some(Ordering::Equal)
    }
}

/// Ordinal comparison ignoring case.
pub fn compare_ignore_case(a: &str, b: &str) -> Ordering {
    let a = a.chars().flat_map(char::to_uppercase);
    let b = b.chars().flat_map(char::to_uppercase);
    a.cmp(b)
}

/// The entry of a mapping node by key, ignoring case (an exact match first).
pub fn map_get<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    let pairs = node.as_map()?;
    pairs
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .or_else(|| {
            pairs
                .iter()
                .find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(key)))
        })
        .map(|(_, v)| v)
}
