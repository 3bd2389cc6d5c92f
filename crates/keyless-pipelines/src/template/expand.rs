//! The expander: walks a file's tree, evaluating `${{ }}`, applying `if`/`elseif`/`else`,
//! `each` and `insert`, and inserting templates, within the limits of [`super`].

use super::path::FileKey;
use super::scalar::Parsed;
use super::{
    Loader, MAX_EXPANDED_DEPTH, MAX_EXPANDED_NODES, MAX_EXPANDED_TEXT, MAX_NESTING, MAX_WORK,
};
use crate::diag::{Code, Diagnostic};
use crate::expr::Expr;
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
    pub(super) text: Arc<str>,
    pub(super) lines: Vec<usize>,
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
    pub(super) vars: Vec<(String, Node)>,
    pub(super) vars_node: Option<Node>,
    /// The files being expanded, outermost first.
    pub(super) includes: Vec<FileKey>,
    pub(super) nodes: usize,
    pub(super) text: usize,
    pub(super) work: usize,
    /// A limit was reached: expansion stops.
    pub(super) stopped: bool,
    /// Levels of the expander's recursion now open.
    pub(super) nesting: usize,
    pub(super) parsed: Parsed<Rc<Expr>>,
    pub(super) parsed_each: Parsed<(String, Rc<Expr>, usize)>,
}

