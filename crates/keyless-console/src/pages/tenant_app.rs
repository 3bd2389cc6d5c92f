//! One app registration of a tenant: its facts, its federated identity credentials (add,
//! remove) and its client secrets (add, remove). Every call is Graph's, in the page's tenant
//! (`X-Keyless-Tenant`), so Graph decides who may read and change what.
//!
//! A new secret's value is shown once, in the answer to the form that added it: it is never
//! kept (not in the session, not in a redirect's address) and no later page can show it.

use super::connection_extras::text;
use super::credential_form::CredentialForm;
use crate::api::{Api, Refusal};
use crate::paths::segment;
use crate::view::{self, Chrome, Ctx, Posted};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::HashMap;

type Where = Path<(String, String)>;

/// The app's facts as Graph gives them.
pub struct Facts {
    pub id: String,
    pub name: String,
    pub app_id: String,
    pub audience: String,
    pub created: String,
    pub domain: String,
    pub identifier_uris: String,
}

/// A federated identity credential as a page lists it (`id` is what removing it names).
pub struct Credential {
    pub id: String,
    pub name: String,
    pub issuer: String,
    pub subject: String,
    pub audiences: String,
    pub description: String,
}

/// A client secret as Graph lists it: never its value.
pub struct Secret {
    pub key_id: String,
    pub name: String,
    pub hint: String,
    pub end: String,
}

/// A secret just added: its value, shown in this one answer.
pub struct NewSecret {
    pub name: String,
    pub key_id: String,
    pub value: String,
}

/// What the page shows besides the app: the forms' values and the last action's outcome.
pub struct Shown {
    pub form: CredentialForm,
    pub secret_name: String,
    pub credential_refusal: Option<Refusal>,
    pub secret_refusal: Option<Refusal>,
    pub new_secret: Option<NewSecret>,
}

impl Default for Shown {
    /// The empty forms (Graph keeps a credential's description).
    fn default() -> Shown {
        Shown {
            form: CredentialForm::empty(true),
            secret_name: String::new(),
            credential_refusal: None,
            secret_refusal: None,
            new_secret: None,
        }
    }
}

#[derive(Template)]
#[template(path = "tenant_app.html")]
struct AppPage {
    chrome: Chrome,
    /// The tenant's name for the breadcrumb (as the address named it when the API does not
    /// say).
    tenant: String,
    /// The tenant as the console's addresses name it, percent-encoded.
    at: String,
    /// This page's address, percent-encoded.
    here: String,
    app: Facts,
    credentials: Result<Vec<Credential>, Refusal>,
    secrets: Vec<Secret>,
    shown: Shown,
}

pub(super) fn rows<T>(v: &Value, of: impl Fn(&Value) -> T) -> Vec<T> {
    v.as_array().into_iter().flatten().map(of).collect()
}

pub(super) fn strings(v: &Value) -> String {
    rows(v, text).join(", ")
}

/// The app's address under Graph.
fn graph_path(id: &str) -> String {
    format!("/v1.0/applications/{}", segment(id))
}

/// The app's console address.
fn address(tenant: &str, id: &str) -> String {
    format!(
        "{}/tenants/{}/apps/{}",
        crate::PREFIX,
        segment(tenant),
        segment(id)
    )
}

fn graph<'a>(ctx: &'a Ctx, tenant: &str) -> Api<'a> {
    ctx.api().in_tenant(tenant)
}

