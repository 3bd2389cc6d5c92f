//! `arm`: `GET /subscriptions/{id}/resourcegroups` with one pre-fetched access token (token
//! verification and an RBAC decision per request, no signature).

use super::On;
use crate::report::Run;
use std::sync::Arc;

pub async fn run(on: &mut On<'_>, nc: bool) -> anyhow::Result<Vec<Run>> {
    on.keep.fetch_access_token().await?;
    let token = Arc::new(on.keep.access_token.clone());
    on.per_concurrency("arm", nc, 0, move |c| {
        let t = token.clone();
        async move { c.arm(&t).await }
    })
    .await
}
