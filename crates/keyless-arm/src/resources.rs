//! Generic resources under resource groups: put (201/200), get and HEAD, patch, delete, and
//! the top-level fields ARM keeps as sent (kind, sku, identity, plan, managedBy,
//! extendedLocation: replaced by a PUT, merged by a PATCH), and lists by
//! group, by subscription and by type, filtered and paged by `list_query`. Types with
//! behaviour of their own (user-assigned managed identities and their federated
//! credentials) are handed to `identities`.

use super::list_query::{ResourceFilter, page};
use super::path::ResourceRef;
use super::subscriptions::load as load_subscription;
use super::validate;
use super::{ArmCaller, QueryMap, compute_identity, identities, json, permit, query};
use crate::data::*;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::{ApiError, parse_json};
use keyless_core::state::AppState;
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
    for (k, x) in &r.extra {
        v[k] = x.clone();
    }
    v
}

#[derive(Deserialize, Default)]
pub struct Body {
    pub location: Option<String>,
    pub tags: Option<Map<String, Value>>,
    pub properties: Option<Value>,
    /// Everything else; the [`Resource::EXTRA_FIELDS`] are taken from it, the rest ignored
    /// (ARM ignores read-only and unknown top-level fields such as `id` or `etag`).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Body {
    /// The extra top-level fields sent, checked: `kind` and `managedBy` are strings, the
    /// others objects; `null` stands for "remove". Keys are ARM's camelCase names.
    fn extra(&self) -> Result<Map<String, Value>, ApiError> {
        let mut out = Map::new();
        for name in Resource::EXTRA_FIELDS {
            let Some(v) = self.other.get(*name) else {
                continue;
            };
            let string = matches!(*name, "kind" | "managedBy");
            let ok = v.is_null() || if string { v.is_string() } else { v.is_object() };
            if !ok {
                return Err(ApiError::detail(
                    "BadRequest",
                    format!(
                        "The '{name}' property must be a JSON {}.",
                        if string { "string" } else { "object" }
                    ),
                ));
            }
            out.insert((*name).to_string(), v.clone());
        }
        Ok(out)
    }
}

/// Applies sent extra fields to stored ones: a PUT replaces each field sent, a PATCH merges
/// objects into the stored ones (RFC 7396); `null` removes, fields not sent stay.
fn apply_extra(stored: &mut Map<String, Value>, sent: Map<String, Value>, merge: bool) {
    for (k, v) in sent {
        match (v, stored.get_mut(&k)) {
            (Value::Null, _) => {
                stored.remove(&k);
            }
            (Value::Object(patch), Some(Value::Object(cur))) if merge => merge_patch(cur, patch),
            (v, _) => {
                stored.insert(k, without_nulls(v));
            }
        }
    }
}

fn merge_patch(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        match (v, target.get_mut(&k)) {
            (Value::Null, _) => {
                target.remove(&k);
            }
            (Value::Object(p), Some(Value::Object(t))) => merge_patch(t, p),
            (v, _) => {
                target.insert(k, without_nulls(v));
            }
        }
    }
}

/// A new value as RFC 7396 stores it: object members that are `null` are dropped.
fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k, without_nulls(x)))
                .collect(),
        ),
        v => v,
    }
}

/// Resource names: 1-260 characters, no control characters and none of `<>%&:\?/#`.
/// The resource group must exist (404 ResourceGroupNotFound) before anything inside it.
async fn group_exists(s: &AppState, r: &ResourceRef) -> Result<uuid::Uuid, ApiError> {
    let sub = load_subscription(s, &r.sub).await?;
    s.db()
        .get_resource_group(sub.id, &r.rg)
        .await
        .map_err(|e| {
            super::missing_or(e, || {
                ApiError::new("ResourceGroupNotFound", &[("name", &r.rg)])
            })
        })?;
    Ok(sub.id)
}

pub async fn get(s: &AppState, c: &ArmCaller, r: &ResourceRef) -> Result<Response, ApiError> {
    group_exists(s, r).await?;
    permit(s, c, &action(&r.full_type(), "read"), &r.id()).await?;
    if identities::is_identity_credential(r) {
        return identities::get_credential(s, r).await;
    }
    let found = s
        .db()
        .get_resource(&r.id())
        .await
        .map_err(|e| super::missing_or(e, || not_found(r)))?;
    Ok(json(StatusCode::OK, resource_json(&found)))
}

