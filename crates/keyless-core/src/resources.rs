//! The resources a token can be requested for, as named in a `.default` scope.

/// ARM accepts exactly these four audiences: both hosts, with and without the trailing slash.
pub const ARM_AUDIENCES: [&str; 4] = [
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
];

pub const GRAPH_RESOURCES: [&str; 3] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
    "00000003-0000-0000-c000-000000000000",
];

/// Whether an access token's `aud` is Graph: Microsoft Graph's own names, or the Graph
/// endpoint this server advertises in `/metadata/endpoints` (its origin, which is how the
/// Azure CLI asks for Graph tokens).
pub fn is_graph_audience(aud: &str, origin: &str) -> bool {
    GRAPH_RESOURCES.contains(&aud) || aud.trim_end_matches('/') == origin.trim_end_matches('/')
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    Arm(String),
    Graph(String),
    AzureDevOps(String),
}

impl Resource {
    /// The `aud` claim: the resource exactly as the client asked for it.
    pub fn audience(&self) -> &str {
        match self {
            Resource::Arm(a) | Resource::Graph(a) | Resource::AzureDevOps(a) => a,
        }
    }

    pub fn parse(resource: &str, origin: &str) -> Option<Resource> {
        if ARM_AUDIENCES.contains(&resource)
            || resource.trim_end_matches('/') == origin.trim_end_matches('/')
        {
            return Some(Resource::Arm(resource.to_string()));
        }
        if GRAPH_RESOURCES.contains(&resource) {
            return Some(Resource::Graph(resource.to_string()));
        }
        if resource == keyless_model::federation::AZURE_DEVOPS_APP_ID
            || resource == "https://app.vssps.visualstudio.com"
        {
            return Some(Resource::AzureDevOps(resource.to_string()));
        }
        None
    }
}

/// Splits a client-credentials scope into its resource: exactly one scope, ending in
/// `/.default`. `https://management.core.windows.net//.default` (the Azure CLI) yields the
/// resource with its trailing slash.
pub fn scope_resource(scope: &str) -> Option<&str> {
    let parts: Vec<&str> = scope.split_whitespace().collect();
    let resources: Vec<&str> = parts
        .iter()
        .filter(|p| !matches!(**p, "openid" | "profile" | "offline_access"))
        .copied()
        .collect();
    match resources.as_slice() {
        [one] => one.strip_suffix("/.default").filter(|r| !r.is_empty()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        assert_eq!(
            scope_resource("https://management.azure.com/.default"),
            Some("https://management.azure.com")
        );
        assert_eq!(
            scope_resource("https://management.core.windows.net//.default"),
            Some("https://management.core.windows.net/")
        );
        assert_eq!(
            scope_resource("https://management.azure.com/.default offline_access openid profile"),
            Some("https://management.azure.com")
        );
        assert_eq!(
            scope_resource("https://management.azure.com/user_impersonation"),
            None
        );
        assert_eq!(
            scope_resource(
                "https://management.azure.com/.default https://graph.microsoft.com/.default"
            ),
            None
        );
        assert_eq!(scope_resource(""), None);
    }
}
