//! The query of ARM resource lists: `$filter` (ARM's grammar for `Resources - List`:
//! `eq`/`ne` on resourceType, name, location, resourceGroup; `substringof`;
//! tagName/tagValue; `and` within groups, `or` between them) and paging with `$top`,
//! `$skiptoken` and `nextLink`.

use super::{QueryMap, query};
use keyless_core::envelope::ApiError;
use keyless_model::arm::Resource;
use serde_json::{Value, json as j};

/// `$top` (1..=1000) and `$skiptoken` (an offset keyless issued) → one page plus `nextLink`.
pub fn page(items: Vec<Value>, q: &QueryMap, base: &str) -> Result<Value, ApiError> {
    let top = match query(q, "$top") {
        None => 1000,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::detail("BadRequest", "$top must be 1 to 1000."))?,
    };
    let skip = match query(q, "$skiptoken") {
        None => 0,
        Some(t) => t.parse::<usize>().map_err(|_| {
            ApiError::detail("BadRequest", "The $skiptoken is not one keyless issued.")
        })?,
    };
    let total = items.len();
    let value: Vec<Value> = items.into_iter().skip(skip).take(top).collect();
    let mut out = j!({"value": value});
    if skip + top < total {
        let api = query(q, "api-version").unwrap_or("2021-04-01");
        // The next page must be the same query: `$filter` travels with it.
        let filter = query(q, "$filter")
            .map(|f| format!("&$filter={}", encode_query_value(f)))
            .unwrap_or_default();
        out["nextLink"] = j!(format!(
            "{base}?api-version={}&$top={top}&$skiptoken={}{filter}",
            encode_query_value(api),
            skip + top
        ));
    }
    Ok(out)
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
fn encode_query_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One comparison of a resource-list `$filter`.
#[derive(Debug, Clone, PartialEq)]
enum Term {
    /// `resourceType|name|location|resourceGroup eq|ne '…'` (case-insensitive, as ARM).
    Compare {
        field: Field,
        equal: bool,
        value: String,
    },
    /// `substringof('…', name|resourceGroup)`.
    Substring { field: Field, value: String },
    /// `tagName eq '…'`, optionally with `tagValue eq '…'` in the same `and` group.
    Tag { name: String, value: Option<String> },
    /// `tagValue eq '…'` without a tag name: any tag with this value.
    TagValue(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    ResourceType,
    Name,
    Location,
    ResourceGroup,
}

/// A resource-list `$filter` (the grammar of ARM's `Resources - List`): terms joined by
/// `and` within groups, groups joined by `or`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ResourceFilter(Vec<Vec<Term>>);

/// ARM's answer to a `$filter` outside the grammar (shared by every ARM list).
pub fn invalid_filter(f: &str) -> ApiError {
    ApiError::new("InvalidFilterInQueryString", &[("filter", f)])
}

/// Splits a filter into words, keeping `'…'` literals (with `''` for a quote) whole and
/// `(`, `)` and `,` as their own tokens.
fn filter_tokens(f: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = f.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if "(),".contains(c) {
            out.push(c.to_string());
            chars.next();
        } else if c == '\'' {
            chars.next();
            let mut lit = String::from("'");
            loop {
                match chars.next()? {
                    '\'' if chars.peek() == Some(&'\'') => {
                        chars.next();
                        lit.push('\'');
                    }
                    '\'' => break,
                    other => lit.push(other),
                }
            }
            out.push(lit);
        } else {
            let mut word = String::new();
            while let Some(&w) = chars.peek() {
                if w.is_whitespace() || "(),'".contains(w) {
                    break;
                }
                word.push(w);
                chars.next();
            }
            out.push(word);
        }
    }
    Some(out)
}

fn literal(t: &str) -> Option<String> {
    t.strip_prefix('\'').map(str::to_string)
}

