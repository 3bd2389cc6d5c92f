//! A child process that receives the signals keyless receives (interrupt, terminate,
//! hang-up, quit, user signals) and whose exit code becomes keyless' (128 + the signal when
//! a signal ended it, as shells report it).

use anyhow::Context;
use std::collections::BTreeMap;
use tokio::signal::unix::{SignalKind, signal};

/// The signals passed on, as (tokio's kind, rustix's signal).
fn forwarded() -> [(SignalKind, rustix::process::Signal); 6] {
    use rustix::process::Signal as S;
    [
        (SignalKind::interrupt(), S::INT),
        (SignalKind::terminate(), S::TERM),
        (SignalKind::hangup(), S::HUP),
        (SignalKind::quit(), S::QUIT),
        (SignalKind::user_defined1(), S::USR1),
        (SignalKind::user_defined2(), S::USR2),
    ]
}

/// Runs `argv` with `env` added to keyless' own environment until it exits.
pub async fn run_forwarding_signals(
    argv: &[String],
    env: &BTreeMap<String, String>,
) -> anyhow::Result<i32> {
    let (program, args) = argv.split_first().context("no command given")?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .envs(env)
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    let pid = child
        .id()
        .and_then(|p| rustix::process::Pid::from_raw(p as i32));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut listeners = Vec::new();
    for (kind, sig) in forwarded() {
        let mut stream = signal(kind)?;
        let tx = tx.clone();
        listeners.push(tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if tx.send(sig).is_err() {
                    break;
                }
            }
        }));
    }
    let status = loop {
        tokio::select! {
            s = child.wait() => break s?,
            Some(sig) = rx.recv() => {
                if let Some(pid) = pid {
                    let _ = rustix::process::kill_process(pid, sig);
                }
            }
        }
    };
    for l in listeners {
        l.abort();
    }
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1))
}
