//! `size`: the exchange (first concurrency) on the demo world alone, then after filling the
//! store to each size (`crate::size` fills it).

use super::On;
use super::exchange::exchange_run;
use crate::report::{Run, run_record};
use crate::{note, size};

pub async fn run(
    on: &mut On<'_>,
    nc: bool,
    fill_parallel: usize,
) -> anyhow::Result<(Vec<Run>, Vec<size::Populated>)> {
    let (s, pool, floor) = (on.s, on.st.pool, on.floor);
    let plan = on.plan(on.st.concurrency[0]);
    let mut runs = Vec::new();
    let mut fills = Vec::new();
    // The same benchmark on the demo world alone, as the reference point.
    let m = exchange_run(on.ctx(nc), s, &plan, pool).await?;
    runs.push(run_record("exchange", nc, &plan, Some(0), 1, m, floor));
    let mut have = 0;
    let mut sizes = on.st.sizes.clone();
    sizes.sort_unstable();
    for &n in &sizes {
        let n = n - n % size::PER_APP;
        if n <= have {
            continue;
        }
        note(format!(
            "filling the store: {have} → {n} federated credentials and role assignments"
        ));
        let f = size::populate(s, &on.keep.setup, have, n, fill_parallel).await?;
        note(format!(
            "  {:.1} s ({:.0} objects/s, {:.0} µs server CPU per object)",
            f.seconds,
            f.objects_per_second,
            f.server_cpu_per_object_s * 1e6
        ));
        fills.push(f);
        have = n;
        let m = exchange_run(on.ctx(nc), s, &plan, pool).await?;
        runs.push(run_record("exchange", nc, &plan, Some(n), 1, m, floor));
    }
    Ok((runs, fills))
}
