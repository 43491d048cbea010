//! Pieces of template values the stack, its intrinsics and SAM all use: the evaluation scope,
//! mapping-key text, and template parts. Lower than all three.

use crate::model::{Part, Value};
use crate::syntax::yaml::{Node, NodeValue};
use crate::terraform::values::push_text;
use std::collections::HashMap;

/// Names bound while evaluating: the parameters of a SAM policy template.
pub type Scope = HashMap<String, Value>;

/// The text of a mapping key (strings, numbers and booleans are all valid keys in YAML).
pub fn key_text(node: &Node) -> Option<String> {
    match &node.value {
        NodeValue::String(s) => Some(s.clone()),
        NodeValue::Number(_, t) => Some(t.clone()),
        NodeValue::Bool(b) => Some(b.to_string()),
        NodeValue::Null => Some("null".into()),
        _ => None,
    }
}

/// True when a number's text has a leading zero (`0123`): such values are identifiers.
pub fn has_leading_zero(text: &str) -> bool {
    let t = text.strip_prefix(['-', '+']).unwrap_or(text);
    t.len() > 1 && t.starts_with('0') && t.as_bytes()[1].is_ascii_digit()
}

/// Template parts as a value: text alone is a string, a lone ref, symbol or unknown is itself.
pub fn collapse(parts: Vec<Part>) -> Value {
    if parts.len() == 1 {
        return match parts.into_iter().next() {
            Some(Part::Text(t)) => Value::String(t.into()),
            Some(Part::Ref(r)) => Value::Ref(r),
            Some(Part::Symbol(s)) => Value::Symbol(s),
            Some(Part::Unknown(u)) => Value::Unknown(u),
            None => Value::String(String::new().into()),
        };
    }
    if parts.is_empty() {
        return Value::String(String::new().into());
    }
    Value::Template(parts)
}

/// Splits template parts at a delimiter found in their text; refs stay whole.
pub fn split_parts(parts: &[Part], delim: &str) -> Value {
    let mut out = Vec::new();
    let mut current: Vec<Part> = Vec::new();
    for p in parts {
        match p {
            Part::Text(t) if !delim.is_empty() => {
                let mut pieces = t.split(delim);
                if let Some(first) = pieces.next() {
                    push_text(&mut current, first);
                }
                for piece in pieces {
                    out.push(collapse(std::mem::take(&mut current)));
                    push_text(&mut current, piece);
                }
            }
            other => current.push(other.clone()),
        }
    }
    out.push(collapse(current));
    Value::List(out)
}
