//! User-assigned managed identities (`Microsoft.ManagedIdentity/userAssignedIdentities`) as
//! ARM lists them to the user: the rows the subscription page and a connection's details
//! read, and their console addresses.

use super::connection_extras::text;
use super::subscription::{scope_of, subscription_scope};
use crate::api::{Api, Refusal};
use crate::paths::segment;
use serde_json::Value;

/// The api-version the console asks ARM with for identities and their credentials.
pub const IDENTITY_API: &str = "api-version=2023-01-31";
/// The provider path of the identities under a scope.
const IDENTITIES: &str = "providers/Microsoft.ManagedIdentity/userAssignedIdentities";

/// An identity as ARM lists it.
pub struct IdentityRow {
    pub name: String,
    /// Its subscription and resource group, read from its id.
    pub sub: String,
    pub group: String,
    pub location: String,
    pub client_id: String,
    pub principal_id: String,
    pub tenant_id: String,
    /// Its ARM id.
    pub id: String,
}

/// The name after `kind` in an ARM id (`/subscriptions/{s}/resourceGroups/{g}/…`).
fn named(id: &str, kind: &str) -> String {
    let mut parts = id.split('/');
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case(kind) {
            return parts.next().unwrap_or_default().to_string();
        }
    }
    String::new()
}

impl IdentityRow {
    pub fn of(v: &Value) -> IdentityRow {
        let p = &v["properties"];
        let id = text(&v["id"]);
        IdentityRow {
            name: text(&v["name"]),
            sub: named(&id, "subscriptions"),
            group: named(&id, "resourceGroups"),
            location: text(&v["location"]),
            client_id: text(&p["clientId"]),
            principal_id: text(&p["principalId"]),
            tenant_id: text(&p["tenantId"]),
            id,
        }
    }

    /// Its console page.
    pub fn page(&self) -> String {
        page_path(&self.sub, &self.group, &self.name)
    }
}

/// The console page of the identity `name` of the group `group` of the subscription `sub`.
pub fn page_path(sub: &str, group: &str, name: &str) -> String {
    format!(
        "{}/subscriptions/{}/resourcegroups/{}/identities/{}",
        crate::PREFIX,
        segment(sub),
        segment(group),
        segment(name)
    )
}

/// The ARM path of the identity `name` of the group `group` of the subscription `sub`.
pub fn arm_path(sub: &str, group: &str, name: &str) -> String {
    format!("{}/{IDENTITIES}/{}", scope_of(sub, group), segment(name))
}

/// The identities of the subscription `sub` ARM lists to the holder of `arm`'s token (those
/// they may read), in one call, by group then name.
pub async fn identities_of(arm: &Api<'_>, sub: &str) -> Result<Vec<IdentityRow>, Refusal> {
    let path = format!("{}/{IDENTITIES}?{IDENTITY_API}", subscription_scope(sub));
    let v = arm.get(&path).await?;
    let mut rows: Vec<IdentityRow> = v["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(IdentityRow::of)
        .collect();
    rows.sort_by_key(|r| (r.group.to_lowercase(), r.name.to_lowercase()));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_is_read_from_the_id_and_names_are_encoded() {
        let id = "/subscriptions/s/resourceGroups/rg.1/providers/x/y/z";
        assert_eq!(named(id, "resourceGroups"), "rg.1");
        assert_eq!(named(id, "subscriptions"), "s");
        assert_eq!(named("/subscriptions/s", "resourceGroups"), "");
        assert_eq!(
            page_path("s", "rg.1", "a/b"),
            "/_console/subscriptions/s/resourcegroups/rg%2E1/identities/a%2Fb"
        );
        assert_eq!(
            arm_path("s", "g", ".."),
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%2E%2E"
        );
    }
}
