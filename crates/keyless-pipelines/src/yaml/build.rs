//! The tree builder: saphyr-parser's events to [`Node`]s, with an explicit stack (no
//! recursion on the input's depth) and the limits of [`super`].

use super::{MAX_DEPTH, MAX_INPUT_BYTES, MAX_NODES, MAX_TEXT_BYTES, Node, Value};
use crate::diag::{Code, Diagnostic};
use crate::loc::Loc;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A collection being read.
struct Open {
    loc: Loc,
    anchor: usize,
    /// The tallest child's height (a scalar is 0, a collection 1 + its tallest child).
    height: usize,
    kind: OpenKind,
}

enum OpenKind {
    Seq(Vec<Node>),
    Map {
        pairs: Vec<(Node, Node)>,
        key: Option<Node>,
        /// The keys so far, once the mapping has more than [`SCAN_KEYS`] (smaller ones are
        /// scanned).
        seen: Option<HashSet<String>>,
    },
}

/// Up to this many keys, a mapping finds a repeated key by scanning its pairs.
const SCAN_KEYS: usize = 16;

/// Whether `text` is already a key of the mapping; remembers it otherwise.
fn repeated(pairs: &[(Node, Node)], seen: &mut Option<HashSet<String>>, text: &str) -> bool {
    if let Some(set) = seen {
        return !set.insert(text.to_owned());
    }
    let found = pairs.iter().any(|(k, _)| k.as_str() == Some(text));
    if !found && pairs.len() >= SCAN_KEYS {
        let mut set: HashSet<String> = pairs
            .iter()
            .filter_map(|(k, _)| k.as_str().map(str::to_owned))
            .collect();
        set.insert(text.to_owned());
        *seen = Some(set);
    }
    found
}

/// A node kept for the aliases that name it, with what copying it costs.
struct Anchored {
    node: Node,
    height: usize,
    nodes: usize,
    text: usize,
}

struct Builder<'f> {
    file: &'f Arc<str>,
    stack: Vec<Open>,
    anchors: HashMap<usize, Anchored>,
    nodes: usize,
    text: usize,
    root: Option<Node>,
    documents: usize,
}

fn loc_of(file: &Arc<str>, m: &Marker) -> Loc {
    let line = u32::try_from(m.line()).unwrap_or(u32::MAX);
    let col = u32::try_from(m.col().saturating_add(1)).unwrap_or(u32::MAX);
    Loc::new(file, line.max(1), col)
}

/// Nodes and text bytes of a tree (keys included), for the cost of an anchor's copies.
fn measure(node: &Node) -> (usize, usize) {
    let mut nodes = 0usize;
    let mut text = 0usize;
    let mut todo: Vec<&Node> = vec![node];
    while let Some(n) = todo.pop() {
        nodes += 1;
        match &n.value {
            Value::String(s) => text += s.len(),
            Value::Seq(items) => todo.extend(items.iter()),
            Value::Map(pairs) => {
                for (k, v) in pairs {
                    todo.push(k);
                    todo.push(v);
                }
            }
            _ => {}
        }
    }
    (nodes, text)
}

fn limit(loc: Loc, what: String) -> Diagnostic {
    Diagnostic::new(Code::YamlLimit, loc, what)
}

