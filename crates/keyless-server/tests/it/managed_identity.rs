//! Managed identity tokens for jobs on self-hosted agents that run on Azure VMs: the IMDS
//! and App Service shapes, the identity chosen among those the VM carries, a day's
//! lifetime, and the refusals (no header, no api-version, an identity named two ways, an
//! identity the VM does not carry, an unknown resource, a wrong agent secret): IMDS'
//! errors, no token. A job on the hosted pool gets no managed identity endpoint.
#![allow(clippy::unwrap_used)]

use crate::common::{Expect, TestServer, answer};
use crate::identities::{identity_path, rg_path};
use crate::support::grant;
use keyless_model::rbac::READER;
use reqwest::StatusCode;
use serde_json::{Value, json};

const POOLS: &str = "/keyless/v1/organizations/contoso/pools";
const JOBS: &str = "/keyless/v1/organizations/contoso/projects/web/pipelines/hello/jobs";
const ARM: &str = "https://management.azure.com/";

struct World {
    s: TestServer,
    system: String,
    uai: Value,
    env: Value,
}

/// A VM with both kinds of identity, an agent on it, and a job of that agent.
async fn world() -> World {
    let (s, t) = TestServer::start_with_arm_token().await;
    let arm = s.client(&t).with_api_per_path();
    let uai = arm
        .put(
            &identity_path(&s, "deployer"),
            json!({"location": "eastus"}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let vm = format!(
        "{}/providers/Microsoft.Compute/virtualMachines/build-vm",
        rg_path(&s)
    );
    let identity = json!({"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {uai["id"].as_str().unwrap(): {}}});
    let created = arm
        .put(&vm, json!({"location": "eastus", "identity": identity}))
        .await
        .expect_status(StatusCode::CREATED);
    let system = created["identity"]["principalId"]
        .as_str()
        .unwrap()
        .to_string();
    s.admin_created(POOLS, json!({"name": "builders"})).await;
    s.admin_created(
        &format!("{POOLS}/builders/agents"),
        json!({"name": "vm-agent", "vm": vm}),
    )
    .await;
    s.admin_web_pipeline("hello", "steps:\n  - script: echo hi\n")
        .await;
    let job = s
        .admin_created(JOBS, json!({"pool": {"name": "builders"}}))
        .await;
    World {
        s,
        system,
        uai,
        env: job["env"].clone(),
    }
}

fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

impl World {
    async fn imds(&self, query: &str, metadata: bool) -> (StatusCode, Value) {
        let host = self.env["AZURE_POD_IDENTITY_AUTHORITY_HOST"]
            .as_str()
            .unwrap();
        self.imds_at(host, query, metadata).await
    }

    async fn imds_at(&self, host: &str, query: &str, metadata: bool) -> (StatusCode, Value) {
        let url = format!("{host}/metadata/identity/oauth2/token?api-version=2018-02-01&{query}");
        let mut req = self.s.http.get(url);
        if metadata {
            req = req.header("Metadata", "true");
        }
        answer(req).await
    }

    async fn app_service(&self, query: &str, header: Option<&str>) -> (StatusCode, Value) {
        let endpoint = self.env["IDENTITY_ENDPOINT"].as_str().unwrap();
        let mut req = self
            .s
            .http
            .get(format!("{endpoint}?api-version=2019-08-01&{query}"));
        if let Some(h) = header {
            req = req.header("X-IDENTITY-HEADER", h);
        }
        answer(req).await
    }

    fn secret(&self) -> &str {
        self.env["IDENTITY_HEADER"].as_str().unwrap()
    }
}

#[tokio::test]
async fn a_job_on_the_agent_gets_the_vm_identities_tokens() {
    let w = world().await;
    assert!(w.secret().starts_with("kla_"));
    // IMDS, system-assigned by default: a day's token with IMDS' string fields.
    let (st, b) = w.imds(&format!("resource={ARM}"), true).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let c = claims(b["access_token"].as_str().unwrap());
    assert_eq!(c["oid"], w.system);
    assert_eq!(c["aud"], ARM);
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        86400
    );
    assert_eq!(b["expires_in"], "86399");
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(b["resource"], ARM);
    assert!(
        b["expires_on"].as_str().unwrap().parse::<i64>().is_ok(),
        "{b}"
    );
    assert_eq!(b["refresh_in"], 43200);
    // The user-assigned identity by client id, object id and resource id.
    let uai_principal = w.uai["properties"]["principalId"].as_str().unwrap();
    for q in [
        format!(
            "client_id={}",
            w.uai["properties"]["clientId"].as_str().unwrap()
        ),
        format!("object_id={uai_principal}"),
        format!("msi_res_id={}", w.uai["id"].as_str().unwrap()),
    ] {
        let (st, b) = w.imds(&format!("resource={ARM}&{q}"), true).await;
        assert_eq!(st, StatusCode::OK, "{q}: {b}");
        let c = claims(b["access_token"].as_str().unwrap());
        assert_eq!(c["oid"], uai_principal, "{q}");
        assert_eq!(c["xms_mirid"], w.uai["id"], "{q}");
    }
    // The App Service shape.
    let (st, b) = w
        .app_service(&format!("resource={ARM}"), Some(w.secret()))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(claims(b["access_token"].as_str().unwrap())["oid"], w.system);
    assert!(b.get("expires_in").is_none(), "{b}");
    // The token works at ARM like any other, by the roles of its principal.
    let token = b["access_token"].as_str().unwrap().to_string();
    let (st, e) =
        w.s.get_as(&token, &format!("{}?api-version=2021-04-01", rg_path(&w.s)))
            .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["error"]["code"], "AuthorizationFailed");
    grant(&w.s, &w.system, READER, &rg_path(&w.s)).await;
    let (st, e) =
        w.s.get_as(&token, &format!("{}?api-version=2021-04-01", rg_path(&w.s)))
            .await;
    assert_eq!(st, StatusCode::OK, "{e}");
    // Every request is audited.
    w.s.state.audit.flush().await;
    let audit =
        w.s.admin_ok("/keyless/v1/audit?kind=managed_identity")
            .await;
    assert!(audit.to_string().contains("managed_identity"), "{audit}");
}

#[track_caller]
fn imds_refusal(got: (StatusCode, Value), error: &str, description: &str) {
    let (st, b) = got;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
    assert_eq!(b["error"], error, "{b}");
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .starts_with(description),
        "{b}"
    );
    assert!(b.get("access_token").is_none(), "{b}");
}

#[tokio::test]
async fn refusals_give_imds_errors_and_no_token() {
    let w = world().await;
    let arm = format!("resource={ARM}");
    imds_refusal(
        w.imds(&arm, false).await,
        "invalid_request",
        "Required metadata header not specified",
    );
    let refused = w.app_service(&arm, None).await;
    // The App Service shape's own fields, which MSAL (az login --identity) reports.
    assert_eq!(refused.1["statusCode"], 400, "{}", refused.1);
    assert_eq!(
        refused.1["message"], "Required metadata header not specified",
        "{}",
        refused.1
    );
    imds_refusal(
        refused,
        "invalid_request",
        "Required metadata header not specified",
    );
    let (_, imds) = w.imds(&arm, false).await;
    assert!(imds.get("statusCode").is_none(), "{imds}");
    let stranger = uuid::Uuid::new_v4();
    for q in [
        format!("{arm}&client_id={stranger}"),
        format!("{arm}&object_id={stranger}"),
        format!("{arm}&msi_res_id={}", identity_path(&w.s, "nobody")),
    ] {
        imds_refusal(
            w.imds(&q, true).await,
            "invalid_request",
            "Identity not found",
        );
    }
    imds_refusal(
        w.imds("resource=https://unknown.example", true).await,
        "invalid_resource",
        "AADSTS500011: The resource principal named https://unknown.example was not found",
    );
    // The identity named two ways, in either shape.
    let two = format!("{arm}&client_id={stranger}&object_id={}", w.system);
    let ambiguous = "Only one of client_id, object_id and msi_res_id may be given";
    imds_refusal(w.imds(&two, true).await, "invalid_request", ambiguous);
    imds_refusal(
        w.app_service(&two, Some(w.secret())).await,
        "invalid_request",
        ambiguous,
    );
    // No api-version: refused before the identity is looked at.
    let host = w.env["AZURE_POD_IDENTITY_AUTHORITY_HOST"].as_str().unwrap();
    let url = format!("{host}/metadata/identity/oauth2/token?{arm}");
    imds_refusal(
        answer(w.s.http.get(url).header("Metadata", "true")).await,
        "invalid_request",
        "Required query variable api-version is missing",
    );
    // A wrong secret is no agent: no identity.
    let wrong = format!("{}/_agents/kla_wrong", w.s.origin);
    imds_refusal(
        w.imds_at(&wrong, &arm, true).await,
        "invalid_request",
        "Identity not found",
    );
    imds_refusal(
        w.app_service(&arm, Some("kla_wrong")).await,
        "invalid_request",
        "Identity not found",
    );
}

#[tokio::test]
async fn jobs_on_the_hosted_pool_or_an_agent_without_a_vm_get_no_endpoint() {
    let w = world().await;
    w.s.admin_created(
        &format!("{POOLS}/builders/agents"),
        json!({"name": "plain"}),
    )
    .await;
    for pool in [
        json!({"vmImage": "ubuntu-latest"}),
        json!({"name": "builders", "agent": "plain"}),
    ] {
        let job = w.s.admin_created(JOBS, json!({"pool": pool})).await;
        for k in [
            "IDENTITY_ENDPOINT",
            "IDENTITY_HEADER",
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
        ] {
            assert!(job["env"].get(k).is_none(), "{pool} {k}: {job}");
        }
    }
}

/// A manual `ManagedServiceIdentity` connection body of web.
fn msi_body(s: &TestServer, name: &str) -> Value {
    let mut body = crate::sc_support::manual_body(s, name, "", None);
    body["authorization"] = json!({"scheme": "ManagedServiceIdentity", "parameters": {"tenantid": s.var("AZURE_TENANT_ID")}});
    body
}

#[tokio::test]
async fn a_managed_identity_connection_is_created_through_the_rest_shape_and_checked_by_the_doctor()
{
    let s = TestServer::start().await;
    let created = crate::sc_support::created(&s, msi_body(&s, "vm-identity")).await;
    assert_eq!(
        created["authorization"]["scheme"], "ManagedServiceIdentity",
        "{created}"
    );
    assert_eq!(
        created["authorization"]["parameters"]["tenantid"],
        s.var("AZURE_TENANT_ID")
    );
    assert!(
        created["authorization"]["parameters"]
            .get("serviceprincipalid")
            .is_none(),
        "{created}"
    );
    assert_eq!(created["type"], "azurerm");
    let types = s.admin_ok("/contoso/_apis/serviceendpoint/types").await;
    assert!(
        types.to_string().contains("ManagedServiceIdentity"),
        "{types}"
    );
    // No agent runs on a VM with an identity: the doctor says why a job would fail.
    let doctor = s
        .admin_ok("/keyless/v1/organizations/contoso/projects/web/connections/vm-identity/doctor")
        .await;
    let text = doctor.to_string();
    assert!(text.contains("ManagedIdentityUnavailable"), "{doctor}");
    assert!(
        text.contains("Could not fetch access token for Managed Service Principal"),
        "{doctor}"
    );
    // The explanation is the catalogue's.
    let e = keyless_model::catalogue::identify(
        "##[error]Could not fetch access token for Managed Service Principal. Please configure Managed Service Identity (MSI) for virtual machine 'https://aka.ms/azure-msi-docs'. Status code: 400, status message: Bad Request",
    )
    .unwrap();
    assert_eq!(e.code, "ManagedIdentityUnavailable");
    assert!(e.cause.contains("Microsoft-hosted agent"));
}

#[tokio::test]
async fn the_doctor_finds_the_agent_vm_identity_and_its_roles() {
    let w = world().await;
    let s = &w.s;
    crate::sc_support::created(s, msi_body(s, "vm-identity")).await;
    let path = "/keyless/v1/organizations/contoso/projects/web/connections/vm-identity/doctor";
    let sub = format!("/subscriptions/{}", s.var("AZURE_SUBSCRIPTION_ID"));
    let vm = format!(
        "{}/providers/Microsoft.Compute/virtualMachines/build-vm",
        rg_path(s)
    );
    let roles = |doctor: &Value| -> Value {
        let found: Vec<&Value> = doctor["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check"] == "roles")
            .collect();
        assert_eq!(found.len(), 1, "{doctor}");
        found[0].clone()
    };
    let doctor = s.admin_ok(path).await;
    // The agent, its pool and VM, and the VM's identity.
    let text = doctor.to_string();
    assert!(
        text.contains(&format!(
            "Agent vm-agent of the self-hosted pool builders runs on the VM {vm}, whose system-assigned identity is {}",
            w.system
        )),
        "{doctor}"
    );
    let r = roles(&doctor);
    assert_eq!(r["status"], "WARN", "{doctor}");
    assert_eq!(r["code"], "AuthorizationFailed", "{doctor}");
    assert!(r.to_string().contains(&w.system), "{r}");
    // A role below the connection's scope is not a role at it.
    grant(s, &w.system, READER, &rg_path(s)).await;
    let r = roles(&s.admin_ok(path).await);
    assert_eq!(r["status"], "WARN", "{r}");
    assert_eq!(r["code"], "AuthorizationFailed", "{r}");
    assert!(!r.to_string().contains("Reader"), "{r}");
    grant(s, &w.system, READER, &sub).await;
    let r = roles(&s.admin_ok(path).await);
    assert_eq!(r["status"], "OK", "{r}");
    assert!(r.to_string().contains(&format!("Reader at {sub}")), "{r}");
    // A create body with an unknown scheme is refused, and nothing is created.
    let mut bad = msi_body(s, "other");
    bad["authorization"]["scheme"] = json!("managedserviceidentity");
    let (st, b) = crate::sc_support::create_as(s, &s.var("KEYLESS_TOKEN"), bad).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{b}");
    let (st, _) = s
        .admin_get("/keyless/v1/organizations/contoso/projects/web/connections/other/doctor")
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn world_files_make_managed_identity_connections() {
    use crate::support::apply;
    let s = TestServer::start().await;
    let world = "organizations:\n  - name: contoso\n    tenant: contoso\n    projects:\n      - name: web\n        connections:\n          - name: vm-identity\n            scheme: ManagedServiceIdentity\n            tenant: contoso\n            subscription: demo-subscription\n";
    let first = apply(&s, world).await.expect_status(StatusCode::OK);
    assert!(
        first["changes"]
            .as_array()
            .unwrap()
            .contains(&json!("created service connection contoso/web/vm-identity")),
        "{first}"
    );
    let again = apply(&s, world).await.expect_status(StatusCode::OK);
    assert_eq!(again["changes"], json!([]), "{again}");
    // The REST shape is the one a connection created through it has.
    let listed = s
        .admin_ok("/contoso/web/_apis/serviceendpoint/endpoints?endpointNames=vm-identity&api-version=7.1")
        .await;
    let c = &listed["value"][0];
    assert_eq!(
        c["authorization"]["scheme"], "ManagedServiceIdentity",
        "{c}"
    );
    assert_eq!(
        c["authorization"]["parameters"]["tenantid"],
        s.var("AZURE_TENANT_ID"),
        "{c}"
    );
    assert!(
        c["authorization"]["parameters"]
            .get("serviceprincipalid")
            .is_none(),
        "{c}"
    );
    assert_eq!(c["data"]["subscriptionId"], s.var("AZURE_SUBSCRIPTION_ID"));
    // The doctor checks it as any managed identity connection: no agent VM here.
    let doctor = s
        .admin_ok("/keyless/v1/organizations/contoso/projects/web/connections/vm-identity/doctor")
        .await;
    assert!(
        doctor.to_string().contains("ManagedIdentityUnavailable"),
        "{doctor}"
    );
    // Refusals at their field; nothing of the file is kept.
    let entry = "          - name: other\n";
    for (extra, at, says) in [
        (
            "            scheme: ManagedServiceIdentity\n",
            "connections[1].tenant",
            "names its tenant",
        ),
        (
            "            scheme: ManagedServiceIdentity\n            tenant: contoso\n            app: contoso/demo-deploy\n",
            "connections[1]",
            "names no app and no issuer",
        ),
        (
            "            scheme: ManagedServiceIdentity\n            tenant: nowhere\n",
            "connections[1].tenant",
            "no tenant 'nowhere'",
        ),
        (
            "            scheme: managedserviceidentity\n            tenant: contoso\n",
            "connections[1].scheme",
            "use WorkloadIdentityFederation or ManagedServiceIdentity",
        ),
        (
            "            tenant: contoso\n",
            "connections[1].tenant",
            "only a ManagedServiceIdentity connection names a tenant",
        ),
    ] {
        let bad = format!("{world}{entry}{extra}");
        let (st, b) = apply(&s, &bad).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{extra}: {b}");
        let text = b.to_string();
        assert!(text.contains(at) && text.contains(says), "{extra}: {b}");
    }
    let (st, _) = s
        .admin_get("/keyless/v1/organizations/contoso/projects/web/connections/other/doctor")
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[test]
fn logs_show_no_agent_secret() {
    use keyless_server::log_path;
    let cases = [
        (
            "/_agents/kla_s3cret/metadata/identity/oauth2/token",
            "/_agents/***/metadata/identity/oauth2/token",
        ),
        ("/_agents/kla_s3cret", "/_agents/***"),
        ("/_agents/identity", "/_agents/identity"),
        ("/contoso/_apis/projects", "/contoso/_apis/projects"),
    ];
    for (path, logged) in cases {
        assert_eq!(log_path(path), logged, "{path}");
        assert!(!log_path(path).contains("s3cret"));
    }
}
