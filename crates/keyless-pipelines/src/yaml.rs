//! YAML text to a tree of [`Node`]s that know where they stand.
//!
//! Scalars stay text, as Azure Pipelines reads them (`true`, `3` and `'3'` are all the
//! string they spell; the model converts where a field wants a boolean or a number); only
//! `~`, `null` and an empty plain scalar are [`Value::Null`]. Booleans and numbers appear
//! only as results of `${{ }}` expressions.

use crate::loc::Loc;

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
