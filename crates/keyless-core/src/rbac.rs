//! The caller's RBAC context for one request: its role assignments, the custom roles they
//! name, and the management groups above each subscription it touches, read through the
//! grant cache (a change shows on every replica within a second, see `cache.rs`). The
//! decision itself is `keyless_model::rbac::is_allowed`, pure and table-tested.

use crate::bearer::BearerCaller as ArmCaller;
use crate::envelope::ApiError;
use crate::state::AppState;
use keyless_model::Uuid;
use keyless_model::arm::{CustomRole, RoleAssignment};
use keyless_model::rbac::{
    Permissions, RoleDefinition, built_in, canonical_scope, is_allowed, management_group_scope,
    scope_covers,
};
use std::collections::HashMap;
use std::sync::Arc;

pub struct Authz {
    assignments: Arc<Vec<RoleAssignment>>,
    custom: Vec<CustomRole>,
    /// Management-group scopes above a target, by the target's subscription or group.
    above: HashMap<String, Vec<String>>,
}

impl Authz {
    pub async fn load(s: &AppState, caller: &ArmCaller) -> Result<Authz, ApiError> {
        let assignments = s.cache.role_assignments_of(caller.oid).await?;
        let mut custom = Vec::new();
        for a in assignments.iter() {
            if built_in(a.role_definition_id).is_none()
                && !custom
                    .iter()
                    .any(|c: &CustomRole| c.id == a.role_definition_id)
                && let Ok(role) = s.cache.custom_role(a.role_definition_id).await
            {
                custom.push(role);
            }
        }
        Ok(Authz {
            assignments,
            custom,
            above: HashMap::new(),
        })
    }

    pub fn has_any_assignment(&self) -> bool {
        !self.assignments.is_empty()
    }

    pub fn assignments(&self) -> &[RoleAssignment] {
        &self.assignments
    }

    /// The management groups above a scope: for a scope in a subscription, its group and
    /// that group's ancestors; for a group, its ancestors.
    pub async fn groups_above(
        &mut self,
        s: &AppState,
        scope: &str,
    ) -> Result<Vec<String>, ApiError> {
        let canonical = canonical_scope(scope);
        let segs: Vec<&str> = canonical.trim_start_matches('/').split('/').collect();
        let (key, start) = match segs.as_slice() {
            ["subscriptions", sub, ..] => {
                let Ok(id) = Uuid::parse_str(sub) else {
                    return Ok(vec![]);
                };
                let Ok(subscription) = s.cache.subscription(id).await else {
                    return Ok(vec![]);
                };
                let group = s
                    .cache
                    .subscription_group(id)
                    .await?
                    .unwrap_or_else(|| subscription.tenant_id.to_string());
                (format!("sub:{id}"), Some((group, true)))
            }
            [
                "providers",
                "microsoft.management",
                "managementgroups",
                name,
                ..,
            ] => (format!("mg:{name}"), Some((name.to_string(), false))),
            _ => return Ok(vec![]),
        };
        if let Some(v) = self.above.get(&key) {
            return Ok(v.clone());
        }
        let mut chain = Vec::new();
        if let Some((group, include_self)) = start {
            let names = match s.cache.group_ancestors(&group).await {
                Ok(names) => names.to_vec(),
                // A tenant whose root group was never materialised: just the root.
                Err(keyless_store::StoreError::NotFound) => vec![group.clone()],
                Err(e) => return Err(e.into()),
            };
            for (i, n) in names.iter().enumerate() {
                if i == 0 && !include_self {
                    continue;
                }
                chain.push(management_group_scope(n));
            }
        }
        self.above.insert(key, chain.clone());
        Ok(chain)
    }

    /// Whether any assignment applies at, above or below `scope` (what makes a
    /// subscription visible in listings).
    pub async fn touches(&mut self, s: &AppState, scope: &str) -> Result<bool, ApiError> {
        let above = self.groups_above(s, scope).await?;
        let target = canonical_scope(scope);
        Ok(self.assignments.iter().any(|a| {
            let at = canonical_scope(&a.scope);
            keyless_model::rbac::scope_covers(&at, &target)
                || keyless_model::rbac::scope_covers(&target, &at)
                || above.contains(&at)
        }))
    }

    /// Whether the caller may perform `action` at `scope`.
    pub async fn allows(
        &mut self,
        s: &AppState,
        action: &str,
        scope: &str,
    ) -> Result<bool, ApiError> {
        let above = self.groups_above(s, scope).await?;
        let custom = &self.custom;
        let resolve = |id: Uuid| -> Option<&dyn Permissions> {
            built_in(id).map(|r| r as &dyn Permissions).or_else(|| {
                custom
                    .iter()
                    .find(|c| c.id == id)
                    .map(|c| c as &dyn Permissions)
            })
        };
        Ok(is_allowed(
            &self.assignments,
            resolve,
            action,
            scope,
            &above,
        ))
    }
}

/// The role GUID at the end of a `roleDefinitionId` (full id or bare GUID).
pub fn role_guid(id: &str) -> Option<Uuid> {
    Uuid::parse_str(id.rsplit('/').next().unwrap_or(id)).ok()
}

/// A role by id for the caller's tenant: built-in, or a custom role of that tenant.
pub async fn resolve(s: &AppState, tenant: Uuid, id: &str) -> Option<RoleRef> {
    let guid = role_guid(id)?;
    if let Some(b) = built_in(guid) {
        return Some(RoleRef::BuiltIn(b));
    }
    match s.store.get_custom_role(guid).await {
        Ok(c) if c.tenant_id == tenant => Some(RoleRef::Custom(c)),
        _ => None,
    }
}

pub enum RoleRef {
    BuiltIn(&'static RoleDefinition),
    Custom(CustomRole),
}

impl RoleRef {
    pub fn id(&self) -> Uuid {
        match self {
            RoleRef::BuiltIn(b) => b.id,
            RoleRef::Custom(c) => c.id,
        }
    }
    /// Whether the role may be assigned at `scope` (built-ins: anywhere).
    pub fn assignable_at(&self, scope: &str) -> bool {
        match self {
            RoleRef::BuiltIn(_) => true,
            RoleRef::Custom(c) => {
                let target = canonical_scope(scope);
                c.assignable_scopes.iter().any(|a| scope_covers(a, &target))
            }
        }
    }
}
