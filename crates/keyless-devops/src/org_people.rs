//! Who a caller is to an organization: a Project Collection Administrator or not
//! (`keyless_model::devops::organization::Standing`), and its access level there; the
//! names of those who administer the organization, for refusals.

use crate::data::*;
use keyless_core::auth::Caller;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::devops::Organization;
use keyless_model::devops::organization::{AccessLevel, OrganizationGroup, Standing};

const PCA: OrganizationGroup = OrganizationGroup::ProjectCollectionAdministrators;

/// The caller's standing in the organization.
pub async fn standing(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
) -> Result<Standing, ApiError> {
    let keyless_administrator = caller.is_admin();
    let owner = org.owner_id == Some(caller.user.id);
    let collection_administrators_member = if keyless_administrator || owner {
        false
    } else {
        s.db()
            .list_organization_members(org.id)
            .await?
            .contains(&(caller.user.id, PCA))
    };
    Ok(Standing {
        keyless_administrator,
        owner,
        collection_administrators_member,
    })
}

/// Whether the caller is a Project Collection Administrator of the organization.
pub async fn is_collection_administrator(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
) -> Result<bool, ApiError> {
    Ok(standing(s, caller, org)
        .await?
        .is_collection_administrator())
}

/// The caller's access level in the organization (Basic unless recorded).
pub async fn access_level(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
) -> Result<AccessLevel, ApiError> {
    Ok(s.db()
        .get_access_level(org.id, caller.user.id)
        .await?
        .unwrap_or(AccessLevel::Basic))
}

/// Those who change the organization's settings, for messages: the owner, the members of
/// Project Collection Administrators, then keyless administrators.
pub async fn owners_text(s: &AppState, org: &Organization) -> Result<String, ApiError> {
    let mut names = Vec::new();
    if let Some(owner) = org.owner_id {
        names.push(format!(
            "{} (owner)",
            s.db().get_user(owner).await?.user_principal_name
        ));
    }
    for (user, group) in s.db().list_organization_members(org.id).await? {
        if group == PCA && Some(user) != org.owner_id {
            names.push(s.db().get_user(user).await?.user_principal_name);
        }
    }
    names.push("a keyless administrator".to_string());
    let last = names.pop().unwrap_or_default();
    Ok(if names.is_empty() {
        last
    } else {
        format!("{} or {last}", names.join(", "))
    })
}
