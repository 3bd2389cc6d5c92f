//! Expressions in scalars: parsing (cached), evaluation against the frame's names, and
//! findings placed at the column of the expression in its file.

use super::expand::{Expander, Frame, MAX_DIAGNOSTICS, measure};
use crate::diag::Code;
use crate::expr::{Expr, ExprError, Scope, Segment, Val, segments};
use crate::loc::Loc;
use crate::yaml::{Node, Value};
use std::rc::Rc;

/// Parsed expressions by text, so loops do not parse again (bounded: cleared when full).
pub(super) type Parsed<T> = std::collections::HashMap<String, Result<T, ExprError>>;
const PARSED_MAX: usize = 10_000;

pub(super) struct View<'a> {
    frame: &'a Frame,
    vars: &'a Node,
}

impl Scope for View<'_> {
    fn named(&self, name: &str) -> Option<Val<'_>> {
        if let Some((_, v)) = self
            .frame
            .locals
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            return Some(Val::of(v));
        }
        if name.eq_ignore_ascii_case("parameters") {
            return Some(Val::of(&self.frame.params));
        }
        if name.eq_ignore_ascii_case("variables") {
            return Some(Val::of(self.vars));
        }
        None
    }
}

pub(super) fn known(frame: &Frame, name: &str) -> bool {
    name.eq_ignore_ascii_case("parameters")
        || name.eq_ignore_ascii_case("variables")
        || frame
            .locals
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
}

