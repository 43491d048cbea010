//! Values as the Terraform evaluator and its functions both build them: type names, the
//! unknown inside a value, map keys, and string templates. The lower module of the two, so
//! that `functions` needs nothing from `eval`.

use crate::model::{Part, Reason, Unknown, Value};

/// Elements a single for expression, `range` or similar may produce.
pub const MAX_COLLECTION: usize = 200_000;

/// The unknown inside a value, or an invalid-expression unknown naming what was expected.
pub fn unknown_of(v: &Value, what: &str) -> Unknown {
    match v.first_unknown() {
        Some(u) => u.clone(),
        None => match v {
            Value::Ref(r) => Unknown {
                reason: Reason::Computed,
                detail: format!("{r}"),
            },
            _ => Unknown {
                reason: Reason::InvalidExpression,
                detail: format!("{what} is {}", type_name(v)),
            },
        },
    }
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Map(_) => "object",
        Value::Ref(_) => "a resource attribute",
        Value::Template(_) => "a string built from references",
        Value::Symbol(_) => "a deployment value",
        Value::Encoded(_) => "JSON text",
        Value::Base64(_) => "base64 text",
        Value::Unknown(_) => "unknown",
    }
}

/// The string form of a map key or set element.
pub fn key_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(crate::model::value::format_number(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Appends text to template parts, merging with a preceding text part.
pub fn push_text(out: &mut Vec<Part>, s: &str) {
    if let Some(Part::Text(t)) = out.last_mut() {
        t.push_str(s);
    } else if !s.is_empty() {
        out.push(Part::Text(s.to_string()));
    }
}

/// Appends an interpolated value to template parts.
pub fn interpolate(out: &mut Vec<Part>, v: Value) {
    match v {
        Value::String(s) => push_text(out, &s),
        Value::Number(n) => push_text(out, &crate::model::value::format_number(n)),
        Value::Bool(b) => push_text(out, &b.to_string()),
        Value::Ref(r) => out.push(Part::Ref(r)),
        Value::Symbol(s) => out.push(Part::Symbol(s)),
        Value::Template(parts) => {
            for p in parts {
                match p {
                    Part::Text(t) => push_text(out, &t),
                    other => out.push(other),
                }
            }
        }
        Value::Unknown(u) => out.push(Part::Unknown(u)),
        Value::Null => out.push(Part::Unknown(Unknown {
            reason: Reason::InvalidExpression,
            detail: "null in a string template".into(),
        })),
        other => out.push(Part::Unknown(unknown_of(&other, "template value"))),
    }
}

/// Collapses template parts: all text is a string; one lone ref is the ref's string form.
pub fn template_value(parts: Vec<Part>) -> Value {
    match parts.as_slice() {
        [] => Value::String(String::new().into()),
        [Part::Text(t)] => Value::String(t.clone().into()),
        _ => Value::Template(parts),
    }
}

/// Attributes whose value is the JSON text of a document the AWS API takes as structure
/// (`jsonencode(...)` of a Batch job's container properties): the property table reads paths
/// inside them (`container_properties.jobRoleArn`).
const JSON_DOCUMENTS: &[(&str, &str)] = &[
    ("aws_batch_job_definition", "container_properties"),
    ("aws_batch_job_definition", "ecs_properties"),
];

/// Holds each JSON document attribute of `r` as the value its text encodes
/// ([`Value::Encoded`], what `jsonencode` gives when the document holds references), so the
/// property table can read inside it. Text that is not JSON stays as it is.
pub fn decode_json_documents(r: &mut crate::model::Resource) {
    for (ty, attr) in JSON_DOCUMENTS {
        if r.source_type != *ty {
            continue;
        }
        if let Some(v) = r.attributes.get_mut(attr) {
            if let Value::String(text) = &*v {
                if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
                    *v = Value::Encoded(Box::new(Value::from_json(&json)));
                }
            }
        }
    }
}
