//! Mutation fuzzing on stable Rust, without coverage feedback: each target's seeds (valid
//! inputs) are mutated by a seeded PRNG (bit and byte flips, truncation, splicing, repeated
//! chunks, deep nesting, huge numbers, odd Unicode, the target's own tokens) and fed to the
//! target on a worker thread. A finding is a panic, a broken property (the target's
//! `Err`), or an input that runs longer than the target's time bound (the worker is then
//! abandoned). Findings are written to `$TMPDIR/keyless-fuzz/` and fail the test.
//!
//! `KEYLESS_FUZZ_SECONDS` (per target, default 2), `KEYLESS_FUZZ_SEED` (default fixed, so
//! CI runs are reproducible) and `KEYLESS_FUZZ_TARGETS` (comma-separated names) drive a
//! run; `docs/FUZZING.md` has the long campaign.
#![allow(clippy::unwrap_used)]

mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// xorshift64*: deterministic for a seed, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len())]
    }
}

/// What a target is checked with: its name, valid inputs to start from, tokens of its
/// language, the largest input it is given, the time one input may take, and the check
/// itself (`Err` names the broken property).
pub struct Target {
    pub name: &'static str,
    pub seeds: Vec<Vec<u8>>,
    pub tokens: &'static [&'static str],
    pub max_len: usize,
    pub time_bound: Duration,
    pub check: Check,
}

/// A target's check of one input: `Err` names the broken property.
pub type Check = Box<dyn Fn(&[u8]) -> Result<(), String> + Send + Sync>;

/// Bytes that parsers treat specially, and Unicode that often confuses them: a BOM, a
/// right-to-left override, NUL, an overlong `/`, a lone surrogate, a combining mark.
const ODD: &[&[u8]] = &[
    b"\0",
    b"\xff",
    b"\x7f",
    b"\x80",
    b"\r\n",
    b"\t",
    "\u{feff}".as_bytes(),
    "\u{202e}".as_bytes(),
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    "e\u{301}".as_bytes(),
    "\u{1f600}".as_bytes(),
    b"%00",
    b"%",
    b"%2e%2E",
    b"%2F",
    b"\\",
    b"'",
    b"\"",
];

/// Numbers at the edges of every integer and float type.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "-0",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "99999999999999999999999999999999999999",
    "1e308",
    "1e309",
    "-1e400",
    "0.0000000000000000000000000001",
    "NaN",
    "0x7fffffff",
];

/// Openers repeated to nest deeply.
const NESTING: &[&str] = &["[", "{", "(", "- ", "  ", "a:\n  ", "{\"a\":", "*", "&a "];

/// One input mutated from the seeds: 1 to 8 stacked mutations, at most `max_len` bytes.
pub fn mutate(rng: &mut Rng, t: &Target) -> Vec<u8> {
    let mut v = rng.pick(&t.seeds).clone();
    for _ in 0..1 + rng.below(8) {
        mutate_once(rng, t, &mut v);
    }
    v.truncate(t.max_len);
    v
}

fn insert_at(rng: &mut Rng, v: &mut Vec<u8>, bytes: &[u8]) {
    let at = rng.below(v.len() + 1);
    v.splice(at..at, bytes.iter().copied());
}

fn mutate_once(rng: &mut Rng, t: &Target, v: &mut Vec<u8>) {
    let len = v.len();
    match rng.below(13) {
        0 if len > 0 => {
            let i = rng.below(len);
            v[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            v[i] = rng.next() as u8;
        }
        2 if len > 0 => {
            // Delete a range.
            let a = rng.below(len);
            let b = (a + 1 + rng.below(16.min(len - a))).min(len);
            v.drain(a..b);
        }
        3 => {
            let n = 1 + rng.below(8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            insert_at(rng, v, &bytes);
        }
        4 if len > 0 => {
            // Repeat a chunk, up to 64 times.
            let a = rng.below(len);
            let b = (a + 1 + rng.below(32.min(len - a))).min(len);
            let chunk = v[a..b].repeat(1 + rng.below(64));
            v.splice(b..b, chunk);
        }
        5 => v.truncate(rng.below(len + 1)),
        6 => {
            // Splice: this input's head, another seed's tail.
            let other = rng.pick(&t.seeds);
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            v.truncate(cut);
            v.extend_from_slice(&other[from..]);
        }
        7 | 8 if !t.tokens.is_empty() => {
            let tok = *rng.pick(t.tokens);
            insert_at(rng, v, tok.as_bytes());
        }
        9 => {
            let open = *rng.pick(NESTING);
            let deep = open.repeat(1 + rng.below(300));
            insert_at(rng, v, deep.as_bytes());
        }
        10 => {
            // A run of digits replaced with an edge number, or one inserted.
            let n = rng.pick(NUMBERS).as_bytes();
            match v.iter().position(|b| b.is_ascii_digit()) {
                Some(start) if rng.below(2) == 0 => {
                    let skip = rng.below(len - start);
                    let start = (start + skip..len)
                        .find(|&i| v[i].is_ascii_digit())
                        .unwrap_or(start);
                    let end = (start..len)
                        .find(|&i| !v[i].is_ascii_digit())
                        .unwrap_or(len);
                    v.splice(start..end, n.iter().copied());
                }
                _ => insert_at(rng, v, n),
            }
        }
        11 => {
            let odd = *rng.pick(ODD);
            insert_at(rng, v, odd);
        }
        _ if len > 1 => {
            // Swap two bytes.
            let (a, b) = (rng.below(len), rng.below(len));
            v.swap(a, b);
        }
        _ => v.push(rng.next() as u8),
    }
}

/// What one run of a target did.
#[derive(Debug, Default)]
pub struct Report {
    pub executions: u64,
    pub findings: Vec<String>,
    /// The slowest input's time.
    pub slowest: Duration,
}

/// The figures of `KEYLESS_FUZZ_*`, or the CI defaults.
pub struct Settings {
    pub seconds: f64,
    pub seed: u64,
    pub only: Option<Vec<String>>,
}

impl Settings {
    pub fn from_env() -> Settings {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Settings {
            seconds: var("KEYLESS_FUZZ_SECONDS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(2.0),
            seed: var("KEYLESS_FUZZ_SEED")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0x6b65_796c_6573_7321),
            only: var("KEYLESS_FUZZ_TARGETS")
                .map(|v| v.split(',').map(|s| s.trim().to_string()).collect()),
        }
    }

    pub fn wants(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == name))
    }
}

