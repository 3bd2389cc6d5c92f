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

#[test]
fn literals() {
    assert_eq!(ev("true"), "Boolean:True");
    assert_eq!(ev("FALSE"), "Boolean:False");
    assert_eq!(ev("null"), "Null:");
    assert_eq!(ev("-1.5"), "Number:-1.5");
    assert_eq!(ev(".5"), "Number:0.5");
    assert_eq!(ev("42"), "Number:42");
    assert_eq!(ev("'It''s'"), "String:It's");
    assert_eq!(ev("1.2.3"), "Version:1.2.3");
    assert_eq!(ev("  'a b c'  "), "String:a b c");
}

#[test]
fn named_values_properties_and_indexes() {
    assert_eq!(ev("parameters.name"), "String:World");
    assert_eq!(ev("parameters['name']"), "String:World");
    assert_eq!(ev("PARAMETERS.NAME"), "String:World");
    assert_eq!(ev("parameters.list[1]"), "String:b");
    assert_eq!(ev("parameters.list['2']"), "String:c");
    assert_eq!(ev("parameters.list[3]"), "Null:");
    assert_eq!(ev("parameters.obj.key"), "String:v");
    assert_eq!(ev("parameters.nested.inner[1].deep"), "String:y");
    assert_eq!(
        ev("variables['Build.SourceBranch']"),
        "String:refs/heads/main"
    );
    assert_eq!(ev("variables['Build.Reason']"), "Null:");
    assert_eq!(ev("parameters.nothing"), "Null:");
    assert_eq!(ev("parameters.name.length"), "Null:");
    assert_eq!(ev("parameters.list"), "<Array>");
    assert_eq!(ev("parameters.obj"), "<Object>");
    assert_eq!(ev("split('a,b', ',')[1]"), "String:b");
}

#[test]
fn logic_short_circuits_and_casts_to_boolean() {
    assert_eq!(ev("and(true, 'x', 1)"), "Boolean:True");
    assert_eq!(ev("and(true, '')"), "Boolean:False");
    // The second argument would fail: short-circuit stops before it.
    assert_eq!(ev("and(false, gt(parameters.list, 1))"), "Boolean:False");
    assert_eq!(ev("or(0, null, 'false')"), "Boolean:True");
    assert_eq!(ev("not(parameters.empty)"), "Boolean:True");
    assert_eq!(ev("xor(true, false)"), "Boolean:True");
    assert_eq!(ev("xor(true, 1)"), "Boolean:False");
    assert_eq!(ev("iif(eq(1, 1), 'yes', 'no')"), "String:yes");
    assert_eq!(
        ev("iif(parameters.nothing, 'yes', parameters.list)"),
        "<Array>"
    );
}

#[test]
fn comparisons_convert_the_right_value_to_the_left_type() {
    assert_eq!(ev("eq('ABC', 'abc')"), "Boolean:True");
    assert_eq!(ev("eq(3, variables.n)"), "Boolean:True");
    assert_eq!(ev("eq(3, '3.0')"), "Boolean:True");
    assert_eq!(ev("eq(1000, '1,000')"), "Boolean:True");
    assert_eq!(ev("eq(3, 'three')"), "Boolean:False");
    assert_eq!(ev("ne(3, 'three')"), "Boolean:True");
    assert_eq!(ev("eq(true, 'false')"), "Boolean:True");
    assert_eq!(ev("eq('true', true)"), "Boolean:True");
    assert_eq!(ev("eq(null, '')"), "Boolean:True");
    assert_eq!(ev("eq(null, 0)"), "Boolean:False");
    assert_eq!(ev("eq(parameters.list, parameters.list)"), "Boolean:False");
    assert_eq!(ev("gt(5, 2)"), "Boolean:True");
    assert_eq!(ev("ge(5, '5')"), "Boolean:True");
    assert_eq!(ev("lt('a', 'B')"), "Boolean:True");
    assert_eq!(ev("le(1.2.3, '1.2.3')"), "Boolean:True");
    assert_eq!(ev("gt(1.2.0, '1.2')"), "Boolean:True");
    assert_eq!(fails("lt(1.2, 1.2.0)").0, Code::ExpressionError);
    assert_eq!(ev("gt(1.10.0, '1.9.9')"), "Boolean:True");
    assert_eq!(ev("lt(false, true)"), "Boolean:True");
    assert_eq!(ev("in('B', 'a', 'b')"), "Boolean:True");
    assert_eq!(ev("notIn('d', 'a', 'b')"), "Boolean:True");
    assert_eq!(ev("in('d')"), "Boolean:False");
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
    assert_eq!(ev("contains('ABCDE', 'bcd')"), "Boolean:True");
    assert_eq!(
        ev("startsWith(variables['Build.SourceBranch'], 'REFS/heads/')"),
        "Boolean:True"
    );
    assert_eq!(ev("endsWith('abc', 'C')"), "Boolean:True");
    assert_eq!(ev("lower('AbC')"), "String:abc");
    assert_eq!(ev("upper('AbC')"), "String:ABC");
    assert_eq!(ev("trim('  a b  ')"), "String:a b");
    assert_eq!(ev("replace('a-b-c', '-', '+')"), "String:a+b+c");
    assert_eq!(ev("replace('aAa', 'a', 'x')"), "String:xAx");
    assert_eq!(ev("replace('abc', '', 'x')"), "String:abc");
    assert_eq!(ev("length('héllo')"), "Number:5");
    assert_eq!(ev("length(parameters.list)"), "Number:3");
    assert_eq!(ev("length(parameters.obj)"), "Number:2");
    assert_eq!(ev("length(parameters.nothing)"), "Number:0");
    assert_eq!(
        ev("coalesce(parameters.nothing, parameters.empty, 'x')"),
        "String:x"
    );
    assert_eq!(ev("coalesce(parameters.nothing, '')"), "Null:");
    assert_eq!(ev("join(';', parameters.list)"), "String:a;b;c");
    assert_eq!(ev("join(',', parameters.nested.inner)"), "String:x,");
    assert_eq!(ev("join(',', 'single')"), "String:single");
    assert_eq!(ev("length(split('a,b;;c', ',;'))"), "Number:4");
    assert_eq!(ev("containsValue(parameters.list, 'B')"), "Boolean:True");
    assert_eq!(ev("containsValue(parameters.obj, 'w')"), "Boolean:True");
    assert_eq!(ev("containsValue(parameters.obj, 'Key')"), "Boolean:False");
    assert_eq!(ev("lower(true)"), "String:true");
    assert_eq!(ev("upper(12)"), "String:12");
}

