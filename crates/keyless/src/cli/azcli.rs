//! A private Azure CLI session, as the AzureCLI task makes one: its own configuration
//! directory, keyless registered as the cloud, `az login --service-principal` with the job's
//! ID token (or a secret connection's secret), or `az login --identity` for a managed
//! identity connection, `az account set`, and `az logout` at the end.

use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The cloud name keyless is registered under in the private configuration.
pub const CLOUD_NAME: &str = "keyless";

/// `az` on this machine: `KEYLESS_AZ` when set, else the first `az` on `PATH`.
pub fn find_az() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("KEYLESS_AZ").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        bail!(
            "KEYLESS_AZ names {}, which is not a file: point it at the az executable",
            p.display()
        );
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("az"))
        .find(|p| p.is_file())
        .context(
            "the Azure CLI (az) is not installed: install it (https://learn.microsoft.com/cli/azure/install-azure-cli, or pip install azure-cli) and put az on PATH, or set KEYLESS_AZ to its path",
        )
}

/// How the session signs in.
pub enum Credential<'a> {
    FederatedToken(&'a str),
    Secret(&'a str),
    /// The managed identity of the agent's VM: `az login --identity`, which finds the
    /// token endpoint in the step's `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`.
    ManagedIdentity,
}

pub struct AzSession {
    az: PathBuf,
    env: BTreeMap<String, String>,
}

impl AzSession {
    /// The variables `az` runs with: the step's plus the private configuration.
    pub fn env(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    /// Registers keyless as the cloud in a fresh configuration directory under `dir`.
    pub async fn new(
        az: PathBuf,
        dir: &Path,
        origin: &str,
        step_env: &BTreeMap<String, String>,
    ) -> anyhow::Result<AzSession> {
        let config_dir = dir.join("azure-cli");
        std::fs::create_dir_all(&config_dir)?;
        let mut env = step_env.clone();
        for (k, v) in [
            ("AZURE_CONFIG_DIR", config_dir.display().to_string()),
            ("AZURE_CORE_INSTANCE_DISCOVERY", "false".into()),
            ("AZURE_CORE_COLLECT_TELEMETRY", "false".into()),
            ("AZURE_CORE_SURVEY_MESSAGE", "false".into()),
            ("AZURE_CORE_NO_COLOR", "true".into()),
            ("AZURE_CORE_DISABLE_CONFIRM_PROMPT", "true".into()),
            ("AZURE_EXTENSION_USE_DYNAMIC_INSTALL", "no".into()),
        ] {
            env.insert(k.to_string(), v);
        }
        // Scripts call `az` by name: the one found comes first on their PATH.
        if let Some(dir) = az.parent() {
            let path = env
                .get("PATH")
                .cloned()
                .or_else(|| std::env::var("PATH").ok())
                .unwrap_or_default();
            let joined = std::env::join_paths(
                std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&path)),
            )?;
            env.insert("PATH".into(), joined.to_string_lossy().into_owned());
        }
        let s = AzSession { az, env };
        let endpoint = format!("{}/", origin.trim_end_matches('/'));
        s.run(&[
            "cloud",
            "register",
            "-n",
            CLOUD_NAME,
            "--endpoint-resource-manager",
            &endpoint,
        ])
        .await?;
        s.run(&["cloud", "set", "-n", CLOUD_NAME]).await?;
        Ok(s)
    }

    /// Signs in as the service principal, then selects the subscription when there is one.
    pub async fn login(
        &self,
        client_id: &str,
        tenant_id: &str,
        credential: Credential<'_>,
        subscription: Option<&str>,
    ) -> anyhow::Result<()> {
        let mut args = vec!["login".to_string()];
        if matches!(credential, Credential::ManagedIdentity) {
            args.push("--identity".into());
        } else {
            args.extend([
                "--service-principal".into(),
                "-u".into(),
                client_id.into(),
                "--tenant".into(),
                tenant_id.into(),
                "--allow-no-subscriptions".into(),
            ]);
        }
        match credential {
            Credential::ManagedIdentity => {}
            Credential::FederatedToken(t) => {
                args.push("--federated-token".into());
                args.push(t.into());
            }
            // Secrets may start with '-': attached, as the CLI's help says.
            Credential::Secret(s) => args.push(format!("--password={s}")),
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(&refs).await?;
        if let Some(sub) = subscription.filter(|s| !s.is_empty()) {
            self.run(&["account", "set", "--subscription", sub]).await?;
        }
        Ok(())
    }

    pub async fn logout(&self) {
        let _ = self.run(&["logout"]).await;
    }

    /// Runs `az` quietly; on failure its output is the error (never the arguments, which
    /// may hold a token).
    async fn run(&self, args: &[&str]) -> anyhow::Result<()> {
        let out = tokio::process::Command::new(&self.az)
            .args(args)
            .envs(&self.env)
            .stdin(Stdio::null())
            .output()
            .await
            .with_context(|| format!("cannot run {}", self.az.display()))?;
        if !out.status.success() {
            bail!(
                "az {} failed ({}): {}{}",
                args.first().copied().unwrap_or_default(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim(),
                String::from_utf8_lossy(&out.stdout).trim()
            );
        }
        Ok(())
    }
}
