//! `mint`: the job's ID-token request (one RS256 signature per request).

use super::On;
use crate::report::Run;

pub async fn run(on: &mut On<'_>, nc: bool) -> anyhow::Result<Vec<Run>> {
    on.per_concurrency("mint", nc, 1, |c| async move { c.mint().await.map(|_| ()) })
        .await
}
