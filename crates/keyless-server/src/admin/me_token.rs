//! `POST /keyless/v1/me/token`: the signed-in user's access token for ARM, as `az account
//! get-access-token` gives it. ARM takes no personal access token, so a user (and the
//! console, for them) exchanges one for this. Body `{"resource": "<ARM audience>",
//! "tenant"?: "<id, name or domain>"}`; the tenant is the user's home tenant by default, or
//! one it is a guest of. The token lives the usual hour, never past the PAT's expiry. Every
//! request past authentication is audited (kind `token`, naming the user and the tenant,
//! never the token).

use super::handlers::resolve_tenant;
use crate::auth::caller;
use crate::envelope::{ApiError, parse_json};
use axum::Json;
use axum::body::Bytes;
use keyless_core::req::Req;
use keyless_core::resources::ARM_AUDIENCES;
use keyless_entra::mint::{self, ACCESS_TOKEN_LIFETIME, AZURE_CLI_APP_ID, UserGrant};
use keyless_model::time_fmt;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    resource: String,
    tenant: Option<String>,
}

pub async fn issue(Req { s, headers }: Req, body: Bytes) -> Result<Json<Value>, ApiError> {
    let c = caller(&s, &headers).await?;
    let b: TokenBody = parse_json(&body)?;
    let detail = json!({
        "grant": "user",
        "user": c.user.user_principal_name,
        "pat": c.pat.id,
        "resource": keyless_model::catalogue::sanitize(&b.resource),
    });
    keyless_core::audit::recorded(&s, "token", detail, async |rec| {
        rec.client_id = Some(AZURE_CLI_APP_ID.into());
        rec.subject = Some(c.user.id.to_string());
        rec.tenant_id = Some(c.user.tenant_id);
        if !ARM_AUDIENCES.contains(&b.resource.as_str()) {
            return Err(ApiError::detail(
                "BadRequest",
                format!(
                    "A user's access token is issued for ARM only: the resource is one of {}, not '{}'.",
                    ARM_AUDIENCES.join(", "),
                    keyless_model::catalogue::sanitize(&b.resource)
                ),
            ));
        }
        rec.audience = Some(b.resource.clone());
        let tenant = match &b.tenant {
            None => s.shared_store().get_tenant(c.user.tenant_id).await?,
            Some(key) => resolve_tenant(&s, key).await?,
        };
        rec.tenant_id = Some(tenant.id);
        // Membership, not the administrator's reach: a token names a user of the tenant.
        if tenant.id != c.user.tenant_id && !c.guest_of.contains(&tenant.id) {
            return Err(ApiError::detail(
                "Forbidden",
                format!(
                    "You may only get a token for a tenant you belong to (your own, and those you are a guest of); you do not belong to '{}'.",
                    tenant.name
                ),
            ));
        }
        // Never past the personal access token it was exchanged for.
        let lifetime = ACCESS_TOKEN_LIFETIME.min(c.pat.expires_at - s.now());
        let minted = mint::user_access_token(
            &s,
            UserGrant {
                tenant: &tenant,
                user: &c.user,
                audience: &b.resource,
                lifetime,
            },
        )
        .await?;
        Ok(Json(json!({
            "accessToken": minted.access_token,
            "expiresOn": time_fmt::azure_cli(minted.expires_on),
            "expires_on": minted.expires_on,
            "tenant": tenant.id,
            "tokenType": "Bearer",
        })))
    })
    .await
}
