//! The expander: walks a file's tree, evaluating `${{ }}`, applying `if`/`elseif`/`else`,
//! `each` and `insert`, and inserting templates, within the limits of [`super`].

use super::path::FileKey;
use super::{
    Loader, MAX_EXPANDED_DEPTH, MAX_EXPANDED_NODES, MAX_EXPANDED_TEXT, MAX_NESTING, MAX_WORK,
};
use crate::diag::{Code, Diagnostic};
use crate::expr::{Expr, ExprError, Scope, Segment, Val, segments};
use crate::loc::Loc;
use crate::yaml::{Node, Value};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

/// What the root mapping of a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RootKind {
    /// The pipeline file: its `parameters:` declarations stay in the tree.
    Pipeline,
    /// A template a pipeline (or template) `extends`.
    Extends,
    /// A steps, jobs, stages or variables template.
    Template,
}

/// One file being expanded: its parameters and the names of the `each` loops around.
pub(super) struct Frame {
    pub(super) file: FileKey,
    pub(super) kind: RootKind,
    /// A mapping node: parameter name to value.
    pub(super) params: Node,
    pub(super) locals: Vec<(String, Node)>,
}

/// A file's text, kept to place expression errors at their exact column.
pub(super) struct Source {
    text: Arc<str>,
    lines: Vec<usize>,
}

pub(super) struct Expander<'l> {
    pub(super) loader: &'l dyn Loader,
    pub(super) diags: Vec<Diagnostic>,
    pub(super) files: Vec<(Option<String>, String)>,
    /// Parsed files (`None`: it did not parse; already reported).
    pub(super) cache: HashMap<FileKey, Option<Rc<Node>>>,
    pub(super) sources: HashMap<Arc<str>, Source>,
    /// The repository resources' aliases of the pipeline.
    pub(super) aliases: Vec<String>,
    /// Variables defined so far in the scopes around, in order.
    vars: Vec<(String, Node)>,
    vars_node: Option<Node>,
    /// The files being expanded, outermost first.
    pub(super) includes: Vec<FileKey>,
    nodes: usize,
    text: usize,
    work: usize,
    /// A limit was reached: expansion stops.
    pub(super) stopped: bool,
    /// Levels of the expander's recursion now open.
    nesting: usize,
    parsed: Parsed<Rc<Expr>>,
    parsed_each: Parsed<(String, Rc<Expr>, usize)>,
}

/// A `${{ }}` key that steers expansion.
enum Directive {
    If(Rc<Expr>),
    ElseIf(Rc<Expr>),
    Else,
    /// The loop's name, the collection, and the collection's offset in the key.
    Each(String, Rc<Expr>, usize),
    Insert,
}

/// Findings kept at most (a loop can make the same one in each round).
const MAX_DIAGNOSTICS: usize = 1000;

/// Parsed expressions by text, so loops do not parse again (bounded: cleared when full).
type Parsed<T> = HashMap<String, Result<T, ExprError>>;
const PARSED_MAX: usize = 10_000;

struct View<'a> {
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

fn known(frame: &Frame, name: &str) -> bool {
    name.eq_ignore_ascii_case("parameters")
        || name.eq_ignore_ascii_case("variables")
        || frame
            .locals
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
}