fn field(name: &str) -> Option<Field> {
    match name.to_ascii_lowercase().as_str() {
        "resourcetype" => Some(Field::ResourceType),
        "name" => Some(Field::Name),
        "location" => Some(Field::Location),
        "resourcegroup" => Some(Field::ResourceGroup),
        _ => None,
    }
}

impl ResourceFilter {
    pub(super) fn parse(f: &str) -> Result<ResourceFilter, ApiError> {
        let tokens = filter_tokens(f).ok_or_else(|| invalid_filter(f))?;
        let t: Vec<&str> = tokens.iter().map(String::as_str).collect();
        let mut groups = vec![Vec::new()];
        let mut i = 0;
        loop {
            let term = match t.get(i..) {
                Some([func, "(", a, ",", b, ")", ..])
                    if func.eq_ignore_ascii_case("substringof") =>
                {
                    let value = literal(a).ok_or_else(|| invalid_filter(f))?;
                    let fld = field(b)
                        .filter(|x| matches!(x, Field::Name | Field::ResourceGroup))
                        .ok_or_else(|| invalid_filter(f))?;
                    i += 6;
                    Term::Substring { field: fld, value }
                }
                Some([name, op, v, ..]) if literal(v).is_some() => {
                    let equal = match op.to_ascii_lowercase().as_str() {
                        "eq" => true,
                        "ne" => false,
                        _ => return Err(invalid_filter(f)),
                    };
                    let value = literal(v).unwrap_or_default();
                    i += 3;
                    match (name.to_ascii_lowercase().as_str(), equal) {
                        ("tagname", true) => Term::Tag {
                            name: value,
                            value: None,
                        },
                        ("tagvalue", true) => Term::TagValue(value),
                        _ => Term::Compare {
                            field: field(name).ok_or_else(|| invalid_filter(f))?,
                            equal,
                            value,
                        },
                    }
                }
                _ => return Err(invalid_filter(f)),
            };
            if let Some(g) = groups.last_mut() {
                g.push(term);
            }
            match t.get(i).map(|w| w.to_ascii_lowercase()) {
                None => break,
                Some(w) if w == "and" => {}
                Some(w) if w == "or" => groups.push(Vec::new()),
                Some(_) => return Err(invalid_filter(f)),
            }
            i += 1;
        }
        // `tagName eq 'k' and tagValue eq 'v'` names one tag.
        for g in &mut groups {
            let names = g.iter().filter(|x| matches!(x, Term::Tag { .. })).count();
            let values: Vec<String> = g
                .iter()
                .filter_map(|x| match x {
                    Term::TagValue(v) => Some(v.clone()),
                    _ => None,
                })
                .collect();
            if names > 1 || values.len() > 1 {
                return Err(invalid_filter(f));
            }
            if names == 1 && values.len() == 1 {
                g.retain(|x| !matches!(x, Term::TagValue(_)));
                for x in g.iter_mut() {
                    if let Term::Tag { value, .. } = x {
                        *value = values.first().cloned();
                    }
                }
            }
        }
        Ok(ResourceFilter(groups))
    }

    pub(super) fn matches(&self, r: &Resource) -> bool {
        let text = |fld: Field| -> String {
            match fld {
                Field::ResourceType => r.resource_type.clone(),
                Field::Name => r.name.clone(),
                Field::Location => r.location.clone().unwrap_or_default(),
                Field::ResourceGroup => r.resource_group.clone(),
            }
        };
        let term = |t: &Term| match t {
            Term::Compare {
                field,
                equal,
                value,
            } => text(*field).eq_ignore_ascii_case(value) == *equal,
            Term::Substring { field, value } => text(*field)
                .to_ascii_lowercase()
                .contains(&value.to_ascii_lowercase()),
            Term::Tag { name, value } => r.tags.iter().any(|(k, v)| {
                k.eq_ignore_ascii_case(name)
                    && value.as_ref().is_none_or(|want| v.as_str() == Some(want))
            }),
            Term::TagValue(want) => r.tags.values().any(|v| v.as_str() == Some(want)),
        };
        self.0.iter().any(|g| g.iter().all(term))
    }
}
