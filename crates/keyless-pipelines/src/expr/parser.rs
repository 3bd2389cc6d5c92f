//! Tokens to a tree: literals, named values, function calls, `.name` and `[index]`.

use super::functions::{self, Func};
use super::lexer::{Tok, Token, lex};
use super::value::Version;
use super::{ExprError, MAX_DEPTH, MAX_LEN};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Ast {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Version(Version),
    /// A named value: `parameters`, `variables`, or an `each` loop's name.
    Name {
        name: String,
        at: usize,
    },
    Call {
        func: &'static Func,
        args: Vec<Ast>,
        at: usize,
    },
    /// `target.name`.
    Prop {
        target: Box<Ast>,
        name: String,
        at: usize,
    },
    /// `target[index]`.
    Index {
        target: Box<Ast>,
        index: Box<Ast>,
        at: usize,
    },
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// The offset just past the text, for errors at its end.
    end: usize,
}

pub(super) fn parse(text: &str) -> Result<Ast, ExprError> {
    let len = text.chars().count();
    if len > MAX_LEN {
        return Err(ExprError::syntax(
            0,
            format!("The expression is longer than {MAX_LEN} characters"),
        ));
    }
    let mut p = Parser {
        tokens: lex(text)?,
        pos: 0,
        end: len,
    };
    if p.tokens.is_empty() {
        return Err(ExprError::syntax(0, "Expected an expression"));
    }
    let ast = p.expr(0)?;
    if let Some(t) = p.tokens.get(p.pos) {
        return Err(unexpected(t));
    }
    Ok(ast)
}

fn unexpected(t: &Token) -> ExprError {
    let shown = match &t.tok {
        Tok::Ident(s) => s.clone(),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Number(n) => super::value::number_text(*n),
        Tok::Version(v) => v.text(),
        Tok::True => "true".into(),
        Tok::False => "false".into(),
        Tok::Null => "null".into(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::LBracket => "[".into(),
        Tok::RBracket => "]".into(),
        Tok::Comma => ",".into(),
        Tok::Dot => ".".into(),
        Tok::Star => "*".into(),
    };
    ExprError::syntax(t.at, format!("Unexpected symbol: '{shown}'"))
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn expect(&mut self, want: &Tok, what: &str) -> Result<(), ExprError> {
        match self.next() {
            Some(t) if &t.tok == want => Ok(()),
            Some(t) => Err(unexpected(&t)),
            None => Err(ExprError::syntax(
                self.end,
                format!("Unexpected end of expression: expected {what}"),
            )),
        }
    }

    fn deep(&self, depth: usize, at: usize) -> Result<(), ExprError> {
        if depth > MAX_DEPTH {
            return Err(ExprError::syntax(
                at,
                format!("The expression nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn expr(&mut self, depth: usize) -> Result<Ast, ExprError> {
        let Some(t) = self.next() else {
            return Err(ExprError::syntax(self.end, "Unexpected end of expression"));
        };
        self.deep(depth, t.at)?;
        let mut ast = match t.tok {
            Tok::Null => Ast::Null,
            Tok::True => Ast::Bool(true),
            Tok::False => Ast::Bool(false),
            Tok::Number(n) => Ast::Number(n),
            Tok::Str(s) => Ast::Str(s),
            Tok::Version(v) => Ast::Version(v),
            Tok::Ident(name) if self.peek() == Some(&Tok::LParen) => {
                self.pos += 1;
                self.call(name, t.at, depth)?
            }
            Tok::Ident(name) => Ast::Name { name, at: t.at },
            _ => return Err(unexpected(&t)),
        };
        // Accessors: each counts as a level.
        let mut level = depth;
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    let dot = self.next().map(|t| t.at).unwrap_or(self.end);
                    level += 1;
                    self.deep(level, dot)?;
                    match self.next() {
                        Some(Token {
                            tok: Tok::Ident(name),
                            ..
                        }) => {
                            ast = Ast::Prop {
                                target: Box::new(ast),
                                name,
                                at: dot,
                            }
                        }
                        Some(Token { tok: Tok::Star, at }) => {
                            return Err(ExprError::syntax(
                                at,
                                "Filtered arrays (`.*`) are not supported at compile time here",
                            ));
                        }
                        Some(other) => return Err(unexpected(&other)),
                        None => {
                            return Err(ExprError::syntax(
                                self.end,
                                "Unexpected end of expression: expected a property name",
                            ));
                        }
                    }
                }
                Some(Tok::LBracket) => {
                    let open = self.next().map(|t| t.at).unwrap_or(self.end);
                    level += 1;
                    self.deep(level, open)?;
                    if let Some(Tok::Star) = self.peek() {
                        let at = self.tokens.get(self.pos).map(|t| t.at).unwrap_or(open);
                        return Err(ExprError::syntax(
                            at,
                            "Filtered arrays (`[*]`) are not supported at compile time here",
                        ));
                    }
                    let index = self.expr(level + 1)?;
                    self.expect(&Tok::RBracket, "']'")?;
                    ast = Ast::Index {
                        target: Box::new(ast),
                        index: Box::new(index),
                        at: open,
                    };
                }
                _ => return Ok(ast),
            }
        }
    }

    fn call(&mut self, name: String, at: usize, depth: usize) -> Result<Ast, ExprError> {
        let mut args = Vec::new();
        if self.peek() == Some(&Tok::RParen) {
            self.pos += 1;
        } else {
            loop {
                args.push(self.expr(depth + 1)?);
                match self.next() {
                    Some(Token {
                        tok: Tok::Comma, ..
                    }) => {}
                    Some(Token {
                        tok: Tok::RParen, ..
                    }) => break,
                    Some(other) => return Err(unexpected(&other)),
                    None => {
                        return Err(ExprError::syntax(
                            at,
                            format!("Unclosed function: '{name}'"),
                        ));
                    }
                }
            }
        }
        let Some(func) = functions::lookup(&name) else {
            return Err(ExprError::eval(
                at,
                format!("Unrecognized function name: '{name}'"),
            ));
        };
        if args.len() < func.min {
            return Err(ExprError::eval(
                at,
                format!("Too few parameters supplied: '{}'", func.name),
            ));
        }
        if func.max.is_some_and(|max| args.len() > max) {
            return Err(ExprError::eval(
                at,
                format!("Too many parameters supplied: '{}'", func.name),
            ));
        }
        Ok(Ast::Call { func, args, at })
    }
}
