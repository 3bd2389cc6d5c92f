//! ARM bearer tokens: the shared validation of `crate::bearer`, with ARM's four audiences.

use crate::bearer::{self, BearerCaller};
use crate::entra::ARM_AUDIENCES;
use crate::envelope::ApiError;
use crate::state::AppState;
use axum::http::HeaderMap;

/// A caller of ARM: the principal its access token names.
pub type ArmCaller = BearerCaller;

pub async fn authenticate(s: &AppState, headers: &HeaderMap) -> Result<ArmCaller, ApiError> {
    bearer::authenticate(s, headers, |a| ARM_AUDIENCES.contains(&a)).await
}