/// Nodes, text bytes and height of a tree (iteratively).
pub(super) fn measure(node: &Node) -> (usize, usize, usize) {
    let (mut nodes, mut text, mut height) = (0usize, 0usize, 0usize);
    let mut todo: Vec<(&Node, usize)> = vec![(node, 1)];
    while let Some((n, level)) = todo.pop() {
        nodes += 1;
        height = height.max(level);
        match &n.value {
            Value::String(s) => text += s.len(),
            Value::Seq(items) => todo.extend(items.iter().map(|i| (i, level + 1))),
            Value::Map(pairs) => {
                for (k, v) in pairs {
                    todo.push((k, level + 1));
                    todo.push((v, level + 1));
                }
            }
            _ => {}
        }
    }
    (nodes, text, height)
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

impl<'l> Expander<'l> {
    pub(super) fn new(loader: &'l dyn Loader) -> Expander<'l> {
        Expander {
            loader,
            diags: Vec::new(),
            files: Vec::new(),
            cache: HashMap::new(),
            sources: HashMap::new(),
            aliases: Vec::new(),
            vars: Vec::new(),
            vars_node: None,
            includes: Vec::new(),
            nodes: 0,
            text: 0,
            work: 0,
            stopped: false,
            nesting: 0,
            parsed: HashMap::new(),
            parsed_each: HashMap::new(),
        }
    }

    /// Parses an expression's text (once per text).
    fn parse(&mut self, text: &str) -> Result<Rc<Expr>, ExprError> {
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
    fn parse_each(&mut self, text: &str) -> Result<(String, Rc<Expr>, usize), ExprError> {
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

    pub(super) fn add_source(&mut self, name: &Arc<str>, text: &str) {
        self.sources.insert(
            name.clone(),
            Source {
                text: Arc::from(text),
                lines: line_starts(text),
            },
        );
    }

    pub(super) fn error(&mut self, code: Code, loc: &Loc, message: impl Into<String>) {
        if self.diags.len() < MAX_DIAGNOSTICS {
            self.diags.push(Diagnostic::new(code, loc.clone(), message));
        }
    }

    fn limit(&mut self, loc: &Loc, message: String) -> bool {
        if !self.stopped {
            self.stopped = true;
            self.error(Code::YamlLimit, loc, message);
        }
        false
    }

    /// Counts output; `false` (and expansion stops) past a limit.
    fn count(&mut self, loc: &Loc, nodes: usize, text: usize) -> bool {
        self.nodes = self.nodes.saturating_add(nodes);
        self.text = self.text.saturating_add(text);
        if self.nodes > MAX_EXPANDED_NODES {
            return self.limit(
                loc,
                format!("The expanded pipeline has more than {MAX_EXPANDED_NODES} nodes."),
            );
        }
        if self.text > MAX_EXPANDED_TEXT {
            return self.limit(
                loc,
                format!("The expanded pipeline holds more than {MAX_EXPANDED_TEXT} bytes of text."),
            );
        }
        !self.stopped
    }

    /// Counts a step of work; `false` (and expansion stops) past [`MAX_WORK`].
    pub(super) fn tick(&mut self, loc: &Loc, cost: usize) -> bool {
        self.work = self.work.saturating_add(cost);
        if self.work > MAX_WORK {
            return self.limit(
                loc,
                format!("Expanding the pipeline takes more than {MAX_WORK} steps (loops or templates repeat too much)."),
            );
        }
        !self.stopped
    }

    /// Enters one level of the expander's own recursion (the caller leaves it, whatever
    /// this returns); `false` (and expansion stops) past [`MAX_NESTING`].
    fn enter(&mut self, loc: &Loc) -> bool {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return self.limit(
                loc,
                format!("Templates, conditions and loops nest more than {MAX_NESTING} levels inside each other."),
            );
        }
        !self.stopped
    }

    fn deep(&mut self, loc: &Loc, depth: usize) -> bool {
        if depth > MAX_EXPANDED_DEPTH {
            return self.limit(
                loc,
                format!("The expanded pipeline nests deeper than {MAX_EXPANDED_DEPTH} levels."),
            );
        }
        !self.stopped
    }

    // ----- variables -----

    fn register(&mut self, name: String, value: &Node) {
        self.vars.push((name, value.clone()));
        self.vars_node = None;
    }

    /// Registers the variable an item of a `variables:` list defines.
    fn register_item(&mut self, item: &Node) {
        if let (Some(name), Some(value)) = (item.get("name"), item.get("value"))
            && let Some(name) = crate::model::read::scalar_text(name)
        {
            self.register(name, value);
        }
    }

    pub(super) fn vars_mark(&self) -> usize {
        self.vars.len()
    }

    pub(super) fn vars_truncate(&mut self, mark: usize) {
        if self.vars.len() > mark {
            self.vars.truncate(mark);
            self.vars_node = None;
        }
    }

    /// Builds the `variables` value, when it changed: the latest definition of each name.
    fn ensure_vars(&mut self, loc: &Loc) {
        if self.vars_node.is_some() {
            return;
        }
        let cost = self.vars.len();
        self.tick(loc, cost);
        let mut seen = HashSet::new();
        let mut pairs: Vec<(Node, Node)> = Vec::new();
        for (k, v) in self.vars.iter().rev() {
            if seen.insert(k.to_ascii_lowercase()) {
                pairs.push((
                    Node::new(v.loc.clone(), Value::String(k.clone())),
                    v.clone(),
                ));
            }
        }
        pairs.reverse();
        self.vars_node = Some(Node::new(loc.clone(), Value::Map(pairs)));
    }

    // ----- expressions -----

    /// Where the character `offset` of a scalar's text stands, the scalar at `at` holding
    /// the expression `${{…}}` that starts at `open` and ends (after `}}`) at `close`: the
    /// expression's text is found in the file after the scalar's start.
    fn locate(&self, at: &Loc, scalar: &str, open: usize, close: usize, offset: usize) -> Loc {
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

    fn expr_error(&mut self, node: &Node, scalar: &str, seg: (usize, usize, usize), e: &ExprError) {
        if self.diags.len() >= MAX_DIAGNOSTICS {
            return;
        }
        let (open, start, close) = seg;
        let loc = self.locate(&node.loc, scalar, open, close, start + e.offset);
        self.error(e.code, &loc, format!("{}.", e.message));
    }

    /// Reports `message` at the character `offset` of a scalar holding `${{…}}` from `open`
    /// to `close`.
    fn report_at(
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
    fn evaluate(
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
    fn scalar(&mut self, f: &Frame, n: &Node, depth: usize) -> Option<Node> {
        let Value::String(s) = &n.value else {
            return Some(n.clone());
        };
        if !s.contains("${{") {
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

    /// The directive a key is, if it is one (errors reported; `None` then too, and the
    /// key is dropped with its value).
    fn directive(&mut self, k: &Node) -> Option<Option<Directive>> {
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

    fn condition(&mut self, f: &Frame, k: &Node, expr: &Expr) -> bool {
        let Value::String(s) = &k.value else {
            return false;
        };
        let (open, start, close) = directive_span(s);
        self.evaluate(f, k, s, (open, start, close), expr)
            .is_some_and(|n| Val::of(&n).truthy())
    }

    /// The items an `each` goes over: a sequence's items, or a mapping's entries as
    /// `{key, value}` mappings.
    fn each_items(&mut self, f: &Frame, k: &Node, expr: &Expr, at: usize) -> Vec<Node> {
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

    // ----- the tree -----

    /// Expands one node at `depth` (the root is 1); `ctx` is the key it stands under.
    pub(super) fn node(
        &mut self,
        f: &mut Frame,
        n: &Node,
        ctx: &str,
        depth: usize,
    ) -> Option<Node> {
        let out = if self.enter(&n.loc) {
            self.node_inner(f, n, ctx, depth)
        } else {
            None
        };
        self.nesting -= 1;
        out
    }

    fn node_inner(&mut self, f: &mut Frame, n: &Node, ctx: &str, depth: usize) -> Option<Node> {
        if !self.tick(&n.loc, 1) || !self.deep(&n.loc, depth) {
            return None;
        }
        let out = match &n.value {
            Value::Seq(items) => {
                let mut out = Vec::new();
                self.items(f, items, ctx, depth, &mut out);
                Node::new(n.loc.clone(), Value::Seq(out))
            }
            Value::Map(pairs) => {
                let mark = self.vars_mark();
                let mut out = Vec::new();
                let mut seen = HashSet::new();
                self.pairs(f, pairs, ctx, depth, &mut out, &mut seen);
                if ctx != "variables" {
                    self.vars_truncate(mark);
                }
                Node::new(n.loc.clone(), Value::Map(out))
            }
            _ => self.scalar(f, n, depth)?,
        };
        let text = match &out.value {
            Value::String(s) => s.len(),
            _ => 0,
        };
        if !self.count(&n.loc, 1, text) {
            return None;
        }
        Some(out)
    }

    /// Expands sequence items into `out`: directives splice their values, template
    /// references their templates' items.
    pub(super) fn items(
        &mut self,
        f: &mut Frame,
        items: &[Node],
        ctx: &str,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        if let Some(first) = items.first()
            && self.enter(&first.loc)
        {
            self.items_inner(f, items, ctx, depth, out);
        }
        self.nesting -= usize::from(!items.is_empty());
    }

    fn items_inner(
        &mut self,
        f: &mut Frame,
        items: &[Node],
        ctx: &str,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        // `Some(taken)` after an `if` or `elseif`: whether a branch was taken.
        let mut chain: Option<bool> = None;
        for item in items {
            if self.stopped {
                return;
            }
            if let Some([(k, v)]) = item.as_map() {
                let Some(directive) = self.directive(k) else {
                    chain = None;
                    continue;
                };
                if let Some(d) = directive {
                    chain = self.seq_directive(f, k, v, d, chain, ctx, depth, out);
                    continue;
                }
            }
            chain = None;
            if super::include::is_reference(item) {
                let produced = self.include(f, item, ctx, depth);
                out.extend(produced);
                continue;
            }
            let Some(x) = self.node(f, item, ctx, depth + 1) else {
                continue;
            };
            // `- ${{ parameters.steps }}`: a list an expression gives is inserted item by item.
            let inserted = match x.value {
                Value::Seq(items) if matches!(item.value, Value::String(_)) => items,
                value => vec![Node::new(x.loc, value)],
            };
            for x in inserted {
                if ctx == "variables" {
                    self.register_item(&x);
                }
                out.push(x);
            }
        }
    }

    /// A directive item of a sequence; returns the new `if` chain state.
    #[allow(clippy::too_many_arguments)]
    fn seq_directive(
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

    fn orphan(&mut self, k: &Node, word: &str) {
        self.error(
            Code::ExpressionSyntax,
            &k.loc,
            format!("'{word}' has no 'if' just before it."),
        );
    }

    /// Expands mapping pairs into `out`: directives merge their mappings.
    pub(super) fn pairs(
        &mut self,
        f: &mut Frame,
        pairs: &[(Node, Node)],
        ctx: &str,
        depth: usize,
        out: &mut Vec<(Node, Node)>,
        seen: &mut HashSet<String>,
    ) {
        if let Some((first, _)) = pairs.first()
            && self.enter(&first.loc)
        {
            self.pairs_inner(f, pairs, ctx, depth, out, seen);
        }
        self.nesting -= usize::from(!pairs.is_empty());
    }

    fn pairs_inner(
        &mut self,
        f: &mut Frame,
        pairs: &[(Node, Node)],
        ctx: &str,
        depth: usize,
        out: &mut Vec<(Node, Node)>,
        seen: &mut HashSet<String>,
    ) {
        let mut chain: Option<bool> = None;
        for (k, v) in pairs {
            if self.stopped {
                return;
            }
            let Some(directive) = self.directive(k) else {
                chain = None;
                continue;
            };
            if let Some(d) = directive {
                chain = self.map_directive(f, k, v, d, chain, ctx, depth, out, seen);
                continue;
            }
            chain = None;
            if depth == 1 && self.root_pair(f, k, v, out, seen) {
                continue;
            }
            let Some(key) = self.scalar(f, k, depth) else {
                return;
            };
            let Some(key_text) = crate::model::read::scalar_text(&key) else {
                self.error(
                    Code::InvalidValue,
                    &k.loc,
                    "A key is a sequence or mapping.",
                );
                continue;
            };
            let key = Node::new(k.loc.clone(), Value::String(key_text.clone()));
            let Some(value) = self.node(f, v, &key_text, depth + 1) else {
                return;
            };
            if ctx == "variables" {
                self.register(key_text.clone(), &value);
            }
            self.insert_pair(key, value, out, seen);
        }
    }

    /// Adds a pair, refusing a key already there (KL006); `variables` given twice (by a
    /// pipeline and the template it extends) are joined.
    pub(super) fn insert_pair(
        &mut self,
        key: Node,
        value: Node,
        out: &mut Vec<(Node, Node)>,
        seen: &mut HashSet<String>,
    ) {
        let text = key.as_str().unwrap_or_default().to_owned();
        if seen.insert(text.clone()) {
            out.push((key, value));
            return;
        }
        if text == "variables"
            && let Some((_, existing)) = out
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some("variables"))
        {
            let mut items = super::include::variable_items(existing);
            items.extend(super::include::variable_items(&value));
            existing.value = Value::Seq(items);
            return;
        }
        self.error(
            Code::InvalidValue,
            &key.loc,
            format!("'{text}' is already defined."),
        );
    }

    /// A directive key of a mapping; returns the new `if` chain state.
    #[allow(clippy::too_many_arguments)]
    fn map_directive(
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
