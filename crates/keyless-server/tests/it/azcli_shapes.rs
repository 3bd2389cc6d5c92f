//! Shapes the Azure CLI (azure-cli 2.91.0) depends on, found by driving it against keyless
//! (compat/azcli) and reading its `--debug` request and response lines. Each test here pins
//! one server fix so that it holds without the CLI installed.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::TestServer;

/// `az cloud register -n keyless --endpoint-resource-manager https://host:port/` builds the
/// metadata URL by plain concatenation: `GET https://host:port//metadata/endpoints?api-version=2022-09-01`.
/// It used to get 404 `No route matches '//metadata/endpoints'`, so the registration failed
/// with "Unable to get endpoints from the cloud".
#[tokio::test]
async fn cloud_register_with_a_trailing_slash_finds_the_metadata() {
    let s = TestServer::start().await;
    let body = s.anon_ok(&format!("/{}", common::METADATA)).await;
    assert_eq!(body["resourceManager"], format!("{}/", s.origin));
    assert_eq!(
        body["authentication"]["audiences"][0],
        "https://management.core.windows.net/"
    );
    assert_eq!(
        body["authentication"]["loginEndpoint"],
        format!("{}/", s.origin)
    );
    // The same document as the canonical path.
    let (_, canonical) = s
        .anon_get("/metadata/endpoints?api-version=2022-09-01")
        .await;
    assert_eq!(body, canonical);
}
