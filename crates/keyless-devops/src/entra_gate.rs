//! Microsoft Entra access tokens for Azure DevOps presented to an organization's REST API
//! outside the projects API (which checks and audits them itself, `caller.rs`) and the
//! anonymous routes (the location service, `serviceendpoint/types`). As in Azure DevOps,
//! an identity that is not a user of the organization is refused with TF401444 first; one
//! that is gets a refusal saying that keyless serves identities only the projects API (the
//! other routes take personal access tokens and job tokens). Both are audited (kind
//! `devops`) with the identity and the organization; other credentials pass untouched.

use super::caller::{audit, identity_membership, is_devops_audience};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use keyless_core::auth::{Principal, looks_like_jwt, presented_token, principal};
use keyless_core::envelope::{ApiError, DevopsError};
use keyless_core::state::AppState;

/// The organization segment of a path of the organization's REST API that this gate
/// covers; `None` for other planes, the projects API and the anonymous routes.
pub fn gated_organization(path: &str) -> Option<&str> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segs.as_slice() {
        [_, "_apis"] | [_, "_apis", "ResourceAreas", ..] | [_, "_apis", "projects", ..] => None,
        [_, "_apis", "serviceendpoint", "types"] => None,
        [org, "_apis", ..] | [org, _, "_apis", ..] => Some(org),
        _ => None,
    }
}

/// Middleware: see the module documentation.
pub async fn gate(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let Some(org_name) = gated_organization(req.uri().path()).map(str::to_owned) else {
        return next.run(req).await;
    };
    if !presented_token(req.headers()).is_some_and(|t| looks_like_jwt(&t)) {
        return next.run(req).await;
    }
    let Ok(Principal::ServicePrincipal(sp)) =
        principal(&s, req.headers(), is_devops_audience).await
    else {
        return next.run(req).await;
    };
    let Ok(org) = super::find_org(&s, &org_name).await else {
        return next.run(req).await;
    };
    if let Err(refused) = identity_membership(&s, &sp, &org).await {
        return refused.into_response();
    }
    audit(&s, &sp, &org, None, Some("Unauthenticated"));
    DevopsError(ApiError::detail(
        "Unauthenticated",
        format!(
            "keyless serves service principals and managed identities only the projects API of the organization ({}/_apis/projects); this route takes a personal access token or a pipeline job's token.",
            org.name
        ),
    ))
    .into_response()
}
