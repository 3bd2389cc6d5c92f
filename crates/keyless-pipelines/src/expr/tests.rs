use super::*;
use crate::yaml::{self, Node};
use std::sync::Arc;

/// Named values from a YAML mapping (`parameters: …`, `variables: …`).
struct Names(Node);

impl Scope for Names {
    fn named(&self, name: &str) -> Option<Val<'_>> {
        value::map_get(&self.0, name).map(Val::of)
    }
}

fn names() -> Names {
    let file: Arc<str> = Arc::from("t.yml");
    let text = "\
parameters:
  name: World
  list: [a, b, c]
  obj: {Key: v, other: w}
  empty: ''
  nothing:
  nested: {inner: [x, {deep: y}]}
variables:
  Build.SourceBranch: refs/heads/main
  n: '3'
";
    Names(yaml::parse(&file, text).unwrap())
}

fn loc() -> Loc {
    Loc::start(&Arc::from("t.yml"))
}

fn ev(text: &str) -> String {
    let n = names();
    let e = Expr::parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    let v = e
        .eval(&n, &loc())
        .unwrap_or_else(|e| panic!("{text}: {e:?}"));
    match &v {
        Val::Node(_) => format!("<{}>", v.kind().name()),
        _ => format!("{}:{}", v.kind().name(), v.to_text().unwrap()),
    }
}

fn fails(text: &str) -> (Code, usize, String) {
    let n = names();
    let e = match Expr::parse(text) {
        Ok(e) => e,
        Err(e) => return (e.code, e.offset, e.message),
    };
    if let Err(e) = e.check_names(&|n| n == "parameters" || n == "variables") {
        return (e.code, e.offset, e.message);
    }
    match e.eval(&n, &loc()) {
        Ok(v) => panic!("{text}: {v:?}"),
        Err(e) => (e.code, e.offset, e.message),
    }
}

/// Evaluates each expression and compares `kind:text`; a failure names the expression.
fn check_ev(cases: &[(&str, &str)]) {
    for (text, want) in cases {
        assert_eq!(ev(text), *want, "{text}");
    }
}

/// Each expression fails with this code, offset and message; a failure names the expression.
fn check_fails(cases: &[(&str, Code, usize, &str)]) {
    for &(text, code, offset, message) in cases {
        assert_eq!(fails(text), (code, offset, message.to_owned()), "{text}");
    }
}

#[test]
fn literals() {
    check_ev(&[
        ("true", "Boolean:True"),
        ("FALSE", "Boolean:False"),
        ("null", "Null:"),
        ("-1.5", "Number:-1.5"),
        (".5", "Number:0.5"),
        ("42", "Number:42"),
        ("'It''s'", "String:It's"),
        ("1.2.3", "Version:1.2.3"),
        ("  'a b c'  ", "String:a b c"),
    ]);
}

#[test]
fn named_values_properties_and_indexes() {
    check_ev(&[
        ("parameters.name", "String:World"),
        ("parameters['name']", "String:World"),
        ("PARAMETERS.NAME", "String:World"),
        ("parameters.list[1]", "String:b"),
        ("parameters.list['2']", "String:c"),
        ("parameters.list[3]", "Null:"),
        ("parameters.obj.key", "String:v"),
        ("parameters.nested.inner[1].deep", "String:y"),
        ("variables['Build.SourceBranch']", "String:refs/heads/main"),
        ("variables['Build.Reason']", "Null:"),
        ("parameters.nothing", "Null:"),
        ("parameters.name.length", "Null:"),
        ("parameters.list", "<Array>"),
        ("parameters.obj", "<Object>"),
        ("split('a,b', ',')[1]", "String:b"),
    ]);
}

#[test]
fn logic_short_circuits_and_casts_to_boolean() {
    check_ev(&[
        ("and(true, 'x', 1)", "Boolean:True"),
        ("and(true, '')", "Boolean:False"),
        // The second argument would fail: short-circuit stops before it.
        ("and(false, gt(parameters.list, 1))", "Boolean:False"),
        ("or(0, null, 'false')", "Boolean:True"),
        ("not(parameters.empty)", "Boolean:True"),
        ("xor(true, false)", "Boolean:True"),
        ("xor(true, 1)", "Boolean:False"),
        ("iif(eq(1, 1), 'yes', 'no')", "String:yes"),
        ("iif(parameters.nothing, 'yes', parameters.list)", "<Array>"),
    ]);
}

