//! Random pipelines and templates: compiling never panics and ends quickly; random text:
//! parsing YAML never panics.

use crate::support::files;
use keyless_pipelines::template::Options;
use keyless_pipelines::{compile, yaml};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A small deterministic generator (xorshift), so the test needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

const KEYS: &[&str] = &[
    "steps",
    "jobs",
    "stages",
    "variables",
    "parameters",
    "template",
    "extends",
    "script",
    "task",
    "inputs",
    "job",
    "stage",
    "deployment",
    "strategy",
    "runOnce",
    "deploy",
    "pool",
    "name",
    "value",
    "type",
    "default",
    "${{ if eq(parameters.a, 'x') }}",
    "${{ elseif true }}",
    "${{ else }}",
    "${{ each x in parameters.l }}",
    "${{ each x in parameters }}",
    "${{ insert }}",
    "${{ x }}",
    "${{ parameters.a }}",
];

const SCALARS: &[&str] = &[
    "a.yml",
    "b.yml",
    "/a.yml",
    "x@tools",
    "${{ parameters.l }}",
    "${{ parameters }}",
    "${{ x }}",
    "${{ x.key }}-${{ x.value }}",
    "${{ variables.v }}",
    "${{ format('{0}', x) }}",
    "${{ split('a,b', ',') }}",
    "${{ eq(",
    "$(run)",
    "stepList",
    "object",
    "boolean",
    "true",
    "3",
    "''",
    "[]",
    "{}",
];

fn value(rng: &mut Rng, depth: usize, indent: usize, out: &mut String) {
    let r = rng.next() % 10;
    if depth > 5 || r < 4 {
        out.push(' ');
        out.push_str(rng.pick(SCALARS));
        out.push('\n');
    } else if r < 7 {
        out.push('\n');
        for _ in 0..1 + rng.next() % 3 {
            out.push_str(&" ".repeat(indent));
            out.push('-');
            if rng.next().is_multiple_of(3) {
                out.push(' ');
                out.push_str(rng.pick(SCALARS));
                out.push('\n');
            } else {
                out.push('\n');
                mapping(rng, depth + 1, indent + 2, out);
            }
        }
    } else {
        out.push('\n');
        mapping(rng, depth + 1, indent + 2, out);
    }
}

fn mapping(rng: &mut Rng, depth: usize, indent: usize, out: &mut String) {
    let mut used = Vec::new();
    for _ in 0..1 + rng.next() % 4 {
        let k = rng.pick(KEYS);
        if used.contains(&k) {
            continue;
        }
        used.push(k);
        out.push_str(&" ".repeat(indent));
        out.push_str(k);
        out.push(':');
        value(rng, depth, indent, out);
    }
}

fn document(rng: &mut Rng) -> String {
    let mut s = String::new();
    mapping(rng, 0, 0, &mut s);
    s
}

#[test]
fn random_pipelines_never_panic() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let start = Instant::now();
    let mut parsed = 0;
    let mut read = 0;
    for _ in 0..600 {
        let main = document(&mut rng);
        let a = document(&mut rng);
        let b = document(&mut rng);
        let list = [
            ("azure-pipelines.yml", main.as_str()),
            ("a.yml", a.as_str()),
            ("b.yml", b.as_str()),
        ];
        let c = compile("azure-pipelines.yml", &files(&list), &Options::default());
        if !c
            .diagnostics
            .iter()
            .any(|d| d.code == keyless_pipelines::Code::YamlSyntax)
        {
            parsed += 1;
        }
        if c.pipeline.is_some() {
            read += 1;
        }
    }
    assert!(parsed > 500, "{parsed}");
    assert!(read > 100, "{read}");
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn yaml_garbage_never_panics() {
    let file: Arc<str> = Arc::from("p.yml");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let alphabet: Vec<char> = "ab:- \n\t[]{},&*!|>'\"#%@`?~\\0é\u{feff}\r"
        .chars()
        .collect();
    let start = Instant::now();
    for _ in 0..3000 {
        let len = (rng.next() % 200) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize])
            .collect();
        let _ = yaml::parse(&file, &text);
        let bytes: Vec<u8> = (0..len).map(|_| (rng.next() & 0xff) as u8).collect();
        let _ = yaml::parse(&file, &String::from_utf8_lossy(&bytes));
    }
    assert!(start.elapsed() < Duration::from_secs(60));
}
