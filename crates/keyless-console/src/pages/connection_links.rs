//! The link a workload identity connection's details give to the identity it federates
//! with, the Add federated credential form there filled with the connection's issuer,
//! subject and name: its app registration (through Graph) or else a user-assigned managed
//! identity (through ARM). Nothing when the user cannot see such an identity.

use super::browse::ConnectionRow;
use super::identities::identities_of;
use super::subscription::arm_access;
use crate::api::Api;
use crate::paths::{query, segment};
use crate::view::Ctx;
use serde_json::Value;
use uuid::Uuid;

/// A link shown on the details page.
pub struct Link {
    pub href: String,
    /// The anchor's `id`.
    pub id: &'static str,
    pub text: &'static str,
}

/// The connection's issuer, subject and name as the form's query.
fn filled(c: &ConnectionRow) -> String {
    query([
        ("issuer", c.issuer.as_str()),
        ("subject", c.subject.as_str()),
        ("name", c.name.as_str()),
    ])
}

/// The link to the identity the workload identity connection `v` names: its app
/// registration, else a managed identity; `None` when neither is found.
pub async fn identity_link(ctx: &Ctx, v: &Value, c: &ConnectionRow) -> Option<Link> {
    if c.scheme != "WorkloadIdentityFederation" || c.issuer.is_empty() {
        return None;
    }
    let params = &v["authorization"]["parameters"];
    // A GUID, so a filter holds no quote of the caller's.
    let client = Uuid::parse_str(params["serviceprincipalid"].as_str()?).ok()?;
    if let Some(l) = app_link(ctx, params, client, c).await {
        return Some(l);
    }
    managed_identity_link(ctx, v, client, c).await
}

/// The console page of the app registration whose appId is `client` in `tenantid`: one
/// Graph call in that tenant.
async fn app_link(ctx: &Ctx, params: &Value, client: Uuid, c: &ConnectionRow) -> Option<Link> {
    let tenant = params["tenantid"].as_str().filter(|t| !t.is_empty())?;
    let filter = format!("appId eq '{client}'");
    let found = ctx
        .api()
        .in_tenant(tenant)
        .get(&format!(
            "/v1.0/applications?{}",
            query([("$filter", filter.as_str())])
        ))
        .await
        .ok()?;
    let id = found["value"][0]["id"].as_str()?;
    Some(Link {
        href: format!(
            "{}/tenants/{}/apps/{}?{}",
            crate::PREFIX,
            segment(tenant),
            segment(id),
            filled(c)
        ),
        id: "app-link",
        text: "Add the federated credential in the app registration",
    })
}

/// The console page of the user-assigned identity whose client id is `client` in the
/// connection's subscription (`data.subscriptionId`), as ARM lists the identities to the
/// user: one ARM call with a user token got for it.
async fn managed_identity_link(
    ctx: &Ctx,
    v: &Value,
    client: Uuid,
    c: &ConnectionRow,
) -> Option<Link> {
    let sub = v["data"]["subscriptionId"]
        .as_str()
        .filter(|s| !s.is_empty())?;
    let (sub, token) = arm_access(ctx, sub).await.ok()?;
    let arm = Api::with_access_token(&ctx.state, &token);
    let identity = identities_of(&arm, &sub.id)
        .await
        .ok()?
        .into_iter()
        .find(|i| Uuid::parse_str(&i.client_id).ok() == Some(client))?;
    Some(Link {
        href: format!("{}?{}", identity.page(), filled(c)),
        id: "identity-link",
        text: "Add the federated credential to the managed identity",
    })
}
