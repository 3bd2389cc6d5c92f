//! `AzureCLI@2` and `@3` as the task does it: a private Azure CLI configuration, keyless
//! registered as the cloud, `az login --service-principal` with a fresh ID token of the
//! connection (or a secret connection's secret), `az account set`, the script (bash, or
//! PowerShell for `pscore`/`ps`), `addSpnToEnvironment`, and `az logout` afterwards.
//! `connectionType: azureDevOps` signs in for Azure DevOps (no subscription). A
//! `ManagedServiceIdentity` connection signs in with `az login --identity`, which reaches the
//! managed identity of the agent's VM; on the hosted pool, or where the VM has no identity
//! the CLI can use, the step fails with the task's `ManagedIdentityUnavailable` text.

use super::super::azcli::{AzSession, Credential, find_az};
use super::super::job_tokens::{client_secret, id_token};
use super::job::JobRun;
use super::scope::Outcome;
use super::scope::expand;
use super::step::{Effects, StepProcess, run};
use super::tasks::{command, extension};
use crate::cli::output::progress::say;
use keyless_pipelines::model::{Shell, TaskStep};
use std::collections::BTreeMap;
use std::path::Path;

fn input<'a>(t: &'a TaskStep, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| t.input(n))
        .map(|i| i.value.value.as_str())
}

/// `connectionType: azureDevOps`: the task signs in for Azure DevOps, not a subscription.
fn for_azure_devops(t: &TaskStep) -> bool {
    input(t, &["connectionType"]).is_some_and(|c| c.trim().eq_ignore_ascii_case("azureDevOps"))
}

/// The input that names the task's connection, as the task's connection type selects it
/// (the other type's input is ignored), and the names it may be written under.
fn connection_input(t: &TaskStep) -> (&'static str, &'static [&'static str]) {
    if for_azure_devops(t) {
        (
            "azureDevOpsServiceConnection",
            &["azureDevOpsServiceConnection"],
        )
    } else {
        (
            "azureSubscription",
            &["azureSubscription", "connectedServiceNameARM"],
        )
    }
}

/// The text a task fails with when the job has no managed identity to sign in with.
fn unavailable() -> &'static str {
    keyless_model::catalogue::entry("ManagedIdentityUnavailable").template
}

fn fail(fx: &mut Effects, message: String) -> Outcome {
    let line = format!("##[error]{message}");
    say(&line);
    fx.tail.push(line);
    Outcome::Failed
}

