//! User-assigned managed identities (`Microsoft.ManagedIdentity/userAssignedIdentities`):
//! creating one creates its service principal (`servicePrincipalType` ManagedIdentity, the
//! identity's resource id as alternative name, so its tokens carry `xms_mirid`); its
//! federated identity credentials are child resources stored with the directory's
//! credentials (parent = the principal), under the same saving rules and texts as Graph's.

use super::path::ResourceRef;
use super::{QueryMap, json};
use crate::data::*;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::{ApiError, parse_json};
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::arm::Resource;
use keyless_model::directory::{FederatedCredential, SP_TYPE_MANAGED_IDENTITY, ServicePrincipal};
use keyless_model::federation::{validate_fic_fields, validate_fic_name};
use keyless_store::{StoreError, conflict};
use serde::Deserialize;
use serde_json::{Value, json as j};
use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};

const CREDENTIALS: &str = "federatedIdentityCredentials";

pub fn is_identity(r: &ResourceRef) -> bool {
    r.namespace
        .eq_ignore_ascii_case("Microsoft.ManagedIdentity")
        && r.rtype.eq_ignore_ascii_case("userAssignedIdentities")
        && r.child.is_none()
}

pub fn is_identity_credential(r: &ResourceRef) -> bool {
    r.namespace
        .eq_ignore_ascii_case("Microsoft.ManagedIdentity")
        && r.rtype.eq_ignore_ascii_case("userAssignedIdentities")
        && r.child
            .as_ref()
            .is_some_and(|(t, _)| t.eq_ignore_ascii_case(CREDENTIALS))
}

fn bad(detail: &str) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

/// The identity's properties and, on its first write, the service principal to create with
/// it (in the identity's unit of work: both or neither).
pub async fn ensure_principal(
    s: &AppState,
    sub: Uuid,
    r: &ResourceRef,
    existing: Option<&Resource>,
) -> Result<(Value, Option<ServicePrincipal>), ApiError> {
    if let Some(e) = existing {
        return Ok((e.properties.clone(), None));
    }
    let subscription = s.db().get_subscription(sub).await?;
    let sp = managed_principal(s, subscription.tenant_id, r, true);
    let props = j!({
        "tenantId": sp.tenant_id.to_string(),
        "principalId": sp.id.to_string(),
        "clientId": sp.app_id.to_string(),
    });
    Ok((props, Some(sp)))
}

/// The service principal of a managed identity of the resource `r` in `tenant`
/// (`servicePrincipalType` ManagedIdentity; the resource id as alternative name, after
/// `isExplicit=True` for a user-assigned identity, `isExplicit=False` for a system-assigned
/// one), not yet saved.
pub fn managed_principal(
    s: &AppState,
    tenant: Uuid,
    r: &ResourceRef,
    explicit: bool,
) -> ServicePrincipal {
    ServicePrincipal {
        id: Uuid::new_v4(),
        app_id: Uuid::new_v4(),
        tenant_id: tenant,
        display_name: r.name.clone(),
        account_enabled: true,
        service_principal_type: SP_TYPE_MANAGED_IDENTITY.into(),
        alternative_names: vec![
            if explicit {
                "isExplicit=True"
            } else {
                "isExplicit=False"
            }
            .into(),
            r.id(),
        ],
        created_at: s.now(),
    }
}

fn principal_of(identity: &Resource) -> Option<Uuid> {
    identity.properties["principalId"]
        .as_str()
        .and_then(|p| Uuid::parse_str(p).ok())
}

