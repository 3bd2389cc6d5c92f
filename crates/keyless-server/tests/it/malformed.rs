//! Malformed input, one table across the planes (the token endpoint, ARM, Graph, Azure
//! DevOps): bodies that are not JSON or not the JSON asked for, the wrong media type,
//! bodies over the limit, ids and paths that cannot name anything, odd Unicode, repeated
//! query parameters. Each case states its status and code in its plane's envelope; after
//! each, a genuine request to that plane still succeeds.

use crate::common::{self, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The plane a case addresses, which decides the credential, the envelope and the
/// request that proves the plane still healthy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plane {
    Entra,
    Arm,
    Graph,
    DevOps,
}

/// One malformed request: `{tenant}`, `{sub}` and `{client}` in the path and body are the
/// demo's; `code` is the AADSTS number on the token endpoint, the `error.code` of ARM and
/// Graph, and the `typeKey` of Azure DevOps.
struct Case {
    name: &'static str,
    plane: Plane,
    method: Method,
    path: &'static str,
    content_type: Option<&'static str>,
    body: Body,
    status: u16,
    code: &'static str,
}

enum Body {
    None,
    Text(&'static str),
    /// `n` bytes of JSON whitespace around an empty object: over the 1 MiB limit.
    Huge(usize),
}

const JSON: Option<&str> = Some("application/json");
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");
const TOKEN: &str = "/{tenant}/oauth2/v2.0/token";
const RG: &str = "/subscriptions/{sub}/resourcegroups/rg-malformed?api-version=2022-12-01";
const APPS: &str = "/v1.0/applications";
const ENDPOINTS: &str = "/contoso/_apis/serviceendpoint/endpoints?api-version=7.1";

type Row = (
    &'static str,
    Plane,
    &'static str,
    &'static str,
    Option<&'static str>,
    Body,
    u16,
    &'static str,
);

/// The table: one line per case, `(name, plane, method, path, media type, body, status,
/// code)`.
#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Plane::*;
    let t = Body::Text;
    let rows: Vec<Row> = vec![
        // The token endpoint.
        ("token: a JSON body", Entra, "POST", TOKEN, JSON, t(r#"{"grant_type":"client_credentials"}"#), 400, "900144"),
        ("token: a form sent as text/plain", Entra, "POST", TOKEN, Some("text/plain"), t("grant_type=client_credentials"), 400, "900144"),
        ("token: no media type", Entra, "POST", TOKEN, None, t("grant_type=client_credentials&client_id={client}"), 400, "900144"),
        ("token: a body over 1 MiB", Entra, "POST", TOKEN, FORM, Body::Huge(2 << 20), 413, "invalid_request"),
        ("token: a tenant that is no id", Entra, "POST", "/not_a_tenant!/oauth2/v2.0/token", FORM, t("grant_type=client_credentials"), 400, "900023"),
        ("token: a tenant with a right-to-left override", Entra, "POST", "/%E2%80%AEtenant/oauth2/v2.0/token", FORM, t("grant_type=client_credentials"), 400, "900023"),
        ("token: a grant type behind a byte order mark", Entra, "POST", TOKEN, FORM, t("grant_type=%EF%BB%BFclient_credentials&client_id={client}"), 400, "70003"),
        ("token: a NUL in the client id", Entra, "POST", TOKEN, FORM, t("grant_type=client_credentials&client_id=%00{client}&scope=https%3A%2F%2Fmanagement.azure.com%2F.default&client_secret=x"), 400, "700016"),
        ("token: invalid UTF-8 in the form", Entra, "POST", TOKEN, FORM, t("grant_type=client_credentials&client_id=%FF%FE&scope=https%3A%2F%2Fmanagement.azure.com%2F.default&client_secret=x"), 400, "700016"),
        ("token: grant_type twice", Entra, "POST", TOKEN, FORM, t("grant_type=client_credentials&grant_type=password&client_id={client}"), 400, "70003"),
        // ARM.
        ("arm: JSON cut short", Arm, "PUT", RG, JSON, t(r#"{"location":"#), 400, "InvalidRequestContent"),
        ("arm: an empty body", Arm, "PUT", RG, JSON, t(""), 400, "InvalidRequestContent"),
        ("arm: a JSON array", Arm, "PUT", RG, JSON, t("[]"), 400, "InvalidRequestContent"),
        ("arm: a location of the wrong type", Arm, "PUT", RG, JSON, t(r#"{"location":42}"#), 400, "InvalidRequestContent"),
        ("arm: an XML body", Arm, "PUT", RG, Some("application/xml"), t("<location>westeurope</location>"), 415, "UnsupportedMediaType"),
        ("arm: a body over 1 MiB", Arm, "PUT", RG, JSON, Body::Huge(2 << 20), 413, "RequestBodyTooLarge"),
        ("arm: a subscription that is no GUID", Arm, "GET", "/subscriptions/not-a-guid/resourcegroups?api-version=2022-12-01", None, Body::None, 400, "InvalidSubscriptionId"),
        ("arm: a group name with a right-to-left override", Arm, "PUT", "/subscriptions/{sub}/resourcegroups/rg%E2%80%AEx?api-version=2022-12-01", JSON, t(r#"{"location":"westeurope"}"#), 400, "BadRequest"),
        ("arm: a group name with a NUL", Arm, "PUT", "/subscriptions/{sub}/resourcegroups/rg%00x?api-version=2022-12-01", JSON, t(r#"{"location":"westeurope"}"#), 400, "BadRequest"),
        ("arm: a group name of invalid UTF-8", Arm, "PUT", "/subscriptions/{sub}/resourcegroups/rg%FF?api-version=2022-12-01", JSON, t(r#"{"location":"westeurope"}"#), 400, "BadRequest"),
        ("arm: api-version twice", Arm, "GET", "/subscriptions/{sub}/resourcegroups?api-version=2022-12-01&api-version=2021-04-01", None, Body::None, 400, "InvalidApiVersionParameter"),
        // Graph.
        ("graph: JSON cut short", Graph, "POST", APPS, JSON, t(r#"{"displayName":"#), 400, "BadRequest"),
        ("graph: a JSON array", Graph, "POST", APPS, JSON, t("[]"), 400, "BadRequest"),
        ("graph: a display name of the wrong type", Graph, "POST", APPS, JSON, t(r#"{"displayName":["a"]}"#), 400, "BadRequest"),
        ("graph: a text/plain body", Graph, "POST", APPS, Some("text/plain"), t(r#"{"displayName":"x"}"#), 400, "BadRequest"),
        ("graph: no media type", Graph, "POST", APPS, None, t(r#"{"displayName":"x"}"#), 400, "BadRequest"),
        ("graph: a body over 1 MiB", Graph, "POST", APPS, JSON, Body::Huge(2 << 20), 413, "RequestBodyTooLarge"),
        ("graph: an object id that is no GUID", Graph, "GET", "/v1.0/applications/not-a-guid", None, Body::None, 404, "Request_ResourceNotFound"),
        ("graph: an appId key with a right-to-left override", Graph, "GET", "/v1.0/applications(appId='%E2%80%AE')", None, Body::None, 404, "Request_ResourceNotFound"),
        ("graph: $filter twice", Graph, "GET", "/v1.0/applications?$filter=displayName eq 'a'&$filter=displayName eq 'b'", None, Body::None, 400, "Request_BadRequest"),
        ("graph: $top that is no number", Graph, "GET", "/v1.0/applications?$top=ten", None, Body::None, 400, "Request_BadRequest"),
        // Azure DevOps.
        ("devops: JSON cut short", DevOps, "POST", ENDPOINTS, JSON, t(r#"{"name":"#), 400, "ServiceEndpointException"),
        ("devops: a JSON array", DevOps, "POST", ENDPOINTS, JSON, t("[]"), 400, "ServiceEndpointException"),
        ("devops: a text/plain body", DevOps, "POST", ENDPOINTS, Some("text/plain"), t(r#"{"name":"x"}"#), 400, "ServiceEndpointException"),
        ("devops: a body over 1 MiB", DevOps, "POST", ENDPOINTS, JSON, Body::Huge(2 << 20), 413, "ServiceEndpointException"),
        ("devops: an endpoint id that is no GUID", DevOps, "GET", "/contoso/_apis/serviceendpoint/endpoints/not-a-guid?api-version=7.1", None, Body::None, 404, "ServiceEndpointException"),
        ("devops: an organization with a right-to-left override", DevOps, "GET", "/%E2%80%AEcontoso/_apis/projects?api-version=7.1", None, Body::None, 404, "ServiceEndpointException"),
    ];
    rows.into_iter()
        .map(|(name, plane, method, path, content_type, body, status, code)| Case {
            name, plane, method: Method::from_bytes(method.as_bytes()).unwrap(), path, content_type, body, status, code,
        })
        .collect()
}

/// The request that shows `plane` still serves.
async fn healthy(s: &TestServer, plane: Plane, arm_token: &str) {
    match plane {
        Plane::Entra => {
            let id = s.id_token().await;
            let (status, body) = s.exchange(&id).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        Plane::Arm => {
            s.get_ok_as(arm_token, "/subscriptions?api-version=2022-12-01")
                .await;
        }
        Plane::Graph => {
            s.admin_ok(APPS).await;
        }
        Plane::DevOps => {
            s.admin_ok("/contoso/_apis/projects?api-version=7.1").await;
        }
    }
}

fn check(c: &Case, status: StatusCode, body: &Value) {
    let name = c.name;
    match c.plane {
        Plane::Entra => match c.code.parse::<u64>() {
            Ok(code) => {
                let error = body["error"].as_str().unwrap_or_default();
                TestServer::assert_case_entra(name, status, body, code, error);
                assert_eq!(status.as_u16(), c.status, "{name}: {body}");
            }
            Err(_) => {
                assert_eq!(status.as_u16(), c.status, "{name}: {body}");
                assert_eq!(body["error"], c.code, "{name}: {body}");
                assert!(body["error_description"].is_string(), "{name}: {body}");
            }
        },
        Plane::Arm | Plane::Graph => {
            common::assert_case_error_code(name, status, body, c.status, c.code);
        }
        Plane::DevOps => {
            assert_eq!(status.as_u16(), c.status, "{name}: {body}");
            assert_eq!(body["typeKey"], c.code, "{name}: {body}");
            assert!(body["message"].is_string(), "{name}: {body}");
        }
    }
}

#[tokio::test]
async fn malformed_requests_are_refused_in_each_planes_envelope() {
    let (s, arm_token) = TestServer::start_with_arm_token().await;
    let fill = |t: &str| {
        t.replace("{tenant}", &s.var("AZURE_TENANT_ID"))
            .replace("{sub}", &s.var("AZURE_SUBSCRIPTION_ID"))
            .replace("{client}", &s.var("AZURE_CLIENT_ID"))
    };
    let admin = s.var("KEYLESS_TOKEN");
    let mut failed = Vec::new();
    for c in cases() {
        let url = format!("{}{}", s.origin, fill(c.path));
        let mut req = s.http.request(c.method.clone(), url);
        req = match c.plane {
            Plane::Entra => req,
            Plane::Arm => req.bearer_auth(&arm_token),
            Plane::Graph | Plane::DevOps => req.bearer_auth(&admin),
        };
        if let Some(ct) = c.content_type {
            req = req.header("Content-Type", ct);
        }
        req = match &c.body {
            Body::None => req,
            Body::Text(t) => req.body(fill(t)),
            Body::Huge(n) => req.body(format!("{{{}}}", " ".repeat(*n))),
        };
        let (status, body) = common::answer(req).await;
        if !common::holds(|| check(&c, status, &body)) {
            failed.push(c.name);
        }
        healthy(&s, c.plane, &arm_token).await;
    }
    assert!(failed.is_empty(), "failed: {failed:?}");
}
