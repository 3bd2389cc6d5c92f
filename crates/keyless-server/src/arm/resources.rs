//! Generic resources under resource groups: put (201/200), get, patch, delete, and lists by
//! group, by subscription and by type, filtered with `$filter` (ARM's grammar: `eq`/`ne` on
//! resourceType, name, location, resourceGroup; `substringof`; tagName/tagValue) and paged
//! with `$top` and `nextLink`. Types with
//! behaviour of their own (user-assigned managed identities and their federated
//! credentials) are handed to `identities`.

use super::path::ResourceRef;
use super::subscriptions::load as load_subscription;
use super::{ArmCaller, QueryMap, identities, json, permit, query};
use crate::envelope::{ApiError, parse_json};
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyless_model::arm::Resource;
use serde::Deserialize;
use serde_json::{Map, Value, json as j};

/// `{type}/read|write|delete`, as ARM names resource actions.
pub fn action(full_type: &str, verb: &str) -> String {
    format!("{full_type}/{verb}")
}

pub fn not_found(r: &ResourceRef) -> ApiError {
    ApiError::new(
        "ResourceNotFound",
        &[("type", &r.full_type()), ("name", r.leaf()), ("rg", &r.rg)],
    )
}

pub fn resource_json(r: &Resource) -> Value {
    let mut v = j!({
        "id": r.id,
        "name": r.name,
        "type": r.resource_type,
        "properties": r.properties,
    });
    if let Some(l) = &r.location {
        v["location"] = j!(l);
    }
    v["tags"] = Value::Object(r.tags.clone());
    v
}

#[derive(Deserialize, Default)]
pub struct Body {
    pub location: Option<String>,
    pub tags: Option<Map<String, Value>>,
    pub properties: Option<Value>,
}

/// Resource names: 1-260 characters, no control characters and none of `<>%&:\?/#`.
fn valid_name(name: &str) -> bool {
    (1..=260).contains(&name.chars().count())
        && !name
            .chars()
            .any(|c| c.is_control() || "<>%&:\\?/#".contains(c))
}

/// The resource group must exist (404 ResourceGroupNotFound) before anything inside it.
async fn group_exists(s: &AppState, r: &ResourceRef) -> Result<uuid::Uuid, ApiError> {
    let sub = load_subscription(s, &r.sub).await?;
    s.store
        .get_resource_group(sub.id, &r.rg)
        .await
        .map_err(|_| ApiError::new("ResourceGroupNotFound", &[("name", &r.rg)]))?;
    Ok(sub.id)
}

pub async fn get(s: &AppState, c: &ArmCaller, r: &ResourceRef) -> Result<Response, ApiError> {
    group_exists(s, r).await?;
    permit(s, c, &action(&r.full_type(), "read"), &r.id()).await?;
    if identities::is_identity_credential(r) {
        return identities::get_credential(s, r).await;
    }
    let found = s
        .store
        .get_resource(&r.id())
        .await
        .map_err(|_| not_found(r))?;
    Ok(json(StatusCode::OK, resource_json(&found)))
}

pub async fn put(
    s: &AppState,
    c: &ArmCaller,
    r: &ResourceRef,
    body: &[u8],
) -> Result<Response, ApiError> {
    let sub = group_exists(s, r).await?;
    if !valid_name(r.leaf()) {
        return Err(ApiError::detail(
            "BadRequest",
            format!(
                "The resource name '{}' is invalid.",
                keyless_model::catalogue::sanitize(r.leaf())
            ),
        ));
    }
    permit(s, c, &action(&r.full_type(), "write"), &r.id()).await?;
    if identities::is_identity_credential(r) {
        return identities::put_credential(s, r, body).await;
    }
    let b: Body = parse_json(body)?;
    if r.child.is_some() {
        s.store.get_resource(&r.parent_id()).await.map_err(|_| {
            let parent = ResourceRef {
                child: None,
                ..r.clone()
            };
            not_found(&parent)
        })?;
    }
    let existing = s.store.get_resource(&r.id()).await.ok();
    let location = match (&b.location, &existing, &r.child) {
        (Some(l), _, _) if !l.trim().is_empty() => Some(l.clone()),
        (_, Some(e), _) => e.location.clone(),
        (_, None, Some(_)) => None,
        _ => {
            return Err(ApiError::detail(
                "BadRequest",
                "The 'location' property is required for this resource.",
            ));
        }
    };
    if let (Some(e), Some(l)) = (&existing, &location)
        && e.location
            .as_ref()
            .is_some_and(|old| !old.eq_ignore_ascii_case(l))
    {
        return Err(ApiError::detail(
            "BadRequest",
            format!(
                "The location of an existing resource cannot be changed from '{}' to '{}'.",
                e.location.clone().unwrap_or_default(),
                keyless_model::catalogue::sanitize(l)
            ),
        ));
    }
    let mut properties = match (&b.properties, &existing) {
        (Some(p), _) if p.is_object() => p.clone(),
        (Some(_), _) => {
            return Err(ApiError::detail(
                "BadRequest",
                "'properties' must be a JSON object.",
            ));
        }
        (None, Some(e)) => e.properties.clone(),
        (None, None) => j!({}),
    };
    let mut new_principal = None;
    if identities::is_identity(r) {
        let (props, created) = identities::ensure_principal(s, sub, r, existing.as_ref()).await?;
        properties = props;
        new_principal = created;
    }
    properties["provisioningState"] = j!("Succeeded");
    let resource = Resource {
        id: existing
            .as_ref()
            .map(|e| e.id.clone())
            .unwrap_or_else(|| r.id()),
        subscription_id: sub,
        resource_group: r.rg.clone(),
        resource_type: r.full_type(),
        name: r.leaf().to_string(),
        location,
        tags: b
            .tags
            .or(existing.as_ref().map(|e| e.tags.clone()))
            .unwrap_or_default(),
        properties,
        created_at: existing
            .as_ref()
            .map(|e| e.created_at)
            .unwrap_or_else(|| s.now()),
    };
    let created = match s.store.put_resource(&resource).await {
        Ok(c) => c,
        Err(e) => {
            // All or nothing: a principal made for an identity that could not be saved goes.
            if let Some(p) = new_principal {
                let _ = s.store.delete_service_principal(p).await;
            }
            return Err(e.into());
        }
    };
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, resource_json(&resource)))
}

