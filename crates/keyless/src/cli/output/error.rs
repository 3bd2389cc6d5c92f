//! Errors as people read them, and the exit codes scripts test:
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | done |
//! | 1 | refused by the server, or a check failed |
//! | 2 | usage: a flag or argument is wrong (clap's own errors use 2 too) |
//! | 3 | the server cannot be reached |
//!
//! An answer of the server that is not a success is printed as its catalogue entry: the
//! code, the server's message, the fix, and the `keyless explain` line for more.

use keyless_model::catalogue;
use serde_json::Value;
use std::fmt;
use std::process::ExitCode;

pub const OK: u8 = 0;
pub const FAILED: u8 = 1;
pub const USAGE: u8 = 2;
pub const UNREACHABLE: u8 = 3;

/// The server answered with an error status.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    /// The code in the body: ARM's and Graph's `error.code`, Azure DevOps' `typeKey`,
    /// Entra's first `error_codes` (else its OAuth `error`).
    pub code: Option<String>,
    pub message: String,
    /// What the envelope adds to the message: ARM's `error.details` (`code: message`),
    /// Graph's `innerError` request id and date, Azure DevOps' `errorCode` when not 0.
    pub details: Vec<String>,
}

impl ApiError {
    /// The error an answer of status `status` with body `body` stands for.
    pub fn from_body(status: u16, body: &Value) -> ApiError {
        let message = body
            .pointer("/message")
            .or_else(|| body.pointer("/error/message"))
            .or_else(|| body.pointer("/error_description"))
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| match body {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            });
        let text = |p: &str| body.pointer(p).and_then(Value::as_str).map(String::from);
        let code = text("/error/code")
            .or_else(|| text("/typeKey"))
            .or_else(|| {
                body.pointer("/error_codes/0")
                    .and_then(Value::as_i64)
                    .map(|n| format!("AADSTS{n}"))
            })
            .or_else(|| text("/error"));
        ApiError {
            status,
            code,
            message,
            details: details(body),
        }
    }

    /// The catalogue entry: found from the message first (it is more specific than the
    /// generic codes of ARM's envelope), else from the code.
    pub fn entry(&self) -> Option<&'static catalogue::Entry> {
        catalogue::identify(&self.message)
            .or_else(|| self.code.as_deref().and_then(catalogue::find))
    }
}

/// The lines of an error envelope besides its message and code.
fn details(body: &Value) -> Vec<String> {
    let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(String::from);
    let mut lines: Vec<String> = body
        .pointer("/error/details")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|d| match (text(d, "/code"), text(d, "/message")) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (c, m) => c.or(m).unwrap_or_else(|| d.to_string()),
        })
        .collect();
    let inner = body
        .pointer("/error/innerError")
        .or_else(|| body.pointer("/error/innererror"));
    if let Some(inner) = inner {
        let fields = [("request-id", "/request-id"), ("date", "/date")];
        lines.extend(
            fields
                .iter()
                .filter_map(|(name, p)| text(inner, p).map(|v| format!("{name}: {v}"))),
        );
    }
    if let Some(n) = body.pointer("/errorCode").and_then(Value::as_i64)
        && n != 0
    {
        lines.push(format!("errorCode: {n}"));
    }
    lines
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        write!(f, "{} {reason}: {}", self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

/// The request never got an answer.
#[derive(Debug)]
pub struct Unreachable {
    pub url: String,
    pub cause: String,
}

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot reach keyless at {}: {}", self.url, self.cause)
    }
}

impl std::error::Error for Unreachable {}

/// A flag or argument the command cannot use.
#[derive(Debug)]
pub struct Usage(pub String);

impl Usage {
    pub fn error(msg: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Usage(msg.into()))
    }
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// The innermost cause of `e` of type `T`.
fn find<T: std::error::Error + Send + Sync + 'static>(e: &anyhow::Error) -> Option<&T> {
    e.chain().find_map(|c| c.downcast_ref::<T>())
}

