use super::*;
use Operator as Op;
use proptest::prelude::*;
use serde_json::json;

fn ok(text: &str) -> Expression {
    parse(text, 1).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn err(text: &str) -> String {
    match parse(text, 1) {
        Ok(e) => panic!("{text:?} should be refused, parsed as {e:?}"),
        Err(e) => e.to_string(),
    }
}

fn claims(value: serde_json::Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn cmp(claim: &str, operator: Operator, value: &str) -> Comparison {
    Comparison {
        claim: claim.into(),
        operator,
        value: value.into(),
    }
}

// ---- parser: accepted forms ----

#[test]
fn parses_github_branch_pattern() {
    let e = ok("claims['sub'] matches 'repo:contoso/app:ref:refs/heads/*'");
    assert_eq!(
        e.comparisons(),
        [cmp("sub", Op::Matches, "repo:contoso/app:ref:refs/heads/*")]
    );
    assert!(e.evaluate(&claims(
        json!({"sub": "repo:contoso/app:ref:refs/heads/main"})
    )));
    assert!(!e.evaluate(&claims(json!({"sub": "repo:contoso/app:ref:refs/tags/v1"}))));
    assert!(!e.evaluate(&claims(
        json!({"sub": "repo:contoso/other:ref:refs/heads/main"})
    )));
}

#[test]
fn parses_conjunction() {
    let e = ok("claims['sub'] matches 'a' and claims['aud'] eq 'b'");
    let want = [cmp("sub", Op::Matches, "a"), cmp("aud", Op::Eq, "b")];
    assert_eq!(e.comparisons(), want);
    assert!(e.evaluate(&claims(json!({"sub": "a", "aud": "b"}))));
    assert!(!e.evaluate(&claims(json!({"sub": "a", "aud": "c"}))));
    assert!(!e.evaluate(&claims(json!({"sub": "x", "aud": "b"}))));
}

#[test]
fn parses_parentheses() {
    let plain = ok("claims['sub'] matches 'a' and claims['aud'] eq 'b'");
    assert_eq!(
        ok("(claims['sub'] matches 'a') and (claims['aud'] eq 'b')"),
        plain
    );
    assert_eq!(
        ok("(claims['sub'] matches 'a' and claims['aud'] eq 'b')"),
        plain
    );
    assert_eq!(
        ok("((claims['sub'] matches 'a')) and claims['aud'] eq 'b'"),
        plain
    );
}

#[test]
fn parses_extra_whitespace() {
    let e = ok("  \t claims [ 'sub' ]\n  matches\t'a*'   and(claims['aud']eq'b')  ");
    let want = [cmp("sub", Op::Matches, "a*"), cmp("aud", Op::Eq, "b")];
    assert_eq!(e.comparisons(), want);
}

#[test]
fn parses_double_quoted_claim_names() {
    assert_eq!(ok(r#"claims["sub"] eq 'x'"#), ok("claims['sub'] eq 'x'"));
    assert_eq!(
        ok(r#"claims["it's"] eq 'x'"#).comparisons()[0].claim,
        "it's"
    );
    assert_eq!(
        ok(r#"claims["a\"b"] eq 'x'"#).comparisons()[0].claim,
        "a\"b"
    );
}

#[test]
fn parses_escapes_in_literals() {
    let e = ok(r"claims['sub'] eq 'it\'s a \\ backslash'");
    assert_eq!(e.comparisons()[0].value, r"it's a \ backslash");
    assert_eq!(ok(r"claims['it\'s'] eq ''").comparisons()[0].claim, "it's");
    assert_eq!(
        ok("claims['sub'] eq 'h\u{e9}llo \u{1F600}'").comparisons()[0].value,
        "héllo 😀"
    );
}

#[test]
fn display_round_trips() {
    let e = ok(r"( claims['s\'b'] matches 'a\\*' ) and claims['aud'] eq 'b'");
    assert_eq!(
        e.to_string(),
        r"claims['s\'b'] matches 'a\\*' and claims['aud'] eq 'b'"
    );
    assert_eq!(ok(&e.to_string()), e);
}

#[test]
fn accepts_ten_comparisons_and_1000_characters() {
    let ten = ["claims['a'] eq 'b'"; 10].join(" and ");
    assert_eq!(ok(&ten).comparisons().len(), 10);
    let prefix = "claims['sub'] eq '";
    let long = format!("{prefix}{}'", "x".repeat(1000 - prefix.len() - 1));
    assert_eq!(long.chars().count(), 1000);
    ok(&long);
}

#[test]
fn claim_names_in_order_without_repeats() {
    let e =
        ok("claims['sub'] matches 'a*' and claims['aud'] eq 'b' and claims['sub'] matches '*z'");
    assert_eq!(e.claim_names(), ["sub", "aud"]);
}

// ---- parser: refused forms, one per message ----

#[test]
fn refuses_empty() {
    assert_eq!(
        err("   \n"),
        "the claims matching expression is empty; expected e.g. claims['sub'] matches 'repo:contoso/app:*'"
    );
    assert_eq!(parse("", 1), Err(ExpressionError::Empty));
}

#[test]
fn refuses_version_2() {
    let e = parse("claims['sub'] eq 'x'", 2).unwrap_err();
    assert_eq!(e, ExpressionError::UnsupportedVersion(2));
    assert_eq!(
        e.to_string(),
        "unsupported languageVersion 2; only languageVersion 1 is supported"
    );
    assert_eq!(parse("", 0), Err(ExpressionError::UnsupportedVersion(0)));
}

#[test]
fn refuses_or() {
    assert_eq!(
        err("claims['sub'] eq 'a' or claims['sub'] eq 'b'"),
        "unknown operator 'or' at position 21; only 'matches', 'eq' and 'and' exist; join comparisons with 'and'"
    );
}

#[test]
fn refuses_unknown_comparison_operators() {
    assert_eq!(
        err("claims['sub'] ne 'x'"),
        "unknown operator 'ne' at position 14; only 'matches', 'eq' and 'and' exist; use 'matches' or 'eq' after claims['sub']"
    );
    assert_eq!(
        err("claims['sub'] contains 'x'"),
        "unknown operator 'contains' at position 14; only 'matches', 'eq' and 'and' exist; use 'matches' or 'eq' after claims['sub']"
    );
    assert_eq!(
        err("claims['sub'] == 'x'"),
        "unknown operator '==' at position 14; only 'matches', 'eq' and 'and' exist; use 'matches' or 'eq' after claims['sub']"
    );
    assert_eq!(
        err("not claims['sub'] eq 'x'"),
        "unknown operator 'not' at position 0; only 'matches', 'eq' and 'and' exist; a comparison starts with claims['<name>']"
    );
    assert_eq!(
        err("claims['sub'] EQ 'x'"),
        "unknown operator 'EQ' at position 14; keywords are lowercase: write 'eq'"
    );
}

#[test]
fn refuses_missing_operator() {
    assert_eq!(
        err("claims['sub']"),
        "expected 'matches' or 'eq' after claims['sub'] at position 13, found the end of the expression"
    );
    assert_eq!(
        err("claims['sub'] 'x'"),
        "expected 'matches' or 'eq' after claims['sub'] at position 14, found the string 'x'"
    );
}

#[test]
fn refuses_missing_operand() {
    assert_eq!(
        err("claims['sub'] matches"),
        "expected a single-quoted string after 'matches' at position 21, found the end of the expression"
    );
    assert_eq!(
        err("claims['sub'] eq 'a' and"),
        "expected claims['<name>'] at position 24, found the end of the expression"
    );
    assert_eq!(
        err("claims['sub'] eq \"a\""),
        "expected a single-quoted string after 'eq' at position 17, found a double-quoted string"
    );
}

#[test]
fn refuses_unterminated_string() {
    assert_eq!(
        err("claims['sub'] matches 'repo:*"),
        "unterminated string starting at position 22; close it with the same quote"
    );
    assert_eq!(
        err(r"claims['sub'] eq 'ends in escape\'"),
        "unterminated string starting at position 17; close it with the same quote"
    );
    assert_eq!(
        err("claims['sub"),
        "unterminated string starting at position 7; close it with the same quote"
    );
}

#[test]
fn refuses_unknown_escape() {
    assert_eq!(
        err(r"claims['sub'] eq 'a\nb'"),
        r#"invalid escape '\n' at position 19; inside a string only \' (or \" in a double-quoted name) and \\ are escapes"#
    );
}

#[test]
fn refuses_trailing_garbage() {
    assert_eq!(
        err("claims['sub'] eq 'a' 'b'"),
        "expected 'and' or the end of the expression at position 21, found the string 'b'"
    );
    assert_eq!(
        err("claims['sub'] eq 'a' extra"),
        "expected 'and' or the end of the expression at position 21, found 'extra'"
    );
    assert_eq!(
        err("claims['sub'] eq 'a' #"),
        "unexpected character '#' at position 21"
    );
    assert_eq!(
        err("claims['sub'] eq 'a')"),
        "expected 'and' or the end of the expression at position 20, found ')'"
    );
}

#[test]
fn refuses_unbalanced_parentheses() {
    assert_eq!(
        err("(claims['sub'] eq 'a'"),
        "expected ')' closing the '(' at position 0, or 'and' at position 21, found the end of the expression"
    );
    assert_eq!(
        err("()"),
        "expected claims['<name>'] at position 1, found ')'"
    );
}

#[test]
fn refuses_unquoted_claim_name() {
    assert_eq!(
        err("claims[sub] eq 'x'"),
        "expected a quoted claim name such as claims['sub'] at position 7, found 'sub'"
    );
    assert_eq!(
        err("claims.sub eq 'x'"),
        "unexpected character '.' at position 6"
    );
    assert_eq!(
        err("claims 'sub' eq 'x'"),
        "expected '[' after 'claims' at position 7, found the string 'sub'"
    );
    assert_eq!(
        err("claims['sub' eq 'x'"),
        "expected ']' after claims['sub' at position 13, found 'eq'"
    );
    assert_eq!(
        err("claims[''] eq 'x'"),
        "empty claim name at position 7; expected e.g. claims['sub']"
    );
    assert_eq!(
        err("sub eq 'x'"),
        "expected claims['<name>'] at position 0, found 'sub'"
    );
}

#[test]
fn refuses_too_long() {
    let prefix = "claims['sub'] eq '";
    let long = format!("{prefix}{}'", "x".repeat(1000 - prefix.len()));
    assert_eq!(long.chars().count(), 1001);
    assert_eq!(
        err(&long),
        "the claims matching expression is 1001 characters long; at most 1000 are allowed"
    );
}

#[test]
fn refuses_too_many_comparisons() {
    let eleven = ["claims['a'] eq 'b'"; 11].join(" and ");
    let position = 10 * "claims['a'] eq 'b' and ".len();
    assert_eq!(
        err(&eleven),
        format!(
            "too many comparisons: at most 10 may be joined with 'and' (comparison 11 starts at position {position})"
        )
    );
}

#[test]
fn positions_count_characters_not_bytes() {
    // 'é' is two bytes but one character.
    assert_eq!(
        err("claims['é'] or"),
        "unknown operator 'or' at position 12; only 'matches', 'eq' and 'and' exist; use 'matches' or 'eq' after claims['é']"
    );
}

// ---- evaluator ----

#[test]
fn missing_or_non_string_claim_is_false() {
    let e = ok("claims['sub'] matches '*'");
    assert!(!e.evaluate(&claims(json!({}))));
    assert!(!e.evaluate(&claims(json!({"sub": null}))));
    assert!(!e.evaluate(&claims(json!({"sub": 42}))));
    assert!(!e.evaluate(&claims(json!({"sub": true}))));
    assert!(!e.evaluate(&claims(json!({"sub": {"a": "b"}}))));
    assert!(e.evaluate(&claims(json!({"sub": ""}))));
}

#[test]
fn comparisons_are_case_sensitive() {
    let eq = ok("claims['sub'] eq 'Repo:Contoso'");
    assert!(eq.evaluate(&claims(json!({"sub": "Repo:Contoso"}))));
    assert!(!eq.evaluate(&claims(json!({"sub": "repo:contoso"}))));
    assert!(!eq.evaluate(&claims(json!({"SUB": "Repo:Contoso"}))));
    let m = ok("claims['sub'] matches 'Repo:*'");
    assert!(!m.evaluate(&claims(json!({"sub": "repo:contoso"}))));
}

#[test]
fn eq_does_not_interpret_wildcards() {
    let e = ok("claims['sub'] eq 'a*'");
    assert!(e.evaluate(&claims(json!({"sub": "a*"}))));
    assert!(!e.evaluate(&claims(json!({"sub": "ab"}))));
}

#[test]
fn question_mark_is_one_character_star_is_any_run() {
    assert!(glob_matches("a?c", "abc"));
    assert!(!glob_matches("a?c", "ac"));
    assert!(!glob_matches("a?c", "abbc"));
    assert!(glob_matches("a*c", "ac"));
    assert!(glob_matches("a*c", "abbbc"));
    assert!(glob_matches("?", "é"));
    assert!(glob_matches("??", "😀x"));
    assert!(!glob_matches("?", ""));
    assert!(glob_matches("*?", "x"));
    assert!(!glob_matches("*?", ""));
}

#[test]
fn glob_is_whole_string() {
    assert!(!glob_matches("abc", "abcd"));
    assert!(!glob_matches("bcd", "abcd"));
    assert!(glob_matches("*b*", "abc"));
    assert!(!glob_matches("a*b", "a-b-c"));
    assert!(glob_matches("a*b*c", "a-b-b-c"));
    assert!(glob_matches("*ab", "aab"));
    assert!(glob_matches("a*a*a*b", "aaaaaaab"));
}

#[test]
fn empty_pattern_matches_only_empty() {
    assert!(glob_matches("", ""));
    assert!(!glob_matches("", "a"));
    assert!(!glob_matches("", " "));
}

#[test]
fn star_matches_everything_including_empty() {
    for text in ["", "a", "*", "repo:contoso/app:ref:refs/heads/main", "😀"] {
        assert!(glob_matches("*", text), "{text:?}");
        assert!(glob_matches("***", text), "{text:?}");
    }
}

#[test]
fn glob_worst_case_is_fast() {
    let text = "a".repeat(5000);
    let pattern = format!("{}b", "*a".repeat(400));
    assert!(!glob_matches(&pattern, &text));
}

#[test]
fn array_claims_match_if_any_element_matches() {
    let e = ok("claims['groups'] matches 'team-*'");
    assert!(e.evaluate(&claims(json!({"groups": ["admins", "team-a"]}))));
    assert!(e.evaluate(&claims(json!({"groups": [1, null, "team-b"]}))));
    assert!(!e.evaluate(&claims(json!({"groups": ["admins", 7]}))));
    assert!(!e.evaluate(&claims(json!({"groups": []}))));
    assert!(!e.evaluate(&claims(json!({"groups": [["team-a"]]}))));
}

#[test]
fn and_requires_every_comparison() {
    let e = ok("claims['a'] eq '1' and claims['b'] eq '2' and claims['c'] matches '*'");
    assert!(e.evaluate(&claims(json!({"a": "1", "b": "2", "c": ""}))));
    assert!(!e.evaluate(&claims(json!({"a": "1", "b": "2"}))));
    assert!(!e.evaluate(&claims(json!({"a": "1", "b": "3", "c": "x"}))));
}

// ---- properties ----

proptest! {
    #[test]
    fn literal_pattern_is_string_equality(p in "[^*?]{0,12}", t in "[^*?]{0,12}") {
        prop_assert_eq!(glob_matches(&p, &t), p == t);
        prop_assert!(glob_matches(&p, &p));
    }

    #[test]
    fn literal_pattern_small_alphabet(p in "[ab]{0,6}", t in "[ab]{0,6}") {
        prop_assert_eq!(glob_matches(&p, &t), p == t);
    }

    #[test]
    fn star_s_star_matches_text_containing_s(
        s in "[^*?]{0,6}", pre in "\\PC{0,8}", post in "\\PC{0,8}"
    ) {
        let text = format!("{pre}{s}{post}");
        let pattern = format!("*{s}*");
        prop_assert!(glob_matches(&pattern, &text));
    }

    #[test]
    fn star_s_star_is_containment(s in "[ab]{0,3}", t in "[ab]{0,8}") {
        prop_assert_eq!(glob_matches(&format!("*{s}*"), &t), t.contains(&s));
    }

    #[test]
    fn escaping_round_trips(s in "\\PC{0,40}|['\\\\ab]{0,20}") {
        let text = format!("claims['x'] eq {}", quote_literal(&s));
        let e = parse(&text, 1).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&e.comparisons()[0].value, &s);
        let x = claims(json!({ "x": s.clone() }));
        prop_assert!(e.evaluate(&x));
        let canonical = parse(&e.to_string(), 1).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(canonical, e);
    }

    #[test]
    fn parser_never_panics(text in "\\PC{0,60}") {
        let _ = parse(&text, 1);
    }

    #[test]
    fn parser_never_panics_on_near_misses(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("claims"), Just("["), Just("]"), Just("("), Just(")"), Just("'a'"),
                Just("\"b\""), Just("matches"), Just("eq"), Just("and"), Just("or"),
                Just("'"), Just("\\"), Just(" "),
            ],
            0..16,
        )
    ) {
        let _ = parse(&parts.concat(), 1);
    }
}
