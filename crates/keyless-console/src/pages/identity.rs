//! One user-assigned managed identity, through ARM with the user's ARM access token of this
//! request: its facts, its federated identity credentials (remove) and the Add federated
//! credential form shared with the app registration's page. ARM decides; a refusal shows
//! its status and text and changes nothing.

use super::connection_extras::text;
use super::credential_form::CredentialForm;
use super::identities::{IDENTITY_API, IdentityRow, arm_path, page_path};
use super::subscription::{arm_access, page_path as subscription_page};
use super::subscriptions::SubscriptionRow;
use super::tenant_app::{Credential, rows, strings};
use crate::api::{Api, Refusal};
use crate::paths::segment;
use crate::view::{self, Chrome, Ctx, Posted};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;

/// (subscription, resource group, identity name).
type Where = Path<(String, String, String)>;

/// The form's values and the last post's refusal.
pub struct Shown {
    pub form: CredentialForm,
    pub credential_refusal: Option<Refusal>,
}

impl Shown {
    fn refused(form: CredentialForm, r: Refusal) -> Shown {
        Shown {
            form,
            credential_refusal: Some(r),
        }
    }
}

#[derive(Template)]
#[template(path = "identity.html")]
struct IdentityPage {
    chrome: Chrome,
    sub: SubscriptionRow,
    /// The subscription's console page.
    sub_page: String,
    /// This page's address, percent-encoded.
    here: String,
    identity: IdentityRow,
    credentials: Result<Vec<Credential>, Refusal>,
    shown: Shown,
}

/// The identity's page with `shown`, answered with the status of a refusal it shows.
async fn render(ctx: &Ctx, (sub, group, name): (&str, &str, &str), shown: Shown) -> Response {
    let (sub, token) = match arm_access(ctx, sub).await {
        Ok(found) => found,
        Err(r) => return ctx.refused(shown.credential_refusal.unwrap_or(r)),
    };
    let arm = Api::with_access_token(&ctx.state, &token);
    let path = arm_path(&sub.id, group, name);
    // When the page cannot be read either, the refusal of the form's change is shown.
    let identity = match arm.get(&format!("{path}?{IDENTITY_API}")).await {
        Ok(v) => IdentityRow::of(&v),
        Err(r) => return ctx.refused(shown.credential_refusal.unwrap_or(r)),
    };
    let credentials = arm
        .get(&format!(
            "{path}/federatedIdentityCredentials?{IDENTITY_API}"
        ))
        .await
        .map(|l| {
            rows(&l["value"], |f| {
                let p = &f["properties"];
                Credential {
                    id: text(&f["name"]),
                    name: text(&f["name"]),
                    issuer: text(&p["issuer"]),
                    subject: text(&p["subject"]),
                    audiences: strings(&p["audiences"]),
                    description: String::new(),
                }
            })
        });
    let status = shown
        .credential_refusal
        .as_ref()
        .map_or(StatusCode::OK, |r| r.status);
    view::html(
        status,
        &IdentityPage {
            chrome: ctx.chrome(&format!("Managed identity {}", identity.name)),
            sub_page: subscription_page(&sub.id),
            here: page_path(&sub.id, &identity.group, &identity.name),
            sub,
            identity,
            credentials,
            shown,
        },
    )
}

/// The identity's page, the Add federated credential form filled from the query's
/// `issuer`, `subject` and `name` (a connection's details link here with them).
pub async fn page(
    ctx: Ctx,
    Path((sub, group, name)): Where,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let shown = Shown {
        form: CredentialForm::from_query(false, &q),
        credential_refusal: None,
    };
    render(&ctx, (&sub, &group, &name), shown).await
}

fn bad(message: &str) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        message: message.into(),
    }
}

/// Sends `change` (a `PUT` with its body, or a `DELETE`) to the credential `credential` of
/// the identity with the user's ARM token: back to the page, or the page with ARM's refusal.
async fn change(
    ctx: &Ctx,
    (sub, group, name): (&str, &str, &str),
    credential: &str,
    form: CredentialForm,
    put: bool,
) -> Response {
    let at = (sub, group, name);
    if credential.is_empty() {
        let r = bad("Give the federated credential's name.");
        return render(ctx, at, Shown::refused(form, r)).await;
    }
    let (found, token) = match arm_access(ctx, sub).await {
        Ok(found) => found,
        Err(r) => return ctx.refused(r),
    };
    let arm = Api::with_access_token(&ctx.state, &token);
    let path = format!(
        "{}/federatedIdentityCredentials/{}?{IDENTITY_API}",
        arm_path(&found.id, group, name),
        segment(credential)
    );
    let done = match put {
        true => arm.put(&path, &form.arm_body()).await,
        false => arm.delete(&path).await,
    };
    match done {
        Ok(_) => view::to(&page_path(&found.id, group, name)),
        Err(r) => render(ctx, at, Shown::refused(form, r)).await,
    }
}

/// Adds (or replaces, as ARM's `PUT` does) the federated credential the form names.
pub async fn add_credential(ctx: Ctx, Path((sub, group, name)): Where, body: Bytes) -> Response {
    let posted = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&posted) {
        return refused;
    }
    let form = CredentialForm::from(false, |k| posted.get(k).to_string());
    let credential = form.name.clone();
    change(&ctx, (&sub, &group, &name), &credential, form, true).await
}

/// Removes the federated credential the form names (`credential`).
pub async fn remove_credential(ctx: Ctx, Path((sub, group, name)): Where, body: Bytes) -> Response {
    let posted = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&posted) {
        return refused;
    }
    let credential = posted.get("credential").trim().to_string();
    let form = CredentialForm::empty(false);
    change(&ctx, (&sub, &group, &name), &credential, form, false).await
}
