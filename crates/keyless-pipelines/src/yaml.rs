//! YAML text to a tree of [`Node`]s that know where they stand.
//!
//! Scalars stay text, as Azure Pipelines reads them (`true`, `3` and `'3'` are all the
//! string they spell; the model converts where a field wants a boolean or a number); only
//! `~`, `null` (also `Null`, `NULL`) and an empty plain scalar are [`Value::Null`].
//! Booleans and numbers appear only as results of `${{ }}` expressions.
//!
//! [`parse`] reads one document from saphyr-parser's events. Positions are 1-based lines
//! and columns counted in characters. Limits, each a [`crate::Code::YamlLimit`] (KL003)
//! unless said otherwise:
//!
//! - [`MAX_INPUT_BYTES`]: a longer text is not read at all (KL001);
//! - [`MAX_DEPTH`]: sequences and mappings nested deeper (aliases included);
//! - [`MAX_NODES`]: nodes produced, each key and each node of an alias's copy included
//!   (aliases expand by copying, so a "billion laughs" stops here);
//! - [`MAX_TEXT_BYTES`]: bytes of scalar text produced, alias copies included.
//!
//! A second document (`---`) is refused (KL002): Azure Pipelines reads one document. A key
//! repeated in a mapping is refused (KL006), as Azure Pipelines refuses it, and so are keys
//! that are null or a collection. Tags are accepted and ignored, except that a tagged
//! scalar is never null.

use crate::loc::Loc;

mod build;

pub use build::parse;

/// The largest text [`parse`] reads: 1 MiB.
pub const MAX_INPUT_BYTES: usize = 1 << 20;
/// The deepest nesting of sequences and mappings.
pub const MAX_DEPTH: usize = 64;
/// The most nodes one document produces.
pub const MAX_NODES: usize = 100_000;
/// The most bytes of scalar text one document produces.
pub const MAX_TEXT_BYTES: usize = 20 << 20;

/// A node and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub loc: Loc,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Seq(Vec<Node>),
    /// Keys in document order; a key is a node so that its position is known.
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn new(loc: Loc, value: Value) -> Node {
        Node { loc, value }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(v) => Some(v),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(v) => Some(v),
            _ => None,
        }
    }
    /// The value of `key` in a mapping (keys compare as text, case-sensitively).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests;