/// Findings kept at most (a loop can make the same one in each round).
pub(super) const MAX_DIAGNOSTICS: usize = 1000;

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

    pub(super) fn limit(&mut self, loc: &Loc, message: String) -> bool {
        if !self.stopped {
            self.stopped = true;
            self.error(Code::YamlLimit, loc, message);
        }
        false
    }

    /// `true` while expansion goes on; `over`, the message of a limit just passed, stops it.
    fn within(&mut self, loc: &Loc, over: Option<String>) -> bool {
        match over {
            Some(message) => self.limit(loc, message),
            None => !self.stopped,
        }
    }

    /// Counts output; `false` (and expansion stops) past a limit.
    pub(super) fn count(&mut self, loc: &Loc, nodes: usize, text: usize) -> bool {
        self.nodes = self.nodes.saturating_add(nodes);
        self.text = self.text.saturating_add(text);
        let over = if self.nodes > MAX_EXPANDED_NODES {
            Some(format!(
                "The expanded pipeline has more than {MAX_EXPANDED_NODES} nodes."
            ))
        } else if self.text > MAX_EXPANDED_TEXT {
            Some(format!(
                "The expanded pipeline holds more than {MAX_EXPANDED_TEXT} bytes of text."
            ))
        } else {
            None
        };
        self.within(loc, over)
    }

    /// Counts a step of work; `false` (and expansion stops) past [`MAX_WORK`].
    pub(super) fn tick(&mut self, loc: &Loc, cost: usize) -> bool {
        self.work = self.work.saturating_add(cost);
        let over = (self.work > MAX_WORK).then(|| {
            format!("Expanding the pipeline takes more than {MAX_WORK} steps (loops or templates repeat too much).")
        });
        self.within(loc, over)
    }

    /// Enters one level of the expander's own recursion (the caller leaves it, whatever
    /// this returns); `false` (and expansion stops) past [`MAX_NESTING`].
    fn enter(&mut self, loc: &Loc) -> bool {
        self.nesting += 1;
        let over = (self.nesting > MAX_NESTING).then(|| {
            format!("Templates, conditions and loops nest more than {MAX_NESTING} levels inside each other.")
        });
        self.within(loc, over)
    }

    pub(super) fn deep(&mut self, loc: &Loc, depth: usize) -> bool {
        let over = (depth > MAX_EXPANDED_DEPTH).then(|| {
            format!("The expanded pipeline nests deeper than {MAX_EXPANDED_DEPTH} levels.")
        });
        self.within(loc, over)
    }

    // ----- variables -----

    pub(super) fn register(&mut self, name: String, value: &Node) {
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
    pub(super) fn ensure_vars(&mut self, loc: &Loc) {
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

    /// Runs `body` one level deeper in the expander's own recursion, which `first` (the
    /// first item's place) enters; an empty collection (`None`) has nothing to run.
    fn nested(&mut self, first: Option<&Loc>, body: impl FnOnce(&mut Self)) {
        let Some(loc) = first else {
            return;
        };
        if self.enter(loc) {
            body(self);
        }
        self.nesting -= 1;
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
        self.nested(items.first().map(|n| &n.loc), |this| {
            // `Some(taken)` after an `if` or `elseif`: whether a branch was taken.
            let mut chain: Option<bool> = None;
            for item in items {
                if this.stopped {
                    return;
                }
                if let Some([(k, v)]) = item.as_map() {
                    let Some(directive) = this.directive(k) else {
                        chain = None;
                        continue;
                    };
                    if let Some(d) = directive {
                        // The value's items are spliced in.
                        let splice =
                            |this: &mut Self, f: &mut Frame, out: &mut Vec<Node>| match &v.value {
                                Value::Seq(items) => this.items(f, items, ctx, depth, out),
                                Value::Null => {}
                                _ => this.items(f, std::slice::from_ref(v), ctx, depth, out),
                            };
                        chain = this.steer(f, k, d, chain, out, splice, splice);
                        continue;
                    }
                }
                chain = None;
                if super::include::is_reference(item) {
                    let produced = this.include(f, item, ctx, depth);
                    out.extend(produced);
                    continue;
                }
                let Some(x) = this.node(f, item, ctx, depth + 1) else {
                    continue;
                };
                // `- ${{ parameters.steps }}`: a list an expression gives is inserted item by item.
                let inserted = match x.value {
                    Value::Seq(items) if matches!(item.value, Value::String(_)) => items,
                    value => vec![Node::new(x.loc, value)],
                };
                for x in inserted {
                    if ctx == "variables" {
                        this.register_item(&x);
                    }
                    out.push(x);
                }
            }
        });
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
        self.nested(pairs.first().map(|(k, _)| &k.loc), |this| {
            let mut chain: Option<bool> = None;
            for (k, v) in pairs {
                if this.stopped {
                    return;
                }
                let Some(directive) = this.directive(k) else {
                    chain = None;
                    continue;
                };
                if let Some(d) = directive {
                    // The value's pairs are merged in; `insert` expands the value first.
                    let merge =
                        |this: &mut Self, f: &mut Frame, (out, seen): &mut PairsOut| match &v.value
                        {
                            Value::Map(pairs) => this.pairs(f, pairs, ctx, depth, out, seen),
                            Value::Null => {}
                            _ => this.error(
                                Code::InvalidValue,
                                &v.loc,
                                "A mapping was expected under this expression key.",
                            ),
                        };
                    let insert = |this: &mut Self, f: &mut Frame, (out, seen): &mut PairsOut| {
                        let Some(value) = this.node(f, v, ctx, depth) else {
                            return;
                        };
                        match value.value {
                            Value::Map(pairs) => {
                                for (pk, pv) in pairs {
                                    if ctx == "variables"
                                        && let Some(name) = pk.as_str()
                                    {
                                        this.register(name.to_owned(), &pv);
                                    }
                                    this.insert_pair(pk, pv, out, seen);
                                }
                            }
                            Value::Null => {}
                            _ => this.error(
                                Code::InvalidValue,
                                &v.loc,
                                "'insert' inserts a mapping; this value is not one.",
                            ),
                        }
                    };
                    chain = this.steer(f, k, d, chain, &mut (&mut *out, &mut *seen), merge, insert);
                    continue;
                }
                chain = None;
                // Keys of a root mapping that are not expanded as usual: `parameters:` (kept
                // in the pipeline, dropped in a template) and `extends:`.
                if depth == 1 {
                    match (k.as_str(), f.kind) {
                        (Some("parameters"), RootKind::Pipeline) => {
                            this.insert_pair(k.clone(), v.clone(), out, seen);
                            continue;
                        }
                        (Some("parameters"), RootKind::Extends) => continue,
                        (Some("extends"), RootKind::Pipeline | RootKind::Extends) => {
                            this.extends(f, k, v, out, seen);
                            continue;
                        }
                        _ => {}
                    }
                }
                let Some(key) = this.scalar(f, k, depth) else {
                    return;
                };
                let Some(key_text) = crate::model::read::scalar_text(&key) else {
                    this.error(
                        Code::InvalidValue,
                        &k.loc,
                        "A key is a sequence or mapping.",
                    );
                    continue;
                };
                let key = Node::new(k.loc.clone(), Value::String(key_text.clone()));
                let Some(value) = this.node(f, v, &key_text, depth + 1) else {
                    return;
                };
                if ctx == "variables" {
                    this.register(key_text.clone(), &value);
                }
                this.insert_pair(key, value, out, seen);
            }
        });
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
}

/// Where expanded mapping pairs go: the pairs, and the keys given so far.
type PairsOut<'a> = (&'a mut Vec<(Node, Node)>, &'a mut HashSet<String>);
