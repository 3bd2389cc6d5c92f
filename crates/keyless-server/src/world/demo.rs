//! `keyless serve --demo`: a ready world (tenant, subscription with a resource group,
//! organization, project, pipeline, app registration with a federated credential for a
//! manual connection, Contributor on the subscription) plus a running job, and
//! `DATA/demo.env` with everything an Azure SDK script needs. Every start re-applies the
//! world (idempotent) and rewrites `demo.env`, reusing the token and job while they last.

use crate::admin::ops;
use crate::auth::issue_pat;
use crate::envelope::ApiError;
use crate::state::AppState;
use std::collections::HashMap;
use std::path::Path;

pub const DEMO_WORLD: &str = include_str!("demo.yaml");
const ADMIN_UPN: &str = "admin@contoso.onmicrosoft.com";
/// The demo job lives a day; a restart with less than an hour left starts a new one.
const JOB_MINUTES: i64 = 24 * 60;
const JOB_MIN_REMAINING: i64 = 3600;

/// Reads `export K='V'` lines.
pub fn parse_env(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect()
}

fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// Applies the demo world and writes `demo.env`; returns the file's text.
pub async fn prepare(
    s: &AppState,
    data_dir: &Path,
    ca_bundle: Option<&Path>,
) -> anyhow::Result<String> {
    let world = super::parse(DEMO_WORLD).map_err(|e| anyhow::anyhow!("demo world: {e}"))?;
    let report = super::apply(s, &world)
        .await
        .map_err(|e| anyhow::anyhow!("demo world: {e}"))?;
    for c in &report.changes {
        tracing::info!(change = %c, "demo world");
    }
    let env_path = data_dir.join("demo.env");
    let old = std::fs::read_to_string(&env_path)
        .map(|t| parse_env(&t))
        .unwrap_or_default();
    let now = s.now();

    let admin = s.shared_store().find_user_by_upn(ADMIN_UPN).await?;
    let token_valid = match old.get("KEYLESS_TOKEN") {
        Some(t) => s
            .shared_store()
            .find_pat_by_hash(&keyless_jose::sha256_hex(t.as_bytes()))
            .await
            .is_ok_and(|p| {
                p.revoked_at.is_none() && p.expires_at > now + 86_400 && p.user_id == admin.id
            }),
        None => false,
    };
    let token = if token_valid {
        old["KEYLESS_TOKEN"].clone()
    } else {
        issue_pat(s, None, &admin, "demo", 365, vec!["full".into()])
            .await
            .map_err(api)?
            .0
    };

    let tenant = s.shared_store().find_tenant("contoso").await?;
    let org = s.shared_store().find_organization("contoso").await?;
    let project = s.shared_store().find_project(org.id, "web").await?;
    let conn = s
        .shared_store()
        .find_connection(project.id, "demo-connection")
        .await?;
    let pipeline = s.shared_store().find_pipeline(project.id, "deploy").await?;
    let sub = super::apply::find_sub(s, &tenant, "demo-subscription").await?;

    let old_job = match old.get("SYSTEM_ACCESSTOKEN") {
        Some(t) => s
            .shared_store()
            .find_job_by_token_hash(&keyless_jose::sha256_hex(t.as_bytes()))
            .await
            .ok(),
        None => None,
    }
    .filter(|j| j.finished_at.is_none() && j.expires_at > now + JOB_MIN_REMAINING);
    let (job_token, oidc_uri) = match old_job {
        Some(j) => (
            old["SYSTEM_ACCESSTOKEN"].clone(),
            format!(
                "{}/{}/{}/_apis/distributedtask/hubs/build/plans/{}/jobs/{}/oidctoken",
                s.origin, org.name, project.id, j.plan_id, j.id
            ),
        ),
        None => {
            let started = ops::start_job(
                s,
                (&org, &project, &pipeline),
                ops::JobRequest {
                    minutes: Some(JOB_MINUTES),
                    ..Default::default()
                },
            )
            .await
            .map_err(api)?;
            (started.access_token, started.oidc_request_uri)
        }
    };
    let bundle = ca_bundle.map(|p| p.display().to_string());
    let mut vars: Vec<(&str, String)> = vec![
        ("KEYLESS_URL", s.origin.to_string()),
        ("KEYLESS_TOKEN", token),
        ("AZURE_AUTHORITY_HOST", s.origin.to_string()),
        ("AZURE_TENANT_ID", tenant.id.to_string()),
        ("AZURE_CLIENT_ID", conn.client_id.to_string()),
        ("AZURE_SUBSCRIPTION_ID", sub.id.to_string()),
        ("AZURE_RESOURCE_GROUP", "demo-rg".into()),
        ("KEYLESS_ARM_URL", s.origin.to_string()),
        ("SYSTEM_OIDCREQUESTURI", oidc_uri),
        ("SYSTEM_ACCESSTOKEN", job_token),
        (
            "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
            conn.id.to_string(),
        ),
        ("AZURESUBSCRIPTION_CLIENT_ID", conn.client_id.to_string()),
        ("AZURESUBSCRIPTION_TENANT_ID", tenant.id.to_string()),
        ("AZURE_CORE_INSTANCE_DISCOVERY", "false".into()),
    ];
    if let Some(b) = bundle {
        vars.push(("REQUESTS_CA_BUNDLE", b.clone()));
        vars.push(("SSL_CERT_FILE", b.clone()));
        vars.push(("NODE_EXTRA_CA_CERTS", b));
    }
    let mut text = String::from(
        "# keyless demo environment: source this file (. ./demo.env) before running an Azure SDK script.\n",
    );
    for (k, v) in vars {
        text.push_str(&format!("export {k}={}\n", quote(&v)));
    }
    write_private(&env_path, &text)?;
    Ok(text)
}

fn api(e: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.rendered.message)
}

/// Writes a file readable only by its owner: it holds a token.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())
}
