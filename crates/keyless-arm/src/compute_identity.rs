//! The `identity` of virtual machines and scale sets (`Microsoft.Compute/virtualMachines`,
//! `virtualMachineScaleSets`), in ARM's shape: `type` `SystemAssigned`, `UserAssigned`,
//! `SystemAssigned, UserAssigned` or `None`; `userAssignedIdentities` keyed by the ARM ids
//! of user-assigned identities. A system-assigned identity is a service principal of the
//! subscription's tenant (`servicePrincipalType` ManagedIdentity, the VM's id as
//! alternative name) that lives and dies with it: created when the type gains
//! `SystemAssigned`, deleted (with its role assignments) when the type loses it or the VM
//! goes. The stored block is the rendered one: `principalId` and `tenantId` of the system
//! identity, `principalId` and `clientId` of each user-assigned one.

use super::path::ResourceRef;
use crate::data::*;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::ServicePrincipal;
use keyless_store::StoreError;
use serde_json::{Map, Value, json};

const SYSTEM: &str = "SystemAssigned";
const USER: &str = "UserAssigned";
const USER_IDENTITY_TYPE: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";

/// Whether the resource is a virtual machine or a scale set.
pub fn carries_identity(r: &ResourceRef) -> bool {
    r.child.is_none()
        && r.namespace.eq_ignore_ascii_case("Microsoft.Compute")
        && (r.rtype.eq_ignore_ascii_case("virtualMachines")
            || r.rtype.eq_ignore_ascii_case("virtualMachineScaleSets"))
}

/// What settling an identity block changes in the directory, written with the resource
/// in its unit of work ([`Settled::write`]).
#[derive(Debug, Default)]
pub struct Settled {
    /// The system-assigned principal the resource gains.
    pub created: Option<ServicePrincipal>,
    /// The system-assigned principal the resource no longer has.
    pub retired: Option<Uuid>,
}

impl Settled {
    /// Saves the gained principal and deletes the retired one (with its role
    /// assignments), inside the resource's unit of work.
    pub async fn write(&self, tx: &Tx) -> Result<(), StoreError> {
        if let Some(sp) = &self.created {
            tx.data().create_service_principal(sp).await?;
        }
        retire(tx, self.retired).await
    }
}

async fn retire(tx: &Tx, principal: Option<Uuid>) -> Result<(), StoreError> {
    match principal {
        Some(p) => match tx.data().delete_service_principal(p).await {
            Ok(()) | Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e),
        },
        None => Ok(()),
    }
}

/// The principal of the system-assigned identity a stored identity block holds.
pub fn system_principal(block: Option<&Value>) -> Option<Uuid> {
    let b = block?;
    let ty = b["type"].as_str()?;
    if !ty.split(',').any(|t| t.trim().eq_ignore_ascii_case(SYSTEM)) {
        return None;
    }
    b["principalId"].as_str().and_then(|p| p.parse().ok())
}

/// Deleting a VM deletes its system-assigned principal and that principal's role
/// assignments, inside the delete's unit of work.
pub async fn resource_deleted(tx: &Tx, stored: &Map<String, Value>) -> Result<(), StoreError> {
    retire(tx, system_principal(stored.get("identity"))).await
}

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

/// `(system, user)` of an identity type, or `None` for `None`.
fn parse_type(ty: &str) -> Result<Option<(bool, bool)>, ApiError> {
    let (mut system, mut user, mut none) = (false, false, false);
    for t in ty.split(',').map(str::trim) {
        if t.eq_ignore_ascii_case(SYSTEM) {
            system = true;
        } else if t.eq_ignore_ascii_case(USER) {
            user = true;
        } else if t.eq_ignore_ascii_case("None") {
            none = true;
        } else {
            return Err(bad(format!(
                "The identity type '{}' is not valid. Use SystemAssigned, UserAssigned, 'SystemAssigned, UserAssigned' or None.",
                keyless_model::catalogue::sanitize(ty)
            )));
        }
    }
    if none && (system || user) {
        return Err(bad(
            "The identity type None cannot be combined with another identity type.",
        ));
    }
    Ok((!none).then_some((system, user)))
}

/// Checks and renders the identity block in `extra` (as the PUT replaced it or the PATCH
/// merged it), naming the system-assigned principal to create when the type gains it and
/// the one to delete when it loses it. `before` is the stored block. Nothing is written
/// here: the caller writes [`Settled`] with the resource.
pub async fn settle(
    s: &AppState,
    sub: Uuid,
    r: &ResourceRef,
    extra: &mut Map<String, Value>,
    before: Option<&Value>,
) -> Result<Settled, ApiError> {
    let old = system_principal(before);
    let Some(block) = extra.get("identity").cloned() else {
        return Ok(Settled {
            created: None,
            retired: old,
        });
    };
    let ty = block
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("The 'identity.type' property is required."))?;
    let Some((system, user)) = parse_type(ty)? else {
        extra.remove("identity");
        return Ok(Settled {
            created: None,
            retired: old,
        });
    };
    let sent_users = match block.get("userAssignedIdentities") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(bad(
                "The 'identity.userAssignedIdentities' property must be a JSON object.",
            ));
        }
    };
    if !user && !sent_users.is_empty() {
        return Err(bad(
            "The request format was unexpected, a non-UserAssigned identity type should not contain: userAssignedIdentities",
        ));
    }
    if user && sent_users.is_empty() {
        return Err(bad(
            "The request format was unexpected, a UserAssigned identity type should contain: userAssignedIdentities",
        ));
    }
    let mut users = Map::new();
    for id in sent_users.keys() {
        let found = s
            .db()
            .get_resource(id)
            .await
            .ok()
            .filter(|i| i.resource_type.eq_ignore_ascii_case(USER_IDENTITY_TYPE));
        let Some(identity) = found else {
            return Err(ApiError::new(
                "FailedIdentityOperation",
                &[("resource", &r.id()), ("identity", id)],
            ));
        };
        users.insert(
            identity.id.clone(),
            json!({
                "principalId": identity.properties["principalId"],
                "clientId": identity.properties["clientId"],
            }),
        );
    }
    let subscription = s.db().get_subscription(sub).await?;
    let mut out = Map::new();
    let canonical = match (system, user) {
        (true, true) => "SystemAssigned, UserAssigned",
        (true, false) => SYSTEM,
        _ => USER,
    };
    out.insert("type".into(), json!(canonical));
    let mut settled = Settled::default();
    if system {
        let principal = match old {
            Some(p) => p,
            None => {
                let sp = super::identities::managed_principal(s, subscription.tenant_id, r, false);
                let id = sp.id;
                settled.created = Some(sp);
                id
            }
        };
        out.insert("principalId".into(), json!(principal.to_string()));
        out.insert("tenantId".into(), json!(subscription.tenant_id.to_string()));
    } else {
        settled.retired = old;
    }
    if user {
        out.insert("userAssignedIdentities".into(), Value::Object(users));
    }
    extra.insert("identity".into(), Value::Object(out));
    Ok(settled)
}
