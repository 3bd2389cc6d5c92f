//! The compile-time expression language of `${{ }}`.
//!
//! - literals: `null`, `true`/`false` (any case), numbers (`-1.5`, `.5`), `'text'` (`''`
//!   is a quote), versions (`1.2.3`, two to four numbers);
//! - named values (`parameters`, `variables`, an `each` loop's name), properties
//!   (`parameters.name`) and indexes (`variables['Build.SourceBranch']`, `list[0]`); a
//!   missing property or index is null;
//! - the functions, names case-insensitive: `and`, `or`, `not`, `xor`, `eq`, `ne`, `gt`,
//!   `ge`, `lt`, `le`, `contains`, `containsValue`, `startsWith`, `endsWith`, `in`, `notIn`,
//!   `coalesce`, `format`, `join`, `length`, `lower`, `upper`, `replace`, `split`, `trim`,
//!   `convertToJson`, `iif`. `counter` and the status functions (`succeeded()`…) exist only
//!   at run time and are refused here.
//!
//! Type conversions are described in [`value`]. `split` splits at any of the characters of
//! its second argument; `replace` is case-sensitive; `contains`, `startsWith`, `endsWith`
//! and every comparison of text ignore case.
//!
//! Errors: [`Code::ExpressionSyntax`] (KL009) for text that does not parse,
//! [`Code::ExpressionError`] (KL010) for an unknown function or name, a wrong number of
//! arguments, or a value that cannot be used. Each carries the character offset in the
//! expression where it stands. Limits: [`MAX_LEN`] characters per expression, [`MAX_DEPTH`]
//! levels of nesting (calls, properties and indexes), [`MAX_STRING`] bytes per text made.

mod eval;
mod functions;
mod lexer;
mod parser;
pub mod value;

#[cfg(test)]
mod tests;

use crate::diag::Code;
use crate::loc::Loc;
pub use eval::Scope;
pub use value::{Val, bool_text, number_text};

/// The longest expression, in characters.
pub const MAX_LEN: usize = 1000;
/// The deepest nesting of calls, properties and indexes.
pub const MAX_DEPTH: usize = 50;
/// The longest text an expression makes, in bytes.
pub const MAX_STRING: usize = 4 << 20;

/// An expression that does not parse or cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// [`Code::ExpressionSyntax`] or [`Code::ExpressionError`].
    pub code: Code,
    /// Where in the expression, in characters from 0.
    pub offset: usize,
    pub message: String,
}

impl ExprError {
    pub(crate) fn syntax(offset: usize, message: impl Into<String>) -> ExprError {
        ExprError {
            code: Code::ExpressionSyntax,
            offset,
            message: message.into(),
        }
    }
    pub(crate) fn eval(offset: usize, message: impl Into<String>) -> ExprError {
        ExprError {
            code: Code::ExpressionError,
            offset,
            message: message.into(),
        }
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    ast: parser::Ast,
}

impl Expr {
    /// Parses the text between `${{` and `}}`.
    pub fn parse(text: &str) -> Result<Expr, ExprError> {
        parser::parse(text).map(|ast| Expr { ast })
    }

    /// Checks that every named value the expression reads is known, whether or not
    /// evaluation reaches it (as Azure Pipelines checks when it reads the expression).
    pub fn check_names(&self, known: &dyn Fn(&str) -> bool) -> Result<(), ExprError> {
        check(&self.ast, known)
    }

    /// Evaluates against `scope`; values it creates stand at `loc`.
    pub fn eval<'s>(&self, scope: &'s dyn Scope, loc: &Loc) -> Result<Val<'s>, ExprError> {
        eval::Evaluator { scope, loc }.eval(&self.ast)
    }

    /// `each x in <collection>`: the loop's name and the collection's expression, with the
    /// collection's offset in `text`.
    pub fn parse_each(text: &str) -> Result<(String, Expr, usize), ExprError> {
        let chars: Vec<char> = text.chars().collect();
        // A word after white space: its text, where it starts, where it ends.
        let word = |from: usize| -> (String, usize, usize) {
            let mut i = from;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            (chars[start..i].iter().collect(), start, i)
        };
        let (each, at, i) = word(0);
        if each != "each" {
            return Err(ExprError::syntax(at, "Expected 'each'"));
        }
        let (name, at, j) = word(i);
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(ExprError::syntax(at, "Expected a name after 'each'"));
        }
        let (kw, at, k) = word(j);
        if kw != "in" {
            return Err(ExprError::syntax(
                at,
                "Expected 'in' after the name of 'each'",
            ));
        }
        let rest: String = chars[k..].iter().collect();
        let expr = Expr::parse(&rest).map_err(|e| ExprError {
            offset: e.offset + k,
            ..e
        })?;
        Ok((name, expr, k))
    }
}

fn check(ast: &parser::Ast, known: &dyn Fn(&str) -> bool) -> Result<(), ExprError> {
    use parser::Ast;
    match ast {
        Ast::Name { name, at } if !known(name) => Err(eval::unrecognized(name, *at)),
        Ast::Call { args, .. } => args.iter().try_for_each(|a| check(a, known)),
        Ast::Prop { target, .. } => check(target, known),
        Ast::Index { target, index, .. } => {
            check(target, known)?;
            check(index, known)
        }
        _ => Ok(()),
    }
}

/// A part of a scalar: text, or a `${{ }}` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    Expr {
        /// The text between `${{` and `}}`.
        text: String,
        /// Offset of `${{` in the scalar, in characters.
        open: usize,
        /// Offset of the expression's text in the scalar, in characters.
        start: usize,
    },
}

/// Whether `text` has a `$` followed by one of `next`'s starts (`${{`, `$(`…). Looking
/// only at the `$` characters, which are rare, is cheaper than a substring search.
pub(crate) fn dollar_then(text: &str, next: &[&str]) -> bool {
    text.split('$')
        .skip(1)
        .any(|rest| next.iter().any(|n| rest.starts_with(n)))
}

/// Whether `text` holds a compile-time expression's opening `${{`.
pub(crate) fn has_expression(text: &str) -> bool {
    dollar_then(text, &["{{"])
}

/// Splits a scalar into text and `${{ }}` expressions. A `}}` inside a quoted string of the
/// expression does not close it. An unclosed `${{` is KL009 at its offset.
pub fn segments(text: &str) -> Result<Vec<Segment>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' && chars.get(i + 1) == Some(&'{') && chars.get(i + 2) == Some(&'{') {
            let open = i;
            let start = i + 3;
            let mut j = start;
            let mut quoted = false;
            let close = loop {
                match chars.get(j) {
                    None => break None,
                    Some('\'') => quoted = !quoted,
                    Some('}') if !quoted && chars.get(j + 1) == Some(&'}') => break Some(j),
                    _ => {}
                }
                j += 1;
            };
            let Some(close) = close else {
                return Err(ExprError::syntax(
                    open,
                    "The expression `${{` is not closed by `}}`",
                ));
            };
            if !lit.is_empty() {
                out.push(Segment::Text(std::mem::take(&mut lit)));
            }
            out.push(Segment::Expr {
                text: chars[start..close].iter().collect(),
                open,
                start,
            });
            i = close + 2;
        } else {
            lit.push(chars[i]);
            i += 1;
        }
    }
    if !lit.is_empty() || out.is_empty() {
        out.push(Segment::Text(lit));
    }
    Ok(out)
}
