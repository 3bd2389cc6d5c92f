//! Expression text to tokens, each with its character offset.

use super::ExprError;
use super::value::Version;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// A name: a function, a named value (`parameters`) or a property after `.`.
    Ident(String),
    Str(String),
    Number(f64),
    Version(Version),
    True,
    False,
    Null,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Star,
}

/// A token and the offset (in characters, from 0) where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) at: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// After one of these a `.` dereferences; elsewhere it starts a number (`.5`).
fn ends_value(t: Option<&Token>) -> bool {
    matches!(
        t.map(|t| &t.tok),
        Some(Tok::Ident(_) | Tok::RParen | Tok::RBracket | Tok::Star | Tok::Str(_))
    )
}

pub(super) fn lex(text: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i;
        let simple = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            ',' => Some(Tok::Comma),
            '*' => Some(Tok::Star),
            '.' if ends_value(out.last()) => Some(Tok::Dot),
            _ => None,
        };
        if let Some(tok) = simple {
            out.push(Token { tok, at });
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(ExprError::syntax(at, "Unclosed string literal")),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            out.push(Token {
                tok: Tok::Str(s),
                at,
            });
            continue;
        }
        if c.is_ascii_digit() || c == '-' || c == '.' {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push(Token {
                tok: number_or_version(&word, at)?,
                at,
            });
            continue;
        }
        if is_ident_start(c) {
            let start = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let tok = match word.to_ascii_lowercase().as_str() {
                "true" => Tok::True,
                "false" => Tok::False,
                "null" => Tok::Null,
                _ => Tok::Ident(word),
            };
            out.push(Token { tok, at });
            continue;
        }
        return Err(ExprError::syntax(at, format!("Unexpected symbol: '{c}'")));
    }
    Ok(out)
}

/// A number (`-1.5`, `.5`, `3`) or a version (`1.2.3`, two or three dots).
fn number_or_version(word: &str, at: usize) -> Result<Tok, ExprError> {
    let dots = word.matches('.').count();
    if dots >= 2 {
        return Version::parse(word)
            .map(Tok::Version)
            .ok_or_else(|| ExprError::syntax(at, format!("Unexpected symbol: '{word}'")));
    }
    let digits = word.trim_start_matches('-');
    if digits.is_empty() || digits == "." || digits.contains('-') {
        return Err(ExprError::syntax(
            at,
            format!("Unexpected symbol: '{word}'"),
        ));
    }
    word.parse::<f64>()
        .map(Tok::Number)
        .map_err(|_| ExprError::syntax(at, format!("Unexpected symbol: '{word}'")))
}
