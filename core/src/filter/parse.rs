//! A recursive-descent parser for filter expressions (grammar in `mod.rs`):
//! `or := and ("||" and)*`, `and := unary ("&&" unary)*`,
//! `unary := "!" unary | "(" or ")" | operand (op operand)?`.

use serde_json::Value;

use super::{Expr, Op, Operand};

/// Error: 1-based column and message.
type Error = (usize, String);

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Path(Vec<String>),
    Lit(Value),
    Op(Op),
    And,
    Or,
    Not,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

pub(super) fn parse(src: &str) -> Result<Expr, Error> {
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end: src.chars().count() + 1,
    };
    let e = p.or()?;
    if let Some((col, t)) = p.toks.get(p.pos) {
        return Err((*col, format!("unexpected {t:?} after a complete condition")));
    }
    Ok(e)
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, Error> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let (tok, len) = match (c, two.as_str()) {
            (c, _) if c.is_whitespace() => {
                i += 1;
                continue;
            }
            (_, "==") => (Tok::Op(Op::Eq), 2),
            (_, "!=") => (Tok::Op(Op::Ne), 2),
            (_, "<=") => (Tok::Op(Op::Le), 2),
            (_, ">=") => (Tok::Op(Op::Ge), 2),
            (_, "&&") => (Tok::And, 2),
            (_, "||") => (Tok::Or, 2),
            ('<', _) => (Tok::Op(Op::Lt), 1),
            ('>', _) => (Tok::Op(Op::Gt), 1),
            ('!', _) => (Tok::Not, 1),
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            ('[', _) => (Tok::LBracket, 1),
            (']', _) => (Tok::RBracket, 1),
            (',', _) => (Tok::Comma, 1),
            ('=', _) => return Err((col, "use `==` to compare".into())),
            ('"' | '\'', _) => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&x| x == c)
                    .ok_or((col, "unterminated string".to_string()))?;
                let s: String = chars[i + 1..i + 1 + close].iter().collect();
                (Tok::Lit(Value::String(s)), close + 2)
            }
            (c, _) if c.is_ascii_digit() || c == '-' => {
                let len = chars[i..]
                    .iter()
                    .position(|x| !(x.is_ascii_digit() || ".-eE+".contains(*x)))
                    .unwrap_or(chars.len() - i);
                let text: String = chars[i..i + len].iter().collect();
                let n: serde_json::Number = text
                    .parse()
                    .map_err(|_| (col, format!("'{text}' is not a number")))?;
                (Tok::Lit(Value::Number(n)), len)
            }
            (c, _) if c.is_alphabetic() || c == '_' => {
                let len = chars[i..]
                    .iter()
                    .position(|x| !(x.is_alphanumeric() || "_.-".contains(*x)))
                    .unwrap_or(chars.len() - i);
                let word: String = chars[i..i + len].iter().collect();
                let tok = match word.as_str() {
                    "true" => Tok::Lit(Value::Bool(true)),
                    "false" => Tok::Lit(Value::Bool(false)),
                    "null" => Tok::Lit(Value::Null),
                    "in" => Tok::Op(Op::In),
                    "and" | "or" | "not" => {
                        return Err((col, format!("write `{}` as a symbol", symbol(&word))))
                    }
                    _ => {
                        let segments: Vec<String> = word.split('.').map(str::to_owned).collect();
                        if segments.iter().any(String::is_empty) {
                            return Err((col, format!("'{word}' is not a field path")));
                        }
                        Tok::Path(segments)
                    }
                };
                (tok, len)
            }
            (c, _) => return Err((col, format!("unexpected character '{c}'"))),
        };
        out.push((col, tok));
        i += len;
    }
    Ok(out)
}

fn symbol(word: &str) -> &'static str {
    match word {
        "and" => "&&",
        "or" => "||",
        _ => "!",
    }
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(c, _)| *c)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|(_, t)| t.clone());
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Expr, Error> {
        let mut e = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, Error> {
        let mut e = self.unary()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        match self.peek() {
            Some(Tok::Not) => {
                self.pos += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let e = self.or()?;
                let col = self.col();
                match self.next() {
                    Some(Tok::RParen) => Ok(e),
                    _ => Err((col, "expected `)`".into())),
                }
            }
            _ => {
                let left = self.operand()?;
                let Some(Tok::Op(op)) = self.peek().cloned() else {
                    return Ok(Expr::Truthy(left));
                };
                self.pos += 1;
                let right = self.operand()?;
                if op == Op::In && matches!(&right, Operand::Literal(v) if !v.is_array()) {
                    return Err((self.col(), "`in` needs a [list] or an array field".into()));
                }
                Ok(Expr::Compare(left, op, right))
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, Error> {
        let col = self.col();
        match self.next() {
            Some(Tok::Path(p)) => Ok(Operand::Path(p)),
            Some(Tok::Lit(v)) => Ok(Operand::Literal(v)),
            Some(Tok::LBracket) => {
                let mut items = Vec::new();
                if self.peek() == Some(&Tok::RBracket) {
                    self.pos += 1;
                    return Ok(Operand::Literal(Value::Array(items)));
                }
                loop {
                    let col = self.col();
                    match self.next() {
                        Some(Tok::Lit(v)) => items.push(v),
                        _ => {
                            return Err((
                                col,
                                "a list holds only strings, numbers, true, false, null".into(),
                            ))
                        }
                    }
                    let col = self.col();
                    match self.next() {
                        Some(Tok::Comma) => {}
                        Some(Tok::RBracket) => return Ok(Operand::Literal(Value::Array(items))),
                        _ => return Err((col, "expected `,` or `]`".into())),
                    }
                }
            }
            Some(t) => Err((
                col,
                format!("expected a field, a value or a list, found {t:?}"),
            )),
            None => Err((col, "the condition ends too early".into())),
        }
    }
}
