//! How every client command prints its answer: for people, an aligned table or a short
//! summary (colour and symbols only on a terminal, never with `NO_COLOR`); for programs,
//! `-o json` (the API's body, unchanged), `-o yaml`, `-o table`, `-o tsv`, each after
//! `--query` (a JMESPath expression, as `az --query`).
//!
//! A command describes its objects once, as a [`View`] (the columns a person needs), and
//! hands the API's answer to [`list`], [`one`] or [`done`]; errors go through
//! [`error::report`], which also decides the exit code.

pub mod error;
pub mod progress;
mod table;
pub mod views;

pub use table::{Col, Kind, View, cell, table};

use clap::{Args, ValueEnum};
use serde_json::Value;
use std::io::IsTerminal;
use std::sync::OnceLock;

/// The formats of `-o`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables and summaries for people (the default).
    Human,
    /// The API's JSON body, unchanged (after --query).
    Json,
    /// The same data as YAML.
    Yaml,
    /// An aligned table with a header line.
    Table,
    /// Tab-separated values without a header, for `cut` and `while read`.
    Tsv,
}

/// The output options every command accepts.
#[derive(Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Output format: human (default), json (the API's body), yaml, table or tsv.
    #[arg(
        short = 'o',
        long = "output",
        global = true,
        value_enum,
        value_name = "FORMAT"
    )]
    pub output: Option<Format>,
    /// A JMESPath expression applied to the API's body before printing, as with az
    /// (example: --query "value[].name"); implies -o json unless -o is given.
    #[arg(long, global = true, value_name = "JMESPATH")]
    pub query: Option<String>,
    /// The same as -o json.
    #[arg(long, global = true)]
    pub json: bool,
}

static OPTIONS: OnceLock<OutputArgs> = OnceLock::new();

/// Records the options of this invocation (once, before any command runs).
pub fn init(a: OutputArgs) {
    let _ = OPTIONS.set(a);
}

fn options() -> &'static OutputArgs {
    static NONE: OutputArgs = OutputArgs {
        output: None,
        query: None,
        json: false,
    };
    OPTIONS.get().unwrap_or(&NONE)
}

/// The format in effect: `--json` and `--query` mean JSON unless `-o` says otherwise.
pub fn format() -> Format {
    let o = options();
    match (o.output, o.json, &o.query) {
        (_, true, _) => Format::Json,
        (Some(f), _, _) => f,
        (None, _, Some(_)) => Format::Json,
        (None, false, None) => Format::Human,
    }
}

/// Whether the output is made of a view's columns (people, `-o table`, `-o tsv`, no
/// `--query`): only then may a command add fields the API's body does not have.
pub fn columns() -> bool {
    options().query.is_none() && matches!(format(), Format::Human | Format::Table | Format::Tsv)
}

/// Whether the output is for people (the default format).
pub fn human() -> bool {
    format() == Format::Human
}

/// Colour and symbols: only on a terminal, never when `NO_COLOR` is set (to anything).
pub fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// The same decision for what goes to standard error.
pub fn color_stderr() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

pub fn bold(s: &str) -> String {
    paint(color(), "1", s)
}

pub fn green(s: &str) -> String {
    paint(color(), "32", s)
}

pub fn yellow(s: &str) -> String {
    paint(color(), "33", s)
}

pub fn red_stderr(s: &str) -> String {
    paint(color_stderr(), "31;1", s)
}

/// `✓ ` on a terminal, nothing elsewhere.
pub fn tick() -> String {
    if color() {
        green("✓ ")
    } else {
        String::new()
    }
}

/// The body after `--query`; the body itself without one.
pub fn queried(v: &Value) -> anyhow::Result<Value> {
    let Some(q) = &options().query else {
        return Ok(v.clone());
    };
    let expr = jmespath::compile(q)
        .map_err(|e| error::Usage::error(format!("--query {q:?} is not JMESPath: {e}")))?;
    let found = expr
        .search(v)
        .map_err(|e| anyhow::anyhow!("--query {q:?}: {e}"))?;
    Ok(serde_json::to_value(&*found)?)
}

