//! Azure RBAC: role definitions, scopes and the one evaluation function every ARM
//! request goes through. Deny by default: an action is allowed only when an assignment
//! at the scope or above it names a role whose actions match and whose notActions do not.

use crate::Uuid;
use crate::arm::RoleAssignment;

mod builtin;
pub use builtin::{BUILT_IN_ROLES, CONTRIBUTOR, OWNER, READER, USER_ACCESS_ADMINISTRATOR};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDefinition {
    pub id: Uuid,
    pub name: &'static str,
    pub description: &'static str,
    pub actions: &'static [&'static str],
    pub not_actions: &'static [&'static str],
}

/// What a role allows: built-in roles and custom roles both answer it.
pub trait Permissions {
    fn actions(&self) -> Vec<&str>;
    fn not_actions(&self) -> Vec<&str>;
    /// Whether the role grants `action` (case-insensitive, `*` matches any run).
    fn permits(&self, action: &str) -> bool {
        self.actions().iter().any(|p| glob(p, action))
            && !self.not_actions().iter().any(|p| glob(p, action))
    }
}

impl Permissions for RoleDefinition {
    fn actions(&self) -> Vec<&str> {
        self.actions.to_vec()
    }
    fn not_actions(&self) -> Vec<&str> {
        self.not_actions.to_vec()
    }
}

impl Permissions for crate::arm::CustomRole {
    fn actions(&self) -> Vec<&str> {
        self.actions.iter().map(String::as_str).collect()
    }
    fn not_actions(&self) -> Vec<&str> {
        self.not_actions.iter().map(String::as_str).collect()
    }
}

pub fn built_in(id: Uuid) -> Option<&'static RoleDefinition> {
    BUILT_IN_ROLES.iter().find(|r| r.id == id)
}

pub fn built_in_by_name(name: &str) -> Option<&'static RoleDefinition> {
    BUILT_IN_ROLES
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name))
}

/// Case-insensitive glob where `*` matches any sequence, including `/`.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The canonical (lowercase, no trailing slash) form of an ARM scope, used for storage
/// and comparison. ARM ids are case-insensitive.
pub fn canonical_scope(scope: &str) -> String {
    let s = scope.trim().trim_end_matches('/').to_ascii_lowercase();
    if s.is_empty() { "/".into() } else { s }
}

/// Whether an assignment at `assigned` applies to a request at `target` (both canonical):
/// the same scope, or any scope below it.
pub fn scope_covers(assigned: &str, target: &str) -> bool {
    assigned == "/"
        || assigned == target
        || (target.starts_with(assigned) && target.as_bytes().get(assigned.len()) == Some(&b'/'))
}

/// The single RBAC decision. `role` resolves a role definition id (built-in or custom);
/// `above` lists scopes that contain the target but are not its path prefixes (the
/// management groups above its subscription, nearest first).
pub fn is_allowed<'r>(
    assignments: &[RoleAssignment],
    role: impl Fn(Uuid) -> Option<&'r dyn Permissions>,
    action: &str,
    target_scope: &str,
    above: &[String],
) -> bool {
    let target = canonical_scope(target_scope);
    assignments.iter().any(|a| {
        let at = canonical_scope(&a.scope);
        (scope_covers(&at, &target) || above.iter().any(|g| canonical_scope(g) == at))
            && role(a.role_definition_id).is_some_and(|r| r.permits(action))
    })
}

/// The built-in roles as a resolver for [`is_allowed`].
pub fn built_in_permissions(id: Uuid) -> Option<&'static dyn Permissions> {
    built_in(id).map(|r| r as &dyn Permissions)
}

/// The canonical scope of a management group.
pub fn management_group_scope(name: &str) -> String {
    canonical_scope(&format!(
        "/providers/Microsoft.Management/managementGroups/{name}"
    ))
}

#[cfg(test)]
mod tests;
