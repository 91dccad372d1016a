//! Per-connector event filters: a condition on the envelope's fields,
//! parsed when the configuration loads and evaluated at ingest.
//!
//! ```text
//! data.transfer.urgency == "emergency"
//! data.summary.intent in ["support", "repair"] && data.duration_seconds >= 30
//! "support" in data.tags || !(data.lead.urgency == "later")
//! data.lead.email                       # present, not null, false or ""
//! ```
//!
//! Paths are dotted field names from the envelope root (`type`, `id`,
//! `data...`; a number indexes an array). A missing field reads as `null`.
//! Operators: `==`, `!=`, `<`, `<=`, `>`, `>=` (numbers or strings), `in`
//! (a `[...]` list or an array field), `&&`, `||`, `!` and parentheses.

mod parse;

use std::{cmp::Ordering, fmt};

use serde_json::Value;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    source: String,
    root: Expr,
}

/// A filter that does not parse.
#[derive(Debug, Clone, thiserror::Error)]
#[error("filter `{source_text}`: at column {column}: {message}")]
pub struct FilterError {
    /// The filter text.
    pub source_text: String,
    /// 1-based character column of the problem.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(Operand, Op, Operand),
    Truthy(Operand),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Path(Vec<String>),
    Literal(Value),
}

impl Filter {
    /// Parses a filter expression.
    pub fn parse(source: &str) -> Result<Self, FilterError> {
        let root = parse::parse(source).map_err(|(column, message)| FilterError {
            source_text: source.to_owned(),
            column,
            message,
        })?;
        Ok(Filter {
            source: source.to_owned(),
            root,
        })
    }

    /// Whether an event envelope passes.
    pub fn matches(&self, envelope: &Value) -> bool {
        eval(&self.root, envelope)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn eval(e: &Expr, env: &Value) -> bool {
    match e {
        Expr::Or(a, b) => eval(a, env) || eval(b, env),
        Expr::And(a, b) => eval(a, env) && eval(b, env),
        Expr::Not(a) => !eval(a, env),
        Expr::Truthy(o) => truthy(resolve(o, env)),
        Expr::Compare(a, op, b) => compare(resolve(a, env), *op, resolve(b, env)),
    }
}

fn resolve<'a>(o: &'a Operand, env: &'a Value) -> &'a Value {
    match o {
        Operand::Literal(v) => v,
        Operand::Path(segments) => segments
            .iter()
            .try_fold(env, |v, s| match v {
                Value::Object(m) => m.get(s),
                Value::Array(a) => s.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            })
            .unwrap_or(&Value::Null),
    }
}

fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false)) && v.as_str() != Some("")
}

fn compare(a: &Value, op: Op, b: &Value) -> bool {
    match op {
        Op::Eq => equal(a, b),
        Op::Ne => !equal(a, b),
        Op::In => b.as_array().is_some_and(|l| l.iter().any(|x| equal(a, x))),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let ord = match (a, b) {
                (Value::Number(x), Value::Number(y)) => x.as_f64().partial_cmp(&y.as_f64()),
                (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
                _ => None,
            };
            match (ord, op) {
                (Some(o), Op::Lt) => o == Ordering::Less,
                (Some(o), Op::Le) => o != Ordering::Greater,
                (Some(o), Op::Gt) => o == Ordering::Greater,
                (Some(o), Op::Ge) => o != Ordering::Less,
                _ => false,
            }
        }
    }
}

/// Numbers compare by value (`1 == 1.0`); everything else structurally.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests;