impl Expander<'_> {
    /// Parses an expression's text (once per text).
    pub(super) fn parse(&mut self, text: &str) -> Result<Rc<Expr>, ExprError> {
        if let Some(p) = self.parsed.get(text) {
            return p.clone();
        }
        if self.parsed.len() >= PARSED_MAX {
            self.parsed.clear();
        }
        let p = Expr::parse(text).map(Rc::new);
        self.parsed.insert(text.to_owned(), p.clone());
        p
    }

    /// Parses an `each` clause (once per text).
    pub(super) fn parse_each(
        &mut self,
        text: &str,
    ) -> Result<(String, Rc<Expr>, usize), ExprError> {
        if let Some(p) = self.parsed_each.get(text) {
            return p.clone();
        }
        if self.parsed_each.len() >= PARSED_MAX {
            self.parsed_each.clear();
        }
        let p = Expr::parse_each(text).map(|(name, e, at)| (name, Rc::new(e), at));
        self.parsed_each.insert(text.to_owned(), p.clone());
        p
    }

    /// Where the character `offset` of a scalar's text stands, the scalar at `at` holding
    /// the expression `${{…}}` that starts at `open` and ends (after `}}`) at `close`: the
    /// expression's text is found in the file after the scalar's start.
    pub(super) fn locate(
        &self,
        at: &Loc,
        scalar: &str,
        open: usize,
        close: usize,
        offset: usize,
    ) -> Loc {
        let Some(src) = self.sources.get(&at.file) else {
            return at.clone();
        };
        let Some(&line_start) = src.lines.get((at.line as usize).saturating_sub(1)) else {
            return at.clone();
        };
        let rest = &src.text[line_start..];
        let start = line_start
            + rest
                .char_indices()
                .nth((at.col as usize).saturating_sub(1))
                .map(|(i, _)| i)
                .unwrap_or(0);
        let needle: String = scalar
            .chars()
            .skip(open)
            .take(close.saturating_sub(open))
            .collect();
        let mut window_end = (start + 4 * scalar.len() + 4096).min(src.text.len());
        while !src.text.is_char_boundary(window_end) {
            window_end -= 1;
        }
        let Some(window) = src.text.get(start..window_end) else {
            return at.clone();
        };
        let Some(found) = window.find(&needle) else {
            return at.clone();
        };
        let mut pos = start + found;
        let skip = offset.saturating_sub(open);
        if let Some((i, _)) = src.text[pos..].char_indices().nth(skip) {
            pos += i;
        }
        let line = src.lines.partition_point(|&s| s <= pos);
        let line_begin = src.lines.get(line.saturating_sub(1)).copied().unwrap_or(0);
        let col = src.text[line_begin..pos].chars().count() + 1;
        Loc::new(
            &at.file,
            u32::try_from(line).unwrap_or(at.line),
            u32::try_from(col).unwrap_or(at.col),
        )
    }

    pub(super) fn expr_error(
        &mut self,
        node: &Node,
        scalar: &str,
        seg: (usize, usize, usize),
        e: &ExprError,
    ) {
        if self.diags.len() >= MAX_DIAGNOSTICS {
            return;
        }
        let (open, start, close) = seg;
        let loc = self.locate(&node.loc, scalar, open, close, start + e.offset);
        self.error(e.code, &loc, format!("{}.", e.message));
    }

    /// Reports `message` at the character `offset` of a scalar holding `${{…}}` from `open`
    /// to `close`.
    pub(super) fn report_at(
        &mut self,
        node: &Node,
        scalar: &str,
        span: (usize, usize, usize),
        code: Code,
        message: &str,
    ) {
        if self.diags.len() >= MAX_DIAGNOSTICS {
            return;
        }
        let (open, offset, close) = span;
        let loc = self.locate(&node.loc, scalar, open, close, offset);
        self.error(code, &loc, message);
    }

    /// Evaluates one expression of a scalar (`seg`: its `${{`, text and end offsets).
    pub(super) fn evaluate(
        &mut self,
        f: &Frame,
        node: &Node,
        scalar: &str,
        seg: (usize, usize, usize),
        expr: &Expr,
    ) -> Option<Node> {
        self.tick(&node.loc, 1);
        if let Err(e) = expr.check_names(&|name| known(f, name)) {
            self.expr_error(node, scalar, seg, &e);
            return None;
        }
        self.ensure_vars(&node.loc);
        let result = match &self.vars_node {
            Some(vars) => {
                let view = View { frame: f, vars };
                expr.eval(&view, &node.loc).map(|v| v.into_node(&node.loc))
            }
            None => return None,
        };
        match result {
            Ok(n) => Some(n),
            Err(e) => {
                self.expr_error(node, scalar, seg, &e);
                None
            }
        }
    }

    /// A scalar with its `${{ }}` evaluated: one whole expression keeps its value's type (a
    /// collection is inserted); expressions within text are converted to text. On an
    /// error the scalar stays as written.
    pub(super) fn scalar(&mut self, f: &Frame, n: &Node, depth: usize) -> Option<Node> {
        let Value::String(s) = &n.value else {
            return Some(n.clone());
        };
        if !crate::expr::has_expression(s) {
            return Some(n.clone());
        }
        let segs = match segments(s) {
            Ok(segs) => segs,
            Err(e) => {
                let close = s.chars().count();
                self.report_at(
                    n,
                    s,
                    (e.offset, e.offset, close),
                    e.code,
                    &format!("{}.", e.message),
                );
                return Some(n.clone());
            }
        };
        let mut out = String::new();
        let whole = segs.len() == 1;
        for seg in segs {
            match seg {
                Segment::Text(t) => out.push_str(&t),
                Segment::Expr { text, open, start } => {
                    let close = start + text.chars().count() + 2;
                    let parsed = self.parse(&text);
                    let expr = match parsed {
                        Ok(e) => e,
                        Err(e) => {
                            self.expr_error(n, s, (open, start, close), &e);
                            return Some(n.clone());
                        }
                    };
                    let Some(value) = self.evaluate(f, n, s, (open, start, close), &expr) else {
                        // Reported: the scalar stays as written, unless a limit stopped all.
                        return (!self.stopped).then(|| n.clone());
                    };
                    if whole {
                        let (nodes, text, height) = measure(&value);
                        if !self.deep(&n.loc, depth + height.saturating_sub(1)) {
                            return None;
                        }
                        // The node itself, and its own text, are counted by the caller.
                        let own = value.as_str().map_or(0, str::len);
                        self.count(&n.loc, nodes.saturating_sub(1), text.saturating_sub(own));
                        return Some(value);
                    }
                    match crate::model::read::scalar_text(&value) {
                        Some(t) if !matches!(value.value, Value::Null) => out.push_str(&t),
                        Some(_) => {}
                        None => {
                            self.report_at(
                                n,
                                s,
                                (open, start, close),
                                Code::ExpressionError,
                                "A sequence or mapping cannot be inserted in text.",
                            );
                            return Some(n.clone());
                        }
                    }
                }
            }
        }
        Some(Node::new(n.loc.clone(), Value::String(out)))
    }
}
