//! One step's process: its output shown live (secrets masked) and read for logging
//! commands, its time limit, cancellation (Ctrl-C), and its outcome.

use super::logcmd::{LogCommand, mask, parse};
use super::scope::Outcome;
use crate::cli::output::progress::say;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::watch;

/// What a step's output set and reported.
#[derive(Debug, Default)]
pub struct Effects {
    /// (name, value, is output, is secret).
    pub variables: Vec<(String, String, bool, bool)>,
    /// (is error, message).
    pub issues: Vec<(bool, String)>,
    /// The last lines shown (masked), read for known errors.
    pub tail: Vec<String>,
}

pub struct StepProcess<'a> {
    pub argv: Vec<String>,
    pub env: &'a BTreeMap<String, String>,
    pub cwd: &'a Path,
    /// When the step must have ended (its own or its job's time limit).
    pub deadline: Option<Instant>,
    pub fail_on_stderr: bool,
    pub cancel: watch::Receiver<bool>,
}

const TAIL: usize = 200;

fn remember(tail: &mut Vec<String>, line: String) {
    if tail.len() == TAIL {
        tail.remove(0);
    }
    tail.push(line);
}

/// Runs the process; `secrets` grows with the values the step marks secret.
pub async fn run(p: StepProcess<'_>, secrets: &mut Vec<String>, fx: &mut Effects) -> Outcome {
    let Some((program, args)) = p.argv.split_first() else {
        return Outcome::Failed;
    };
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .envs(p.env)
        .current_dir(p.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            let line = format!("##[error]cannot run {program}: {e}");
            say(&line);
            remember(&mut fx.tail, line);
            return Outcome::Failed;
        }
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(bool, String)>();
    for (is_err, reader) in [
        (
            false,
            child
                .stdout
                .take()
                .map(|o| Box::new(o) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        ),
        (
            true,
            child
                .stderr
                .take()
                .map(|o| Box::new(o) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        ),
    ] {
        let Some(reader) = reader else { continue };
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(reader).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                if tx.send((is_err, l)).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let group = child
        .id()
        .and_then(|id| rustix::process::Pid::from_raw(id as i32));
    let mut cancel = p.cancel.clone();
    let mut completed: Option<String> = None;
    let mut stderr_seen = false;
    let mut stopped: Option<Outcome> = None;
    let sleep_until = |d: Option<Instant>| async move {
        match d {
            Some(d) => tokio::time::sleep_until(d.into()).await,
            None => std::future::pending().await,
        }
    };
    let mut output_open = true;
    let status = loop {
        tokio::select! {
            line = rx.recv(), if output_open => match line {
                Some((is_err, l)) => {
                    stderr_seen |= is_err && !l.trim().is_empty();
                    if let Some(c) = parse(&l) {
                        match c {
                            LogCommand::SetVariable { name, value, is_output, is_secret } => {
                                if is_secret && !value.is_empty() { secrets.push(value.clone()); }
                                fx.variables.push((name, value, is_output, is_secret));
                            }
                            LogCommand::SetSecret { value } => if !value.is_empty() { secrets.push(value) },
                            LogCommand::LogIssue { error, message } => fx.issues.push((error, mask(&message, secrets))),
                            LogCommand::Complete { result } => completed = Some(result),
                        }
                    }
                    let shown = mask(&l, secrets);
                    say(&shown);
                    remember(&mut fx.tail, shown);
                }
                None => output_open = false,
            },
            s = child.wait(), if !output_open || stopped.is_some() => break s,
            _ = sleep_until(p.deadline), if stopped.is_none() => {
                stopped = Some(Outcome::Failed);
                let line = "##[error]The step exceeded its time limit and was stopped.".to_string();
                say(&line);
                remember(&mut fx.tail, line);
                stop(group).await;
            }
            _ = cancel.changed(), if stopped.is_none() => {
                if *cancel.borrow() {
                    stopped = Some(Outcome::Canceled);
                    say("##[error]The operation was canceled.");
                    stop(group).await;
                }
            }
        }
    };
    if let Some(o) = stopped {
        return o;
    }
    let ok = status.map(|s| s.success()).unwrap_or(false);
    if let Some(r) = completed {
        return match r.to_ascii_lowercase().as_str() {
            "succeeded" => Outcome::Succeeded,
            "succeededwithissues" => Outcome::SucceededWithIssues,
            _ => Outcome::Failed,
        };
    }
    if !ok || (p.fail_on_stderr && stderr_seen) {
        Outcome::Failed
    } else {
        Outcome::Succeeded
    }
}

/// Terminates the step's process group, then kills what is left after 5 s.
async fn stop(group: Option<rustix::process::Pid>) {
    let Some(g) = group else { return };
    let _ = rustix::process::kill_process_group(g, rustix::process::Signal::TERM);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let _ = rustix::process::kill_process_group(g, rustix::process::Signal::KILL);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process<'a>(
        script: &str,
        env: &'a BTreeMap<String, String>,
        deadline: Option<Instant>,
        cancel: watch::Receiver<bool>,
    ) -> StepProcess<'a> {
        StepProcess {
            argv: vec!["sh".into(), "-c".into(), script.into()],
            env,
            cwd: Path::new("/"),
            deadline,
            fail_on_stderr: false,
            cancel,
        }
    }

    #[tokio::test]
    async fn a_step_past_its_time_limit_is_stopped_and_fails() {
        let env = BTreeMap::new();
        let (_tx, rx) = watch::channel(false);
        let started = Instant::now();
        let deadline = Some(Instant::now() + Duration::from_millis(300));
        let mut fx = Effects::default();
        let o = run(
            process("sleep 20", &env, deadline, rx),
            &mut vec![],
            &mut fx,
        )
        .await;
        assert_eq!(o, Outcome::Failed);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(fx.tail.iter().any(|l| l.contains("time limit")));
    }

    #[tokio::test]
    async fn cancelling_stops_the_step() {
        let env = BTreeMap::new();
        let (tx, rx) = watch::channel(false);
        let stop = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            tx.send(true).unwrap();
            tokio::time::sleep(Duration::from_secs(10)).await;
        });
        let mut fx = Effects::default();
        let o = run(process("sleep 20", &env, None, rx), &mut vec![], &mut fx).await;
        assert_eq!(o, Outcome::Canceled);
        stop.abort();
    }

    #[tokio::test]
    async fn logging_commands_set_variables_and_results_and_secrets_are_masked() {
        let env = BTreeMap::new();
        let (_tx, rx) = watch::channel(false);
        let mut secrets = vec![];
        let mut fx = Effects::default();
        let script = "echo '##vso[task.setvariable variable=s;issecret=true]topsecret'; echo leak topsecret; echo '##vso[task.complete result=SucceededWithIssues]'";
        let o = run(process(script, &env, None, rx), &mut secrets, &mut fx).await;
        assert_eq!(o, Outcome::SucceededWithIssues);
        assert_eq!(secrets, vec!["topsecret".to_string()]);
        assert!(fx.tail.iter().any(|l| l == "leak ***"), "{:?}", fx.tail);
        assert!(fx.tail.iter().all(|l| !l.contains("topsecret")));
    }
}
