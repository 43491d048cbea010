//! The tags a resource is created with, whatever language wrote them: Terraform's `tags` map
//! (`tags_all`, which also holds the provider's default tags, in a plan and where the
//! evaluation merged a provider's `default_tags`), CloudFormation's
//! `Tags`, a list of `Key`/`Value` pairs or, for the types that take one, a map. AWS Backup
//! selects stores by their tags, so whether a store carries a tag is a fact the checks read.

use super::{Language, Resource, Value};
use crate::source::Span;

/// What a resource's code says of one tag key.
#[derive(Debug, Clone, PartialEq)]
pub enum Tag {
    /// The code sets no tag of that key (and every key it sets is known).
    Absent,
    /// The tag's value, and where it is written.
    Known(String, Span),
    /// Whether the tag is set, or to what, is not settled (a variable, a key or value that is
    /// computed): the value that is not known.
    Unknown(Value, Span),
}

/// The tag `key` of `r` (keys compare exactly, as AWS compares them).
pub fn tag(r: &Resource, key: &str) -> Tag {
    let (attr, pairs) = match r.language {
        Language::CloudFormation => ("Tags", true),
        Language::Plan => ("tags_all", false),
        // `tags_all` when the provider has default tags (the evaluation merges them).
        Language::Terraform if r.attr("tags_all").is_some() => ("tags_all", false),
        Language::Terraform => ("tags", false),
    };
    let Some(v) = r.attr(attr).or_else(|| {
        (r.language == Language::Plan)
            .then(|| r.attr("tags"))
            .flatten()
    }) else {
        return Tag::Absent;
    };
    let span = r.span_of(attr);
    let at = |k: &str| r.span_of(&format!("{attr}.{k}"));
    match v {
        Value::Null => Tag::Absent,
        Value::Map(m) => {
            if let Some(value) = m.get(key) {
                return known(value, at(key));
            }
            Tag::Absent
        }
        Value::List(items) if pairs => {
            let mut open = None;
            for (n, item) in items.iter().enumerate() {
                let Value::Map(m) = item else {
                    open.get_or_insert((item.clone(), span));
                    continue;
                };
                match m.get("Key") {
                    Some(Value::String(k)) if k.as_str() == key => {
                        return match m.get("Value") {
                            Some(value) => known(value, r.span_of(&format!("{attr}[{n}].Value"))),
                            None => Tag::Absent,
                        };
                    }
                    Some(Value::String(_)) => {}
                    Some(other) => {
                        open.get_or_insert((other.clone(), r.span_of(&format!("{attr}[{n}]"))));
                    }
                    None => {}
                }
            }
            match open {
                Some((v, s)) => Tag::Unknown(v, s),
                None => Tag::Absent,
            }
        }
        other => Tag::Unknown(other.clone(), span),
    }
}

fn known(v: &Value, span: Span) -> Tag {
    match v {
        Value::String(s) => Tag::Known(s.to_string(), span),
        Value::Bool(b) => Tag::Known(b.to_string(), span),
        Value::Number(n) => Tag::Known(super::value::format_number(*n), span),
        other => Tag::Unknown(other.clone(), span),
    }
}
