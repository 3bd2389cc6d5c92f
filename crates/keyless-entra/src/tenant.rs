//! Resolving the tenant segment of an Entra URL: a GUID or a domain name.

use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::directory::Tenant;
use keyless_store::StoreError;

fn is_dns_name(s: &str) -> bool {
    s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// 900023 for a segment that is neither a GUID nor a DNS name; 90002 for an unknown one;
/// 50059 for `common`, `organizations` and `consumers`, which name no tenant an app token
/// could be issued in (their discovery documents are served by `discovery`).
pub async fn resolve_tenant(state: &AppState, segment: &str) -> Result<Tenant, ApiError> {
    let found = if super::discovery::MultiTenant::parse(segment).is_some() {
        return Err(ApiError::new("50059", &[]));
    } else if let Ok(id) = Uuid::parse_str(segment) {
        state.cache.tenant(id).await
    } else if is_dns_name(segment) {
        state.cache.tenant_named(segment).await
    } else {
        return Err(ApiError::new("900023", &[("tenant", segment)]));
    };
    match found {
        Ok(t) => Ok(t),
        Err(StoreError::NotFound) => Err(ApiError::new("90002", &[("tenant", segment)])),
        Err(e) => Err(e.into()),
    }
}