#[test]
fn comparisons_convert_the_right_value_to_the_left_type() {
    check_ev(&[
        ("eq('ABC', 'abc')", "Boolean:True"),
        ("eq(3, variables.n)", "Boolean:True"),
        ("eq(3, '3.0')", "Boolean:True"),
        ("eq(1000, '1,000')", "Boolean:True"),
        ("eq(3, 'three')", "Boolean:False"),
        ("ne(3, 'three')", "Boolean:True"),
        ("eq(true, 'false')", "Boolean:True"),
        ("eq('true', true)", "Boolean:True"),
        ("eq(null, '')", "Boolean:True"),
        ("eq(null, 0)", "Boolean:False"),
        ("eq(parameters.list, parameters.list)", "Boolean:False"),
        ("gt(5, 2)", "Boolean:True"),
        ("ge(5, '5')", "Boolean:True"),
        ("lt('a', 'B')", "Boolean:True"),
        ("le(1.2.3, '1.2.3')", "Boolean:True"),
        ("gt(1.2.0, '1.2')", "Boolean:True"),
    ]);
    assert_eq!(fails("lt(1.2, 1.2.0)").0, Code::ExpressionError);
    check_ev(&[
        ("gt(1.10.0, '1.9.9')", "Boolean:True"),
        ("lt(false, true)", "Boolean:True"),
        ("in('B', 'a', 'b')", "Boolean:True"),
        ("notIn('d', 'a', 'b')", "Boolean:True"),
        ("in('d')", "Boolean:False"),
    ]);
}

#[test]
fn ordering_that_cannot_convert_is_kl010() {
    let (code, at, msg) = fails("gt(5, 'five')");
    assert_eq!((code, at), (Code::ExpressionError, 0));
    assert!(msg.contains("cannot compare Number with String"), "{msg}");
    let (code, at, _) = fails("eq(1, lt(parameters.list, 1))");
    assert_eq!((code, at), (Code::ExpressionError, 6));
}

#[test]
fn text_functions() {
    check_ev(&[
        ("contains('ABCDE', 'bcd')", "Boolean:True"),
        (
            "startsWith(variables['Build.SourceBranch'], 'REFS/heads/')",
            "Boolean:True",
        ),
        ("endsWith('abc', 'C')", "Boolean:True"),
        ("lower('AbC')", "String:abc"),
        ("upper('AbC')", "String:ABC"),
        ("trim('  a b  ')", "String:a b"),
        ("replace('a-b-c', '-', '+')", "String:a+b+c"),
        ("replace('aAa', 'a', 'x')", "String:xAx"),
        ("replace('abc', '', 'x')", "String:abc"),
        ("length('héllo')", "Number:5"),
        ("length(parameters.list)", "Number:3"),
        ("length(parameters.obj)", "Number:2"),
        ("length(parameters.nothing)", "Number:0"),
        (
            "coalesce(parameters.nothing, parameters.empty, 'x')",
            "String:x",
        ),
        ("coalesce(parameters.nothing, '')", "Null:"),
        ("join(';', parameters.list)", "String:a;b;c"),
        ("join(',', parameters.nested.inner)", "String:x,"),
        ("join(',', 'single')", "String:single"),
        ("length(split('a,b;;c', ',;'))", "Number:4"),
        ("containsValue(parameters.list, 'B')", "Boolean:True"),
        ("containsValue(parameters.obj, 'w')", "Boolean:True"),
        ("containsValue(parameters.obj, 'Key')", "Boolean:False"),
        ("lower(true)", "String:true"),
        ("upper(12)", "String:12"),
    ]);
}

#[test]
fn format_inserts_and_escapes_braces() {
    check_ev(&[
        (
            "format('Hello {0} {1}', 'John', 'Doe')",
            "String:Hello John Doe",
        ),
        ("format('{{literal}} {0}', 1)", "String:{literal} 1"),
        ("format('{0:yyyyMMdd}', 'x')", "String:x"),
        ("format('{1}{0}', 'a', 'b')", "String:ba"),
    ]);
    let (code, at, _) = fails("format('{2}', 'a')");
    assert_eq!((code, at), (Code::ExpressionError, 0));
    let (code, _, _) = fails("format('a } b')");
    assert_eq!(code, Code::ExpressionError);
    let (code, _, _) = fails("format('{0', 'a')");
    assert_eq!(code, Code::ExpressionError);
}

#[test]
fn convert_to_json_keeps_document_order() {
    let n = names();
    let e = Expr::parse("convertToJson(parameters.obj)").unwrap();
    let v = e.eval(&n, &loc()).unwrap();
    assert_eq!(
        v.to_text().unwrap(),
        "{\n  \"Key\": \"v\",\n  \"other\": \"w\"\n}"
    );
    let e = Expr::parse("convertToJson(parameters.nested)").unwrap();
    let v = e.eval(&n, &loc()).unwrap();
    assert_eq!(
        v.to_text().unwrap(),
        "{\n  \"inner\": [\n    \"x\",\n    {\n      \"deep\": \"y\"\n    }\n  ]\n}"
    );
    check_ev(&[
        ("convertToJson('a\"b')", "String:\"a\\\"b\""),
        ("convertToJson(true)", "String:true"),
    ]);
}

#[test]
fn function_names_ignore_case() {
    check_ev(&[
        ("EQ(1, 1)", "Boolean:True"),
        ("StartsWith('ab', 'A')", "Boolean:True"),
        ("convertTOjson(1)", "String:1"),
    ]);
}

