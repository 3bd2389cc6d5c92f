//! `POST /{tenant}/oauth2/v2.0/token` (and the v1 `/oauth2/token`): client credentials
//! with a federated assertion or a secret. Checks run in this order so the most specific
//! code wins: tenant → request shape → client → credential kind → secret or assertion →
//! tenant policy → cloud → multitenant rule → federated credential match. The policy steps
//! (secret window, tenant policy, cloud, multitenant rule) are decided by
//! `keyless_model::federation::policy`; this module gathers their facts.

use super::assertion::{self, LocalIssuer};
use super::mint::{self, ClientAuth, Grant};
use super::{Resource, resolve_tenant};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use keyless_core::envelope::{ApiError, EntraIds, entra_error, entra_headers};
use keyless_core::req::Req;
use keyless_core::resources::scope_resource;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::audit::AuditEntry;
use keyless_model::catalogue::Rendered;
use keyless_model::directory::{Application, ServicePrincipal, Tenant};
use keyless_model::federation::policy::{self, FederationFacts, Identity};
use keyless_model::federation::{Presented, first_difference, match_credential};
use keyless_model::form::Form;
use serde_json::json;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

pub async fn token_v2(Req { s, headers }: Req, Path(root): Path<String>, body: Bytes) -> Response {
    respond(&s, &root, &headers, &body, Version::V2).await
}

pub async fn token_v1(Req { s, headers }: Req, Path(root): Path<String>, body: Bytes) -> Response {
    respond(&s, &root, &headers, &body, Version::V1).await
}

/// The caller's `client-request-id` (if a GUID) is echoed as the correlation id.
fn correlation_id(headers: &HeaderMap) -> Uuid {
    headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Uuid::parse_str(v).ok())
        .unwrap_or_else(Uuid::new_v4)
}

async fn respond(
    s: &AppState,
    root: &str,
    headers: &HeaderMap,
    body: &[u8],
    v: Version,
) -> Response {
    let trace = Uuid::new_v4();
    let correlation = correlation_id(headers);
    let form = Form::parse(body);
    let mut rec = keyless_core::audit::entry("token", s.now());
    rec.correlation_id = Some(correlation.to_string());
    rec.trace_id = Some(trace.to_string());
    rec.client_id = form.get("client_id").map(str::to_string);
    let outcome = exchange(s, root, headers, &form, v, &mut rec).await;
    s.audit
        .record_outcome(rec, outcome.as_ref().err().map(|e| e.code()));
    match outcome {
        Ok(issued) => {
            // Grants at debug: each is in the audit log already, and at thousands a minute
            // a line apiece is a log nobody reads (and 2% of the token's CPU).
            tracing::debug!(
                decision = "granted",
                tenant.id = %issued.tenant,
                client.id = %issued.client_id,
                uti = %issued.minted.uti,
                %correlation,
                "token issued"
            );
            let mut body = json!({
                "token_type": "Bearer",
                "expires_in": issued.minted.expires_in,
                "ext_expires_in": issued.minted.expires_in,
                "access_token": issued.minted.access_token,
            });
            if v == Version::V1 {
                let now = s.now();
                body["expires_on"] = json!((now + issued.minted.expires_in).to_string());
                body["not_before"] = json!(now.to_string());
                body["resource"] = json!(issued.resource);
            }
            let mut resp = Json(body).into_response();
            entra_headers(resp.headers_mut());
            resp
        }
        Err(e) => {
            tracing::info!(
                decision = "denied",
                code = e.code(),
                client.id = form.get("client_id").unwrap_or(""),
                %correlation,
                "token refused"
            );
            match e.rendered.entry.plane {
                keyless_model::catalogue::Plane::Entra => {
                    let ids = EntraIds {
                        origin: &s.origin,
                        trace,
                        correlation,
                        at: s.now(),
                    };
                    entra_error(&e.rendered, e.oauth_error, ids)
                }
                _ => e.into_response(),
            }
        }
    }
}

struct Issued {
    tenant: Uuid,
    client_id: Uuid,
    resource: String,
    minted: mint::Minted,
}

