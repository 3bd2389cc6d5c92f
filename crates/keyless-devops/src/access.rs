//! What decides a caller's role on service connections (standing in the organization, access
//! level, project groups, per-connection roles), read from the store once and then asked for
//! each connection: for one connection ([`CallerAccess::for_one`]) or for every connection a
//! project sees ([`CallerAccess::see_project`], one query per kind of data for a whole list).
//! The rule that combines them is [`CallerAccess::role`], on
//! `keyless_model::devops::security::effective_role_at`.

use super::org_people::{access_level, is_collection_administrator};
use super::security::groups_in;
use crate::data::*;
use keyless_core::auth::Caller;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::devops::organization::AccessLevel;
use keyless_model::devops::security::{EndpointRole, ProjectGroup, effective_role_at};
use keyless_model::devops::{Organization, ServiceConnection};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// The caller's standing, access level, groups (by project) and per-connection roles (by
/// connection) in one organization, as far as they were read.
pub struct CallerAccess<'a> {
    s: &'a AppState,
    caller: &'a Caller,
    org: &'a Organization,
    /// A Project Collection Administrator: Administrator everywhere, nothing else is read.
    collection_administrator: bool,
    level: AccessLevel,
    groups: HashMap<Uuid, Vec<ProjectGroup>>,
    assigned: HashMap<Uuid, Option<EndpointRole>>,
}

impl<'a> CallerAccess<'a> {
    /// The caller's standing and, unless a Project Collection Administrator, access level.
    pub async fn new(
        s: &'a AppState,
        caller: &'a Caller,
        org: &'a Organization,
    ) -> Result<Self, ApiError> {
        let collection_administrator = is_collection_administrator(s, caller, org).await?;
        let level = if collection_administrator {
            AccessLevel::Basic
        } else {
            access_level(s, caller, org).await?
        };
        Ok(Self {
            s,
            caller,
            org,
            collection_administrator,
            level,
            groups: HashMap::new(),
            assigned: HashMap::new(),
        })
    }

    /// What [`Self::role`] needs for `project` and, if given, the connection `conn` seen
    /// from it.
    pub async fn for_one(
        s: &'a AppState,
        caller: &'a Caller,
        org: &'a Organization,
        project: Uuid,
        conn: Option<&ServiceConnection>,
    ) -> Result<Self, ApiError> {
        let mut access = Self::new(s, caller, org).await?;
        if access.collection_administrator {
            return Ok(access);
        }
        let Some(c) = conn else {
            access.read_groups(project).await?;
            return Ok(access);
        };
        access.read_groups(c.project_id).await?;
        let assigned = s.db().get_connection_role(c.id, caller.user.id).await?;
        access
            .assigned
            .insert(c.id, assigned.and_then(|r| EndpointRole::parse(&r)));
        if project != c.project_id {
            access.read_groups(project).await?;
        }
        Ok(access)
    }

    /// Reads what [`Self::role`] needs for every connection of `conns`, which `project`
    /// sees (its own and those shared with it): the groups of `project` and of the
    /// connections' projects, and the per-connection roles in one query.
    pub async fn see_project(
        &mut self,
        project: Uuid,
        conns: &[ServiceConnection],
    ) -> Result<(), ApiError> {
        if self.collection_administrator {
            return Ok(());
        }
        self.read_groups(project).await?;
        for c in conns {
            self.read_groups(c.project_id).await?;
        }
        let roles = self
            .s
            .db()
            .list_connection_roles_seen_from(project, self.caller.user.id)
            .await?;
        let mut assigned: HashMap<Uuid, Option<EndpointRole>> =
            conns.iter().map(|c| (c.id, None)).collect();
        for (connection, role) in roles {
            assigned.insert(connection, EndpointRole::parse(&role));
        }
        self.assigned.extend(assigned);
        Ok(())
    }

    async fn read_groups(&mut self, project: Uuid) -> Result<(), ApiError> {
        if let Entry::Vacant(e) = self.groups.entry(project) {
            e.insert(groups_in(self.s, self.caller, self.org, project).await?);
        }
        Ok(())
    }

    /// The caller's role on service connections of `project` (project-wide), or on one
    /// connection (`conn`: adds its per-connection role; a connection shared with `project`
    /// grants at most User there). Project Collection Administrators are Administrators
    /// everywhere; project groups grant what they grant at the caller's access level. What
    /// was not read counts as no group and no role.
    pub fn role(&self, project: Uuid, conn: Option<&ServiceConnection>) -> Option<EndpointRole> {
        if self.collection_administrator {
            return Some(EndpointRole::Administrator);
        }
        let groups_role = |p: Uuid| {
            let groups = self.groups.get(&p).map(Vec::as_slice).unwrap_or_default();
            effective_role_at(self.level, groups, None)
        };
        let Some(c) = conn else {
            return groups_role(project);
        };
        let own = groups_role(c.project_id);
        let assigned = self.assigned.get(&c.id).copied().flatten();
        let shared = if project != c.project_id {
            groups_role(project).map(|r| r.min(EndpointRole::User))
        } else {
            None
        };
        [own, assigned, shared].into_iter().flatten().max()
    }
}