#[test]
fn format_inserts_and_escapes_braces() {
    assert_eq!(
        ev("format('Hello {0} {1}', 'John', 'Doe')"),
        "String:Hello John Doe"
    );
    assert_eq!(ev("format('{{literal}} {0}', 1)"), "String:{literal} 1");
    assert_eq!(ev("format('{0:yyyyMMdd}', 'x')"), "String:x");
    assert_eq!(ev("format('{1}{0}', 'a', 'b')"), "String:ba");
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
    assert_eq!(ev("convertToJson('a\"b')"), "String:\"a\\\"b\"");
    assert_eq!(ev("convertToJson(true)"), "String:true");
}

#[test]
fn function_names_ignore_case() {
    assert_eq!(ev("EQ(1, 1)"), "Boolean:True");
    assert_eq!(ev("StartsWith('ab', 'A')"), "Boolean:True");
    assert_eq!(ev("convertTOjson(1)"), "String:1");
}

#[test]
fn unknown_functions_names_and_argument_counts_are_kl010() {
    assert_eq!(
        fails("eq(1, nope(2))"),
        (
            Code::ExpressionError,
            6,
            "Unrecognized function name: 'nope'".into()
        )
    );
    assert_eq!(
        fails("and(true, other.x)"),
        (
            Code::ExpressionError,
            10,
            "Unrecognized value: 'other'".into()
        )
    );
    assert_eq!(
        fails("eq(1)"),
        (
            Code::ExpressionError,
            0,
            "Too few parameters supplied: 'eq'".into()
        )
    );
    assert_eq!(
        fails("not(1, 2)"),
        (
            Code::ExpressionError,
            0,
            "Too many parameters supplied: 'not'".into()
        )
    );
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
    assert_eq!(
        fails("eq(1,"),
        (
            Code::ExpressionSyntax,
            5,
            "Unexpected end of expression".into()
        )
    );
    assert_eq!(
        fails("eq(1 2)"),
        (Code::ExpressionSyntax, 5, "Unexpected symbol: '2'".into())
    );
    assert_eq!(
        fails("'open"),
        (Code::ExpressionSyntax, 0, "Unclosed string literal".into())
    );
    assert_eq!(fails("a # b").1, 2);
    assert_eq!(fails("").0, Code::ExpressionSyntax);
    assert_eq!(fails("   ").0, Code::ExpressionSyntax);
    assert_eq!(fails("1.2.3.4.5").0, Code::ExpressionSyntax);
    assert_eq!(
        fails("eq(1, 2))"),
        (Code::ExpressionSyntax, 8, "Unexpected symbol: ')'".into())
    );
    assert_eq!(fails("parameters.").0, Code::ExpressionSyntax);
    assert_eq!(fails("parameters[0").0, Code::ExpressionSyntax);
    assert_eq!(
        fails("parameters.*.x"),
        (
            Code::ExpressionSyntax,
            11,
            "Filtered arrays (`.*`) are not supported at compile time here".into()
        )
    );
    assert_eq!(fails("eq(1, (2))").1, 6);
    assert_eq!(fails("-").0, Code::ExpressionSyntax);
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
