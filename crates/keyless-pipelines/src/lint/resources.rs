//! KL201: a container resource pulled from Azure Container Registry with `azureSubscription`.

use crate::diag::{Code, Diagnostic};
use crate::model::Pipeline;

/// The login server domains of Azure Container Registry (public, US Government, China).
const ACR_DOMAINS: &[&str] = &[".azurecr.io", ".azurecr.us", ".azurecr.cn"];

/// Whether an image reference names a registry of Azure Container Registry: its first path
/// segment is a host (it has a dot) ending in an ACR domain, with or without a port.
pub fn is_acr_image(image: &str) -> bool {
    let Some((host, _)) = image.trim().split_once('/') else {
        return false;
    };
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    ACR_DOMAINS
        .iter()
        .any(|d| host.ends_with(d) && host.len() > d.len())
}

pub fn check(p: &Pipeline) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in &p.resources.containers {
        let Some(sub) = &c.azure_subscription else {
            continue;
        };
        if !is_acr_image(&c.image) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::ContainerAcrSubscription,
                sub.loc.clone(),
                format!(
                    "container {} pulls {} from Azure Container Registry with azureSubscription '{}'; container resources do not support a workload identity federation connection there",
                    c.alias, c.image, sub.value
                ),
            )
            .with_fix("Pull the image with a Docker registry connection in endpoint, or use a connection that uses a secret in azureSubscription"),
        );
    }
    out
}
