//! The environment of a job's step, as an Azure Pipelines agent and the Azure tasks set it:
//! `SYSTEM_*`, `BUILD_*`, `AGENT_*`, the job's OIDC request URL and token, and for a service
//! connection the `AZURESUBSCRIPTION_*` variables, the `AZURE_*` variables the Azure SDKs
//! read (with a federated token file), Terraform azurerm's `ARM_*` variables and the CA
//! bundle that makes clients trust keyless. `keyless exec` and `keyless run` both build it.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What keyless answered when the job started (the server's JSON shape).
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct StartedJob {
    pub env: BTreeMap<String, String>,
    pub organization: Named,
    pub project: Named,
    pub pipeline: PipelineRef,
    #[serde(default)]
    pub connection: Option<ConnectionInfo>,
    /// A job of a run: every connection the job may use.
    #[serde(default)]
    pub connections: Vec<ConnectionInfo>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Deserialize, Debug, Clone)]
pub struct PipelineRef {
    pub id: i64,
    pub name: String,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInfo {
    pub id: String,
    #[serde(rename = "type", default)]
    pub endpoint_type: String,
    pub name: String,
    pub scheme: String,
    pub client_id: String,
    pub tenant_id: String,
    pub subscription_id: Option<String>,
}

impl ConnectionInfo {
    /// Workload identity federation: the job asks for ID tokens. Otherwise a secret.
    pub fn federates(&self) -> bool {
        self.scheme
            .eq_ignore_ascii_case("WorkloadIdentityFederation")
    }
}

impl StartedJob {
    pub fn var(&self, k: &str) -> &str {
        self.env.get(k).map(String::as_str).unwrap_or_default()
    }
    pub fn access_token(&self) -> &str {
        self.var("SYSTEM_ACCESSTOKEN")
    }
    pub fn oidc_request_uri(&self) -> &str {
        self.var("SYSTEM_OIDCREQUESTURI")
    }
    /// `…/plans/{plan}` of the job's URLs, from its OIDC request URL.
    pub fn plan_url(&self) -> &str {
        let u = self.oidc_request_uri();
        u.find("/jobs/").map(|i| &u[..i]).unwrap_or(u)
    }
}

/// Where the step runs and what it can use besides the job.
pub struct StepContext<'a> {
    pub origin: &'a str,
    pub work_dir: &'a Path,
    pub temp_dir: &'a Path,
    /// The CA bundle clients should trust (system roots plus keyless' CA), when known.
    pub ca_bundle: Option<&'a Path>,
    /// keyless' CA certificate alone (Node adds it to its own roots).
    pub ca_cert: Option<&'a Path>,
    /// The file that holds a fresh ID token of the connection (federated connections).
    pub token_file: Option<&'a Path>,
    /// A secret connection's client secret, read with the job's token.
    pub client_secret: Option<&'a str>,
}

/// The variables, in a stable order, and which values are secrets (masked in logs).
#[derive(Default, Debug, Clone)]
pub struct JobEnv {
    pub vars: BTreeMap<String, String>,
    pub secrets: Vec<String>,
}

impl JobEnv {
    fn set(&mut self, k: &str, v: impl Into<String>) {
        self.vars.insert(k.to_string(), v.into());
    }
    fn secret(&mut self, k: &str, v: &str) {
        self.set(k, v);
        if !v.is_empty() && !self.secrets.iter().any(|s| s == v) {
            self.secrets.push(v.to_string());
        }
    }
}

fn host_of(origin: &str) -> &str {
    let rest = origin.split_once("://").map(|(_, r)| r).unwrap_or(origin);
    rest.split('/').next().unwrap_or(rest)
}

fn os_names() -> (&'static str, &'static str) {
    let os = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Darwin",
        "windows" => "Windows_NT",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "X64",
        "aarch64" => "ARM64",
        "x86" => "X86",
        other => other,
    };
    (os, arch)
}

