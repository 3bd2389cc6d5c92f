//! The scenarios, one file each, run against the server the suite started: `exchange` (with
//! the open-loop run at half its best throughput), `mint`, `arm`, `flow`, `size`; and
//! `replicas`, which starts servers of its own (two replicas on one PostgreSQL).

mod arm;
mod exchange;
mod flow;
mod mint;
pub mod replicas;
mod size;

use crate::report::{Run, run_record};
use crate::scenarios::Ctx;
use crate::server::Server;
use crate::{Cli, Scenario, Settings, load};
use std::future::Future;
use std::sync::Arc;

/// What every scenario run on the suite's server shares: the settings, the server, the
/// RS256 floor, and the request contexts (keep-alive, and a new connection per request).
pub struct On<'a> {
    pub st: &'a Settings,
    pub s: &'a Server,
    pub floor: f64,
    pub keep: Arc<Ctx>,
    pub fresh: Arc<Ctx>,
}

impl On<'_> {
    /// The context of a connection mode.
    pub fn ctx(&mut self, new_connection: bool) -> &mut Arc<Ctx> {
        if new_connection {
            &mut self.fresh
        } else {
            &mut self.keep
        }
    }

    /// One run of `scenario` per concurrency level, each request `op` on the context of the
    /// connection mode.
    pub async fn per_concurrency<F, Fut>(
        &mut self,
        scenario: &str,
        nc: bool,
        signatures_per_op: u32,
        op: F,
    ) -> anyhow::Result<Vec<Run>>
    where
        F: Fn(Arc<Ctx>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        let mut runs = Vec::new();
        let st = self.st;
        for &c in &st.concurrency {
            let plan = self.plan(c);
            let ctx = self.ctx(nc).clone();
            let op = op.clone();
            let m = load::run(self.s, &plan, move |_, _| op(ctx.clone())).await?;
            runs.push(run_record(
                scenario,
                nc,
                &plan,
                None,
                signatures_per_op,
                m,
                self.floor,
            ));
        }
        Ok(runs)
    }

    /// The settings' plan at concurrency `c`.
    pub fn plan(&self, c: usize) -> load::Plan {
        load::Plan {
            concurrency: c,
            ..self.st.plan.clone()
        }
    }
}

pub async fn scenarios_on(
    cli: &Cli,
    st: &Settings,
    s: &Server,
    floor: f64,
) -> anyhow::Result<(Vec<Run>, Vec<crate::size::Populated>)> {
    let mut on = On {
        st,
        s,
        floor,
        keep: Arc::new(Ctx::new(s, false)?),
        fresh: Arc::new(Ctx::new(s, true)?),
    };
    let all = cli.scenario == Scenario::All;
    let want = |x: Scenario| all || cli.scenario == x;
    // The default mode of every scenario; `all` adds the exchange with new connections.
    let nc = cli.new_connection;
    let mut runs = Vec::new();
    let mut fills = Vec::new();
    if want(Scenario::Exchange) {
        let mut modes = vec![nc];
        if all && !nc {
            modes.push(true);
        }
        runs.extend(exchange::run(&mut on, &modes, nc).await?);
        runs.push(exchange::es256_run(&mut on).await?);
    }
    if want(Scenario::Mint) {
        runs.extend(mint::run(&mut on, nc).await?);
    }
    if want(Scenario::Arm) {
        runs.extend(arm::run(&mut on, nc).await?);
    }
    if want(Scenario::Flow) {
        runs.extend(flow::run(&mut on, nc).await?);
    }
    if want(Scenario::Size) {
        let (r, f) = size::run(&mut on, nc, cli.fill_parallel).await?;
        runs.extend(r);
        fills.extend(f);
    }
    Ok((runs, fills))
}