fn required<'a>(form: &'a Form<'_>, name: &str) -> Result<&'a str, ApiError> {
    match form.get(name).map(|v| v.trim()) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(ApiError::new("900144", &[("name", name)])),
    }
}

/// HTTP Basic client authentication (`client_id:client_secret`), legal but rare.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let v = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let b64 = v
        .strip_prefix("Basic ")
        .or_else(|| v.strip_prefix("basic "))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

async fn exchange(
    s: &AppState,
    root: &str,
    headers: &HeaderMap,
    form: &Form<'_>,
    v: Version,
    rec: &mut AuditEntry,
) -> Result<Issued, ApiError> {
    let tenant = resolve_tenant(s, root).await?;
    rec.tenant_id = Some(tenant.id);
    let grant_type = required(form, "grant_type")?;
    if grant_type != "client_credentials" {
        return Err(ApiError::new("70003", &[("grant_type", grant_type)]));
    }
    let basic = basic_credentials(headers);
    let client_id = match (form.get("client_id"), &basic) {
        (Some(c), _) if !c.trim().is_empty() => c.trim().to_string(),
        (_, Some((c, _))) => c.clone(),
        _ => return Err(ApiError::new("900144", &[("name", "client_id")])),
    };
    let resource_name = match v {
        Version::V2 => {
            let scope = required(form, "scope")?;
            scope_resource(scope)
                .ok_or_else(|| ApiError::new("70011", &[("scope", scope)]))?
                .to_string()
        }
        Version::V1 => required(form, "resource")?.to_string(),
    };
    let resource = Resource::parse(&resource_name, &s.origin).ok_or_else(|| {
        ApiError::new(
            "500011",
            &[
                ("resource", &resource_name),
                ("tenant", &tenant.id.to_string()),
            ],
        )
    })?;
    rec.detail = json!({"resource": resource.audience()});
    let (principal, app) = find_client(s, &tenant, &client_id).await?;
    let name = app
        .as_ref()
        .map(|a| a.display_name.clone())
        .unwrap_or_else(|| principal.display_name.clone());
    let app_id = principal.app_id.to_string();
    if !principal.account_enabled || app.as_ref().is_some_and(|a| !a.enabled) {
        return Err(ApiError::new(
            "7000112",
            &[("app_id", &app_id), ("name", &name)],
        ));
    }
    let secret = form
        .get("client_secret")
        .map(str::to_string)
        .or_else(|| basic.map(|(_, s)| s));
    let assertion = form.get("client_assertion");
    let auth = match (assertion, secret) {
        (Some(a), _) if !a.is_empty() => {
            if form.get("client_assertion_type") != Some(JWT_BEARER) {
                return Err(ApiError::new(
                    "900144",
                    &[("name", "client_assertion_type")],
                ));
            }
            federated(s, &tenant, &principal, app.as_ref(), &name, a, rec).await?;
            ClientAuth::Assertion
        }
        (_, Some(secret)) if !secret.is_empty() => {
            check_secret(s, app.as_ref(), &app_id, &secret).await?;
            ClientAuth::Secret
        }
        _ => return Err(ApiError::new("7000218", &[])),
    };
    let minted = mint::access_token(
        s,
        Grant {
            tenant: &tenant,
            principal: &principal,
            resource: &resource,
            auth,
            lifetime: mint::ACCESS_TOKEN_LIFETIME,
        },
    )
    .await?;
    Ok(Issued {
        tenant: tenant.id,
        client_id: principal.app_id,
        resource: resource.audience().to_string(),
        minted,
    })
}

