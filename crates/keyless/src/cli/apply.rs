//! `keyless apply`: a world file and the pipeline files it names, sent to the server.

use super::client::{Body, Client, Conn};
use super::output;
use anyhow::Context;
use clap::Args;
use reqwest::Method;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct ApplyArgs {
    /// The world file (YAML).
    #[arg(short = 'f', long = "file")]
    file: PathBuf,
    #[command(flatten)]
    conn: Conn,
}

pub async fn apply(a: ApplyArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&a.file)
        .with_context(|| format!("cannot read {}", a.file.display()))?;
    let files = world_files(&a.file, &text)?;
    let c = Client::new(&a.conn)?;
    let body = if files.is_empty() {
        Body::Yaml(text)
    } else {
        Body::Json(serde_json::json!({"world": text, "files": files}))
    };
    let progress = output::progress::Progress::spinner(format!("applying {}", a.file.display()));
    let v = c
        .send(Method::POST, "/keyless/v1/apply", Some(body))
        .await
        .with_context(|| a.file.display().to_string())?;
    progress.finish();
    if output::machine(&v)? {
        return Ok(ExitCode::SUCCESS);
    }
    let changes = v["changes"].as_array().cloned().unwrap_or_default();
    for ch in &changes {
        println!("  {}", ch.as_str().unwrap_or_default());
    }
    let unchanged = v["unchanged"].as_u64().unwrap_or(0);
    if changes.is_empty() {
        println!(
            "{}: no changes ({unchanged} objects already as described)",
            a.file.display()
        );
    } else {
        println!(
            "{}: {} changes, {unchanged} unchanged",
            a.file.display(),
            changes.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The files the world's pipelines read: for each `file:` of
/// `organizations[].projects[].pipelines[]`, that file and the templates it includes, by
/// path relative to the world file's folder (their repository). Empty when no pipeline
/// names a file.
fn world_files(world: &Path, text: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    // A file over the server's limits is not read here either; the server refuses it.
    if keyless_server::world::check_limits(text).is_err() {
        return Ok(files);
    }
    let Ok(doc) = yaml_serde::from_str::<yaml_serde::Value>(text) else {
        // The server reports the parse error with its line.
        return Ok(files);
    };
    let root = world
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let root =
        std::fs::canonicalize(root).with_context(|| format!("cannot read {}", root.display()))?;
    let list = |v: &yaml_serde::Value, key: &str| -> Vec<yaml_serde::Value> {
        v.get(key)
            .and_then(|l| l.as_sequence())
            .cloned()
            .unwrap_or_default()
    };
    for org in list(&doc, "organizations") {
        for project in list(&org, "projects") {
            for pipeline in list(&project, "pipelines") {
                if let Some(file) = pipeline.get("file").and_then(|f| f.as_str()) {
                    let (_, read) = super::pipeline_files::bundle(&root, &root.join(file))
                        .with_context(|| format!("pipeline file {file} of {}", world.display()))?;
                    files.extend(read);
                }
            }
        }
    }
    Ok(files)
}