/// The app's page with `shown`, answered with the status of a refusal it shows (else 200).
async fn render(ctx: &Ctx, tenant: &str, id: &str, shown: Shown) -> Response {
    let api = graph(ctx, tenant);
    let path = graph_path(id);
    let v = match api.get(&path).await {
        Ok(v) => v,
        Err(r) => return ctx.refused(r),
    };
    let credentials = api
        .get(&format!("{path}/federatedIdentityCredentials"))
        .await
        .map(|l| {
            rows(&l["value"], |f| Credential {
                id: text(&f["id"]),
                name: text(&f["name"]),
                issuer: text(&f["issuer"]),
                subject: text(&f["subject"]),
                audiences: strings(&f["audiences"]),
                description: text(&f["description"]),
            })
        });
    let secrets = rows(&v["passwordCredentials"], |p| Secret {
        key_id: text(&p["keyId"]),
        name: text(&p["displayName"]),
        hint: text(&p["hint"]),
        end: text(&p["endDateTime"]),
    });
    let app = Facts {
        id: text(&v["id"]),
        name: text(&v["displayName"]),
        app_id: text(&v["appId"]),
        audience: text(&v["signInAudience"]),
        created: text(&v["createdDateTime"]),
        domain: text(&v["publisherDomain"]),
        identifier_uris: strings(&v["identifierUris"]),
    };
    // The address may name the tenant by id (a connection's link does): the crumb shows
    // its name.
    let name = ctx
        .api()
        .get(&format!("/keyless/v1/tenants/{}", segment(tenant)))
        .await
        .ok()
        .and_then(|t| t["name"].as_str().map(String::from))
        .unwrap_or_else(|| tenant.to_string());
    let status = view::status_of(&[&shown.credential_refusal, &shown.secret_refusal]);
    view::html(
        status,
        &AppPage {
            chrome: ctx.chrome(&format!("App registration {}", app.name)),
            tenant: name,
            at: segment(tenant),
            here: address(tenant, id),
            app,
            credentials,
            secrets,
            shown,
        },
    )
}

/// The app's page, the Add federated credential form filled from the query's `issuer`,
/// `subject` and `name` (a connection's details link here with them).
pub async fn page(
    ctx: Ctx,
    Path((tenant, id)): Where,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let shown = Shown {
        form: CredentialForm::from_query(true, &q),
        ..Shown::default()
    };
    render(&ctx, &tenant, &id, shown).await
}

/// After a change Graph made: the app's page again.
fn done(tenant: &str, id: &str) -> Response {
    view::to(&address(tenant, id))
}

pub async fn add_credential(ctx: Ctx, Path((tenant, id)): Where, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let f = CredentialForm::from(true, |k| form.get(k).to_string());
    let path = format!("{}/federatedIdentityCredentials", graph_path(&id));
    match graph(&ctx, &tenant).post(&path, &f.graph_body()).await {
        Ok(_) => done(&tenant, &id),
        Err(r) => {
            let shown = Shown {
                form: f,
                credential_refusal: Some(r),
                ..Shown::default()
            };
            render(&ctx, &tenant, &id, shown).await
        }
    }
}

pub async fn remove_credential(ctx: Ctx, Path((tenant, id)): Where, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let path = format!(
        "{}/federatedIdentityCredentials/{}",
        graph_path(&id),
        segment(form.get("credential"))
    );
    match graph(&ctx, &tenant).delete(&path).await {
        Ok(_) => done(&tenant, &id),
        Err(r) => {
            let shown = Shown {
                credential_refusal: Some(r),
                ..Shown::default()
            };
            render(&ctx, &tenant, &id, shown).await
        }
    }
}

/// Adds a secret and answers with the app's page showing its value, this once.
pub async fn add_secret(ctx: Ctx, Path((tenant, id)): Where, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let name = form.get("displayName").trim().to_string();
    let path = format!("{}/addPassword", graph_path(&id));
    let answer = graph(&ctx, &tenant)
        .post(
            &path,
            &json!({ "passwordCredential": { "displayName": name } }),
        )
        .await;
    let shown = match answer {
        Ok(v) => Shown {
            new_secret: Some(NewSecret {
                name: text(&v["displayName"]),
                key_id: text(&v["keyId"]),
                value: text(&v["secretText"]),
            }),
            ..Shown::default()
        },
        Err(r) => Shown {
            secret_name: name,
            secret_refusal: Some(r),
            ..Shown::default()
        },
    };
    render(&ctx, &tenant, &id, shown).await
}

pub async fn remove_secret(ctx: Ctx, Path((tenant, id)): Where, body: Bytes) -> Response {
    let form = Posted::parse(&body);
    if let Some(refused) = ctx.csrf_refusal(&form) {
        return refused;
    }
    let path = format!("{}/removePassword", graph_path(&id));
    let key = json!({ "keyId": form.get("keyId") });
    match graph(&ctx, &tenant).post(&path, &key).await {
        Ok(_) => done(&tenant, &id),
        Err(r) => {
            let shown = Shown {
                secret_refusal: Some(r),
                ..Shown::default()
            };
            render(&ctx, &tenant, &id, shown).await
        }
    }
}
