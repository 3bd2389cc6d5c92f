//! `${{ if }}`, `${{ elseif }}`, `${{ else }}`, `${{ each }}` and `${{ insert }}` keys, in
//! sequences (their values' items are inserted) and in mappings (their values merged).

use super::expand::{Expander, Frame};
use crate::diag::Code;
use crate::expr::{Expr, ExprError, Segment, Val, segments};
use crate::yaml::{Node, Value};
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

    /// The flow every directive follows, in sequences and in mappings: `body` takes in
    /// the directive's value where an `if` chain or an `each` loop reaches it, and
    /// `insert` where the directive is `insert`; both write to `target`. Returns the new
    /// `if` chain state.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn steer<T>(
        &mut self,
        f: &mut Frame,
        k: &Node,
        d: Directive,
        chain: Option<bool>,
        target: &mut T,
        body: impl Fn(&mut Self, &mut Frame, &mut T),
        insert: impl FnOnce(&mut Self, &mut Frame, &mut T),
    ) -> Option<bool> {
        let e = match d {
            Directive::If(e) => e,
            Directive::ElseIf(e) => match chain {
                None => {
                    self.orphan(k, "elseif");
                    return None;
                }
                Some(true) => return Some(true),
                Some(false) => e,
            },
            Directive::Else => {
                match chain {
                    None => self.orphan(k, "else"),
                    Some(true) => {}
                    Some(false) => body(self, f, target),
                }
                return None;
            }
            Directive::Each(name, e, at) => {
                for item in self.each_items(f, k, &e, at) {
                    if !self.tick(&k.loc, 1) {
                        break;
                    }
                    f.locals.push((name.clone(), item));
                    body(self, f, target);
                    f.locals.pop();
                }
                return None;
            }
            Directive::Insert => {
                insert(self, f, target);
                return None;
            }
        };
        let taken = self.condition(f, k, &e);
        if taken {
            body(self, f, target);
        }
        Some(taken)
    }

    pub(super) fn orphan(&mut self, k: &Node, word: &str) {
        self.error(
            Code::ExpressionSyntax,
            &k.loc,
            format!("'{word}' has no 'if' just before it."),
        );
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