/// Prints `v` in a machine format (JSON, YAML) and says whether it did: commands with
/// their own rendering for people call this first.
pub fn machine(v: &Value) -> anyhow::Result<bool> {
    match format() {
        Format::Json => println!("{}", serde_json::to_string_pretty(&queried(v)?)?),
        Format::Yaml => print!("{}", yaml_serde::to_string(&queried(v)?)?),
        Format::Human | Format::Table | Format::Tsv => return Ok(false),
    }
    Ok(true)
}

/// A table or TSV of whatever `--query` selected: its objects' scalar fields as columns.
fn generic(v: &Value) -> anyhow::Result<()> {
    let rows: Vec<Value> = match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut headers: Vec<String> = Vec::new();
    for r in &rows {
        if let Value::Object(m) = r {
            for (k, x) in m {
                if !x.is_object() && !x.is_array() && !headers.contains(k) {
                    headers.push(k.clone());
                }
            }
        }
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| match r {
            Value::Object(m) => headers
                .iter()
                .map(|h| table::cell(m.get(h).unwrap_or(&Value::Null), Kind::Text))
                .collect(),
            Value::Array(a) => a.iter().map(|x| table::cell(x, Kind::Text)).collect(),
            other => vec![table::cell(other, Kind::Text)],
        })
        .collect();
    if headers.is_empty() {
        let width = cells.iter().map(Vec::len).max().unwrap_or(1);
        headers = (1..=width).map(|i| format!("Column{i}")).collect();
    }
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    print_table(&headers, &cells, format() == Format::Table);
    Ok(())
}

/// Prints [`table`], its header line in bold on a terminal.
pub fn print_table(headers: &[&str], cells: &[Vec<String>], aligned: bool) {
    let text = table(headers, cells, aligned);
    match text.split_once('\n') {
        Some((head, rest)) if aligned => print!("{}\n{rest}", bold(head)),
        _ => print!("{text}"),
    }
}

/// Prints rows of `view` from `items` for `-o table`, `-o tsv` and people.
fn rows(view: &View, items: &[Value]) {
    let cells: Vec<Vec<String>> = items.iter().map(|i| view.cells(i)).collect();
    let headers: Vec<&str> = view.columns.iter().map(|c| c.header).collect();
    print_table(&headers, &cells, format() != Format::Tsv);
}

/// Prints a list answer: the view's table for people (or `empty` when there is nothing),
/// else the chosen format.
pub fn list(v: &Value, view: &View, empty: &str) -> anyhow::Result<()> {
    if machine(v)? {
        return Ok(());
    }
    if options().query.is_some() {
        return generic(&queried(v)?);
    }
    let items = view.items(v);
    if items.is_empty() && human() {
        println!("{empty}");
        return Ok(());
    }
    rows(view, &items);
    Ok(())
}

/// Prints one object: for people a title line and `FIELD  value` lines, then `next`
/// (what to do now); `-o table`/`tsv` a one-row table.
pub fn one(v: &Value, view: &View, title: &str, next: &[String]) -> anyhow::Result<()> {
    if machine(v)? {
        return Ok(());
    }
    if options().query.is_some() {
        return generic(&queried(v)?);
    }
    if !human() {
        rows(view, std::slice::from_ref(v));
        return Ok(());
    }
    if !title.is_empty() {
        println!("{}{}", tick(), bold(title));
    }
    let width = view
        .columns
        .iter()
        .map(|c| c.header.len())
        .max()
        .unwrap_or(0);
    for (c, cell) in view.columns.iter().zip(view.cells(v)) {
        println!("  {:width$}  {cell}", c.header);
    }
    if !next.is_empty() {
        println!();
        for n in next {
            println!("{n}");
        }
    }
    Ok(())
}

/// A change whose answer people need only a sentence about (a deletion, a revocation);
/// programs get the body.
pub fn done(v: &Value, said: &str) -> anyhow::Result<()> {
    if machine(v)? {
        return Ok(());
    }
    if options().query.is_some() || !human() {
        return generic(&queried(v)?);
    }
    println!("{}{said}", tick());
    Ok(())
}
