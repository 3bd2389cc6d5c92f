//! `arm`: `GET /subscriptions/{id}/resourcegroups` with one pre-fetched access token (token
//! verification and an RBAC decision per request, no signature).

use super::On;
use crate::load;
use crate::report::{Run, run_record};
use std::sync::Arc;

pub async fn run(on: &mut On<'_>, nc: bool) -> anyhow::Result<Vec<Run>> {
    on.keep.fetch_access_token().await?;
    let token = Arc::new(on.keep.access_token.clone());
    let mut runs = Vec::new();
    for &c in &on.st.concurrency {
        let plan = on.plan(c);
        let ctx = if nc {
            on.fresh.clone()
        } else {
            on.keep.clone()
        };
        let token = token.clone();
        let m = load::run(on.s, &plan, move |_, _| {
            let (c, t) = (ctx.clone(), token.clone());
            async move { c.arm(&t).await }
        })
        .await?;
        runs.push(run_record("arm", nc, &plan, None, 0, m, on.floor));
    }
    Ok(runs)
}
