//! Finding the line of a field path (`tenants[0].apps[1].name`) in YAML text, so errors
//! found after parsing still point at the file.

use saphyr::{LoadableYamlNode, MarkedYaml};

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Seg::Key(key));
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(n) = idx.trim_end_matches(']').parse() {
                out.push(Seg::Index(n));
            }
        }
    }
    out
}

/// The 1-based line of the deepest node of `path` that exists in `text`.
pub fn line_of(text: &str, path: &str) -> Option<usize> {
    let docs = MarkedYaml::load_from_str(text).ok()?;
    let mut node = docs.first()?;
    let mut line = node.span.start.line();
    for seg in segments(path) {
        let next = match seg {
            Seg::Key(k) => node.data.as_mapping_get(k),
            Seg::Index(i) => node.data.as_sequence_get(i),
        };
        match next {
            Some(n) => {
                node = n;
                line = n.span.start.line();
            }
            None => break,
        }
    }
    Some(line)
}
