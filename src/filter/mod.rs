//! Tag filters: a subscriber asks to receive only the events whose `tags` match a small boolean
//! expression (PROTOCOL.md, "tag filtering").
//!
//! A filter is parsed and validated once, when the client subscribes; matching is then a walk of
//! a tree of at most [`MAX_NODES`] nodes with no allocation. [`FilterIndex`] keeps a publish from
//! evaluating every filter of a channel: filters that require `key == value` (or `key in [...]`)
//! are found by the event's tags directly.

mod index;

pub use index::FilterIndex;

use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// An event's tags: string keys to string values.
pub type Tags = BTreeMap<String, String>;

/// Deepest nesting of branches a filter may have (a leaf alone has depth 1).
pub const MAX_DEPTH: usize = 8;
/// Most nodes (branches and leaves) in one filter.
pub const MAX_NODES: usize = 64;
/// Longest tag key or value in a filter, in bytes.
pub const MAX_VALUE_LENGTH: usize = 256;
/// Most values in one `in` / `nin` list.
pub const MAX_SET_SIZE: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Leaf { key: String, test: Test },
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
}

/// What a leaf asks of its tag's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Eq(String),
    Neq(String),
    In(HashSet<String>),
    Nin(HashSet<String>),
    Exists,
    NotExists,
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    Gt(f64),
    Gte(f64),
    Lt(f64),
    Lte(f64),
}

/// Why a filter was refused; the text names the offending node by its path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter at {path}: {problem}")]
pub struct FilterError {
    pub path: String,
    pub problem: String,
}

const COMPARISONS: &str = "eq, neq, in, nin, ex, nex, sw, ew, ct, gt, gte, lt, lte";

impl Filter {
    /// Parses and validates a filter given as JSON.
    pub fn parse(value: &Value) -> Result<Filter, FilterError> {
        let mut nodes = 0;
        parse_node(value, "filter", 1, &mut nodes)
    }

    /// True when an event with `tags` passes the filter.
    pub fn matches(&self, tags: &Tags) -> bool {
        match self {
            Filter::Leaf { key, test } => test.passes(tags.get(key).map(String::as_str)),
            Filter::And(nodes) => nodes.iter().all(|n| n.matches(tags)),
            Filter::Or(nodes) => nodes.iter().any(|n| n.matches(tags)),
            Filter::Not(node) => !node.matches(tags),
        }
    }

    /// A `key` and the values one of which the event must carry under it for the filter to
    /// pass, when the filter has such a condition (an `eq`/`in` leaf at the top, or directly
    /// under a top-level `and`). Used to index subscriptions.
    pub fn required_term(&self) -> Option<(&str, Vec<&str>)> {
        match self {
            Filter::Leaf {
                key,
                test: Test::Eq(value),
            } => Some((key, vec![value.as_str()])),
            Filter::Leaf {
                key,
                test: Test::In(values),
            } => Some((key, values.iter().map(String::as_str).collect())),
            Filter::And(nodes) => nodes.iter().find_map(|node| match node {
                Filter::Leaf { .. } => node.required_term(),
                _ => None,
            }),
            _ => None,
        }
    }
}

impl Test {
    /// `value` is the event's tag under the leaf's key, if it has one. A missing tag passes the
    /// negative tests (`neq`, `nin`, `nex`) and fails the rest.
    fn passes(&self, value: Option<&str>) -> bool {
        let Some(value) = value else {
            return matches!(self, Test::Neq(_) | Test::Nin(_) | Test::NotExists);
        };
        let number = || value.trim().parse::<f64>().ok().filter(|n| n.is_finite());
        match self {
            Test::Eq(expected) => value == expected,
            Test::Neq(expected) => value != expected,
            Test::In(set) => set.contains(value),
            Test::Nin(set) => !set.contains(value),
            Test::Exists => true,
            Test::NotExists => false,
            Test::StartsWith(prefix) => value.starts_with(prefix.as_str()),
            Test::EndsWith(suffix) => value.ends_with(suffix.as_str()),
            Test::Contains(part) => value.contains(part.as_str()),
            Test::Gt(bound) => number().is_some_and(|n| n > *bound),
            Test::Gte(bound) => number().is_some_and(|n| n >= *bound),
            Test::Lt(bound) => number().is_some_and(|n| n < *bound),
            Test::Lte(bound) => number().is_some_and(|n| n <= *bound),
        }
    }
}

fn fail<T>(path: &str, problem: impl Into<String>) -> Result<T, FilterError> {
    Err(FilterError {
        path: path.to_owned(),
        problem: problem.into(),
    })
}