impl Builder<'_> {
    fn count(&mut self, loc: &Loc, nodes: usize, text: usize) -> Result<(), Diagnostic> {
        self.nodes = self.nodes.saturating_add(nodes);
        self.text = self.text.saturating_add(text);
        if self.nodes > MAX_NODES {
            return Err(limit(
                loc.clone(),
                format!("The YAML has more than {MAX_NODES} nodes (aliases count as copies)."),
            ));
        }
        if self.text > MAX_TEXT_BYTES {
            return Err(limit(
                loc.clone(),
                format!(
                    "The YAML holds more than {MAX_TEXT_BYTES} bytes of text (aliases count as copies)."
                ),
            ));
        }
        Ok(())
    }

    /// Opens a collection, refusing one nested deeper than [`MAX_DEPTH`].
    fn open(&mut self, loc: Loc, anchor: usize, kind: OpenKind) -> Result<(), Diagnostic> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(limit(
                loc,
                format!("The YAML nests deeper than {MAX_DEPTH} levels."),
            ));
        }
        self.count(&loc, 1, 0)?;
        self.stack.push(Open {
            loc,
            anchor,
            height: 0,
            kind,
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), Diagnostic> {
        let Some(open) = self.stack.pop() else {
            return Ok(());
        };
        let value = match open.kind {
            OpenKind::Seq(items) => Value::Seq(items),
            OpenKind::Map { pairs, .. } => Value::Map(pairs),
        };
        let node = Node::new(open.loc, value);
        self.complete(node, open.anchor, open.height + 1)
    }

    /// A finished node: keep it for its aliases, then place it in its parent.
    fn complete(&mut self, node: Node, anchor: usize, height: usize) -> Result<(), Diagnostic> {
        if anchor != 0 {
            let (nodes, text) = measure(&node);
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    height,
                    nodes,
                    text,
                },
            );
        }
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        parent.height = parent.height.max(height);
        match &mut parent.kind {
            OpenKind::Seq(items) => items.push(node),
            OpenKind::Map { pairs, key, seen } => match key.take() {
                Some(k) => pairs.push((k, node)),
                None => {
                    let text = match &node.value {
                        Value::String(s) => s.as_str(),
                        Value::Null => {
                            return Err(Diagnostic::new(
                                Code::InvalidValue,
                                node.loc,
                                "A mapping key is empty or null.",
                            ));
                        }
                        Value::Seq(_) | Value::Map(_) => {
                            return Err(Diagnostic::new(
                                Code::InvalidValue,
                                node.loc,
                                "Complex keys (a sequence or mapping as a key) are not supported.",
                            ));
                        }
                        Value::Bool(_) | Value::Number(_) => "",
                    };
                    if repeated(pairs, seen, text) {
                        let first = pairs
                            .iter()
                            .find(|(k, _)| k.as_str() == Some(text))
                            .map(|(k, _)| {
                                format!(" (first at line {}, column {})", k.loc.line, k.loc.col)
                            })
                            .unwrap_or_default();
                        return Err(Diagnostic::new(
                            Code::InvalidValue,
                            node.loc,
                            format!("'{text}' is already defined{first}."),
                        )
                        .with_fix("Remove or rename one of the two keys."));
                    }
                    *key = Some(node);
                }
            },
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        loc: Loc,
        text: std::borrow::Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tagged: bool,
    ) -> Result<(), Diagnostic> {
        self.count(&loc, 1, text.len())?;
        let value = if style == ScalarStyle::Plain && !tagged && is_null(&text) {
            Value::Null
        } else {
            Value::String(text.into_owned())
        };
        self.complete(Node::new(loc, value), anchor, 0)
    }

    fn alias(&mut self, loc: Loc, id: usize) -> Result<(), Diagnostic> {
        let Some(a) = self.anchors.get(&id) else {
            return Err(Diagnostic::new(Code::YamlSyntax, loc, "Unknown alias."));
        };
        let (nodes, text, height) = (a.nodes, a.text, a.height);
        let mut node = a.node.clone();
        if self.stack.len() + height > MAX_DEPTH {
            return Err(limit(
                loc,
                format!(
                    "The YAML nests deeper than {MAX_DEPTH} levels once its aliases are expanded."
                ),
            ));
        }
        self.count(&loc, nodes, text)?;
        node.loc = loc;
        self.complete(node, 0, height)
    }
}

/// `~`, `null` (any YAML 1.2 core spelling) and the empty plain scalar.
fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// The byte offset where each line starts (line 1 first).
fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// saphyr-parser places a block sequence written at its parent key's indentation
/// (`key:` then `- item`) at its first item; this moves it back to the item's `-`.
fn indentless_start(text: &str, lines: &[usize], loc: Loc) -> Loc {
    let Some(&start) = lines.get((loc.line as usize).saturating_sub(1)) else {
        return loc;
    };
    let line = text[start..].split('\n').next().unwrap_or("");
    let col = (loc.col as usize).saturating_sub(1);
    if matches!(line.chars().nth(col), Some('-' | '[') | None) {
        return loc;
    }
    let before: String = line.chars().take(col).collect();
    let trimmed = before.trim_end_matches([' ', '\t']);
    if trimmed.len() < before.len() && trimmed.ends_with('-') {
        let dash = trimmed.chars().count();
        let lead = &trimmed[..trimmed.len() - 1];
        if lead.trim_start_matches([' ', '\t', '-']).is_empty() {
            return Loc::new(&loc.file, loc.line, u32::try_from(dash).unwrap_or(loc.col));
        }
    }
    loc
}

