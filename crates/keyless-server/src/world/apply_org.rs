//! World files: an organization's owner, its Project Collection Administrators, its users'
//! access levels and its preview features. Applied once the organization exists. Idempotent:
//! what the file says is set, what it does not mention is left as it is.

use super::WorldError;
use super::apply::{Report, api, err};
use super::apply_security::user;
use super::audited::{Change, Tx, write_at};
use super::schema::OrganizationSpec;
use crate::envelope::ApiError;
use crate::state::AppState;
use keyless_model::devops::Organization;
use keyless_model::devops::organization::{AccessLevel, OrganizationGroup, PreviewFeature};
use keyless_store::StoreError;
use serde_json::json;

const PCA: OrganizationGroup = OrganizationGroup::ProjectCollectionAdministrators;

fn store(path: &str, e: StoreError) -> WorldError {
    api(path, ApiError::from(e))
}

fn level(o: &OrganizationSpec, p: &str, key: &str) -> Result<AccessLevel, WorldError> {
    let text = &o.access_levels[key];
    AccessLevel::parse(text.trim()).ok_or_else(|| {
        err(
            format!("{p}.accessLevels.{key}"),
            format!("unknown access level '{text}' (Basic or Stakeholder)"),
        )
    })
}

fn feature(p: &str, key: &str) -> Result<PreviewFeature, WorldError> {
    PreviewFeature::by_id_or_name(key).ok_or_else(|| {
        err(
            format!("{p}.previewFeatures.{key}"),
            format!("unknown preview feature '{key}'"),
        )
    })
}

/// The checks that need no store (run by validation, before anything is written).
pub(super) fn validate(o: &OrganizationSpec, p: &str) -> Result<(), WorldError> {
    for key in o.access_levels.keys() {
        level(o, p, key)?;
    }
    for key in o.preview_features.keys() {
        feature(p, key)?;
    }
    for (i, pool) in o.pools.iter().enumerate() {
        for (j, a) in pool.agents.iter().enumerate() {
            if let Some(vm) = &a.vm {
                keyless_model::devops::agents::vm_resource_id(vm)
                    .map_err(|e| err(format!("{p}.pools[{i}].agents[{j}].vm"), e))?;
            }
        }
    }
    Ok(())
}

pub(super) async fn organization(
    s: &AppState,
    o: &OrganizationSpec,
    org: &Organization,
    p: &str,
    r: &mut Report,
) -> Result<(), WorldError> {
    let db = s.shared_store();
    if let Some(owner) = &o.owner {
        let u = user(s, owner, &format!("{p}.owner")).await?;
        if org.owner_id == Some(u) {
            r.unchanged += 1;
        } else {
            let what = json!({"user": u});
            org_write(s, org, "setOrganizationOwner", what, p, async |w| {
                w.set_organization_owner(org.id, u).await
            })
            .await?;
            r.changed(format!("made {owner} owner of {}", o.name));
        }
    }
    let members = db
        .list_organization_members(org.id)
        .await
        .map_err(|e| store(p, e))?;
    for (i, name) in o.project_collection_administrators.iter().enumerate() {
        let mp = format!("{p}.projectCollectionAdministrators[{i}]");
        let u = user(s, name, &mp).await?;
        if members.contains(&(u, PCA)) {
            r.unchanged += 1;
            continue;
        }
        let what = json!({"user": u, "group": PCA.as_str()});
        org_write(s, org, "addMember", what, &mp, async |w| {
            w.add_organization_member(org.id, u, PCA).await
        })
        .await?;
        r.changed(format!("added {name} to {} of {}", PCA.as_str(), o.name));
    }
    for key in o.access_levels.keys() {
        let lp = format!("{p}.accessLevels.{key}");
        let want = level(o, p, key)?;
        let u = user(s, key, &lp).await?;
        if db
            .get_access_level(org.id, u)
            .await
            .map_err(|e| store(&lp, e))?
            == Some(want)
        {
            r.unchanged += 1;
            continue;
        }
        let what = json!({"user": u, "accessLevel": want.as_str()});
        org_write(s, org, "setAccessLevel", what, &lp, async |w| {
            w.set_access_level(org.id, u, want).await
        })
        .await?;
        r.changed(format!("gave {key} {} access to {}", want.as_str(), o.name));
    }
    let recorded = db
        .list_preview_features(org.id)
        .await
        .map_err(|e| store(p, e))?;
    for (key, on) in &o.preview_features {
        let f = feature(p, key)?;
        if recorded.contains(&(f, *on)) {
            r.unchanged += 1;
            continue;
        }
        let what = json!({"feature": f.id(), "on": on});
        org_write(s, org, "setPreviewFeature", what, p, async |w| {
            w.set_preview_feature(org.id, f, *on).await
        })
        .await?;
        let state = if *on { "on" } else { "off" };
        r.changed(format!("turned {} {state} for {}", f.id(), o.name));
    }
    pools(s, org, &o.pools, p, r).await
}

/// Self-hosted pools and their agents: those missing are added (an agent's VM is set when
/// it is registered), the others left as they are.
async fn pools(
    s: &AppState,
    org: &Organization,
    specs: &[super::schema::PoolSpec],
    p: &str,
    r: &mut Report,
) -> Result<(), WorldError> {
    use crate::devops::agents::{add_pool, register};
    let (db, o) = (s.shared_store(), org);
    for (i, spec) in specs.iter().enumerate() {
        let pp = format!("{p}.pools[{i}]");
        let pool = match db.find_pool(org.id, &spec.name).await {
            Ok(pool) => {
                r.unchanged += 1;
                pool
            }
            Err(StoreError::NotFound) => {
                let pool = add_pool(s, org, &spec.name, None)
                    .await
                    .map_err(|e| api(&pp, e))?;
                r.changed(format!("created agent pool {}/{}", o.name, spec.name));
                pool
            }
            Err(e) => return Err(store(&pp, e)),
        };
        let agents = db.list_agents(pool.id).await.map_err(|e| store(&pp, e))?;
        for (j, a) in spec.agents.iter().enumerate() {
            let ap = format!("{pp}.agents[{j}]");
            if agents.iter().any(|x| x.name.eq_ignore_ascii_case(&a.name)) {
                r.unchanged += 1;
                continue;
            }
            register(s, &pool, &a.name, a.vm.clone())
                .await
                .map_err(|e| api(&ap, e))?;
            r.changed(format!(
                "registered agent {} in {}/{}",
                a.name, o.name, spec.name
            ));
        }
    }
    Ok(())
}

/// A write to the organization, audited naming it and `what` changed in it.
async fn org_write(
    s: &AppState,
    org: &Organization,
    operation: &'static str,
    mut what: serde_json::Value,
    path: &str,
    w: impl AsyncFnOnce(&Tx) -> keyless_store::StoreResult<()>,
) -> Result<(), WorldError> {
    what["organization"] = json!(org.id);
    write_at(s, Change::of(org.tenant_id, operation, what), path, w).await
}