pub async fn azure_cli(
    j: &mut JobRun<'_>,
    t: &TaskStep,
    env: &BTreeMap<String, String>,
    cwd: &Path,
    dir: &Path,
    fx: &mut Effects,
) -> Outcome {
    let v = |x: &str| expand(x, &j.variables);
    let (input_name, aliases) = connection_input(t);
    let Some(name) = input(t, aliases).map(v) else {
        return fail(
            fx,
            format!("{}: the input {input_name} is required", t.reference.value),
        );
    };
    let Some(conn) = j
        .started
        .connections
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(&name) || c.id.eq_ignore_ascii_case(&name))
        .cloned()
    else {
        return fail(
            fx,
            format!(
                "The pipeline is not valid. Job {}: Step input {input_name} references service connection {name} which could not be found. The service connection does not exist, has been disabled or has not been authorized for use.",
                j.name
            ),
        );
    };
    let managed = conn.scheme.eq_ignore_ascii_case("ManagedServiceIdentity");
    // A job has a managed identity only on a self-hosted agent on an Azure VM: elsewhere
    // the task fails before it runs the CLI.
    if managed && j.started.var("IDENTITY_HEADER").is_empty() {
        return fail(fx, unavailable().to_string());
    }
    let az = match find_az() {
        Ok(a) => a,
        Err(e) => return fail(fx, format!("{e:#}")),
    };
    let (token, secret) = if managed {
        (None, None)
    } else if conn.federates() {
        match id_token(j.client, &j.started, &conn.id).await {
            Ok(t) => (Some(t), None),
            Err(e) => {
                return fail(
                    fx,
                    format!(
                        "Failed to obtain the JSON Web Token (JWT) using service principal client ID: {e:#}"
                    ),
                );
            }
        }
    } else {
        match client_secret(j.client, &j.started, &conn.id).await {
            Ok(Some(s)) => (None, Some(s)),
            Ok(None) => {
                return fail(
                    fx,
                    format!(
                        "The connection '{}' has no secret this job may read.",
                        conn.name
                    ),
                );
            }
            Err(e) => return fail(fx, format!("{e:#}")),
        }
    };
    for s in token.iter().chain(secret.iter()) {
        j.secrets.push(s.clone());
    }
    let devops = for_azure_devops(t) || conn.endpoint_type.eq_ignore_ascii_case("azuredevops");
    if managed {
        say(
            "Setting AZURE_CONFIG_DIR to a private folder; logging in with the managed identity of the agent's VM",
        );
    } else {
        say(&format!(
            "Setting AZURE_CONFIG_DIR to a private folder; logging in as {} in tenant {}",
            conn.client_id, conn.tenant_id
        ));
    }
    let session = match AzSession::new(az, dir, j.client.origin(), env).await {
        Ok(s) => s,
        Err(e) => return fail(fx, format!("{e:#}")),
    };
    let cred = match (&token, &secret) {
        _ if managed => Credential::ManagedIdentity,
        (Some(t), _) => Credential::FederatedToken(t),
        (None, Some(s)) => Credential::Secret(s),
        (None, None) => {
            return fail(
                fx,
                "the connection has neither ID tokens nor a secret".into(),
            );
        }
    };
    let sub = if devops {
        None
    } else {
        conn.subscription_id.as_deref()
    };
    if let Err(e) = session
        .login(&conn.client_id, &conn.tenant_id, cred, sub)
        .await
    {
        let text = super::logcmd::mask(&format!("{e:#}"), &j.secrets);
        session.logout().await;
        if managed {
            // The CLI's own words first, then the task's.
            let line = format!("##[error]{text}");
            say(&line);
            fx.tail.push(line);
            return fail(fx, unavailable().to_string());
        }
        return fail(fx, text);
    }
    let mut step_env = session.env().clone();
    step_env.insert(
        "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID".into(),
        conn.id.clone(),
    );
    step_env.insert("AZURESUBSCRIPTION_CLIENT_ID".into(), conn.client_id.clone());
    step_env.insert("AZURESUBSCRIPTION_TENANT_ID".into(), conn.tenant_id.clone());
    // A managed identity connection has no service principal credential to hand over.
    if !managed
        && input(t, &["addSpnToEnvironment"]).is_some_and(|a| a.trim().eq_ignore_ascii_case("true"))
    {
        step_env.insert("servicePrincipalId".into(), conn.client_id.clone());
        step_env.insert("tenantId".into(), conn.tenant_id.clone());
        if let Some(tk) = &token {
            step_env.insert("idToken".into(), tk.clone());
        }
        if let Some(s) = &secret {
            step_env.insert("servicePrincipalKey".into(), s.clone());
        }
    }
    let shell = match input(t, &["scriptType"])
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("pscore" | "ps") => Shell::Pwsh,
        Some("batch") => {
            session.logout().await;
            return fail(fx, "scriptType batch runs only on Windows agents".into());
        }
        _ => Shell::Bash,
    };
    let inline = input(t, &["scriptLocation"])
        .is_some_and(|l| l.eq_ignore_ascii_case("inlineScript"))
        || (input(t, &["scriptLocation"]).is_none() && input(t, &["inlineScript"]).is_some());
    let file = if inline {
        let script = v(input(t, &["inlineScript"]).unwrap_or_default());
        let path = dir.join(format!("azureclitask.{}", extension(shell)));
        if let Err(e) = std::fs::write(&path, super::job::script_text(shell, &script)) {
            session.logout().await;
            return fail(fx, format!("cannot write the script: {e}"));
        }
        path
    } else {
        match input(t, &["scriptPath"]) {
            Some(p) => cwd.join(v(p)),
            None => {
                session.logout().await;
                return fail(
                    fx,
                    "scriptLocation scriptPath needs the input scriptPath".into(),
                );
            }
        }
    };
    let arguments = v(input(t, &["arguments", "scriptArguments"]).unwrap_or_default());
    let argv = match command(shell, &file, &arguments) {
        Ok(a) => a,
        Err(e) => {
            session.logout().await;
            return fail(fx, e);
        }
    };
    let wd = input(t, &["workingDirectory", "cwd"])
        .map(|w| cwd.join(v(w)))
        .unwrap_or_else(|| cwd.to_path_buf());
    let outcome = run(
        StepProcess {
            argv,
            env: &step_env,
            cwd: &wd,
            deadline: j.deadline,
            fail_on_stderr: input(t, &["failOnStandardError"])
                .is_some_and(|f| f.trim().eq_ignore_ascii_case("true")),
            cancel: j.cancel.clone(),
        },
        &mut j.secrets,
        fx,
    )
    .await;
    session.logout().await;
    say("az logout: done");
    outcome
}
