//! Small readers shared by the network checks: attribute paths over both languages' shapes,
//! tri-state flags, references resolved to resources, and evidence.

use crate::model::{Label, Model, Part, Reason, Resource, Symbol, Unknown, Value};
use crate::source::Span;
use serde::Serialize;

/// Where a fact was read: a resource, an attribute path inside it (empty for the resource
/// itself) and the span of that attribute.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    pub resource: usize,
    pub attribute: String,
    #[serde(skip)]
    pub span: Span,
}

impl Evidence {
    pub fn at(model: &Model, resource: usize, attribute: &str) -> Evidence {
        let r = &model.resources[resource];
        Evidence {
            resource,
            attribute: attribute.to_string(),
            span: if attribute.is_empty() {
                r.span
            } else {
                r.span_of(attribute)
            },
        }
    }
}

impl Evidence {
    /// Where a property was read: the attribute (of the resource or of the facet that holds
    /// it), or the resource itself when the value is a default.
    pub fn found(model: &Model, resource: usize, found: &crate::model::Found) -> Evidence {
        match &found.origin {
            crate::model::PropOrigin::Attribute {
                resource: holder,
                path,
                span,
            } => Evidence {
                resource: *holder,
                attribute: path.clone(),
                span: *span,
            },
            crate::model::PropOrigin::Default { .. } => Evidence::at(model, resource, ""),
        }
    }
}

/// True for values that mean "not set": null, CloudFormation's `AWS::NoValue`.
pub fn is_absent(v: &Value) -> bool {
    matches!(v, Value::Null | Value::Symbol(Symbol::NoValue))
}

/// The value as an unknown value ([`Value::as_unknown`]).
pub fn unknown_of(v: &Value) -> Value {
    Value::Unknown(v.as_unknown())
}

/// The reason a value is unsettled ([`Value::as_unknown`]).
pub fn reason_of(v: &Value) -> Unknown {
    v.as_unknown()
}

/// A flag: `Ok(None)` when not set, `Ok(Some(b))` when known, `Err(unknown)` otherwise.
pub fn flag(v: Option<&Value>) -> Result<Option<bool>, Value> {
    match v {
        None => Ok(None),
        Some(v) if is_absent(v) => Ok(None),
        Some(v) => match v.as_bool() {
            Some(b) => Ok(Some(b)),
            None => Err(unknown_of(v)),
        },
    }
}

/// Text: `Ok(None)` when not set, `Ok(Some(s))` when known, `Err(unknown)` otherwise.
/// Numbers read as their text.
pub fn text(v: Option<&Value>) -> Result<Option<String>, Value> {
    match v {
        None => Ok(None),
        Some(v) if is_absent(v) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.to_string())),
        Some(Value::Number(n)) => Ok(Some(crate::model::value::format_number(*n))),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(v) => Err(unknown_of(v)),
    }
}

/// Whether a CIDR is every address of its family: `0.0.0.0/0`, `::/0`, and the other spellings
/// EC2 accepts for them (`0000:0000:0000:0000:0000:0000:0000:0000/0`, `0::0/0`), which are as
/// open as the short ones.
pub fn whole_internet(cidr: &str) -> bool {
    cidr.trim()
        .split_once('/')
        .is_some_and(|(address, prefix)| {
            prefix == "0"
                && address
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|a| a.is_unspecified())
        })
}

/// A template or string rendered with symbols as `*` (`com.amazonaws.*.s3`); `None` when a
/// ref or unknown sits inside.
pub fn text_with_symbols(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Template(parts) => {
            let mut out = String::new();
            for p in parts {
                match p {
                    Part::Text(t) => out.push_str(t),
                    Part::Symbol(_) => out.push('*'),
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// The resources a value references (a ref, a template around one ref, a list of those), in
/// order. Entries that name nothing in the tree are `Err` with an unknown value saying why:
/// literal ids (`subnet-0abc`) are outside the scanned tree.
pub fn targets(model: &Model, unit: &str, v: &Value) -> Vec<Result<usize, Value>> {
    let mut out = Vec::new();
    collect_targets(model, unit, v, &mut out);
    out
}

fn collect_targets(model: &Model, unit: &str, v: &Value, out: &mut Vec<Result<usize, Value>>) {
    match v {
        Value::Null | Value::Symbol(Symbol::NoValue) => {}
        Value::List(l) => {
            for x in l {
                collect_targets(model, unit, x, out);
            }
        }
        Value::Encoded(x) => collect_targets(model, unit, x, out),
        Value::Ref(r) => out.push(model.index_of(unit, &r.resource).ok_or_else(|| {
            Value::unknown(
                Reason::OutsideTree,
                format!("{} is not a resource in the scanned tree", r.resource),
            )
        })),
        Value::Template(parts) => {
            let refs: Vec<_> = parts
                .iter()
                .filter_map(|p| match p {
                    Part::Ref(r) => Some(r),
                    _ => None,
                })
                .collect();
            let unknown = parts.iter().find_map(|p| match p {
                Part::Unknown(u) => Some(u),
                _ => None,
            });
            match (refs.as_slice(), unknown) {
                (_, Some(u)) => out.push(Err(Value::Unknown(u.clone()))),
                ([r], None) => out.push(model.index_of(unit, &r.resource).ok_or_else(|| {
                    Value::unknown(
                        Reason::OutsideTree,
                        format!("{} is not a resource in the scanned tree", r.resource),
                    )
                })),
                _ => out.push(Err(unknown_of(v))),
            }
        }
        Value::String(s) => out.push(Err(Value::unknown(
            Reason::OutsideTree,
            format!("{s} is not a resource in the scanned tree"),
        ))),
        other => out.push(Err(unknown_of(other))),
    }
}

/// The one resource a value references, when it does.
pub fn target(model: &Model, unit: &str, v: &Value) -> Option<usize> {
    match targets(model, unit, v).as_slice() {
        [Ok(i)] => Some(*i),
        _ => None,
    }
}

/// The resources that reference `to` with an edge labelled `label`, owners folded.
pub fn referrers(model: &Model, to: usize, label: Label) -> Vec<usize> {
    let mut out: Vec<usize> = model
        .edges_to(to)
        .filter(|e| e.label == label)
        .map(|e| model.owner(e.from))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Facets of each resource (`facets[parent]`), in index order.
pub fn facets(model: &Model) -> std::collections::HashMap<usize, Vec<usize>> {
    let mut out: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    for (f, p) in &model.parents {
        out.entry(*p).or_default().push(*f);
    }
    out
}

/// The items of a list value (a lone value is a list of one).
pub fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::List(l) => l.iter().collect(),
        Value::Null | Value::Symbol(Symbol::NoValue) => Vec::new(),
        other => vec![other],
    }
}

/// False for a CloudFormation resource under a condition known to be false: it is not
/// deployed, so it neither exposes nor protects anything.
pub fn deployed(r: &Resource) -> bool {
    !matches!(&r.condition, Some(c) if c.value == Some(false))
}

#[cfg(test)]
mod tests {
    use super::whole_internet;

    #[test]
    fn every_spelling_of_the_whole_address_space_is_the_internet() {
        for open in [
            "0.0.0.0/0",
            "::/0",
            "0000:0000:0000:0000:0000:0000:0000:0000/0",
            "0::0/0",
        ] {
            assert!(whole_internet(open), "{open}");
        }
        for not_open in ["10.0.0.0/8", "0.0.0.0/1", "::/1", "0.0.0.0", "any"] {
            assert!(!whole_internet(not_open), "{not_open}");
        }
    }
}
