//! keyless' REST API, called in process through the full router with the signed-in user's
//! personal access token: every permission check and every refusal text is the API's.

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use keyless_core::state::AppState;
use serde_json::Value;
use tower::ServiceExt;

/// Largest API answer the console reads, in bytes.
const MAX_ANSWER: usize = 8 << 20;

/// The API said no (or could not be asked): its status and the text to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    fn from_body(status: StatusCode, body: &[u8]) -> Refusal {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        // The envelopes of the planes: ARM, Graph and admin; DevOps; Entra.
        let message = [
            &v["error"]["message"],
            &v["message"],
            &v["error_description"],
        ]
        .into_iter()
        .find_map(|m| m.as_str())
        .map(String::from)
        .unwrap_or_else(|| format!("The API answered {status} without a message."));
        Refusal { status, message }
    }

    fn internal(message: &str) -> Refusal {
        Refusal {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: message.into(),
        }
    }
}

/// The header naming the tenant Graph acts in (the user's home tenant without it).
const TENANT_HEADER: &str = "x-keyless-tenant";

/// The API as one user, with one bearer credential: the user's personal access token, or an
/// access token the API issued to the user (ARM takes only those).
pub struct Api<'a> {
    state: &'a AppState,
    bearer: &'a str,
    /// The tenant (id, name or domain) sent in `X-Keyless-Tenant`, when one is named.
    tenant: Option<String>,
}

impl<'a> Api<'a> {
    /// As the user of the personal access token `pat`.
    pub fn new(state: &'a AppState, pat: &'a str) -> Api<'a> {
        Api {
            state,
            bearer: pat,
            tenant: None,
        }
    }

    /// The same user acting in `tenant` (id, name or domain): every request names it in
    /// `X-Keyless-Tenant`, so Graph answers for that tenant (one the user is a member or a
    /// guest of) rather than the user's home tenant.
    pub fn in_tenant(self, tenant: &str) -> Api<'a> {
        Api {
            tenant: Some(tenant.into()),
            ..self
        }
    }

    /// As the holder of `access_token` (`POST /keyless/v1/me/token`), for ARM.
    pub fn with_access_token(state: &'a AppState, access_token: &'a str) -> Api<'a> {
        Api {
            state,
            bearer: access_token,
            tenant: None,
        }
    }

    /// The status and body of `method path` (path and query, already encoded).
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, axum::body::Bytes), Refusal> {
        let router = self
            .state
            .loopback
            .router(self.state)
            .ok_or_else(|| Refusal::internal("The API router is not installed."))?;
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.bearer));
        if let Some(t) = &self.tenant {
            let value = HeaderValue::from_str(t).map_err(|_| Refusal {
                status: StatusCode::BAD_REQUEST,
                message: "A tenant is named by its id, name or domain.".into(),
            })?;
            req = req.header(TENANT_HEADER, value);
        }
        let body = match body {
            Some(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let req = req.body(body).map_err(|_| Refusal {
            status: StatusCode::UNAUTHORIZED,
            message: "That token cannot be sent in a request.".into(),
        })?;
        let resp = match router.oneshot(req).await {
            Ok(r) => r,
            Err(e) => match e {},
        };
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), MAX_ANSWER)
            .await
            .map_err(|_| Refusal::internal("The API's answer could not be read."))?;
        Ok((status, bytes))
    }

    async fn json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, Refusal> {
        let (status, bytes) = self.send(method, path, body).await?;
        if !status.is_success() {
            return Err(Refusal::from_body(status, &bytes));
        }
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .map_err(|_| Refusal::internal("The API's answer is not JSON."))
    }

    pub async fn get(&self, path: &str) -> Result<Value, Refusal> {
        self.json(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, Refusal> {
        self.json(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Result<Value, Refusal> {
        self.json(Method::PATCH, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Result<Value, Refusal> {
        self.json(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Result<Value, Refusal> {
        self.json(Method::DELETE, path, None).await
    }

    /// `DELETE` with a JSON body (the admin API names what it removes there).
    pub async fn delete_with(&self, path: &str, body: &Value) -> Result<Value, Refusal> {
        self.json(Method::DELETE, path, Some(body)).await
    }

    /// As `post`, a refusal coming with the API's whole error body (`Null` when it has
    /// none), for a page that shows more of it than its text.
    pub async fn post_keeping_body(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<Value, (Refusal, Value)> {
        let (status, bytes) = self
            .send(Method::POST, path, Some(body))
            .await
            .map_err(|r| (r, Value::Null))?;
        let parsed: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            Ok(parsed)
        } else {
            Err((Refusal::from_body(status, &bytes), parsed))
        }
    }

    /// A text answer (the catalogue's page at `/error`).
    pub async fn get_text(&self, path: &str) -> Result<String, Refusal> {
        let (status, bytes) = self.send(Method::GET, path, None).await?;
        if !status.is_success() {
            return Err(Refusal::from_body(status, &bytes));
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn refusal_text_comes_from_each_envelope() {
        let cases = [
            (
                r#"{"error":{"code":"AuthorizationFailed","message":"arm says"}}"#,
                "arm says",
            ),
            (
                r#"{"$id":"1","message":"devops says","typeKey":"X"}"#,
                "devops says",
            ),
            (
                r#"{"error":"invalid_client","error_description":"entra says"}"#,
                "entra says",
            ),
        ];
        for (body, text) in cases {
            let r = Refusal::from_body(StatusCode::FORBIDDEN, body.as_bytes());
            assert_eq!(
                (r.status, r.message.as_str()),
                (StatusCode::FORBIDDEN, text)
            );
        }
        let r = Refusal::from_body(StatusCode::BAD_GATEWAY, b"<html>");
        assert_eq!(
            r.message,
            "The API answered 502 Bad Gateway without a message."
        );
    }
}
