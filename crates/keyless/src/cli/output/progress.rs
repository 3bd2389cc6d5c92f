//! Progress of long work on standard error: on a terminal a line redrawn in place (a spinner,
//! the count done, the elapsed time and, with a total, an estimate of the time left); elsewhere
//! a plain line when the work starts and one when it ends, so logs stay readable. Work that
//! prints while it progresses (a pipeline's steps) prints through [`say`] and sets what it
//! is doing with [`status`] (shown at the end of the line): the drawn line is cleared before each line printed and drawn
//! again after it, never torn.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Held while the progress line is drawn or a line is printed: they take turns.
static SCREEN: Mutex<()> = Mutex::new(());
/// Whether a progress line is being drawn on the terminal now.
static DRAWING: AtomicBool = AtomicBool::new(false);
/// What the work is doing now, shown after the label ([`status`]).
static STATUS: Mutex<String> = Mutex::new(String::new());

/// Prints `line` on standard output, clearing the progress line first when one is drawn
/// (the drawer draws it again at its next tick).
pub fn say(line: &str) {
    let _turn = SCREEN.lock().unwrap_or_else(|e| e.into_inner());
    if DRAWING.load(Ordering::Relaxed) {
        eprint!("\r\x1b[2K");
        let _ = std::io::stderr().flush();
    }
    println!("{line}");
    let _ = std::io::stdout().flush();
}

/// Sets what the work is doing now (`build ▸ step 2/5`), shown on the progress line.
pub fn status(now: impl Into<String>) {
    *STATUS.lock().unwrap_or_else(|e| e.into_inner()) = now.into();
}

/// `line` followed by the status, when there is one.
fn with_status(line: String) -> String {
    let now = STATUS.lock().unwrap_or_else(|e| e.into_inner());
    if now.is_empty() {
        line
    } else {
        format!("{line} · {now}")
    }
}

const FRAMES: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const TICK: Duration = Duration::from_millis(100);

pub struct Progress {
    label: String,
    total: Option<usize>,
    done: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    drawer: Option<std::thread::JoinHandle<()>>,
    start: Instant,
}

/// `12.3s`, or `2m05s` from a minute on.
fn duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// The line drawn for `done` of `total` after `elapsed`.
fn line(label: &str, frame: &str, done: usize, total: Option<usize>, elapsed: Duration) -> String {
    match total {
        Some(t) if done > 0 && done < t => {
            let left = elapsed.mul_f64((t - done) as f64 / done as f64);
            format!(
                "{frame} {label} {done}/{t} {} (about {} left)",
                duration(elapsed),
                duration(left)
            )
        }
        Some(t) => format!("{frame} {label} {done}/{t} {}", duration(elapsed)),
        None => format!("{frame} {label} {}", duration(elapsed)),
    }
}

impl Progress {
    /// Work of unknown size (one request the server takes long to answer).
    pub fn spinner(label: impl Into<String>) -> Progress {
        Progress::start(label.into(), None)
    }

    /// `total` steps, counted with [`Progress::inc`].
    pub fn counter(label: impl Into<String>, total: usize) -> Progress {
        Progress::start(label.into(), Some(total))
    }

    fn start(label: String, total: Option<usize>) -> Progress {
        let done = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let drawer = if std::io::stderr().is_terminal() {
            let (label, done, stop) = (label.clone(), done.clone(), stop.clone());
            DRAWING.store(true, Ordering::Relaxed);
            Some(std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let l = with_status(line(
                        &label,
                        FRAMES[i % FRAMES.len()],
                        done.load(Ordering::Relaxed),
                        total,
                        start.elapsed(),
                    ));
                    {
                        let _turn = SCREEN.lock().unwrap_or_else(|e| e.into_inner());
                        eprint!("\r\x1b[2K{l}");
                        let _ = std::io::stderr().flush();
                    }
                    i += 1;
                    std::thread::sleep(TICK);
                }
                let _turn = SCREEN.lock().unwrap_or_else(|e| e.into_inner());
                DRAWING.store(false, Ordering::Relaxed);
                eprint!("\r\x1b[2K");
                let _ = std::io::stderr().flush();
            }))
        } else {
            match total {
                Some(t) => eprintln!("{label} ({t})…"),
                None => eprintln!("{label}…"),
            }
            None
        };
        Progress {
            label,
            total,
            done,
            stop,
            drawer,
            start,
        }
    }

    /// One more step done.
    pub fn inc(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// Stops drawing; off a terminal, says how long the work took.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        match self.drawer.take() {
            Some(d) => {
                let _ = d.join();
            }
            None => {
                let n = self.done.load(Ordering::Relaxed);
                let count = self.total.map(|t| format!(" {n}/{t}")).unwrap_or_default();
                eprintln!(
                    "{}{count}: done in {}",
                    self.label,
                    duration(self.start.elapsed())
                );
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(d) = self.drawer.take() {
            let _ = d.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_show_count_elapsed_and_time_left() {
        let s = Duration::from_secs;
        assert_eq!(line("linting", "⠋", 0, None, s(3)), "⠋ linting 3.0s");
        assert_eq!(
            line("linting", "⠋", 1, Some(4), s(2)),
            "⠋ linting 1/4 2.0s (about 6.0s left)"
        );
        assert_eq!(
            line("linting", "⠋", 4, Some(4), s(75)),
            "⠋ linting 4/4 1m15s"
        );
    }

    #[test]
    fn the_status_follows_the_line() {
        assert_eq!(with_status("⠋ jobs 1/2 1.0s".into()), "⠋ jobs 1/2 1.0s");
        status("build ▸ step 2/5");
        assert_eq!(
            with_status("⠋ jobs 1/2 1.0s".into()),
            "⠋ jobs 1/2 1.0s · build ▸ step 2/5"
        );
        status("");
        assert_eq!(with_status("⠋ jobs".into()), "⠋ jobs");
    }
}