/// Where findings are written: one file per input.
fn save(target: &str, kind: &str, input: &[u8]) -> String {
    let dir = std::env::temp_dir().join("keyless-fuzz");
    let _ = std::fs::create_dir_all(&dir);
    let name = format!(
        "{target}-{kind}-{}.bin",
        keyless_jose::sha256_hex(input)
            .get(..16)
            .unwrap_or_default()
    );
    let path = dir.join(name);
    let _ = std::fs::write(&path, input);
    path.display().to_string()
}

/// A short, printable view of an input.
pub fn preview(input: &[u8]) -> String {
    let text = String::from_utf8_lossy(input);
    let shown: String = text.chars().take(160).collect();
    format!("{shown:?} ({} bytes)", input.len())
}

/// Runs `t` for `seconds` from `seed`: the seeds themselves first (each must pass), then
/// mutated inputs. Stops at the first input that overruns the time bound.
pub fn run(t: Target, seconds: f64, seed: u64) -> Report {
    let t = Arc::new(t);
    let executions = Arc::new(AtomicU64::new(0));
    let current: Arc<Mutex<Vec<u8>>> = Arc::default();
    let findings: Arc<Mutex<Vec<String>>> = Arc::default();
    let slowest = Arc::new(Mutex::new(Duration::ZERO));
    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let (t, executions, current, findings, slowest, stop) = (
            t.clone(),
            executions.clone(),
            current.clone(),
            findings.clone(),
            slowest.clone(),
            stop.clone(),
        );
        std::thread::spawn(move || {
            let mut rng = Rng::new(seed);
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let input = if i < t.seeds.len() {
                    t.seeds[i].clone()
                } else {
                    mutate(&mut rng, &t)
                };
                i += 1;
                *current.lock().unwrap() = input.clone();
                let started = Instant::now();
                let outcome = catch_unwind(AssertUnwindSafe(|| (t.check)(&input)));
                let took = started.elapsed();
                let mut s = slowest.lock().unwrap();
                *s = (*s).max(took);
                drop(s);
                let finding = match outcome {
                    Ok(Ok(())) => None,
                    Ok(Err(why)) => Some(("property", why)),
                    Err(p) => {
                        let why = p
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        Some(("panic", why))
                    }
                };
                if let Some((kind, why)) = finding {
                    let file = save(t.name, kind, &input);
                    findings.lock().unwrap().push(format!(
                        "{}: {kind}: {why}; input {} saved to {file}",
                        t.name,
                        preview(&input)
                    ));
                }
                executions.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut last = (0, Instant::now());
    loop {
        std::thread::sleep(Duration::from_millis(20));
        if worker.is_finished() {
            let _ = worker.join();
            break;
        }
        let n = executions.load(Ordering::Relaxed);
        if n != last.0 {
            last = (n, Instant::now());
        } else if last.1.elapsed() > t.time_bound {
            let input = current.lock().unwrap().clone();
            let file = save(t.name, "hang", &input);
            findings.lock().unwrap().push(format!(
                "{}: hang: over {:?} on input {} saved to {file}",
                t.name,
                t.time_bound,
                preview(&input)
            ));
            // The worker is stuck: it is left behind.
            stop.store(true, Ordering::Relaxed);
            break;
        }
        if Instant::now() >= deadline && n as usize >= t.seeds.len() {
            stop.store(true, Ordering::Relaxed);
        }
    }
    let findings = findings.lock().unwrap().clone();
    let slowest = *slowest.lock().unwrap();
    Report {
        executions: executions.load(Ordering::Relaxed),
        findings,
        slowest,
    }
}
