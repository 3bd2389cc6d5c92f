use super::*;
use crate::diag::{Code, Diagnostic};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn file() -> Arc<str> {
    Arc::from("p.yml")
}

fn ok(text: &str) -> Node {
    match parse(&file(), text) {
        Ok(n) => n,
        Err(d) => panic!("{text:?}: {d:?}"),
    }
}

fn err(text: &str) -> Diagnostic {
    match parse(&file(), text) {
        Ok(n) => panic!("{text:?} parsed: {n:?}"),
        Err(d) => d,
    }
}

fn at(d: &Diagnostic) -> (Code, u32, u32) {
    (d.code, d.loc.line, d.loc.col)
}

fn pos(n: &Node) -> (u32, u32) {
    (n.loc.line, n.loc.col)
}

#[test]
fn positions_are_one_based_lines_and_columns() {
    let n = ok("a: 1\nb:\n  - x\n  - {c: d}\nlist:\n- y\n- 'z'\n");
    assert_eq!(pos(&n), (1, 1));
    let map = n.as_map().unwrap();
    assert_eq!(pos(&map[0].0), (1, 1));
    assert_eq!(pos(&map[0].1), (1, 4));
    let b = n.get("b").unwrap();
    assert_eq!(pos(b), (3, 3));
    assert_eq!(pos(&b.as_seq().unwrap()[0]), (3, 5));
    let flow = &b.as_seq().unwrap()[1];
    assert_eq!(pos(flow), (4, 5));
    assert_eq!(pos(&flow.as_map().unwrap()[0].1), (4, 9));
    // A sequence at its key's indentation starts at its first `-`.
    let list = n.get("list").unwrap();
    assert_eq!(pos(list), (6, 1));
    assert_eq!(pos(&list.as_seq().unwrap()[1]), (7, 3));
}

#[test]
fn columns_count_characters() {
    let n = ok("é: ü\nk: [ä, b]\n");
    assert_eq!(pos(&n.as_map().unwrap()[0].1), (1, 4));
    let seq = n.get("k").unwrap().as_seq().unwrap();
    assert_eq!(pos(&seq[1]), (2, 8));
}

#[test]
fn scalars_stay_text_and_only_plain_nulls_are_null() {
    let n = ok(
        "a: true\nb: 3\nc: '3'\nd: ~\ne: null\nf:\ng: 'null'\nh: NULL\ni: !!str null\nj: \"\"\n",
    );
    assert_eq!(n.get("a").unwrap().as_str(), Some("true"));
    assert_eq!(n.get("b").unwrap().as_str(), Some("3"));
    assert_eq!(n.get("c").unwrap().as_str(), Some("3"));
    for k in ["d", "e", "f", "h"] {
        assert_eq!(n.get(k).unwrap().value, Value::Null, "{k}");
    }
    assert_eq!(n.get("g").unwrap().as_str(), Some("null"));
    assert_eq!(n.get("i").unwrap().as_str(), Some("null"));
    assert_eq!(n.get("j").unwrap().as_str(), Some(""));
}

#[test]
fn block_scalars_keep_their_text() {
    let n = ok("s: |\n  echo a\n  echo b\nf: >\n  one\n  two\n");
    assert_eq!(n.get("s").unwrap().as_str(), Some("echo a\necho b\n"));
    assert_eq!(n.get("f").unwrap().as_str(), Some("one two\n"));
    assert_eq!(pos(n.get("s").unwrap()), (1, 4));
}

#[test]
fn an_empty_document_is_null() {
    assert_eq!(ok("").value, Value::Null);
    assert_eq!(ok("# only a comment\n").value, Value::Null);
    assert_eq!(pos(&ok("")), (1, 1));
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let n = ok("\u{feff}a: b\n");
    assert_eq!(n.get("a").unwrap().as_str(), Some("b"));
}

#[test]
fn syntax_errors_have_the_parser_position_and_message() {
    let d = err("a: b\nc: [d\n");
    assert_eq!(d.code, Code::YamlSyntax);
    assert!(d.loc.line >= 2, "{d:?}");
    let d = err("a: b\n  c: d\n");
    assert_eq!(at(&d), (Code::YamlSyntax, 2, 4));
    assert!(
        d.message.contains("mapping values are not allowed"),
        "{}",
        d.message
    );
    let d = err("key: 'unterminated\n");
    assert_eq!(d.code, Code::YamlSyntax);
}

#[test]
fn a_second_document_is_refused() {
    let d = err("a: b\n---\nc: d\n");
    assert_eq!(at(&d), (Code::YamlSyntax, 2, 1));
    // One document with explicit markers is fine.
    assert!(ok("---\na: b\n...\n").get("a").is_some());
}

#[test]
fn duplicate_keys_are_refused_where_the_second_is() {
    let d = err("steps:\n- script: a\n  script: b\n");
    assert_eq!(at(&d), (Code::InvalidValue, 3, 3));
    assert!(
        d.message
            .contains("'script' is already defined (first at line 2, column 3)"),
        "{}",
        d.message
    );
    let d = err("a: {x: 1, x: 2}\n");
    assert_eq!(at(&d), (Code::InvalidValue, 1, 11));
    // The same text in two mappings is fine.
    ok("- a: 1\n- a: 2\n");
}

