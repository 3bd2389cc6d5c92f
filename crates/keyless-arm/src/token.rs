//! ARM bearer tokens: the shared validation of `keyless_core::bearer`, with ARM's four audiences.

use axum::http::HeaderMap;
use keyless_core::bearer::{self, BearerCaller};
use keyless_core::envelope::ApiError;
use keyless_core::resources::ARM_AUDIENCES;
use keyless_core::state::AppState;

/// A caller of ARM: the principal its access token names.
pub type ArmCaller = BearerCaller;

pub async fn authenticate(s: &AppState, headers: &HeaderMap) -> Result<ArmCaller, ApiError> {
    bearer::authenticate(s, headers, |a| ARM_AUDIENCES.contains(&a)).await
}
