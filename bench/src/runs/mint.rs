//! `mint`: the job's ID-token request (one RS256 signature per request).

use super::On;
use crate::load;
use crate::report::{Run, run_record};

pub async fn run(on: &mut On<'_>, nc: bool) -> anyhow::Result<Vec<Run>> {
    let mut runs = Vec::new();
    for &c in &on.st.concurrency {
        let plan = on.plan(c);
        let ctx = if nc {
            on.fresh.clone()
        } else {
            on.keep.clone()
        };
        let m = load::run(on.s, &plan, move |_, _| {
            let c = ctx.clone();
            async move { c.mint().await.map(|_| ()) }
        })
        .await?;
        runs.push(run_record("mint", nc, &plan, None, 1, m, on.floor));
    }
    Ok(runs)
}
