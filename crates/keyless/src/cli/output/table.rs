//! Views (which columns of an API object a person needs) and the aligned tables they print.

use serde_json::Value;

/// How a column's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Strings as they are, numbers and booleans as JSON, lists joined with commas.
    Text,
    /// Unix seconds as `2026-01-02T03:04:05Z`; strings as they are.
    Time,
    /// The length of a list.
    Count,
    /// A number of seconds as a duration: `42s`, `5m03s`, `2h05m`, `3d04h`.
    Seconds,
}

/// One column: its header and a JMESPath expression evaluated on each object.
#[derive(Clone, Copy, Debug)]
pub struct Col {
    pub header: &'static str,
    pub expr: &'static str,
    pub kind: Kind,
}

impl Col {
    pub const fn text(header: &'static str, expr: &'static str) -> Col {
        Col {
            header,
            expr,
            kind: Kind::Text,
        }
    }

    pub const fn time(header: &'static str, expr: &'static str) -> Col {
        Col {
            header,
            expr,
            kind: Kind::Time,
        }
    }

    pub const fn seconds(header: &'static str, expr: &'static str) -> Col {
        Col {
            header,
            expr,
            kind: Kind::Seconds,
        }
    }

    pub const fn count(header: &'static str, expr: &'static str) -> Col {
        Col {
            header,
            expr,
            kind: Kind::Count,
        }
    }
}

/// The columns of one kind of object and where a list answer holds its objects.
#[derive(Clone, Copy, Debug)]
pub struct View {
    /// The field of a list answer holding the objects (`value`); empty: the answer is the list.
    pub items: &'static str,
    pub columns: &'static [Col],
}

impl View {
    /// The objects of a list answer.
    pub fn items(&self, v: &Value) -> Vec<Value> {
        let list = if self.items.is_empty() {
            v
        } else {
            &v[self.items]
        };
        list.as_array().cloned().unwrap_or_default()
    }

    /// The cells of one object, in column order.
    pub fn cells(&self, item: &Value) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| cell(&search(c.expr, item), c.kind))
            .collect()
    }
}

/// `expr` on `v`; null when the expression does not compile or finds nothing (every
/// view's expressions are compiled by a unit test).
pub fn search(expr: &str, v: &Value) -> Value {
    jmespath::compile(expr)
        .ok()
        .and_then(|e| e.search(v).ok())
        .and_then(|r| serde_json::to_value(&*r).ok())
        .unwrap_or(Value::Null)
}

/// A value as a table cell: `-` for nothing.
pub fn cell(v: &Value, kind: Kind) -> String {
    match (v, kind) {
        (Value::Null, _) => "-".to_string(),
        (Value::Array(a), Kind::Count) => a.len().to_string(),
        (Value::Number(n), Kind::Time) => n
            .as_i64()
            .map(keyless_model::time_fmt::iso)
            .unwrap_or_else(|| n.to_string()),
        (Value::Number(n), Kind::Seconds) => {
            n.as_i64().map(seconds).unwrap_or_else(|| n.to_string())
        }
        (Value::String(s), _) if s.is_empty() => "-".to_string(),
        (Value::String(s), _) => s.replace(['\t', '\n'], " "),
        (Value::Array(a), _) if a.is_empty() => "-".to_string(),
        (Value::Array(a), _) => a
            .iter()
            .map(|x| cell(x, Kind::Text))
            .collect::<Vec<_>>()
            .join(","),
        (Value::Bool(b), _) => if *b { "yes" } else { "no" }.to_string(),
        (other, _) => other.to_string(),
    }
}

/// `secs` as its two largest units: `42s`, `5m03s`, `2h05m`, `3d04h`.
fn seconds(secs: i64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match () {
        _ if d > 0 => format!("{d}d{h:02}h"),
        _ if h > 0 => format!("{h}h{m:02}m"),
        _ if m > 0 => format!("{m}m{s:02}s"),
        _ => format!("{s}s"),
    }
}

/// Rows under `headers`: aligned with two spaces under a header line when `aligned`, else
/// tab-separated without a header (TSV). Every line ends with a newline.
pub fn table(headers: &[&str], rows: &[Vec<String>], aligned: bool) -> String {
    let mut out = String::new();
    if !aligned {
        for r in rows {
            out.push_str(&r.join("\t"));
            out.push('\n');
        }
        return out;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let last = cells.len().saturating_sub(1);
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            l.push_str(c);
            if i < last {
                let pad = w.saturating_sub(c.chars().count()) + 2;
                l.push_str(&" ".repeat(pad));
            }
        }
        l.trim_end().to_string()
    };
    out.push_str(&line(headers.iter().map(|h| h.to_string()).collect()));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.clone()));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_align_and_tsv_has_no_header() {
        let rows = vec![
            vec!["a".to_string(), "long value".to_string(), "x".to_string()],
            vec!["bbbb".to_string(), "-".to_string(), "y".to_string()],
        ];
        assert_eq!(
            table(&["NAME", "VALUE", "Z"], &rows, true),
            "NAME  VALUE       Z\na     long value  x\nbbbb  -           y\n"
        );
        assert_eq!(
            table(&["NAME", "VALUE", "Z"], &rows, false),
            "a\tlong value\tx\nbbbb\t-\ty\n"
        );
    }

    #[test]
    fn cells_of_each_kind() {
        assert_eq!(cell(&json!(null), Kind::Text), "-");
        for (secs, want) in [
            (42, "42s"),
            (303, "5m03s"),
            (7500, "2h05m"),
            (273_600, "3d04h"),
        ] {
            assert_eq!(cell(&json!(secs), Kind::Seconds), want);
        }
        assert_eq!(
            cell(&json!(1_767_323_045), Kind::Time),
            "2026-01-02T03:04:05Z"
        );
        assert_eq!(cell(&json!(["a", "b"]), Kind::Text), "a,b");
        assert_eq!(cell(&json!(["a", "b"]), Kind::Count), "2");
        assert_eq!(cell(&json!(true), Kind::Text), "yes");
        assert_eq!(cell(&json!("a\tb"), Kind::Text), "a b");
    }

    #[test]
    fn every_view_compiles() {
        for (name, v) in super::super::views::ALL {
            for c in v.columns {
                assert!(jmespath::compile(c.expr).is_ok(), "{name}: {}", c.expr);
            }
        }
    }
}
