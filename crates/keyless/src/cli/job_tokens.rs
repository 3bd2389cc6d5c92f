//! What a running job asks keyless with its own token, as the agent and the tasks do: ID
//! tokens of a connection (`…/oidctoken`), a secret connection's secret (`…/endpoints`),
//! the end of the job (`…/plans/{plan}/events`); and the federated token file that
//! `AZURE_FEDERATED_TOKEN_FILE` names, rewritten before each ID token expires.

use super::client::{Body, Client};
use super::job_env::StartedJob;
use anyhow::Context;
use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A fresh ID token of the connection, as the tasks ask for one.
pub async fn id_token(c: &Client, job: &StartedJob, connection_id: &str) -> anyhow::Result<String> {
    let url = format!(
        "{}?api-version=7.1&serviceConnectionId={connection_id}",
        job.oidc_request_uri()
    );
    let v = c
        .send_to(Method::POST, &url, job.access_token(), None)
        .await
        .context("the job's ID-token request failed")?;
    v["oidcToken"]
        .as_str()
        .map(String::from)
        .context("the job's ID-token answer holds no oidcToken")
}

/// A secret connection's client secret, read with the job's token.
pub async fn client_secret(
    c: &Client,
    job: &StartedJob,
    connection_id: &str,
) -> anyhow::Result<Option<String>> {
    let url = format!(
        "{}/jobs/{}/endpoints?serviceConnectionId={connection_id}",
        job.plan_url(),
        job.var("SYSTEM_JOBID")
    );
    let v = c
        .send_to(Method::GET, &url, job.access_token(), None)
        .await?;
    let key = format!(
        "ENDPOINT_AUTH_PARAMETER_{}_SERVICEPRINCIPALKEY",
        connection_id.to_ascii_uppercase()
    );
    Ok(v["value"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|e| e["variables"][&key].as_str().map(String::from)))
}

/// Tells keyless the job ended with `result` (`succeeded`, `failed`, `canceled`): its token
/// stops working.
pub async fn complete(c: &Client, job: &StartedJob, result: &str) -> anyhow::Result<()> {
    let url = format!("{}/events?api-version=7.1", job.plan_url());
    let body = json!({"name": "JobCompleted", "jobId": job.var("SYSTEM_JOBID"), "result": result});
    c.send_to(
        Method::POST,
        &url,
        job.access_token(),
        Some(Body::Json(body)),
    )
    .await
    .map(|_| ())
}

/// `iat` and `exp` of a JWT (read, not verified: the token is keyless' own answer).
pub fn issued_and_expires(token: &str) -> Option<(i64, i64)> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    Some((v["iat"].as_i64()?, v["exp"].as_i64()?))
}

/// How long to wait before asking for the next ID token: half its lifetime, so the file
/// always holds a token with at least half its life left.
pub fn refresh_after(token: &str) -> Duration {
    let secs = issued_and_expires(token)
        .map(|(iat, exp)| ((exp - iat) / 2).max(1))
        .unwrap_or(60);
    Duration::from_secs(secs as u64)
}

/// Writes `text` to `path` through a temporary file and a rename, readable by its owner
/// only, so a reader never sees half a token.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("new");
    keyless_server::world::demo::write_private(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// The federated token file, kept fresh by a background task until dropped.
pub struct TokenFile {
    pub path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl TokenFile {
    /// Writes the first ID token (returned, for `idToken` and `az login`), then refreshes.
    pub async fn start(
        c: &Client,
        job: &StartedJob,
        connection_id: &str,
        path: PathBuf,
    ) -> anyhow::Result<(TokenFile, String)> {
        let first = id_token(c, job, connection_id).await?;
        write_atomically(&path, &first)?;
        let (c, job, id, p) = (
            c.clone(),
            job.clone(),
            connection_id.to_string(),
            path.clone(),
        );
        let mut wait = refresh_after(&first);
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(wait).await;
                match id_token(&c, &job, &id).await {
                    Ok(t) => {
                        wait = refresh_after(&t);
                        if let Err(e) = write_atomically(&p, &t) {
                            eprintln!("keyless: cannot rewrite {}: {e}", p.display());
                        }
                    }
                    Err(e) => {
                        eprintln!("keyless: cannot refresh the federated token file: {e:#}");
                        wait = Duration::from_secs(2);
                    }
                }
            }
        });
        Ok((TokenFile { path, task }, first))
    }
}

impl Drop for TokenFile {
    fn drop(&mut self) {
        self.task.abort();
    }
}
