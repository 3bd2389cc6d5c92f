//! Claims matching expressions of *flexible* federated identity credentials (language
//! version 1): `claims['sub'] matches 'repo:contoso/app:ref:refs/heads/*' and
//! claims['aud'] eq 'api://AzureADTokenExchange'`.
//!
//! Grammar (whitespace is free between tokens):
//!
//! ```text
//! expression := group ('and' group)*            at most 10 comparisons, 1000 characters
//! group      := '(' expression ')' | comparison
//! comparison := 'claims' '[' name ']' ('matches' | 'eq') literal
//! name       := a single- or double-quoted, non-empty string
//! literal    := a single-quoted string
//! ```
//!
//! Inside a quoted string a backslash escapes the closing quote (`\'`, or `\"` in a
//! double-quoted name) and itself (`\\`); any other backslash sequence is an error, so
//! `'C:\\dir'` spells `C:\dir`. Keywords (`claims`, `matches`, `eq`, `and`) are lowercase.
//! `matches` is a whole-string, case-sensitive glob where `*` is any run of characters
//! (possibly empty) and `?` exactly one character; `eq` is exact string equality.
//!
//! Positions in errors are 0-based character (not byte) offsets into the text.
//! Pure code: parsing and evaluation only.

use serde_json::{Map, Value};
use std::fmt;

/// The only language version.
pub const LANGUAGE_VERSION: i64 = 1;
/// Longer expressions are refused.
pub const MAX_EXPRESSION_CHARS: usize = 1000;
/// At most this many comparisons may be joined with `and`.
pub const MAX_COMPARISONS: usize = 10;

/// Words that users reach for but the language does not have (compared lowercased).
/// Characters of operators from other languages (`==`, `!=`, `&&`, `||`…).
const SYMBOLS: &str = "=!<>|&~^";
const UNSUPPORTED_OPERATORS: &str =
    "or not ne neq contains startswith endswith in like any all equals lt le gt ge xor";

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// Whole-string glob match (`*`, `?`).
    Matches,
    /// Exact string equality.
    Eq,
}

/// `claims['<claim>'] <operator> '<value>'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub claim: String,
    pub operator: Operator,
    pub value: String,
}

/// A parsed claims matching expression: a conjunction of comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression {
    comparisons: Vec<Comparison>,
}

/// Why an expression was refused. `Display` says what was expected and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpressionError {
    #[error("unsupported languageVersion {0}; only languageVersion 1 is supported")]
    UnsupportedVersion(i64),
    #[error(
        "the claims matching expression is empty; expected e.g. claims['sub'] matches 'repo:contoso/app:*'"
    )]
    Empty,
    #[error("the claims matching expression is {0} characters long; at most 1000 are allowed")]
    TooLong(usize),
    #[error(
        "too many comparisons: at most 10 may be joined with 'and' (comparison 11 starts at position {0})"
    )]
    TooManyComparisons(usize),
    #[error("unknown operator '{operator}' at position {position}; {hint}")]
    UnknownOperator {
        operator: String,
        position: usize,
        hint: String,
    },
    #[error("unterminated string starting at position {0}; close it with the same quote")]
    UnterminatedString(usize),
    #[error(
        "invalid escape '\\{0}' at position {1}; inside a string only \\' (or \\\" in a double-quoted name) and \\\\ are escapes"
    )]
    InvalidEscape(char, usize),
    #[error("unexpected character '{0}' at position {1}")]
    UnexpectedCharacter(char, usize),
    #[error("empty claim name at position {0}; expected e.g. claims['sub']")]
    EmptyClaimName(usize),
    #[error("expected {expected} at position {position}, found {found}")]
    Expected {
        expected: String,
        position: usize,
        found: String,
    },
}

/// Parses `text` written in `language_version` (only 1 exists).
pub fn parse(text: &str, language_version: i64) -> Result<Expression, ExpressionError> {
    if language_version != LANGUAGE_VERSION {
        return Err(ExpressionError::UnsupportedVersion(language_version));
    }
    let length = text.chars().count();
    if length > MAX_EXPRESSION_CHARS {
        return Err(ExpressionError::TooLong(length));
    }
    if text.trim().is_empty() {
        return Err(ExpressionError::Empty);
    }
    Parser {
        chars: text.chars().collect(),
        at: 0,
        peeked: None,
    }
    .expression()
}