/// The lines printed for `e` (without colour) and its exit code.
pub fn describe(e: &anyhow::Error) -> (Vec<String>, u8) {
    if let Some(api) = find::<ApiError>(e) {
        let mut lines: Vec<String> = format!("{e:#}").lines().map(String::from).collect();
        lines.extend(api.details.iter().map(|d| format!("  detail: {d}")));
        if let Some(entry) = api.entry() {
            let shown = match entry.code.chars().all(|c| c.is_ascii_digit()) {
                true => format!("AADSTS{}", entry.code),
                false => entry.code.to_string(),
            };
            lines.push(format!("  code:  {shown} ({} {})", api.status, entry.error));
            lines.push(format!("  cause: {}", entry.cause));
            lines.push(format!("  fix:   {}", entry.fix));
            lines.push(format!("  more:  keyless explain {shown}"));
        } else if let Some(code) = &api.code {
            lines.push(format!("  code:  {code} ({})", api.status));
        }
        return (lines, FAILED);
    }
    if find::<Unreachable>(e).is_some() {
        return (
            vec![
                format!("{e:#}"),
                "  fix:   start the server (keyless serve), or point the CLI at it with --url, KEYLESS_URL or keyless login".to_string(),
            ],
            UNREACHABLE,
        );
    }
    if find::<Usage>(e).is_some() {
        return (vec![format!("{e:#}")], USAGE);
    }
    (vec![format!("{e:#}")], FAILED)
}

/// Prints `e` on standard error and gives the exit code it stands for.
pub fn report(e: &anyhow::Error) -> ExitCode {
    let (lines, code) = describe(e);
    for (i, l) in lines.iter().enumerate() {
        if i == 0 {
            eprintln!("{} {l}", super::red_stderr("error:"));
        } else {
            eprintln!("{l}");
        }
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_errors_are_catalogue_entries_and_exit_1() {
        let body = json!({"error": {"code": "AuthorizationFailed", "message": "The client 'x' with object id 'y' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/read' over scope '/subscriptions/z' or the scope is invalid."}});
        let e = anyhow::Error::new(ApiError::from_body(403, &body));
        let (lines, code) = describe(&e);
        assert_eq!(code, FAILED);
        assert!(
            lines[0].starts_with("403 Forbidden: The client"),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("  code:  AuthorizationFailed")),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l.starts_with("  fix:")), "{lines:?}");
    }

    #[test]
    fn errors_outside_the_catalogue_show_their_code_and_details() {
        // Azure DevOps' envelope: the typeKey is the code.
        let body = json!({"$id": "1", "innerException": null, "message": "The service endpoint with id 'x' does not exist.\nCheck the id.", "typeName": "Microsoft.VisualStudio.Services.ServiceEndpoints.WebApi.ServiceEndpointNotFoundException", "typeKey": "ServiceEndpointNotFoundException", "errorCode": 0, "eventId": 3000});
        let (lines, code) = describe(&anyhow::Error::new(ApiError::from_body(404, &body)));
        assert_eq!(code, FAILED);
        assert_eq!(
            lines,
            [
                "404 Not Found: The service endpoint with id 'x' does not exist.",
                "Check the id.",
                "  code:  ServiceEndpointNotFoundException (404)",
            ]
        );
        // ARM's details and Graph's inner error.
        let body = json!({"error": {"code": "SomethingOdd", "message": "Bad.", "details": [{"code": "A", "message": "first"}, {"message": "second"}], "innerError": {"request-id": "r1", "date": "2026-01-01T00:00:00"}}});
        let (lines, _) = describe(&anyhow::Error::new(ApiError::from_body(400, &body)));
        for want in [
            "  detail: A: first",
            "  detail: second",
            "  detail: request-id: r1",
            "  detail: date: 2026-01-01T00:00:00",
            "  code:  SomethingOdd (400)",
        ] {
            assert!(lines.iter().any(|l| l == want), "{want}: {lines:?}");
        }
    }

    #[test]
    fn entra_codes_and_other_failures() {
        let body = json!({"error": "invalid_client", "error_description": "AADSTS700213: No matching federated identity record found", "error_codes": [700213]});
        let api = ApiError::from_body(400, &body);
        assert_eq!(api.code.as_deref(), Some("AADSTS700213"));
        assert_eq!(api.entry().map(|e| e.code), Some("700213"));
        let unreachable = anyhow::Error::new(Unreachable {
            url: "https://x".into(),
            cause: "refused".into(),
        });
        assert_eq!(describe(&unreachable).1, UNREACHABLE);
        assert_eq!(
            ApiError::from_body(400, &json!({"error": "invalid_request"})).code,
            Some("invalid_request".into())
        );
        assert_eq!(describe(&Usage::error("bad")).1, USAGE);
        assert_eq!(describe(&anyhow::anyhow!("other")).1, FAILED);
    }
}
