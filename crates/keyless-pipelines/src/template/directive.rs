//! `${{ if }}`, `${{ elseif }}`, `${{ else }}`, `${{ each }}` and `${{ insert }}` keys, in
//! sequences (their values' items are inserted) and in mappings (their values merged).

use super::expand::{Expander, Frame};
use crate::diag::Code;
use crate::expr::{Expr, ExprError, Segment, Val, segments};
use crate::yaml::{Node, Value};
use std::collections::HashSet;
use std::rc::Rc;

/// A `${{ }}` key that steers expansion.
pub(super) enum Directive {
    If(Rc<Expr>),
    ElseIf(Rc<Expr>),
    Else,
    /// The loop's name, the collection, and the collection's offset in the key.
    Each(String, Rc<Expr>, usize),
    Insert,
}

impl Expander<'_> {
    /// The directive a key is, if it is one (errors reported; `None` then too, and the
    /// key is dropped with its value).
    pub(super) fn directive(&mut self, k: &Node) -> Option<Option<Directive>> {
        let Value::String(s) = &k.value else {
            return Some(None);
        };
        let trimmed = s.trim();
        if !(trimmed.starts_with("${{") && trimmed.ends_with("}}")) {
            return Some(None);
        }
        let Ok(segs) = segments(s) else {
            return Some(None);
        };
        let [Segment::Expr { text, open, start }] = segs.as_slice() else {
            return Some(None);
        };
        let close = start + text.chars().count() + 2;
        let body = text.trim_start();
        let lead = text.chars().count() - body.chars().count();
        let word_end = body
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(body.len());
        let word = &body[..word_end];
        let rest = &body[word_end..];
        let rest_at = start + lead + word.chars().count();
        let separated =
            rest.is_empty() || rest.starts_with(|c: char| c.is_whitespace() || c == '(');
        let seg = (*open, *start, close);
        let result = match word {
            "if" | "elseif" if separated => self
                .parse(rest)
                .map(|e| {
                    if word == "if" {
                        Directive::If(e)
                    } else {
                        Directive::ElseIf(e)
                    }
                })
                .map_err(|e| ExprError {
                    offset: e.offset + rest_at - start,
                    ..e
                }),
            "else" | "insert" if separated => {
                if rest.trim().is_empty() {
                    Ok(if word == "else" {
                        Directive::Else
                    } else {
                        Directive::Insert
                    })
                } else {
                    let blank = rest.chars().count() - rest.trim_start().chars().count();
                    Err(ExprError {
                        code: Code::ExpressionSyntax,
                        offset: rest_at + blank - start,
                        message: format!("'{word}' takes no expression"),
                    })
                }
            }
            "each" if separated => self
                .parse_each(body)
                .map(|(name, e, at)| Directive::Each(name, e, start + lead + at))
                .map_err(|e| ExprError {
                    offset: e.offset + lead,
                    ..e
                }),
            _ => return Some(None),
        };
        match result {
            Ok(d) => Some(Some(d)),
            Err(e) => {
                self.expr_error(k, s, seg, &e);
                None
            }
        }
    }

    pub(super) fn condition(&mut self, f: &Frame, k: &Node, expr: &Expr) -> bool {
        let Value::String(s) = &k.value else {
            return false;
        };
        let (open, start, close) = directive_span(s);
        self.evaluate(f, k, s, (open, start, close), expr)
            .is_some_and(|n| Val::of(&n).truthy())
    }

    /// The items an `each` goes over: a sequence's items, or a mapping's entries as
    /// `{key, value}` mappings.
    pub(super) fn each_items(&mut self, f: &Frame, k: &Node, expr: &Expr, at: usize) -> Vec<Node> {
        let Value::String(s) = &k.value else {
            return Vec::new();
        };
        let span = directive_span(s);
        let Some(coll) = self.evaluate(f, k, s, span, expr) else {
            return Vec::new();
        };
        match coll.value {
            Value::Seq(items) => items,
            Value::Map(pairs) => pairs
                .into_iter()
                .map(|(key, value)| {
                    let loc = key.loc.clone();
                    let entry = vec![
                        (Node::new(loc.clone(), Value::String("key".into())), key),
                        (Node::new(loc.clone(), Value::String("value".into())), value),
                    ];
                    Node::new(loc, Value::Map(entry))
                })
                .collect(),
            Value::Null => Vec::new(),
            _ => {
                self.report_at(
                    k,
                    s,
                    (span.0, at, span.2),
                    Code::ExpressionError,
                    "'each' goes over a sequence or a mapping; this value is neither.",
                );
                Vec::new()
            }
        }
    }

    /// A directive item of a sequence; returns the new `if` chain state.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn seq_directive(
        &mut self,
        f: &mut Frame,
        k: &Node,
        v: &Node,
        d: Directive,
        chain: Option<bool>,
        ctx: &str,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> Option<bool> {
        let splice = |this: &mut Self, f: &mut Frame, out: &mut Vec<Node>| match &v.value {
            Value::Seq(items) => this.items(f, items, ctx, depth, out),
            Value::Null => {}
            _ => this.items(f, std::slice::from_ref(v), ctx, depth, out),
        };
        match d {
            Directive::If(e) => {
                let taken = self.condition(f, k, &e);
                if taken {
                    splice(self, f, out);
                }
                Some(taken)
            }
            Directive::ElseIf(e) => match chain {
                None => {
                    self.orphan(k, "elseif");
                    None
                }
                Some(true) => Some(true),
                Some(false) => {
                    let taken = self.condition(f, k, &e);
                    if taken {
                        splice(self, f, out);
                    }
                    Some(taken)
                }
            },
            Directive::Else => {
                match chain {
                    None => self.orphan(k, "else"),
                    Some(true) => {}
                    Some(false) => splice(self, f, out),
                }
                None
            }
            Directive::Each(name, e, at) => {
                for item in self.each_items(f, k, &e, at) {
                    if !self.tick(&k.loc, 1) {
                        break;
                    }
                    f.locals.push((name.clone(), item));
                    splice(self, f, out);
                    f.locals.pop();
                }
                None
            }
            Directive::Insert => {
                splice(self, f, out);
                None
            }
        }
    }

    pub(super) fn orphan(&mut self, k: &Node, word: &str) {
        self.error(
            Code::ExpressionSyntax,
            &k.loc,
            format!("'{word}' has no 'if' just before it."),
        );
    }

    /// A directive key of a mapping; returns the new `if` chain state.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn map_directive(
        &mut self,
        f: &mut Frame,
        k: &Node,
        v: &Node,
        d: Directive,
        chain: Option<bool>,
        ctx: &str,
        depth: usize,
        out: &mut Vec<(Node, Node)>,
        seen: &mut HashSet<String>,
    ) -> Option<bool> {
        let merge = |this: &mut Self,
                     f: &mut Frame,
                     out: &mut Vec<(Node, Node)>,
                     seen: &mut HashSet<String>| {
            match &v.value {
                Value::Map(pairs) => this.pairs(f, pairs, ctx, depth, out, seen),
                Value::Null => {}
                _ => this.error(
                    Code::InvalidValue,
                    &v.loc,
                    "A mapping was expected under this expression key.",
                ),
            }
        };
        match d {
            Directive::If(e) => {
                let taken = self.condition(f, k, &e);
                if taken {
                    merge(self, f, out, seen);
                }
                Some(taken)
            }
            Directive::ElseIf(e) => match chain {
                None => {
                    self.orphan(k, "elseif");
                    None
                }
                Some(true) => Some(true),
                Some(false) => {
                    let taken = self.condition(f, k, &e);
                    if taken {
                        merge(self, f, out, seen);
                    }
                    Some(taken)
                }
            },
            Directive::Else => {
                match chain {
                    None => self.orphan(k, "else"),
                    Some(true) => {}
                    Some(false) => merge(self, f, out, seen),
                }
                None
            }
            Directive::Each(name, e, at) => {
                for item in self.each_items(f, k, &e, at) {
                    if !self.tick(&k.loc, 1) {
                        break;
                    }
                    f.locals.push((name.clone(), item));
                    merge(self, f, out, seen);
                    f.locals.pop();
                }
                None
            }
            Directive::Insert => {
                let value = self.node(f, v, ctx, depth)?;
                match value.value {
                    Value::Map(pairs) => {
                        for (pk, pv) in pairs {
                            if ctx == "variables"
                                && let Some(name) = pk.as_str()
                            {
                                self.register(name.to_owned(), &pv);
                            }
                            self.insert_pair(pk, pv, out, seen);
                        }
                    }
                    Value::Null => {}
                    _ => self.error(
                        Code::InvalidValue,
                        &v.loc,
                        "'insert' inserts a mapping; this value is not one.",
                    ),
                }
                None
            }
        }
    }
}

/// The offsets of the single `${{…}}` of a directive key: `${{`, its text, past `}}`.
fn directive_span(s: &str) -> (usize, usize, usize) {
    match segments(s).ok().as_deref() {
        Some([Segment::Expr { text, open, start }]) => {
            (*open, *start, start + text.chars().count() + 2)
        }
        _ => (0, 0, s.chars().count()),
    }
}
