//! What the harness reads from `/proc` (Linux only): CPU seconds and resident memory of the
//! server process, and the CPU time of one thread of this process (for the signature floor).

use anyhow::Context;
use std::sync::OnceLock;

/// Clock ticks per second for `/proc/PID/stat` (`getconf CLK_TCK`, read once; default 100).
pub fn clk_tck() -> u64 {
    static TCK: OnceLock<u64> = OnceLock::new();
    *TCK.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<u64>().ok())
            .filter(|&t| t > 0)
            .unwrap_or(100)
    })
}

/// utime + stime of a process (all its threads, live and exited), in seconds.
pub fn cpu_seconds(pid: &str) -> anyhow::Result<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read /proc/{pid}/stat"))?;
    // The command name is in parentheses and may contain spaces: fields restart after ')'.
    let rest = text
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("unexpected /proc/PID/stat format")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 3 of the full line, so utime (14) and stime (15) are at 11, 12.
    let utime: u64 = fields.get(11).context("no utime")?.parse()?;
    let stime: u64 = fields.get(12).context("no stime")?.parse()?;
    Ok((utime + stime) as f64 / clk_tck() as f64)
}

/// (VmRSS, VmHWM) of a process in bytes.
pub fn memory(pid: &str) -> anyhow::Result<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status"))?;
    let field = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .unwrap_or(0)
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}

/// Resets the peak resident size (VmHWM) of a process to its current size, so that the next
/// reading is the peak of what follows. Returns false where the kernel refuses.
pub fn reset_peak(pid: &str) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), b"5").is_ok()
}

/// CPU time of the calling thread in seconds: nanoseconds from `/proc/thread-self/schedstat`,
/// else clock ticks from `/proc/thread-self/stat`.
pub fn thread_cpu_seconds() -> anyhow::Result<f64> {
    // The kernel adds a running thread's time to schedstat only at scheduler events (the
    // timer tick: 4 ms here), which made a 500-signature floor jump in steps of 8 µs per
    // signature. A yield is such an event (`yield_task_fair` updates the runtime), so the
    // figure read right after it is exact.
    std::thread::yield_now();
    if let Ok(text) = std::fs::read_to_string("/proc/thread-self/schedstat")
        && let Some(ns) = text
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
    {
        return Ok(ns as f64 / 1e9);
    }
    cpu_seconds("thread-self")
}

/// Whether thread CPU time has nanosecond resolution here (schedstat) or clock ticks.
pub fn thread_clock_name() -> &'static str {
    if std::fs::read_to_string("/proc/thread-self/schedstat").is_ok() {
        "/proc/thread-self/schedstat (ns)"
    } else {
        "/proc/thread-self/stat (clock ticks)"
    }
}

/// Context switches (voluntary + involuntary) of all live threads of a process.
pub fn context_switches(pid: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("status")).ok())
        .map(|text| {
            text.lines()
                .filter(|l| {
                    l.starts_with("voluntary_ctxt_switches:")
                        || l.starts_with("nonvoluntary_ctxt_switches:")
                })
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>()
        })
        .sum()
}