fn parse_node(
    value: &Value,
    path: &str,
    depth: usize,
    nodes: &mut usize,
) -> Result<Filter, FilterError> {
    *nodes += 1;
    if *nodes > MAX_NODES {
        return fail(path, format!("a filter has at most {MAX_NODES} nodes"));
    }
    if depth > MAX_DEPTH {
        return fail(path, format!("a filter nests at most {MAX_DEPTH} levels"));
    }
    let Value::Object(object) = value else {
        return fail(path, "a node must be an object");
    };
    if let Some(op) = object.get("op") {
        return parse_branch(object, op, path, depth, nodes);
    }
    let key = match object.get("key") {
        Some(Value::String(key)) if !key.is_empty() => key,
        _ => {
            return fail(
                path,
                "a leaf needs a non-empty \"key\" string (or a branch an \"op\")",
            )
        }
    };
    check_length(key, &format!("{path}.key"))?;
    let cmp = match object.get("cmp") {
        Some(Value::String(cmp)) => cmp.as_str(),
        _ => return fail(path, format!("a leaf needs \"cmp\", one of {COMPARISONS}")),
    };
    let text = || leaf_text(object.get("val"), &format!("{path}.val"));
    let bound = || leaf_number(object.get("val"), path);
    let test = match cmp {
        "eq" => Test::Eq(text()?),
        "neq" => Test::Neq(text()?),
        "in" => Test::In(leaf_set(object.get("vals"), path)?),
        "nin" => Test::Nin(leaf_set(object.get("vals"), path)?),
        "ex" => Test::Exists,
        "nex" => Test::NotExists,
        "sw" => Test::StartsWith(text()?),
        "ew" => Test::EndsWith(text()?),
        "ct" => Test::Contains(text()?),
        "gt" => Test::Gt(bound()?),
        "gte" => Test::Gte(bound()?),
        "lt" => Test::Lt(bound()?),
        "lte" => Test::Lte(bound()?),
        other => {
            return fail(
                &format!("{path}.cmp"),
                format!("unknown comparison {other:?}; expected one of {COMPARISONS}"),
            )
        }
    };
    Ok(Filter::Leaf {
        key: key.clone(),
        test,
    })
}

fn parse_branch(
    object: &serde_json::Map<String, Value>,
    op: &Value,
    path: &str,
    depth: usize,
    nodes: &mut usize,
) -> Result<Filter, FilterError> {
    let op = match op {
        Value::String(op) if matches!(op.as_str(), "and" | "or" | "not") => op.as_str(),
        _ => {
            return fail(
                &format!("{path}.op"),
                "\"op\" must be \"and\", \"or\" or \"not\"",
            )
        }
    };
    let Some(Value::Array(children)) = object.get("nodes") else {
        return fail(path, format!("an {op:?} branch needs a \"nodes\" array"));
    };
    if op == "not" && children.len() != 1 {
        return fail(path, "\"not\" takes exactly one node");
    }
    if children.is_empty() {
        return fail(path, format!("an {op:?} branch needs at least one node"));
    }
    let mut parsed = Vec::with_capacity(children.len());
    for (i, child) in children.iter().enumerate() {
        parsed.push(parse_node(
            child,
            &format!("{path}.nodes[{i}]"),
            depth + 1,
            nodes,
        )?);
    }
    Ok(match op {
        "and" => Filter::And(parsed),
        "or" => Filter::Or(parsed),
        _ => Filter::Not(Box::new(parsed.remove(0))),
    })
}

fn check_length(text: &str, path: &str) -> Result<(), FilterError> {
    if text.len() > MAX_VALUE_LENGTH {
        return fail(path, format!("longer than {MAX_VALUE_LENGTH} bytes"));
    }
    Ok(())
}

/// A leaf's `val` as text: a string as it is, a number as its JSON text.
fn leaf_text(value: Option<&Value>, path: &str) -> Result<String, FilterError> {
    let text = match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => return fail(path, "must be a string or a number"),
    };
    check_length(&text, path)?;
    Ok(text)
}

fn leaf_number(value: Option<&Value>, path: &str) -> Result<f64, FilterError> {
    let number = match value {
        Some(Value::Number(number)) => number.as_f64(),
        Some(Value::String(text)) => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    match number.filter(|n| n.is_finite()) {
        Some(number) => Ok(number),
        None => fail(
            &format!("{path}.val"),
            "numeric comparisons need a number \"val\"",
        ),
    }
}

fn leaf_set(value: Option<&Value>, path: &str) -> Result<HashSet<String>, FilterError> {
    let path = format!("{path}.vals");
    let Some(Value::Array(values)) = value else {
        return fail(&path, "\"in\" and \"nin\" need a \"vals\" array");
    };
    if values.is_empty() || values.len() > MAX_SET_SIZE {
        return fail(&path, format!("1 to {MAX_SET_SIZE} values"));
    }
    values
        .iter()
        .enumerate()
        .map(|(i, v)| leaf_text(Some(v), &format!("{path}[{i}]")))
        .collect()
}

#[cfg(test)]
mod tests;