#[test]
fn complex_and_null_keys_are_refused() {
    let d = err("? [a, b]\n: c\n");
    assert_eq!(at(&d), (Code::InvalidValue, 1, 3));
    let d = err("~: c\n");
    assert_eq!(at(&d), (Code::InvalidValue, 1, 1));
}

#[test]
fn input_over_one_mebibyte_is_not_read() {
    let text = format!("a: '{}'\n", "x".repeat(MAX_INPUT_BYTES));
    let d = err(&text);
    assert_eq!(at(&d), (Code::UnreadableFile, 1, 1));
}

fn nested_flow(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn nesting_up_to_the_limit_is_read_and_deeper_is_refused() {
    ok(&nested_flow(MAX_DEPTH));
    let d = err(&nested_flow(MAX_DEPTH + 1));
    assert_eq!(at(&d), (Code::YamlLimit, 1, 65));
    // Block nesting too.
    let mut text = String::new();
    for i in 0..=MAX_DEPTH {
        text.push_str(&" ".repeat(i));
        text.push_str("k:\n");
    }
    text.push_str(&" ".repeat(MAX_DEPTH + 1));
    text.push_str("v\n");
    let d = err(&text);
    assert_eq!(at(&d), (Code::YamlLimit, 65, 65));
}

#[test]
fn deep_nesting_of_a_hundred_thousand_levels_stops_quickly() {
    let start = Instant::now();
    // The scanner looks ahead in flow collections and meets its own bound (255) first.
    let d = err(&nested_flow(100_000));
    assert_eq!(at(&d), (Code::YamlLimit, 1, 256));
    let mut block = String::new();
    for _ in 0..100_000 {
        block.push_str("- ");
    }
    block.push('x');
    let d = err(&block);
    assert_eq!(at(&d), (Code::YamlLimit, 1, 129));
    let d = err(&"{a: ".repeat(100_000));
    assert_eq!(at(&d), (Code::YamlLimit, 1, 1021));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn aliases_expand_by_copying_at_the_alias_position() {
    let n = ok("base: &b {x: 1}\nuse: *b\n");
    let used = n.get("use").unwrap();
    assert_eq!(pos(used), (2, 6));
    assert_eq!(used.get("x").unwrap().as_str(), Some("1"));
    // The copy's inner nodes keep where they were written.
    assert_eq!(pos(used.get("x").unwrap()), (1, 14));
}

#[test]
fn unknown_aliases_are_syntax_errors() {
    let d = err("a: *nope\n");
    assert_eq!(at(&d), (Code::YamlSyntax, 1, 4));
}

#[test]
fn billion_laughs_stops_at_the_node_limit() {
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for name in 'b'..='j' {
        text.push_str(&format!(
            "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        ));
        prev = name;
    }
    let start = Instant::now();
    let d = err(&text);
    assert_eq!(d.code, Code::YamlLimit);
    assert_eq!(d.loc.line, 5);
    assert!(d.message.contains("100000 nodes"), "{}", d.message);
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn alias_copies_count_their_text() {
    let big = "x".repeat(900_000);
    let mut text = format!("a: &a '{big}'\nb: [");
    for _ in 0..30 {
        text.push_str("*a, ");
    }
    text.push_str("]\n");
    let d = err(&text);
    assert_eq!(at(&d).0, Code::YamlLimit);
    assert_eq!(d.loc.line, 2);
}

#[test]
fn alias_copies_count_their_depth() {
    let inner = nested_flow(40);
    let text = format!("a: &a {inner}\nb: {}*a{}\n", "[".repeat(30), "]".repeat(30));
    let d = err(&text);
    assert_eq!(d.code, Code::YamlLimit);
    assert_eq!(d.loc.line, 2);
}

#[test]
fn block_scalar_positions_are_their_indicator() {
    let n = ok("steps:\n- script: |-  # a comment\n\n    echo a\n- bash: >+2\n    b\n");
    let steps = n.get("steps").unwrap().as_seq().unwrap();
    assert_eq!(pos(steps[0].get("script").unwrap()), (2, 11));
    assert_eq!(steps[0].get("script").unwrap().as_str(), Some("\necho a"));
    assert_eq!(pos(steps[1].get("bash").unwrap()), (5, 9));
}

#[test]
fn a_full_mebibyte_reads_quickly() {
    let start = Instant::now();
    let line = format!("a: '{}'\n", "x".repeat(MAX_INPUT_BYTES - 10));
    ok(&line);
    let mut text = String::from("steps:\n");
    while text.len() < MAX_INPUT_BYTES - 100 {
        text.push_str("- script: x\n");
    }
    let d = err(&text);
    assert_eq!(d.code, Code::YamlLimit);
    let blank = format!("a: |\n{}  x\n", "\n".repeat(MAX_INPUT_BYTES - 20));
    ok(&blank);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn crlf_line_ends_keep_positions() {
    let n = ok("a: 1\r\nsteps:\r\n- script: |\r\n    echo\r\n  name: x\r\n");
    let step = &n.get("steps").unwrap().as_seq().unwrap()[0];
    assert_eq!(pos(step.get("script").unwrap()), (3, 11));
    assert_eq!(step.get("script").unwrap().as_str(), Some("echo\n"));
    assert_eq!(pos(step.get("name").unwrap()), (5, 9));
}