/// Deleting an identity deletes its principal, credentials and role assignments, in the
/// identity's unit of work.
pub async fn delete_principal(tx: &crate::data::Tx, identity: &Resource) -> Result<(), StoreError> {
    if let Some(p) = principal_of(identity) {
        match tx.data().delete_service_principal(p).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn parent(s: &AppState, r: &ResourceRef) -> Result<(Resource, Uuid), ApiError> {
    let missing = || ApiError::new("ParentIdentityNotFound", &[]);
    let identity = s
        .db()
        .get_resource(&r.parent_id())
        .await
        .map_err(|e| super::missing_or(e, missing))?;
    let principal = principal_of(&identity).ok_or_else(missing)?;
    Ok((identity, principal))
}

fn credential_json(identity: &Resource, f: &FederatedCredential) -> Value {
    j!({
        "id": format!("{}/{CREDENTIALS}/{}", identity.id, f.name),
        "name": f.name,
        "type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
        "properties": {
            "issuer": f.issuer,
            "subject": f.subject,
            "audiences": f.audiences,
        },
    })
}

#[derive(Deserialize)]
struct CredentialBody {
    properties: CredentialProps,
}

#[derive(Deserialize)]
struct CredentialProps {
    issuer: Option<String>,
    subject: Option<String>,
    #[serde(default)]
    audiences: Vec<String>,
}

/// Identities with a credential write in flight: a second concurrent write gets 409, as
/// in Azure, instead of racing the 20-credential limit.
static WRITING: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

struct Writing(String);

impl Writing {
    fn begin(identity: &str) -> Result<Writing, ApiError> {
        let key = identity.to_ascii_lowercase();
        let mut set = WRITING
            .lock()
            .map_err(|_| ApiError::new("InternalError", &[]))?;
        if !set.insert(key.clone()) {
            return Err(ApiError::new(
                "ConcurrentFederatedIdentityCredentialsWrites",
                &[("identity", identity)],
            ));
        }
        Ok(Writing(key))
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        if let Ok(mut set) = WRITING.lock() {
            set.remove(&self.0);
        }
    }
}

pub async fn put_credential(
    s: &AppState,
    caller: &crate::ArmCaller,
    r: &ResourceRef,
    body: &[u8],
) -> Result<Response, ApiError> {
    let (identity, principal) = parent(s, r).await?;
    let name = r.leaf();
    validate_fic_name(name).map_err(|m| bad(&m))?;
    let b: CredentialBody = parse_json(body)?;
    let issuer = b.properties.issuer.unwrap_or_default();
    let subject = b.properties.subject.unwrap_or_default();
    validate_fic_fields(&issuer, Some(&subject), &b.properties.audiences, false)
        .map_err(|m| bad(&m))?;
    let _guard = Writing::begin(&identity.id)?;
    let existing = s.db().find_fic_by_name(principal, name).await.ok();
    let fic = FederatedCredential {
        id: existing.as_ref().map(|e| e.id).unwrap_or_else(Uuid::new_v4),
        parent_id: principal,
        name: existing
            .as_ref()
            .map(|e| e.name.clone())
            .unwrap_or_else(|| name.to_string()),
        issuer,
        subject: Some(subject),
        audiences: b.properties.audiences,
        description: None,
        claims_matching_expression: None,
        created_at: existing
            .as_ref()
            .map(|e| e.created_at)
            .unwrap_or_else(|| s.now()),
    };
    let write = super::resources::action(&r.full_type(), "write");
    let result = crate::change(s, caller, &write, &r.id(), async |tx| match existing {
        Some(_) => tx.data().update_fic(&fic).await.map(|_| StatusCode::OK),
        None => tx
            .data()
            .create_fic(&fic)
            .await
            .map(|_| StatusCode::CREATED),
    })
    .await;
    let status = result.map_err(|e| match e {
        StoreError::Conflict(c) if c == conflict::FIC_ISSUER_SUBJECT => {
            bad("Issuer and subject combination already exists for this Managed Identity.")
        }
        StoreError::Conflict(c) if c == conflict::FIC_LIMIT => {
            bad("The maximum number of federated identity credentials (20) for this managed identity has been reached.")
        }
        e => e.into(),
    })?;
    Ok(json(status, credential_json(&identity, &fic)))
}

pub async fn get_credential(s: &AppState, r: &ResourceRef) -> Result<Response, ApiError> {
    let (identity, principal) = parent(s, r).await?;
    let f = s
        .db()
        .find_fic_by_name(principal, r.leaf())
        .await
        .map_err(|e| super::missing_or(e, || super::resources::not_found(r)))?;
    Ok(json(StatusCode::OK, credential_json(&identity, &f)))
}

pub async fn delete_credential(
    s: &AppState,
    caller: &crate::ArmCaller,
    r: &ResourceRef,
) -> Result<Response, ApiError> {
    let (identity, principal) = parent(s, r).await?;
    let _guard = Writing::begin(&identity.id)?;
    match s.db().find_fic_by_name(principal, r.leaf()).await {
        Ok(f) => {
            let delete = super::resources::action(&r.full_type(), "delete");
            crate::change(s, caller, &delete, &r.id(), async |tx| {
                tx.data().delete_fic(principal, f.id).await
            })
            .await?;
            Ok(StatusCode::OK.into_response())
        }
        Err(_) => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

pub async fn list_credentials(
    s: &AppState,
    r: &ResourceRef,
    q: &QueryMap,
    path: &str,
) -> Result<Response, ApiError> {
    let (identity, principal) = parent(s, r).await?;
    let items = s
        .db()
        .list_fics(principal)
        .await?
        .iter()
        .map(|f| credential_json(&identity, f))
        .collect();
    let base = format!("{}{}", s.origin, path);
    Ok(json(
        StatusCode::OK,
        super::list_query::page(items, q, &base)?,
    ))
}
