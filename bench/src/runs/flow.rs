//! `flow`: mint → exchange → ARM GET per iteration, each answer used by the next step (two
//! signatures per iteration).

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
            async move { c.flow().await }
        })
        .await?;
        runs.push(run_record("flow", nc, &plan, None, 2, m, on.floor));
    }
    Ok(runs)
}
