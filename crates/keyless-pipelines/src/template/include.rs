//! Files: the pipeline's root, `extends:`, and `- template:` references in steps, jobs,
//! stages and variables.

use super::expand::{Expander, Frame, RootKind};
use super::params::{self, Decls};
use super::path::{FileKey, RefError, resolve};
use super::{LoadError, MAX_TEMPLATE_DEPTH, Options};
use crate::diag::{Code, Diagnostic};
use crate::expr::has_expression;
use crate::loc::Loc;
use crate::model::read::scalar_text;
use crate::yaml::{self, Node, Value};
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;

/// The bodies a template inserted in a list can have.
const BODIES: &[&str] = &["steps", "jobs", "stages", "variables"];

/// A sequence item that names a template: a mapping with `template:`.
pub(super) fn is_reference(item: &Node) -> bool {
    item.as_map().is_some() && item.get("template").is_some()
}

/// Items of a `variables:` value in the list form (a mapping's entries as `name`/`value`).
pub(super) fn variable_items(v: &Node) -> Vec<Node> {
    match &v.value {
        Value::Seq(items) => items.clone(),
        Value::Map(pairs) => pairs
            .iter()
            .map(|(k, val)| {
                let loc = k.loc.clone();
                Node::new(
                    loc.clone(),
                    Value::Map(vec![
                        (
                            Node::new(loc.clone(), Value::String("name".into())),
                            k.clone(),
                        ),
                        (Node::new(loc, Value::String("value".into())), val.clone()),
                    ]),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A file read and parsed, or why not.
enum Loaded {
    File(FileKey, Rc<Node>),
    /// Another repository that is not available here: the reference is dropped (KL012).
    Unavailable,
    /// Reported already.
    Failed,
}

impl Expander<'_> {
    /// The frame of a file entered: its key is pushed on `includes` (the caller pops it).
    fn enter_file(&mut self, key: FileKey, kind: RootKind, params: Node) -> Frame {
        self.includes.push(key.clone());
        Frame {
            file: key,
            kind,
            params,
            locals: Vec::new(),
        }
    }

    /// A template's parameters: its declarations (checked) bound to the values `passed`
    /// by the reference at `at`.
    fn template_params(&mut self, root: &Node, passed: &[(Node, Node)], at: &Loc) -> Node {
        let decls = params::declarations(root.get("parameters"), true, &mut self.diags);
        params::bind(&decls, passed, at, &mut self.diags)
    }

    /// Reads and parses a file (once), recording it in `files`.
    fn read_file(&mut self, key: &FileKey) -> Result<Option<Rc<Node>>, LoadError> {
        if let Some(cached) = self.cache.get(key) {
            return Ok(cached.clone());
        }
        let text = self.loader.read(key.repo.as_deref(), &key.path)?;
        self.files.push((key.repo.clone(), key.path.clone()));
        let name = key.display();
        self.add_source(&name, &text);
        let parsed = match yaml::parse(&name, &text) {
            Ok(n) => Some(Rc::new(n)),
            Err(d) => {
                self.diags.push(d);
                None
            }
        };
        self.cache.insert(key.clone(), parsed.clone());
        Ok(parsed)
    }

    /// Resolves and reads the template `path` names (the expanded `template:` value).
    fn load(&mut self, f: &Frame, path: &Node) -> Loaded {
        let text = scalar_text(path).unwrap_or_default();
        let key = match resolve(&f.file, &text, &self.aliases) {
            Ok(k) => k,
            Err(e) => {
                let message = match e {
                    RefError::UnknownAlias(alias) => format!(
                        "Template '{text}' not found: '{alias}' is not a repository of resources.repositories."
                    ),
                    RefError::Escapes => {
                        format!("Template '{text}' not found: the path leaves the repository.")
                    }
                    RefError::Empty => "The template path is empty.".to_owned(),
                };
                self.error(Code::TemplateNotFound, &path.loc, message);
                return Loaded::Failed;
            }
        };
        let too_deep = if self.includes.contains(&key) {
            let mut chain: Vec<String> = self
                .includes
                .iter()
                .map(|k| k.display().to_string())
                .collect();
            chain.push(key.display().to_string());
            Some(format!(
                "Template '{text}' includes itself: {}.",
                chain.join(" -> ")
            ))
        } else if self.includes.len() >= MAX_TEMPLATE_DEPTH {
            Some(format!(
                "Templates nest deeper than {MAX_TEMPLATE_DEPTH} levels."
            ))
        } else {
            None
        };
        if let Some(message) = too_deep {
            self.error(Code::TemplateCycle, &path.loc, message);
            return Loaded::Failed;
        }
        let (code, message, loaded) = match self.read_file(&key) {
            Ok(Some(root)) => return Loaded::File(key, root),
            Ok(None) => return Loaded::Failed,
            Err(LoadError::NotFound) => {
                let where_ = match &key.repo {
                    Some(alias) => format!(" in repository '{alias}'"),
                    None => String::new(),
                };
                self.diags.push(
                    Diagnostic::new(
                        Code::TemplateNotFound,
                        path.loc.clone(),
                        format!("Template '{text}' not found: no file '{}'{where_}.", key.path),
                    )
                    .with_fix("Check the path: it is relative to the file that names it, or to the repository's root when it starts with '/'."),
                );
                return Loaded::Failed;
            }
            Err(LoadError::Unavailable) => (
                Code::RemoteTemplate,
                format!(
                    "Template '{text}' is in repository '{}', which is not available here: it was not checked.",
                    key.repo.as_deref().unwrap_or("self")
                ),
                Loaded::Unavailable,
            ),
            Err(LoadError::Unreadable(why)) => (
                Code::UnreadableFile,
                format!("Template '{text}' cannot be read: {why}."),
                Loaded::Failed,
            ),
        };
        self.error(code, &path.loc, message);
        loaded
    }

    /// Expands `template:` and `parameters:` of a reference in the caller's frame.
    fn reference(
        &mut self,
        f: &mut Frame,
        r: &Node,
        depth: usize,
    ) -> Option<(Node, Vec<(Node, Node)>)> {
        let pairs = r.as_map()?;
        for (k, _) in pairs {
            let key = k.as_str().unwrap_or_default();
            if key != "template" && key != "parameters" {
                self.error(
                    Code::UnknownKey,
                    &k.loc,
                    format!("Unexpected value '{key}'"),
                );
            }
        }
        let written = r.get("template")?;
        let path = self.node(f, written, "template", depth + 1)?;
        if scalar_text(&path).is_none() {
            self.error(
                Code::InvalidValue,
                &written.loc,
                "A template path is a single value.",
            );
            return None;
        }
        let passed = match r.get("parameters") {
            Some(p) => {
                let p = self.node(f, p, "parameters", depth + 1)?;
                match p.value {
                    Value::Map(pairs) => pairs,
                    Value::Null => Vec::new(),
                    _ => {
                        self.error(
                            Code::InvalidValue,
                            &p.loc,
                            "Template parameters are a mapping.",
                        );
                        Vec::new()
                    }
                }
            }
            None => Vec::new(),
        };
        Some((path, passed))
    }

    /// `- template:` in a list: the items of the template's body (`steps`, `jobs`,
    /// `stages` or `variables`, the one of the list `ctx` when it has several).
    pub(super) fn include(
        &mut self,
        f: &mut Frame,
        r: &Node,
        ctx: &str,
        depth: usize,
    ) -> Vec<Node> {
        let Some((path, passed)) = self.reference(f, r, depth) else {
            return Vec::new();
        };
        let (key, root) = match self.load(f, &path) {
            Loaded::File(key, root) => (key, root),
            Loaded::Unavailable | Loaded::Failed => return Vec::new(),
        };
        let Some(pairs) = root.as_map() else {
            self.error(
                Code::InvalidValue,
                &root.loc,
                "A template is a mapping with `parameters:` and steps, jobs, stages or variables.",
            );
            return Vec::new();
        };
        let present: Vec<&str> = BODIES
            .iter()
            .copied()
            .filter(|b| root.get(b).is_some())
            .collect();
        let body = if present.contains(&ctx) {
            ctx
        } else if let [one] = present.as_slice() {
            one
        } else {
            self.error(
                Code::InvalidValue,
                &root.loc,
                format!("The template has no `{ctx}:` to insert here."),
            );
            return Vec::new();
        };
        for (k, _) in pairs {
            let name = k.as_str().unwrap_or_default();
            if name != "parameters" && name != body {
                self.error(
                    Code::UnknownKey,
                    &k.loc,
                    format!("Unexpected value '{name}'"),
                );
            }
        }
        let bound = self.template_params(&root, &passed, &path.loc);
        let mut frame = self.enter_file(key, RootKind::Template, bound);
        let mut out = Vec::new();
        if let Some(b) = root.get(body) {
            match &b.value {
                Value::Seq(items) => self.items(&mut frame, items, body, depth, &mut out),
                Value::Map(_) if body == "variables" => {
                    if let Some(expanded) = self.node(&mut frame, b, "variables", depth + 1) {
                        out = variable_items(&expanded);
                    }
                }
                Value::Null => {}
                _ => self.error(
                    Code::InvalidValue,
                    &b.loc,
                    format!("`{body}:` of a template is a sequence."),
                ),
            }
        }
        self.includes.pop();
        out
    }

    /// `extends: {template, parameters}`: the template's root keys join the pipeline's.
    pub(super) fn extends(
        &mut self,
        f: &mut Frame,
        k: &Node,
        v: &Node,
        out: &mut Vec<(Node, Node)>,
        seen: &mut HashSet<String>,
    ) {
        if v.as_map().is_none() || v.get("template").is_none() {
            self.error(
                Code::InvalidValue,
                &v.loc,
                "`extends:` is a mapping with `template:` and `parameters:`.",
            );
            return;
        }
        let Some((path, passed)) = self.reference(f, v, 1) else {
            return;
        };
        let (key, root) = match self.load(f, &path) {
            Loaded::File(key, root) => (key, root),
            Loaded::Unavailable => {
                // Kept, without its parameters, so the reader knows the pipeline extends a
                // template it could not see.
                let stub = Node::new(
                    v.loc.clone(),
                    Value::Map(vec![(
                        Node::new(path.loc.clone(), Value::String("template".into())),
                        path,
                    )]),
                );
                self.insert_pair(k.clone(), stub, out, seen);
                return;
            }
            Loaded::Failed => return,
        };
        let Some(pairs) = root.as_map() else {
            self.error(Code::InvalidValue, &root.loc, "A template is a mapping.");
            return;
        };
        let bound = self.template_params(&root, &passed, &path.loc);
        let mut frame = self.enter_file(key, RootKind::Extends, bound);
        self.pairs(&mut frame, pairs, "", 1, out, seen);
        self.includes.pop();
    }

    /// Expands the pipeline file at `path`: `None` when it cannot be read or parsed.
    pub(super) fn pipeline(&mut self, path: &str, options: &Options) -> Option<Node> {
        let key = FileKey {
            repo: None,
            path: path.trim_start_matches(['/', '\\']).replace('\\', "/"),
        };
        let shown: Arc<str> = Arc::from(path);
        let text = match self.loader.read(None, &key.path) {
            Ok(t) => t,
            Err(e) => {
                let why = match e {
                    LoadError::NotFound => "no such file".to_owned(),
                    LoadError::Unavailable => "its repository is not available".to_owned(),
                    LoadError::Unreadable(why) => why,
                };
                self.error(
                    Code::UnreadableFile,
                    &Loc::start(&shown),
                    format!("The pipeline '{path}' cannot be read: {why}."),
                );
                return None;
            }
        };
        self.files.push((None, key.path.clone()));
        let root = match yaml::parse(&shown, &text) {
            Ok(n) => n,
            Err(d) => {
                self.diags.push(d);
                return None;
            }
        };
        // Nothing to do at compile time: the tree is its own expansion.
        if options.parameters.is_empty() && plain(&root) {
            return Some(root);
        }
        self.add_source(&shown, &text);
        // The file is cached under its key, so a template naming it is a cycle.
        self.cache.insert(key.clone(), Some(Rc::new(root.clone())));
        let Some(pairs) = root.as_map() else {
            return Some(root);
        };
        self.aliases = repository_aliases(&root);
        let decls = params::declarations(root.get("parameters"), false, &mut Vec::new());
        let passed = self.run_parameters(&decls, options, &shown);
        let bound = params::bind(&decls, &passed, &Loc::start(&shown), &mut self.diags);
        let mut frame = self.enter_file(key, RootKind::Pipeline, bound);
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.pairs(&mut frame, pairs, "", 1, &mut out, &mut seen);
        self.includes.pop();
        if self.stopped {
            return None;
        }
        Some(Node::new(root.loc.clone(), Value::Map(out)))
    }

    /// The run's parameter values, as nodes for [`params::bind`].
    fn run_parameters(
        &mut self,
        decls: &Decls,
        options: &Options,
        file: &Arc<str>,
    ) -> Vec<(Node, Node)> {
        let at = Loc::start(file);
        let mut passed = Vec::new();
        for (name, text) in &options.parameters {
            let key = Node::new(at.clone(), Value::String(name.clone()));
            let value = match decls
                .list
                .iter()
                .find(|d| d.name.eq_ignore_ascii_case(name))
            {
                Some(d) => match params::from_text(d, text, &at) {
                    Ok(v) => v,
                    Err(mut diag) => {
                        diag.code = Code::TemplateParameter;
                        diag.severity = Code::TemplateParameter.severity();
                        diag.message = format!(
                            "The '{name}' parameter value does not parse: {}",
                            diag.message
                        );
                        diag.loc = at.clone();
                        self.diags.push(diag);
                        continue;
                    }
                },
                None => Node::new(at.clone(), Value::String(text.clone())),
            };
            passed.push((key, value));
        }
        passed
    }
}

/// The aliases of `resources.repositories` (as written: they are read before expansion).
fn repository_aliases(root: &Node) -> Vec<String> {
    root.get("resources")
        .and_then(|r| r.get("repositories"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.get("repository").and_then(scalar_text))
        .collect()
}

/// Whether a pipeline file has nothing compile-time processing would change: a mapping
/// without `parameters`, `extends` or `template` keys anywhere, and no `${{` in any key or
/// value.
fn plain(root: &Node) -> bool {
    let Some(top) = root.as_map() else {
        return false;
    };
    if top.iter().any(|(k, _)| k.as_str() == Some("parameters")) {
        return false;
    }
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::String(s) if has_expression(s) => return false,
            Value::Seq(items) => stack.extend(items),
            Value::Map(pairs) => {
                for (k, v) in pairs {
                    match k.as_str() {
                        Some("template" | "extends") => return false,
                        Some(k) if has_expression(k) => return false,
                        _ => {}
                    }
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    true
}
