//! `PUT …/endpoints/{id}?operation=…`: converting a secret connection to workload identity
//! federation and back. `ConvertAuthenticationScheme` with scheme `WorkloadIdentityFederation`
//! adds the federated credential and switches the scheme, keeping the old secret; the same
//! operation with scheme `ServicePrincipal` reverts within seven days (the credential added
//! by the conversion is removed); `CompleteConversion` confirms it (the old secret goes).

use super::draft::may_write_credentials;
use super::lifecycle::change_connection;
use crate::data::*;
use axum::Json;
use keyless_core::auth::Caller;
use keyless_core::envelope::{ApiError, DevopsError, parse_json};
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::devops::automatic::CONVERSION_REVERT_DAYS;
use keyless_model::devops::data::ConnectionData;
use keyless_model::devops::{IssuerGeneration, Organization, Scheme, ServiceConnection};
use keyless_model::directory::FederatedCredential;
use keyless_model::federation::TOKEN_EXCHANGE_AUDIENCE;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct SchemeBody {
    scheme: String,
}

#[derive(Deserialize)]
struct ConvertBody {
    authorization: SchemeBody,
}

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}

pub async fn operation(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
    mut c: ServiceConnection,
    op: &str,
    body: &[u8],
) -> Result<Json<Value>, DevopsError> {
    match op.to_ascii_lowercase().as_str() {
        "convertauthenticationscheme" => {
            let b: ConvertBody = parse_json(body)?;
            match (c.scheme, Scheme::parse(&b.authorization.scheme)) {
                (Scheme::ServicePrincipal, Some(Scheme::WorkloadIdentityFederation)) => {
                    convert(s, caller, org, &mut c).await?
                }
                (Scheme::WorkloadIdentityFederation, Some(Scheme::ServicePrincipal)) => {
                    revert(s, caller, &mut c).await?
                }
                (from, _) => {
                    return Err(bad(format!(
                        "Cannot convert a {from} connection to '{}': convert ServicePrincipal to WorkloadIdentityFederation, or revert a conversion.",
                        keyless_model::catalogue::sanitize(&b.authorization.scheme)
                    ))
                    .into());
                }
            }
        }
        "completeconversion" => complete(s, caller, &mut c).await?,
        _ => {
            return Err(bad(format!(
                "Unknown operation '{}': use ConvertAuthenticationScheme or CompleteConversion.",
                keyless_model::catalogue::sanitize(op)
            ))
            .into());
        }
    }
    Ok(Json(super::render::connection_json(s, &c, org).await?))
}

async fn convert(
    s: &AppState,
    caller: &Caller,
    org: &Organization,
    c: &mut ServiceConnection,
) -> Result<(), ApiError> {
    let app = s
        .db()
        .find_application_by_app_id(c.client_id)
        .await
        .ok()
        .filter(|a| a.tenant_id == c.tenant_id)
        .ok_or_else(|| {
            bad("Only connections whose identity is an app registration of the tenant can be converted.")
        })?;
    if may_write_credentials(s, caller, c).await? != Some(true) {
        return Err(ApiError::detail(
            "Forbidden",
            "You don't have permission to add a federated credential to the connection's app registration: ask its owner to convert the connection.",
        ));
    }
    if org.tenant_id.is_none() {
        c.issuer_generation = IssuerGeneration::AzureDevOps;
    }
    let project = s.db().get_project(c.project_id).await?;
    let (issuer, subject) = super::render::issuer_and_subject(&s.origin, c, org, &project);
    let existing = s
        .db()
        .list_fics(app.id)
        .await?
        .into_iter()
        .find(|f| f.issuer == issuer && f.subject.as_deref() == Some(subject.as_str()));
    let fic = match existing {
        Some(_) => None,
        None => Some(FederatedCredential {
            id: Uuid::new_v4(),
            parent_id: app.id,
            name: format!("sc-{}", c.id),
            issuer,
            subject: Some(subject),
            audiences: vec![TOKEN_EXCHANGE_AUDIENCE.to_string()],
            description: Some(format!("Converted service connection {}", c.name)),
            claims_matching_expression: None,
            created_at: s.now(),
        }),
    };
    let until = s.now() + CONVERSION_REVERT_DAYS * 86_400;
    c.scheme = Scheme::WorkloadIdentityFederation;
    c.data.set_conversion(
        until,
        &keyless_model::time_fmt::iso(until),
        fic.as_ref().map(|f| f.id),
    );
    change_connection(s, Some(caller), "converted", c, async |tx| {
        if let Some(fic) = &fic {
            tx.data()
                .create_fic(fic)
                .await
                .map_err(keyless_core::credentials::fic_conflict)?;
        }
        Ok(tx.data().update_connection(c).await?)
    })
    .await
}

async fn revert(s: &AppState, caller: &Caller, c: &mut ServiceConnection) -> Result<(), ApiError> {
    let Some(until) = c.data.revert_until() else {
        return Err(bad(
            "Only a connection converted from ServicePrincipal can be reverted.",
        ));
    };
    if s.now() > until {
        return Err(ApiError::new(
            "ConversionRevertExpired",
            &[("deadline", &keyless_model::time_fmt::iso(until))],
        ));
    }
    let fic = match c.data.converted_credential() {
        Some(fic) => s
            .db()
            .find_application_by_app_id(c.client_id)
            .await
            .ok()
            .map(|app| (app.id, fic)),
        None => None,
    };
    c.scheme = Scheme::ServicePrincipal;
    c.data.clear_conversion();
    change_connection(s, Some(caller), "conversionReverted", c, async |tx| {
        if let Some((app, fic)) = fic {
            gone(tx.data().delete_fic(app, fic).await)?;
        }
        Ok(tx.data().update_connection(c).await?)
    })
    .await
}

/// Confirms a conversion: the secret the connection kept is removed (from the app too,
/// when keyless created it for an automatic connection).
async fn complete(
    s: &AppState,
    caller: &Caller,
    c: &mut ServiceConnection,
) -> Result<(), ApiError> {
    if c.scheme != Scheme::WorkloadIdentityFederation || !c.data.converting() {
        return Err(bad("The connection has no conversion to complete."));
    }
    let password = super::lifecycle::created_app(c).zip(c.data.secret_key_id());
    c.data.clear_conversion();
    c.data.clear_secret();
    change_connection(s, Some(caller), "conversionCompleted", c, async |tx| {
        if let Some((app, key)) = password {
            gone(tx.data().remove_password(app, key).await)?;
        }
        Ok(tx.data().update_connection(c).await?)
    })
    .await
}

/// A removal whose object was already gone is done.
fn gone(r: Result<(), keyless_store::StoreError>) -> Result<(), keyless_store::StoreError> {
    match r {
        Err(keyless_store::StoreError::NotFound) => Ok(()),
        r => r,
    }
}