/// The job's variables (agent, system, build), without a connection.
pub fn job_env(job: &StartedJob, cx: &StepContext) -> JobEnv {
    let mut e = JobEnv::default();
    let dir = cx.work_dir.display().to_string();
    let temp = cx.temp_dir.display().to_string();
    let (os, arch) = os_names();
    e.set("TF_BUILD", "True");
    e.set("SYSTEM", "build");
    e.set("SYSTEM_HOSTTYPE", "build");
    e.set("SYSTEM_SERVERTYPE", "Hosted");
    e.set("SYSTEM_COLLECTIONURI", job.var("SYSTEM_COLLECTIONURI"));
    e.set(
        "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI",
        job.var("SYSTEM_COLLECTIONURI"),
    );
    e.set("SYSTEM_COLLECTIONID", job.organization.id.clone());
    e.set("SYSTEM_TEAMPROJECT", job.project.name.clone());
    e.set("SYSTEM_TEAMPROJECTID", job.project.id.clone());
    e.set("SYSTEM_DEFINITIONID", job.pipeline.id.to_string());
    e.set("SYSTEM_PLANID", job.var("SYSTEM_PLANID"));
    e.set("SYSTEM_JOBID", job.var("SYSTEM_JOBID"));
    e.set("SYSTEM_DEFAULTWORKINGDIRECTORY", dir.clone());
    e.set("SYSTEM_OIDCREQUESTURI", job.oidc_request_uri());
    e.set("BUILD_DEFINITIONNAME", job.pipeline.name.clone());
    e.set("BUILD_REASON", "Manual");
    e.set("BUILD_SOURCESDIRECTORY", dir.clone());
    e.set("BUILD_REPOSITORY_LOCALPATH", dir.clone());
    e.set("BUILD_ARTIFACTSTAGINGDIRECTORY", temp.clone());
    e.set("BUILD_BINARIESDIRECTORY", temp.clone());
    let or = |k: &str, default: &'static str| match job.var(k) {
        "" => default.to_string(),
        v => v.to_string(),
    };
    e.set("AGENT_NAME", or("AGENT_NAME", "keyless"));
    e.set("AGENT_ID", or("AGENT_ID", "1"));
    // On a self-hosted agent on an Azure VM: the VM's managed identity endpoints, the
    // agent's secret as the App Service shape's header (and in the IMDS host's path).
    if !job.var("IDENTITY_HEADER").is_empty() {
        e.set("IDENTITY_ENDPOINT", job.var("IDENTITY_ENDPOINT"));
        e.secret("IDENTITY_HEADER", job.var("IDENTITY_HEADER"));
        e.secret(
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            job.var("AZURE_POD_IDENTITY_AUTHORITY_HOST"),
        );
    }
    e.set("AGENT_OS", os);
    e.set("AGENT_OSARCHITECTURE", arch);
    e.set("AGENT_JOBSTATUS", "Succeeded");
    e.set("AGENT_TEMPDIRECTORY", temp.clone());
    e.set("AGENT_BUILDDIRECTORY", dir.clone());
    e.set("AGENT_WORKFOLDER", dir);
    e.set("AGENT_TOOLSDIRECTORY", temp);
    if let Ok(h) = std::env::var("HOSTNAME") {
        e.set("AGENT_MACHINENAME", h);
    }
    e.secret("SYSTEM_ACCESSTOKEN", job.access_token());
    ca_vars(&mut e, cx);
    e
}

fn ca_vars(e: &mut JobEnv, cx: &StepContext) {
    if let Some(b) = cx.ca_bundle {
        let b = b.display().to_string();
        e.set("REQUESTS_CA_BUNDLE", b.clone());
        e.set("SSL_CERT_FILE", b.clone());
        e.set("CURL_CA_BUNDLE", b);
    }
    if let Some(c) = cx.ca_cert {
        e.set("NODE_EXTRA_CA_CERTS", c.display().to_string());
    }
}

