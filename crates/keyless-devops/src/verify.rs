//! Verify ("test connection", `POST /{org}/_apis/serviceendpoint/endpointproxy?endpointId=`):
//! runs the chain for real, in process, through the same routes clients use: the
//! connection's credential (an ID token minted by its issuer, or its secret), the token
//! endpoint of its tenant, then `GET` of its scope on ARM. Each step's outcome carries the
//! catalogue code on failure. Success makes a Draft Ready, clears a rename warning and
//! opens the verify-then-save window that renews automatic secrets.

use super::security::{connection_by_id, require};
use crate::data::*;
use axum::Json;
use axum::extract::Query;
use axum::http::Request;
use keyless_core::auth::Caller;
use keyless_core::envelope::{ApiError, DevopsError};
use keyless_core::req::Req;
use keyless_core::state::AppState;
use keyless_model::catalogue::Rendered;
use keyless_model::devops::automatic::{ScopeLevel, scope_of};
use keyless_model::devops::data::ConnectionData;
use keyless_model::devops::security::EndpointAction;
use keyless_model::devops::{ConnectionState, Organization, Scheme, ServiceConnection};
use serde_json::{Value, json};
use std::collections::HashMap;
use tower::ServiceExt;

/// One step of the chain and how it went.
pub struct Outcome {
    pub step: &'static str,
    pub ok: bool,
    pub code: Option<String>,
    pub message: String,
}

async fn call(s: &AppState, req: Request<axum::body::Body>) -> (u16, Value) {
    let Some(router) = s.loopback.router(s) else {
        return (
            503,
            json!({"error": {"message": "The router is not installed."}}),
        );
    };
    match router.oneshot(req).await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
                .await
                .unwrap_or_default();
            (
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            )
        }
        Err(e) => match e {},
    }
}

fn api_version(level: ScopeLevel) -> &'static str {
    match level {
        ScopeLevel::Subscription => "2016-06-01",
        ScopeLevel::ManagementGroup => "2020-05-01",
        ScopeLevel::ResourceGroup => "2021-04-01",
        ScopeLevel::MachineLearningWorkspace => "2023-10-01",
    }
}

/// Runs the chain; the outcomes in order (stops at the first failure).
pub async fn run(s: &AppState, c: &ServiceConnection, org: &Organization) -> Vec<Outcome> {
    let mut out = Vec::new();
    let mut form = vec![
        ("grant_type", "client_credentials".to_string()),
        ("client_id", c.client_id.to_string()),
        ("scope", "https://management.azure.com/.default".to_string()),
    ];
    match super::schemes::rules(c.scheme)
        .verify_credential(s, c, org)
        .await
    {
        Ok((outcome, fields)) => {
            out.push(outcome);
            form.extend(fields);
        }
        Err(outcome) => {
            out.push(outcome);
            return out;
        }
    }
    let body = serde_urlencoded::to_string(&form).unwrap_or_default();
    let req = Request::post(format!("/{}/oauth2/v2.0/token", c.tenant_id))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body));
    let Ok(req) = req else { return out };
    let (status, v) = call(s, req).await;
    let Some(token) = v["access_token"]
        .as_str()
        .filter(|_| status == 200)
        .map(String::from)
    else {
        let code = v["error_codes"][0].as_i64().map(|c| c.to_string());
        let description = v["error_description"]
            .as_str()
            .unwrap_or("The token endpoint refused the request.");
        let message = token_refusal(c.scheme, code.as_deref(), description);
        out.push(Outcome {
            step: "token",
            ok: false,
            code,
            message,
        });
        return out;
    };
    out.push(Outcome {
        step: "token",
        ok: true,
        code: None,
        message: "Access token for Azure Resource Manager issued.".into(),
    });
    let (level, scope) = match scope_of(&c.data) {
        Ok(x) => x,
        Err(field) => {
            out.push(Outcome {
                step: "scope",
                ok: false,
                code: Some("BadRequest".into()),
                message: format!("The connection's data.{field} is missing."),
            });
            return out;
        }
    };
    let req = Request::get(format!("{scope}?api-version={}", api_version(level)))
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty());
    let Ok(req) = req else { return out };
    let (status, v) = call(s, req).await;
    if status == 200 {
        out.push(Outcome {
            step: "scope",
            ok: true,
            code: None,
            message: format!("GET {scope} succeeded."),
        });
    } else {
        out.push(Outcome {
            step: "scope",
            ok: false,
            code: v["error"]["code"].as_str().map(String::from),
            message: v["error"]["message"]
                .as_str()
                .unwrap_or("ARM refused the request.")
                .to_string(),
        });
    }
    out
}

/// What verify shows when the token endpoint refuses: Azure DevOps' words for the kind of
/// credential, then Microsoft Entra's description. A federated connection's ID token was
/// rejected by Entra; a secret connection could not obtain its token.
pub fn token_refusal(scheme: Scheme, code: Option<&str>, description: &str) -> String {
    let wrapper = match (scheme, code) {
        (Scheme::WorkloadIdentityFederation, Some(code)) => {
            Rendered::new("EntraRejected", &[("code", code)])
        }
        _ => Rendered::new("JwtFailed", &[]),
    };
    wrapper.message.replace("{detail}", description)
}

/// Verifies and records the result on the connection.
pub async fn verify(
    s: &AppState,
    caller: &Caller,
    c: &mut ServiceConnection,
    org: &Organization,
) -> Result<Vec<Outcome>, ApiError> {
    let outcomes = run(s, c, org).await;
    if outcomes.iter().all(|o| o.ok) {
        c.state = ConnectionState::Ready;
        c.status_message.clear();
        c.data.set_verified_at(s.now());
        super::lifecycle::change_connection(s, Some(caller), "verified", c, async |tx| {
            Ok(tx.data().update_connection(c).await?)
        })
        .await?;
    }
    Ok(outcomes)
}

pub fn outcomes_json(outcomes: &[Outcome]) -> Value {
    let failed = outcomes.iter().find(|o| !o.ok);
    json!({
        "result": [],
        "statusCode": if failed.is_some() { "badRequest" } else { "ok" },
        "errorMessage": failed.map(|o| o.message.clone()).unwrap_or_default(),
        "activityId": keyless_model::Uuid::new_v4().to_string(),
        "steps": outcomes.iter().map(|o| json!({
            "step": o.step,
            "outcome": if o.ok { "succeeded" } else { "failed" },
            "code": o.code,
            "message": o.message,
        })).collect::<Vec<_>>(),
    })
}

/// `POST /{org}/_apis/serviceendpoint/endpointproxy?endpointId={id}` (the test call; the
/// body's `dataSourceDetails` is accepted and ignored). Needs the User role.
pub async fn endpoint_proxy(
    Req { s, headers }: Req,
    axum::extract::Path(root): axum::extract::Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DevopsError> {
    let (caller, org) = super::managed_org(&s, &headers, &root).await?;
    let id = q
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("endpointId"))
        .map(|(_, v)| v.clone())
        .ok_or_else(|| ApiError::detail("BadRequest", "endpointId is required."))?;
    let mut c = connection_by_id(&s, &org, &id).await?;
    let home = s.db().get_project(c.project_id).await?;
    require(&s, &caller, &org, &home, Some(&c), EndpointAction::Use).await?;
    let outcomes = verify(&s, &caller, &mut c, &org).await?;
    Ok(Json(outcomes_json(&outcomes)))
}
