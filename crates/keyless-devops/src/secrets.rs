//! The client secret of a `ServicePrincipal` (spnKey) connection. keyless keeps it sealed
//! under the key-encryption key in the connection's `data` (never rendered); only a job of a
//! pipeline the connection is open to reads it back (`job_endpoints.rs`), as the real agent
//! is handed it (`ENDPOINT_AUTH_PARAMETER_{id}_SERVICEPRINCIPALKEY`).

use base64::Engine;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::devops::ServiceConnection;
use keyless_model::devops::data::ConnectionData;

pub fn store_secret(s: &AppState, c: &mut ServiceConnection, clear: &str) -> Result<(), ApiError> {
    let sealed = s.keys.seal_secret(clear.as_bytes())?;
    c.data
        .set_sealed_secret(base64::engine::general_purpose::STANDARD.encode(sealed));
    Ok(())
}

/// The clear secret of a secret connection, if it has one.
pub fn secret_of(s: &AppState, c: &ServiceConnection) -> Option<String> {
    let sealed = c.data.sealed_secret()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .ok()?;
    String::from_utf8(s.keys.open_secret(&bytes).ok()?).ok()
}