#[test]
fn unknown_functions_names_and_argument_counts_are_kl010() {
    check_fails(&[
        (
            "eq(1, nope(2))",
            Code::ExpressionError,
            6,
            "Unrecognized function name: 'nope'",
        ),
        (
            "and(true, other.x)",
            Code::ExpressionError,
            10,
            "Unrecognized value: 'other'",
        ),
        (
            "eq(1)",
            Code::ExpressionError,
            0,
            "Too few parameters supplied: 'eq'",
        ),
        (
            "not(1, 2)",
            Code::ExpressionError,
            0,
            "Too many parameters supplied: 'not'",
        ),
    ]);
    let (code, at, msg) = fails("counter('a', 1)");
    assert_eq!((code, at), (Code::ExpressionError, 0));
    assert!(msg.contains("only at run time"), "{msg}");
    let (code, _, _) = fails("succeeded()");
    assert_eq!(code, Code::ExpressionError);
    let (code, at, _) = fails("upper(parameters.list)");
    assert_eq!((code, at), (Code::ExpressionError, 0));
}

#[test]
fn syntax_errors_are_kl009_with_their_offset() {
    check_fails(&[
        (
            "eq(1,",
            Code::ExpressionSyntax,
            5,
            "Unexpected end of expression",
        ),
        (
            "eq(1 2)",
            Code::ExpressionSyntax,
            5,
            "Unexpected symbol: '2'",
        ),
        (
            "'open",
            Code::ExpressionSyntax,
            0,
            "Unclosed string literal",
        ),
        (
            "eq(1, 2))",
            Code::ExpressionSyntax,
            8,
            "Unexpected symbol: ')'",
        ),
        (
            "parameters.*.x",
            Code::ExpressionSyntax,
            11,
            "Filtered arrays (`.*`) are not supported at compile time here",
        ),
    ]);
    for text in ["", "   ", "1.2.3.4.5", "parameters.", "parameters[0", "-"] {
        assert_eq!(fails(text).0, Code::ExpressionSyntax, "{text}");
    }
    for (text, offset) in [("a # b", 2), ("eq(1, (2))", 6)] {
        assert_eq!(fails(text).1, offset, "{text}");
    }
}

#[test]
fn length_and_depth_are_bounded() {
    let long = format!("'{}'", "x".repeat(MAX_LEN));
    assert_eq!(fails(&long).0, Code::ExpressionSyntax);
    let deep = format!("{}1{}", "not(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(ev(&deep), "Boolean:True");
    let deeper = format!(
        "{}1{}",
        "not(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    let (code, at, _) = fails(&deeper);
    assert_eq!((code, at), (Code::ExpressionSyntax, 4 * (MAX_DEPTH + 1)));
    let chain = format!("parameters{}", ".a".repeat(MAX_DEPTH + 1));
    assert_eq!(fails(&chain).0, Code::ExpressionSyntax);
    // Text that doubles at each step stops at the bound.
    let mut grow = "'xxxxxxxxxxxxxxxx'".to_string();
    for _ in 0..30 {
        grow = format!("replace({grow}, 'x', 'xx')");
    }
    assert!(grow.len() < MAX_LEN);
    assert_eq!(fails(&grow).0, Code::ExpressionError);
}

#[test]
fn each_clauses() {
    let (name, e, at) = Expr::parse_each("each step in parameters.list").unwrap();
    assert_eq!((name.as_str(), at), ("step", 12));
    let n = names();
    assert_eq!(e.eval(&n, &loc()).unwrap().kind(), value::Kind::Array);
    assert_eq!(Expr::parse_each("each in x").unwrap_err().offset, 8);
    assert_eq!(Expr::parse_each("each 1x in y").unwrap_err().offset, 5);
    assert_eq!(Expr::parse_each("each x of y").unwrap_err().offset, 7);
    assert_eq!(Expr::parse_each("each x in eq(").unwrap_err().offset, 13);
}

#[test]
fn segments_of_a_scalar() {
    assert_eq!(
        segments("plain").unwrap(),
        vec![Segment::Text("plain".into())]
    );
    assert_eq!(segments("").unwrap(), vec![Segment::Text(String::new())]);
    assert_eq!(
        segments("a-${{ x }}-b").unwrap(),
        vec![
            Segment::Text("a-".into()),
            Segment::Expr {
                text: " x ".into(),
                open: 2,
                start: 5
            },
            Segment::Text("-b".into())
        ]
    );
    assert_eq!(
        segments("${{ format('}}') }}").unwrap(),
        vec![Segment::Expr {
            text: " format('}}') ".into(),
            open: 0,
            start: 3
        }]
    );
    assert_eq!(segments("x ${{ y").unwrap_err().offset, 2);
    // Run-time syntax stays text.
    assert_eq!(
        segments("$(a) $[ b ]").unwrap(),
        vec![Segment::Text("$(a) $[ b ]".into())]
    );
}

#[test]
fn number_text_is_plain() {
    assert_eq!(number_text(3.0), "3");
    assert_eq!(number_text(-0.25), "-0.25");
    assert_eq!(value::text_to_number(" 12 "), Some(12.0));
    assert_eq!(value::text_to_number("+1.5"), Some(1.5));
    assert_eq!(value::text_to_number("1e3"), None);
    assert_eq!(value::text_to_number("."), None);
    assert_eq!(value::text_to_number(""), Some(0.0));
}