/// The job's variables plus everything a task or a tool reads for one connection.
pub fn connection_env(job: &StartedJob, c: &ConnectionInfo, cx: &StepContext) -> JobEnv {
    let mut e = job_env(job, cx);
    let sub = c.subscription_id.clone().unwrap_or_default();
    e.set("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", c.id.clone());
    e.set("AZURESUBSCRIPTION_CLIENT_ID", c.client_id.clone());
    e.set("AZURESUBSCRIPTION_TENANT_ID", c.tenant_id.clone());
    e.set("AZURE_CLIENT_ID", c.client_id.clone());
    e.set("AZURE_TENANT_ID", c.tenant_id.clone());
    e.set("AZURE_AUTHORITY_HOST", cx.origin);
    e.set("AZURE_CORE_INSTANCE_DISCOVERY", "false");
    e.set("KEYLESS_ARM_URL", cx.origin);
    e.set("ARM_CLIENT_ID", c.client_id.clone());
    e.set("ARM_TENANT_ID", c.tenant_id.clone());
    // azurerm reads the cloud's endpoints from https://{host}/metadata/endpoints.
    e.set("ARM_METADATA_HOSTNAME", host_of(cx.origin));
    if !sub.is_empty() {
        e.set("AZURE_SUBSCRIPTION_ID", sub.clone());
        e.set("ARM_SUBSCRIPTION_ID", sub);
    }
    if let Some(f) = cx.token_file {
        e.set("AZURE_FEDERATED_TOKEN_FILE", f.display().to_string());
        e.set("ARM_USE_OIDC", "true");
        e.set("ARM_OIDC_REQUEST_URL", job.oidc_request_uri());
        e.secret("ARM_OIDC_REQUEST_TOKEN", job.access_token());
        e.set("ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID", c.id.clone());
    }
    if let Some(secret) = cx.client_secret {
        e.secret("AZURE_CLIENT_SECRET", secret);
        e.secret("ARM_CLIENT_SECRET", secret);
    }
    e
}

/// The system roots this machine trusts, when one of the usual bundle files exists.
pub fn system_roots() -> Option<PathBuf> {
    [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/cert.pem",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

/// Writes `dir/ca-bundle.pem`: the system roots followed by keyless' CA.
pub fn write_ca_bundle(dir: &Path, ca: &Path) -> anyhow::Result<PathBuf> {
    let mut text = system_roots()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&std::fs::read_to_string(ca)?);
    let path = dir.join("ca-bundle.pem");
    std::fs::write(&path, text)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> StartedJob {
        serde_json::from_value(serde_json::json!({
            "env": {"SYSTEM_ACCESSTOKEN": "kls_job_x", "SYSTEM_OIDCREQUESTURI": "https://h:1/o/p/_apis/distributedtask/hubs/build/plans/P/jobs/J/oidctoken"},
            "organization": {"id": "o", "name": "contoso"},
            "project": {"id": "p", "name": "web"},
            "pipeline": {"id": 3, "name": "deploy"},
            "connection": {"id": "c", "name": "n", "type": "azurerm", "scheme": "WorkloadIdentityFederation", "clientId": "ci", "tenantId": "t", "subscriptionId": "s"},
            "idTokenLifetime": 300
        }))
        .unwrap()
    }

    #[test]
    fn a_federated_connection_gets_the_sdk_and_terraform_variables() {
        let j = job();
        let cx = StepContext {
            origin: "https://127.0.0.1:8443",
            work_dir: Path::new("/w"),
            temp_dir: Path::new("/t"),
            ca_bundle: None,
            ca_cert: None,
            token_file: Some(Path::new("/t/token")),
            client_secret: None,
        };
        let e = connection_env(&j, j.connection.as_ref().unwrap(), &cx);
        assert_eq!(e.vars["ARM_METADATA_HOSTNAME"], "127.0.0.1:8443");
        assert_eq!(e.vars["ARM_OIDC_REQUEST_TOKEN"], "kls_job_x");
        assert_eq!(e.vars["AZURE_FEDERATED_TOKEN_FILE"], "/t/token");
        assert_eq!(e.vars["AZURESUBSCRIPTION_CLIENT_ID"], "ci");
        assert_eq!(e.secrets, vec!["kls_job_x".to_string()]);
        assert!(!e.vars.contains_key("AZURE_CLIENT_SECRET"));
        assert_eq!(
            j.plan_url(),
            "https://h:1/o/p/_apis/distributedtask/hubs/build/plans/P"
        );
    }
}
