//! `exchange`: the federated token exchange with pre-fetched assertions, closed loop at each
//! concurrency and connection mode, then open loop at half the best throughput (the p99
//! target).

use super::On;
use crate::load;
use crate::report::{Run, run_record};
use crate::scenarios::Ctx;
use crate::server::Server;
use std::sync::Arc;

/// One exchange run: a fresh assertion pool, then the load.
pub async fn exchange_run(
    ctx: &mut Arc<Ctx>,
    s: &Server,
    plan: &load::Plan,
    pool: usize,
) -> anyhow::Result<load::Measured> {
    ctx.fetch_assertions(pool).await?;
    let c = ctx.clone();
    let m = load::run(s, plan, move |_, n| {
        let c = c.clone();
        async move {
            let body = c.exchange_bodies[n as usize % c.exchange_bodies.len()].clone();
            c.exchange(body).await.map(|_| ())
        }
    })
    .await?;
    Ok(m)
}

/// Closed loop in each of `modes` (new connection or not), then the open-loop run in the
/// `open_loop_new_connection` mode.
pub async fn run(
    on: &mut On<'_>,
    modes: &[bool],
    open_loop_new_connection: bool,
) -> anyhow::Result<Vec<Run>> {
    let (s, pool, floor) = (on.s, on.st.pool, on.floor);
    let mut runs = Vec::new();
    for &nc in modes {
        for &c in &on.st.concurrency.clone() {
            let plan = on.plan(c);
            let m = exchange_run(on.ctx(nc), s, &plan, pool).await?;
            runs.push(run_record("exchange", nc, &plan, None, 1, m, floor));
        }
    }
    // p99 at half of the maximum throughput (open loop, keep-alive unless asked otherwise).
    let nc = open_loop_new_connection;
    let max = runs
        .iter()
        .filter(|r| r.new_connection == nc)
        .map(|r| r.m.throughput)
        .fold(0.0, f64::max);
    if max > 0.0 {
        let plan = load::Plan {
            concurrency: on
                .st
                .concurrency
                .iter()
                .copied()
                .max()
                .unwrap_or(16)
                .max(16),
            rate: Some((max / 2.0).max(1.0)),
            ..on.st.plan.clone()
        };
        let m = exchange_run(on.ctx(nc), s, &plan, pool).await?;
        runs.push(run_record("exchange", nc, &plan, None, 1, m, floor));
    }
    Ok(runs)
}