pub async fn patch(
    s: &AppState,
    c: &ArmCaller,
    r: &ResourceRef,
    body: &[u8],
) -> Result<Response, ApiError> {
    group_exists(s, r).await?;
    permit(s, c, &action(&r.full_type(), "write"), &r.id()).await?;
    let mut found = s
        .store
        .get_resource(&r.id())
        .await
        .map_err(|_| not_found(r))?;
    let b: Body = parse_json(body)?;
    if let Some(t) = b.tags {
        found.tags = t;
    }
    if let (Some(Value::Object(p)), Value::Object(cur)) = (b.properties, &mut found.properties)
        && !identities::is_identity(r)
    {
        cur.extend(p);
    }
    s.store.put_resource(&found).await?;
    Ok(json(StatusCode::OK, resource_json(&found)))
}

pub async fn delete(s: &AppState, c: &ArmCaller, r: &ResourceRef) -> Result<Response, ApiError> {
    group_exists(s, r).await?;
    permit(s, c, &action(&r.full_type(), "delete"), &r.id()).await?;
    if identities::is_identity_credential(r) {
        return identities::delete_credential(s, r).await;
    }
    let found = match s.store.get_resource(&r.id()).await {
        Ok(f) => f,
        // ARM answers 204 for a delete of something already gone.
        Err(_) => return Ok(StatusCode::NO_CONTENT.into_response()),
    };
    if identities::is_identity(r) {
        identities::delete_principal(s, &found).await?;
    }
    s.store.delete_resource(&found.id).await?;
    Ok(StatusCode::OK.into_response())
}

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
struct ResourceFilter(Vec<Vec<Term>>);

fn invalid_filter(f: &str) -> ApiError {
    ApiError::detail(
        "BadRequest",
        format!(
            "Invalid $filter '{}' specified in the query string.",
            keyless_model::catalogue::sanitize(f)
        ),
    )
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
    fn parse(f: &str) -> Result<ResourceFilter, ApiError> {
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

    fn matches(&self, r: &Resource) -> bool {
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

/// Lists resources of a group or subscription, optionally of one type; only those the
/// caller may read are shown.
pub async fn list(
    s: &AppState,
    c: &ArmCaller,
    sub: &str,
    rg: Option<&str>,
    full_type: Option<String>,
    q: &QueryMap,
    path: &str,
) -> Result<Response, ApiError> {
    let subscription = load_subscription(s, sub).await?;
    if let Some(rg) = rg {
        s.store
            .get_resource_group(subscription.id, rg)
            .await
            .map_err(|_| ApiError::new("ResourceGroupNotFound", &[("name", rg)]))?;
    }
    let filter = match query(q, "$filter").map(str::trim) {
        None | Some("") => None,
        Some(f) => Some(ResourceFilter::parse(f)?),
    };
    let mut authz = super::Authz::load(s, c).await?;
    let mut items = Vec::new();
    for r in s.store.list_resources(subscription.id, rg).await? {
        if full_type
            .as_ref()
            .is_some_and(|t| !t.eq_ignore_ascii_case(&r.resource_type))
            || filter.as_ref().is_some_and(|f| !f.matches(&r))
        {
            continue;
        }
        let read = action(&r.resource_type, "read");
        if authz.allows(s, &read, &r.id).await? {
            items.push(resource_json(&r));
        }
    }
    let base = format!("{}{}", s.origin, path);
    Ok(json(StatusCode::OK, page(items, q, &base)?))
}