pub async fn put(
    s: &AppState,
    c: &ArmCaller,
    r: &ResourceRef,
    body: &[u8],
) -> Result<Response, ApiError> {
    let sub = group_exists(s, r).await?;
    if !validate::resource_name(r.leaf()) {
        return Err(ApiError::new("InvalidResourceName", &[("name", r.leaf())]));
    }
    permit(s, c, &action(&r.full_type(), "write"), &r.id()).await?;
    if identities::is_identity_credential(r) {
        return identities::put_credential(s, c, r, body).await;
    }
    let b: Body = parse_json(body)?;
    let sent_extra = b.extra()?;
    if r.child.is_some() {
        s.db().get_resource(&r.parent_id()).await.map_err(|e| {
            super::missing_or(e, || {
                let parent = ResourceRef {
                    child: None,
                    ..r.clone()
                };
                not_found(&parent)
            })
        })?;
    }
    let existing = s.db().get_resource(&r.id()).await.ok();
    if let Some(t) = &b.tags {
        validate::tags(t)?;
    }
    let location = match (&b.location, &existing, &r.child) {
        (Some(l), _, _) if !l.trim().is_empty() => match validate::location(l, true) {
            Some(l) => Some(l.to_string()),
            None => {
                return Err(ApiError::new(
                    "LocationNotAvailableForResourceType",
                    &[
                        ("location", l),
                        ("type", &r.full_type()),
                        ("regions", &validate::regions()),
                    ],
                ));
            }
        },
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
    let mut extra = existing
        .as_ref()
        .map(|e| e.extra.clone())
        .unwrap_or_default();
    apply_extra(&mut extra, sent_extra, false);
    let settled = if compute_identity::carries_identity(r) {
        let before = existing.as_ref().and_then(|e| e.extra.get("identity"));
        // The identity's principal (if new) is saved only with the resource below.
        compute_identity::settle(s, sub, r, &mut extra, before).await?
    } else {
        compute_identity::Settled::default()
    };
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
        extra,
        created_at: existing
            .as_ref()
            .map(|e| e.created_at)
            .unwrap_or_else(|| s.now()),
    };
    let write = action(&r.full_type(), "write");
    // All or nothing: an identity's new principal, and the principals a VM's identity
    // gains or gives up, are written with it.
    let created = crate::change(s, c, &write, &r.id(), async |tx| {
        if let Some(sp) = &new_principal {
            tx.data().create_service_principal(sp).await?;
        }
        settled.write(tx).await?;
        tx.data().put_resource(&resource).await
    })
    .await?;
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
    let sub = group_exists(s, r).await?;
    permit(s, c, &action(&r.full_type(), "write"), &r.id()).await?;
    let mut found = s
        .db()
        .get_resource(&r.id())
        .await
        .map_err(|e| super::missing_or(e, || not_found(r)))?;
    let b: Body = parse_json(body)?;
    let before = found.extra.get("identity").cloned();
    apply_extra(&mut found.extra, b.extra()?, true);
    let settled = if compute_identity::carries_identity(r) {
        compute_identity::settle(s, sub, r, &mut found.extra, before.as_ref()).await?
    } else {
        compute_identity::Settled::default()
    };
    if let Some(t) = b.tags {
        validate::tags(&t)?;
        found.tags = t;
    }
    if let (Some(Value::Object(p)), Value::Object(cur)) = (b.properties, &mut found.properties)
        && !identities::is_identity(r)
    {
        cur.extend(p);
    }
    let write = action(&r.full_type(), "write");
    crate::change(s, c, &write, &r.id(), async |tx| {
        settled.write(tx).await?;
        tx.data().put_resource(&found).await
    })
    .await?;
    Ok(json(StatusCode::OK, resource_json(&found)))
}

pub async fn delete(s: &AppState, c: &ArmCaller, r: &ResourceRef) -> Result<Response, ApiError> {
    group_exists(s, r).await?;
    permit(s, c, &action(&r.full_type(), "delete"), &r.id()).await?;
    if identities::is_identity_credential(r) {
        return identities::delete_credential(s, c, r).await;
    }
    let found = match s.db().get_resource(&r.id()).await {
        Ok(f) => f,
        // ARM answers 204 for a delete of something already gone.
        Err(_) => return Ok(StatusCode::NO_CONTENT.into_response()),
    };
    let (identity, vm) = (
        identities::is_identity(r),
        compute_identity::carries_identity(r),
    );
    crate::change(
        s,
        c,
        &action(&r.full_type(), "delete"),
        &r.id(),
        async |tx| {
            if identity {
                identities::delete_principal(tx, &found).await?;
            }
            if vm {
                compute_identity::resource_deleted(tx, &found.extra).await?;
            }
            tx.data().delete_resource(&found.id).await
        },
    )
    .await?;
    Ok(StatusCode::OK.into_response())
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
        s.db()
            .get_resource_group(subscription.id, rg)
            .await
            .map_err(|e| {
                super::missing_or(e, || {
                    ApiError::new("ResourceGroupNotFound", &[("name", rg)])
                })
            })?;
    }
    let filter = match query(q, "$filter").map(str::trim) {
        None | Some("") => None,
        Some(f) => Some(ResourceFilter::parse(f)?),
    };
    let mut authz = super::Authz::load(s, c).await?;
    let mut items = Vec::new();
    for r in s.db().list_resources(subscription.id, rg).await? {
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