/// saphyr-parser places a block scalar (`|`, `>`) at its first line of content; this
/// finds its indicator, on the nearest line above that is not blank.
fn block_indicator(text: &str, lines: &[usize], loc: Loc) -> Loc {
    let mut line_no = loc.line as usize;
    let mut first = true;
    while line_no >= 1 {
        let Some(&start) = lines.get(line_no - 1) else {
            return loc;
        };
        let line = text[start..].split('\n').next().unwrap_or("");
        let line: String = if first {
            line.chars()
                .take((loc.col as usize).saturating_sub(1))
                .collect()
        } else {
            line.to_owned()
        };
        first = false;
        let code = match line.find(" #") {
            Some(i) => &line[..i],
            None => line.as_str(),
        };
        let code = code.trim_end_matches([' ', '\t', '\r']);
        if code.trim_start().is_empty() {
            line_no -= 1;
            continue;
        }
        let head = code.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
        if head.ends_with(['|', '>']) {
            let col = head.chars().count();
            let line = u32::try_from(line_no).unwrap_or(loc.line);
            return Loc::new(&loc.file, line, u32::try_from(col).unwrap_or(loc.col));
        }
        return loc;
    }
    loc
}

/// Parses one YAML document; see the module documentation for the limits.
pub fn parse(file: &Arc<str>, text: &str) -> Result<Node, Diagnostic> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Diagnostic::new(
            Code::UnreadableFile,
            Loc::start(file),
            format!(
                "The file has {} bytes; at most {MAX_INPUT_BYTES} are read.",
                text.len()
            ),
        ));
    }
    // saphyr-parser is not known to panic; should it, the input is reported as not parsing
    // rather than taking the caller down.
    match std::panic::catch_unwind(|| read_events(file, text)) {
        Ok(result) => result,
        Err(_) => Err(Diagnostic::new(
            Code::YamlSyntax,
            Loc::start(file),
            "The YAML parser failed on this text.",
        )),
    }
}

/// Builds the tree from the parser's events.
fn read_events(file: &Arc<str>, text: &str) -> Result<Node, Diagnostic> {
    let mut b = Builder {
        file,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        text: 0,
        root: None,
        documents: 0,
    };
    let lines = line_starts(text);
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            let loc = loc_of(b.file, e.marker());
            // The scanner's own bound on flow nesting (`[[[…`, `{a: {a: …`), which it
            // meets while looking ahead, before the builder sees the depth.
            if e.info() == "recursion limit exceeded" {
                limit(
                    loc,
                    format!("The YAML nests deeper than {MAX_DEPTH} levels."),
                )
            } else {
                Diagnostic::new(Code::YamlSyntax, loc, format!("{}.", e.info()))
            }
        })?;
        let loc = loc_of(b.file, &span.start);
        match event {
            Event::DocumentStart(_) => {
                b.documents += 1;
                if b.documents > 1 {
                    return Err(Diagnostic::new(
                        Code::YamlSyntax,
                        loc,
                        "A second YAML document starts here; a pipeline file holds one document.",
                    )
                    .with_fix(
                        "Remove the `---` line and what follows, or move it to its own file.",
                    ));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let loc = match style {
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        block_indicator(text, &lines, loc)
                    }
                    _ => loc,
                };
                b.scalar(loc, value, style, anchor, tag.is_some())?;
            }
            Event::SequenceStart(anchor, _) => {
                let loc = indentless_start(text, &lines, loc);
                b.open(loc, anchor, OpenKind::Seq(Vec::new()))?;
            }
            Event::MappingStart(anchor, _) => b.open(
                loc,
                anchor,
                OpenKind::Map {
                    pairs: Vec::new(),
                    key: None,
                    seen: None,
                },
            )?,
            Event::SequenceEnd | Event::MappingEnd => b.close()?,
            Event::Alias(id) => b.alias(loc, id)?,
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
        }
    }
    Ok(b.root
        .unwrap_or_else(|| Node::new(Loc::start(file), Value::Null)))
}