/// The client's service principal in this tenant (and its app registration, unless it is a
/// managed identity). A multitenant app authenticates wherever it has a principal.
async fn find_client(
    s: &AppState,
    tenant: &Tenant,
    client_id: &str,
) -> Result<(ServicePrincipal, Option<Application>), ApiError> {
    let not_found = || {
        ApiError::new(
            "700016",
            &[("client_id", client_id), ("tenant", &tenant.id.to_string())],
        )
    };
    let id = Uuid::parse_str(client_id).map_err(|_| not_found())?;
    let (principal, app) = match s.cache.client(tenant.id, id).await {
        Ok(c) => c,
        Err(keyless_store::StoreError::NotFound) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    if let Some(a) = &app
        && a.tenant_id != tenant.id
        && !a.is_multitenant()
    {
        return Err(not_found());
    }
    Ok((principal, app))
}

/// Secrets are compared by salted hash; every secret of the app is tried, so a rotated-in
/// secret works alongside the old one until that expires. A managed identity has none.
async fn check_secret(
    s: &AppState,
    app: Option<&Application>,
    app_id: &str,
    secret: &str,
) -> Result<(), ApiError> {
    let now = s.now();
    let passwords = match app {
        Some(app) => Some(s.cache.passwords(app.id).await?),
        None => None,
    };
    let matching = passwords
        .iter()
        .flat_map(|list| list.iter())
        .filter(|p| keyless_core::credentials::secret_matches(p, secret))
        .map(|p| (p.start_date_time, p.end_date_time));
    policy::secret(app_id, matching, now).map_err(|r| ApiError::from(r.render()))
}

async fn federated(
    s: &AppState,
    tenant: &Tenant,
    principal: &ServicePrincipal,
    app: Option<&Application>,
    name: &str,
    raw: &str,
    rec: &mut AuditEntry,
) -> Result<(), ApiError> {
    let parent = app.map(|a| a.id).unwrap_or(principal.id);
    let credentials = s.cache.fics(parent).await?;
    let issuers: Vec<String> = credentials.iter().map(|c| c.issuer.clone()).collect();
    let a = assertion::verify(s, raw, &issuers).await?;
    rec.issuer = Some(a.issuer.clone());
    rec.subject = Some(a.subject.clone());
    rec.audience = Some(a.audiences.join(","));
    rec.connection_id = connection_of(&a.subject);

    let identity = match app {
        Some(app) => Identity::App {
            sign_in_audience: &app.sign_in_audience,
        },
        None => Identity::ManagedIdentity,
    };
    policy::federation(&FederationFacts {
        policy: &tenant.settings.federation,
        tenant_cloud: tenant.cloud,
        identity,
        issuer: &a.issuer,
        issuer_cloud: a.issuer_cloud,
        tenant_v2_issuer: matches!(a.local, Some(LocalIssuer::TenantV2(_))),
    })
    .map_err(|r| ApiError::from(r.render()))?;
    let presented = Presented {
        issuer: &a.issuer,
        subject: &a.subject,
        audiences: &a.audiences,
    };
    let app_id = principal.app_id.to_string();
    let evaluate = |text: &str| {
        keyless_model::federation::expression::parse(text, 1)
            .map(|e| e.evaluate(&a.claims))
            .unwrap_or(false)
    };
    let legacy = a.local == Some(LocalIssuer::Legacy);
    match_credential(&credentials, &presented, &app_id, name, evaluate)
        .map(|_| ())
        .map_err(|r: Rendered| {
            // A token of the legacy issuer that matches no credential gets the generic
            // mismatch, which names the issuer, as Entra answers it.
            let r = if legacy && ["700211", "700213", "7002138"].contains(&r.code()) {
                let aud = a.audiences.join(",");
                Rendered::new(
                    "70021",
                    &[("iss", &a.issuer), ("sub", &a.subject), ("aud", &aud)],
                )
            } else {
                r
            };
            if let Some((near, diff)) =
                keyless_model::federation::nearest_credential(&credentials, &presented)
            {
                // For administrators only: the caller sees Entra's generic text.
                rec.detail["nearestCredential"] = json!({
                    "name": near.name,
                    "differs": diff,
                    "configured": {"issuer": near.issuer, "subject": near.subject, "audiences": near.audiences},
                    "presented": {"issuer": a.issuer, "subject": a.subject, "audiences": a.audiences},
                    "firstDifference": first_difference(near, &presented, "presented"),
                });
            }
            ApiError::from(r)
        })
}

/// The connection id inside an Entra-generation subject (`…/sc/{org}/{connection}`).
fn connection_of(subject: &str) -> Option<Uuid> {
    let (_, rest) = subject.rsplit_once("/sc/")?;
    Uuid::parse_str(rest.split('/').nth(1)?).ok()
}
