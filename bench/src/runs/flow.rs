//! `flow`: mint → exchange → ARM GET per iteration, each answer used by the next step (two
//! signatures per iteration).

use super::On;
use crate::report::Run;

pub async fn run(on: &mut On<'_>, nc: bool) -> anyhow::Result<Vec<Run>> {
    on.per_concurrency("flow", nc, 2, |c| async move { c.flow().await })
        .await
}