/// Whole-string glob match on chars: `*` any run (possibly empty), `?` exactly one char,
/// everything else literal and case-sensitive. Iterative backtracking to the last `*`
/// only, so time is O(pattern × text) at worst and there is no recursion.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // After the last `*` seen: the pattern index following it, and the text index it
    // currently stops at.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi + 1, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more char and retry from there.
                Some((after, stop)) => {
                    star = Some((after, stop + 1));
                    pi = after;
                    ti = stop + 1;
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Quotes `s` as a single-quoted literal (`'` → `\'`, `\` → `\\`): `parse` reads it back as `s`.
pub fn quote_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

impl Expression {
    /// The comparisons, in the order written (parentheses flattened: `and` is associative).
    pub fn comparisons(&self) -> &[Comparison] {
        &self.comparisons
    }

    /// True only if every comparison holds. A comparison on a missing claim, or on a claim
    /// that is neither a string nor an array, is false; a claim that is an array holds if
    /// any of its string elements satisfies the comparison (non-string elements are skipped).
    pub fn evaluate(&self, claims: &Map<String, Value>) -> bool {
        self.comparisons.iter().all(|c| c.evaluate(claims))
    }

    /// The claim names the expression reads, in order of first appearance, without repeats.
    pub fn claim_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for c in &self.comparisons {
            if !names.contains(&c.claim.as_str()) {
                names.push(&c.claim);
            }
        }
        names
    }
}

impl Comparison {
    fn holds(&self, actual: &str) -> bool {
        match self.operator {
            Operator::Eq => actual == self.value,
            Operator::Matches => glob_matches(&self.value, actual),
        }
    }

    /// See [`Expression::evaluate`].
    pub fn evaluate(&self, claims: &Map<String, Value>) -> bool {
        match claims.get(&self.claim) {
            Some(Value::String(s)) => self.holds(s),
            Some(Value::Array(items)) => items
                .iter()
                .any(|v| v.as_str().is_some_and(|s| self.holds(s))),
            _ => false,
        }
    }
}

impl Operator {
    /// The keyword: `matches` or `eq`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Matches => "matches",
            Operator::Eq => "eq",
        }
    }
}

/// Canonical spelling, which `parse` reads back as an equal expression.
impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (claim, value) = (quote_literal(&self.claim), quote_literal(&self.value));
        write!(f, "claims[{claim}] {} {value}", self.operator.as_str())
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.comparisons.iter().map(|c| c.to_string()).collect();
        f.write_str(&parts.join(" and "))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Word(String),
    Symbol(String),
    Str { value: String, quote: char },
    Open(char),
    Close(char),
    End,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    position: usize,
}

impl Token {
    fn describe(&self) -> String {
        match &self.kind {
            Kind::Word(w) | Kind::Symbol(w) => format!("'{w}'"),
            Kind::Str { value, quote: '\'' } => format!("the string {}", quote_literal(value)),
            Kind::Str { .. } => "a double-quoted string".into(),
            Kind::Open(c) | Kind::Close(c) => format!("'{c}'"),
            Kind::End => "the end of the expression".into(),
        }
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(&self.kind, Kind::Word(x) if x == w)
    }
}

/// A lazy lexer with one token of lookahead, so errors are reported left to right.
struct Parser {
    chars: Vec<char>,
    at: usize,
    peeked: Option<Token>,
}

impl Parser {
    fn expression(mut self) -> Result<Expression, ExpressionError> {
        let mut comparisons = Vec::new();
        let mut open: Vec<usize> = Vec::new(); // positions of unclosed '('
        loop {
            while let Kind::Open('(') = self.peek()?.kind {
                open.push(self.next()?.position);
            }
            if comparisons.len() == MAX_COMPARISONS {
                let start = self.peek()?.position;
                return Err(ExpressionError::TooManyComparisons(start));
            }
            comparisons.push(self.comparison()?);
            let mut token = self.next()?;
            while token.kind == Kind::Close(')') && open.pop().is_some() {
                token = self.next()?;
            }
            match &token.kind {
                Kind::Word(w) if w == "and" => continue,
                Kind::End if open.is_empty() => return Ok(Expression { comparisons }),
                _ => {}
            }
            let what = match open.last() {
                Some(p) => format!("')' closing the '(' at position {p}, or 'and'"),
                None => "'and' or the end of the expression".into(),
            };
            let error = unknown_operator(&token, "join comparisons with 'and'", false);
            return Err(error.unwrap_or_else(|| expected(&what, &token)));
        }
    }

    fn comparison(&mut self) -> Result<Comparison, ExpressionError> {
        let token = self.next()?;
        if !token.is_word("claims") {
            let hint = "a comparison starts with claims['<name>']";
            let error = unknown_operator(&token, hint, false);
            return Err(error.unwrap_or_else(|| expected("claims['<name>']", &token)));
        }
        self.punctuation(Kind::Open('['), "'[' after 'claims'")?;
        let token = self.next()?;
        let Kind::Str { value: claim, .. } = token.kind else {
            return Err(expected(
                "a quoted claim name such as claims['sub']",
                &token,
            ));
        };
        if claim.is_empty() {
            return Err(ExpressionError::EmptyClaimName(token.position));
        }
        let quoted = format!("claims[{}]", quote_literal(&claim));
        self.punctuation(
            Kind::Close(']'),
            &format!("']' after {}", &quoted[..quoted.len() - 1]),
        )?;
        let token = self.next()?;
        let operator = match &token.kind {
            Kind::Word(w) if w == "matches" => Operator::Matches,
            Kind::Word(w) if w == "eq" => Operator::Eq,
            _ => {
                let what = format!("'matches' or 'eq' after {quoted}");
                let error = unknown_operator(&token, &format!("use {what}"), !token.is_word("and"));
                return Err(error.unwrap_or_else(|| expected(&what, &token)));
            }
        };
        let token = self.next()?;
        let Kind::Str { value, quote: '\'' } = token.kind else {
            let what = format!("a single-quoted string after '{}'", operator.as_str());
            return Err(expected(&what, &token));
        };
        Ok(Comparison {
            claim,
            operator,
            value,
        })
    }

    fn punctuation(&mut self, kind: Kind, what: &str) -> Result<(), ExpressionError> {
        let token = self.next()?;
        if token.kind == kind {
            Ok(())
        } else {
            Err(expected(what, &token))
        }
    }

    fn peek(&mut self) -> Result<&Token, ExpressionError> {
        let token = self.next()?;
        Ok(self.peeked.insert(token))
    }

    fn next(&mut self) -> Result<Token, ExpressionError> {
        if let Some(token) = self.peeked.take() {
            return Ok(token);
        }
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
        let position = self.at;
        let run = |this: &mut Self, f: fn(char) -> bool| {
            while this.chars.get(this.at).is_some_and(|&c| f(c)) {
                this.at += 1;
            }
            this.chars[position..this.at].iter().collect::<String>()
        };
        let kind = match self.chars.get(position).copied() {
            None => Kind::End,
            Some(c @ ('[' | '(')) => Kind::Open(c),
            Some(c @ (']' | ')')) => Kind::Close(c),
            Some(quote @ ('\'' | '"')) => self.string(quote)?,
            Some(c) if c.is_alphanumeric() || c == '_' => {
                Kind::Word(run(self, |c| c.is_alphanumeric() || c == '_'))
            }
            Some(c) if SYMBOLS.contains(c) => Kind::Symbol(run(self, |c| SYMBOLS.contains(c))),
            Some(c) => return Err(ExpressionError::UnexpectedCharacter(c, position)),
        };
        if matches!(kind, Kind::Open(_) | Kind::Close(_)) {
            self.at += 1;
        }
        Ok(Token { kind, position })
    }

    /// The string delimited by `quote` that starts at `self.at`; moves past it.
    fn string(&mut self, quote: char) -> Result<Kind, ExpressionError> {
        let start = self.at;
        let mut value = String::new();
        loop {
            self.at += 1;
            match self.chars.get(self.at).copied() {
                None => return Err(ExpressionError::UnterminatedString(start)),
                Some(c) if c == quote => break,
                Some('\\') => match self.chars.get(self.at + 1).copied() {
                    None => return Err(ExpressionError::UnterminatedString(start)),
                    Some(c) if c == quote || c == '\\' => {
                        value.push(c);
                        self.at += 1;
                    }
                    Some(c) => return Err(ExpressionError::InvalidEscape(c, self.at)),
                },
                Some(c) => value.push(c),
            }
        }
        self.at += 1;
        Ok(Kind::Str { value, quote })
    }
}

fn expected(what: &str, found: &Token) -> ExpressionError {
    ExpressionError::Expected {
        expected: what.into(),
        position: found.position,
        found: found.describe(),
    }
}

/// `UnknownOperator` for a word or symbol used where an operator or `claims` belongs:
/// always for symbols, mis-cased keywords and well-known operators of other languages
/// (`or`, `ne`, `contains`…), and for any other word too when `any_word`.
fn unknown_operator(token: &Token, hint: &str, any_word: bool) -> Option<ExpressionError> {
    let (Kind::Word(w) | Kind::Symbol(w)) = &token.kind else {
        return None;
    };
    let lower = w.to_lowercase();
    let hint = if *w != lower && ["matches", "eq", "and", "claims"].contains(&lower.as_str()) {
        format!("keywords are lowercase: write '{lower}'")
    } else if any_word
        || matches!(token.kind, Kind::Symbol(_))
        || UNSUPPORTED_OPERATORS.split(' ').any(|o| o == lower)
    {
        format!("only 'matches', 'eq' and 'and' exist; {hint}")
    } else {
        return None;
    };
    Some(ExpressionError::UnknownOperator {
        operator: w.clone(),
        position: token.position,
        hint,
    })
}

#[cfg(test)]
#[path = "expression_tests.rs"]
mod tests;
